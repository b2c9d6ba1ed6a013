//! The static check of policy expressions, run through the binary: undeclared names,
//! fields a schema-typed `object` does not have and operators applied to types they do
//! not take are errors at the line and column inside the expression; `duration` and
//! `timestamp` work; `authorizer` is not judged offline.

mod common;

use common::kroute;

const HEAD: &str = "id: ACME001\nseverity: warning\nsummary: s\nmatch:\n  apiVersions: [apps/v1]\n  kinds: [Deployment]\n";

const DEPLOYMENT: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  annotations: {timeout: 45s, created: '2024-03-05T10:00:00Z'}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx:1.25
        resources: {limits: {cpu: 500m}}
";

/// The stderr and exit code of `kroute check` with the policy `policy` on `manifest`.
fn check(policy: &str, manifest: &str) -> (String, i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("p.yaml");
    std::fs::write(&file, policy).unwrap();
    let app = dir.path().join("app.yaml");
    std::fs::write(&app, manifest).unwrap();
    let shown = file.display().to_string();
    let out = kroute()
        .args(["check", "--no-config", "--policy", &shown])
        .arg(&app)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).replace(&shown, "p.yaml");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    (stderr, out.status.code().unwrap_or(-1), stdout)
}

/// The policy on Deployments with these validations (each in double quotes).
fn policy(validations: &[&str]) -> String {
    let mut policy = format!("{HEAD}validations:\n");
    for v in validations {
        policy.push_str(&format!("- expression: \"{v}\"\n"));
    }
    policy
}

/// The error `validations` give: the first line of stderr, the file shown as `p.yaml`.
fn error(validations: &str) -> String {
    let (stderr, code, _) = check(&format!("{HEAD}{validations}"), DEPLOYMENT);
    assert_eq!(code, 2, "{stderr}");
    let first = stderr.lines().next().unwrap_or_default();
    first.trim_start_matches("kroute: policy: ").to_string()
}

#[test]
fn type_errors_point_inside_the_expression() {
    let cases = [
        (
            "validations:\n- expression: objct.spec.replicas > 1\n",
            "p.yaml:8:15: CEL type error: undeclared reference to 'objct'; did you mean 'object'?",
        ),
        (
            "validations:\n- expression: \"object.spec.replicas > 'three'\"\n",
            "p.yaml:8:37: CEL type error: found no matching overload for '_>_' applied to '(int, string)'",
        ),
        (
            "validations:\n- expression: |\n    object.spec.template.spec.containers.all(c,\n      c.imag != '')\n",
            "p.yaml:10:9: CEL type error: undefined field 'imag'; did you mean 'image'?",
        ),
        (
            "validations:\n- expression: has(object.spec.template.spec.contaners)\n",
            "p.yaml:8:45: CEL type error: undefined field 'contaners'; did you mean 'containers'?",
        ),
        (
            "variables:\n- name: replicas\n  expression: object.spec.replicas\nvalidations:\n- expression: variables.replica > 1\n",
            "p.yaml:11:25: CEL type error: undefined field 'replica'; did you mean 'replicas'?",
        ),
        (
            "variables:\n- name: image\n  expression: object.spec.template.spec.containers[0].image\nvalidations:\n- expression: variables.image.startsWith(1)\n",
            "p.yaml:11:41: CEL type error: found no matching overload for 'startsWith' applied to 'string.(int)'",
        ),
        (
            "validations:\n- expression: size(object.spec.replicas) > 0\n",
            "p.yaml:8:19: CEL type error: found no matching overload for 'size' applied to '(int)'",
        ),
        (
            "validations:\n- expression: object.spec.template.spec.containers.image == 'x'\n",
            "p.yaml:8:52: CEL type error: type 'list(object)' does not support field selection",
        ),
        (
            "validations:\n- expression: \"'é' == 'x' || self == 1\"\n",
            "p.yaml:8:30: CEL type error: undeclared reference to 'self'",
        ),
        (
            "validations:\n- expression: authorizer.group('apps').check('create')\n",
            "p.yaml:8:15: CEL type error: undeclared reference to 'authorizer' (kroute policies run offline, without the API server's authorizer)",
        ),
    ];
    for (validations, expected) in cases {
        assert_eq!(error(validations), expected, "{validations}");
    }
}

#[test]
fn what_the_api_server_accepts_is_not_refused() {
    // Kinds alone may be custom resources (a Knative Service is a `Service`): dynamic.
    let any_service = "id: ACME002\nseverity: warning\nsummary: s\nmatch:\n  kinds: [Service]\nvalidations:\n- expression: \"!has(object.spec.template) || object.spec.template.metadata.name != ''\"\n";
    let (stderr, code, _) = check(any_service, DEPLOYMENT);
    assert_eq!(code, 0, "{stderr}");
    let validations = [
        // Open maps, int-or-string, quantities, nullable fields, mixed numbers, macros.
        "object.spec.template.metadata.labels.all(k, object.spec.template.metadata.labels[k].size() < 64)",
        "!has(object.spec.strategy) || !has(object.spec.strategy.rollingUpdate) || object.spec.strategy.rollingUpdate.maxSurge != 'x'",
        "object.spec.template.spec.containers.all(c, !has(c.resources.limits) || 'cpu' in c.resources.limits)",
        "object.spec.replicas < 3.5 && object.spec.replicas != null",
        "object.spec.template.spec.containers.map(c, c.name).exists(n, n.startsWith('w'))",
        "object.spec.template.spec.containers.filter(c, c.ports.size() > 0).size() >= 0 || true",
        "[1, 2].exists(i, i == object.spec.replicas)",
        "object.metadata.annotations.exists_one(k, k == 'timeout')",
        "type(object.spec.replicas) == int",
    ];
    let (stderr, code, stdout) = check(&policy(&validations), DEPLOYMENT);
    assert_eq!(code, 0, "{stderr}{stdout}");
    assert!(!stdout.contains("ACME001"), "{stdout}");
}

#[test]
fn durations_and_timestamps_compare_and_have_accessors() {
    let validations = [
        "duration('5m') > duration('1m')",
        "duration('1h30m').getMinutes() == 90",
        "duration('90s').getSeconds() == 90",
        "timestamp(object.metadata.annotations.created) > timestamp('2024-01-01T00:00:00Z')",
        "timestamp('2024-01-02T00:00:00Z') - timestamp('2024-01-01T00:00:00Z') == duration('24h')",
        "timestamp(object.metadata.annotations.created).getFullYear() == 2024",
        "timestamp(object.metadata.annotations.created) + duration('1h') == timestamp('2024-03-05T11:00:00Z')",
        // The one that fails: 45s is more than 30s.
        "duration(object.metadata.annotations.timeout) <= duration('30s')",
    ];
    let (stderr, code, stdout) = check(&policy(&validations), DEPLOYMENT);
    assert_eq!(code, 0, "{stderr}");
    let fired: Vec<&str> = stdout.lines().filter(|l| l.contains("[ACME001]")).collect();
    assert_eq!(
        fired,
        ["warning[ACME001]: failed expression: duration(object.metadata.annotations.timeout) <= duration('30s')"],
        "{stdout}"
    );
    assert_eq!(
        error("validations:\n- expression: duration('5m') > 3\n"),
        "p.yaml:8:30: CEL type error: found no matching overload for '_>_' applied to '(google.protobuf.Duration, int)'"
    );
}

const VAP: &str = "\
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: replicas
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
    - apiGroups: [apps]
      apiVersions: [v1]
      operations: [CREATE, UPDATE]
      resources: [deployments]
  validations:
  - expression: EXPRESSION
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: replicas
spec:
  policyName: replicas
  validationActions: [Deny]
";

/// `(severity, line, column, message)` of the KR601 findings of `kroute check` on the
/// policy above with `expression`, beside the Deployment.
fn vap(expression: &str) -> Vec<(String, u64, u64, String)> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("vap.yaml");
    std::fs::write(&file, VAP.replace("EXPRESSION", expression)).unwrap();
    let app = dir.path().join("app.yaml");
    std::fs::write(&app, DEPLOYMENT).unwrap();
    let out = kroute()
        .args(["check", "--no-config", "--format", "json"])
        .args([&file, &app])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    json["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| d["code"] == "KR601")
        .map(|d| {
            (
                d["severity"].as_str().unwrap_or_default().to_string(),
                d["location"]["line"].as_u64().unwrap_or_default(),
                d["location"]["column"].as_u64().unwrap_or_default(),
                d["message"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[test]
fn admission_policies_are_checked_against_their_resources_schemas() {
    assert_eq!(
        vap("\"object.spec.replica <= 5\""),
        [(
            "error".to_string(),
            14,
            30,
            "ValidatingAdmissionPolicy 'replicas': expression does not compile: CEL type error: undefined field 'replica'; did you mean 'replicas'?".to_string()
        )]
    );
    let undeclared = vap("\"objectt.spec.replicas <= 5\"");
    assert_eq!(
        (undeclared[0].1, undeclared[0].2),
        (14, 18),
        "{undeclared:?}"
    );
    // The upstream documentation's example, unchanged: it denies 2 > 1.
    let denied = vap("\"object.spec.replicas <= 1\"");
    assert_eq!(denied.len(), 1, "{denied:?}");
    assert!(
        denied[0].3.contains("denied request: failed expression"),
        "{denied:?}"
    );
}

#[test]
fn authorizer_checks_are_not_judged_offline() {
    let found = vap(
        "\"authorizer.group('apps').resource('deployments').check('scale').allowed()\"\n  - expression: \"object.spec.replicas <= 1\"",
    );
    // One info for the policy, and the other validation still denies.
    assert_eq!(
        found
            .iter()
            .map(|(s, l, _, _)| (s.as_str(), *l))
            .collect::<Vec<_>>(),
        [("error", 4), ("info", 14)],
        "{found:?}"
    );
    assert_eq!(
        found[1].3,
        "ValidatingAdmissionPolicy 'replicas': 1 validation using `authorizer` not evaluated offline (only the API server has it)"
    );
}
