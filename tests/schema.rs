//! Schema validation end to end (KR101–KR104): the binary on typos, CRDs in the input,
//! `--schema-location` directories and templates, strictness, and the routing rules kept
//! quiet about a value the schema already refused.

mod common;

use std::path::Path;

use serde_json::Value;
use tempfile::TempDir;

use common::{kroute, WEB};

/// Runs `kroute check --format json ARGS… FILE` on `yaml` written to a temporary file;
/// returns `(code, line, column, severity, message)` of each finding.
fn findings(yaml: &str, args: &[&str]) -> Vec<(String, u64, u64, String, String)> {
    let dir = TempDir::new().expect("temp dir");
    let file = dir.path().join("input.yaml");
    std::fs::write(&file, yaml).expect("write input");
    let output = kroute()
        .arg("check")
        .args(["--format", "json", "--no-config"])
        .args(args)
        .arg(&file)
        .output()
        .expect("kroute runs");
    let report: Value = serde_json::from_slice(&output.stdout).expect("one JSON object");
    report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            let text = |k: &str| d[k].as_str().unwrap_or_default().to_string();
            let at = &d["location"];
            let number = |k: &str| at[k].as_u64().unwrap_or_default();
            (
                text("code"),
                number("line"),
                number("column"),
                text("severity"),
                text("message"),
            )
        })
        .collect()
}

/// The findings of `code`, as `line:column message`.
fn of(found: &[(String, u64, u64, String, String)], code: &str) -> Vec<String> {
    found
        .iter()
        .filter(|f| f.0 == code)
        .map(|(_, line, col, _, message)| format!("{line}:{col} {message}"))
        .collect()
}

const TYPOS: &str = "\
apiVersion: v1
kind: Service
metadata:
  name: web
specc:
  selector:
    app: web
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  replicas: \"3\"
  selector:
    matchLabels:
      app: api
  template:
    metadata:
      labels:
        app: api
    spec:
      contaners:
      - name: api
        image: nginx:1.27
---
apiVersion: v1
kind: Service
metadata:
  name: api
spec:
  selector:
    app: api
  ports:
  - port: eighty
    targetPort: 8080.5
";

#[test]
fn typos_are_reported_at_their_line_and_column() {
    let found = findings(TYPOS, &[]);
    assert_eq!(
        of(&found, "KR102"),
        [
            "5:1 specc: unknown field (did you mean spec?)",
            "23:7 spec.template.spec.contaners: unknown field (did you mean containers?)",
        ]
    );
    let violations = of(&found, "KR101");
    for expected in [
        "14:13 spec.replicas: \"3\" is not an integer",
        "35:11 spec.ports[0].port: \"eighty\" is not an integer",
        "36:17 spec.ports[0].targetPort: 8080.5 is not an integer or a string",
        "23:7 spec.template.spec: missing required field \"containers\"",
    ] {
        assert!(
            violations.iter().any(|v| v == expected),
            "{expected} not in {violations:#?}"
        );
    }
    assert!(found
        .iter()
        .filter(|f| f.0 == "KR102")
        .all(|f| f.3 == "error"));
}

#[test]
fn no_strict_makes_unknown_fields_warnings_and_no_schema_skips_validation() {
    let lenient = findings(TYPOS, &["--no-strict"]);
    let unknown: Vec<&String> = lenient
        .iter()
        .filter(|f| f.0 == "KR102")
        .map(|f| &f.3)
        .collect();
    assert_eq!(unknown, ["warning", "warning"]);
    let skipped = findings(TYPOS, &["--no-schema"]);
    assert!(
        skipped.iter().all(|f| !f.0.starts_with("KR1")),
        "{skipped:#?}"
    );
}

#[test]
fn a_value_the_schema_refuses_gets_no_routing_findings_on_top() {
    let (deployment, _) = WEB
        .split_once("---\n")
        .expect("a Deployment, then a Service");
    let yaml = format!(
        "\
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: 123
  ports:
  - port: eighty
    targetPort: 8080
---
{deployment}"
    );
    let yaml = yaml.as_str();
    let found = findings(yaml, &[]);
    // Without schema validation KR201 says the selector selects nothing: `123` is no
    // label value, which KR101 says already.
    let codes: Vec<&String> = found.iter().map(|f| &f.0).collect();
    assert_eq!(codes, ["KR101", "KR101"], "{found:#?}");
    let unchecked = findings(yaml, &["--no-schema"]);
    assert_eq!(unchecked.first().map(|f| f.0.as_str()), Some("KR201"));
}

const WIDGET_CRD: &str = "\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {kind: Widget, plural: widgets}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            required: [size]
            properties:
              size: {type: integer, minimum: 1}
              color: {type: string, enum: [red, blue]}
              port: {x-kubernetes-int-or-string: true, anyOf: [{type: integer}, {type: string}]}
              extra: {type: object, x-kubernetes-preserve-unknown-fields: true}
";

const WIDGETS: &str = "\
apiVersion: example.com/v1
kind: Widget
metadata: {name: good}
spec:
  size: 2
  port: http
  extra: {anything: goes}
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: bad}
spec:
  size: 0
  color: green
  colour: red
";

#[test]
fn a_crd_in_the_input_checks_its_custom_resources() {
    let found = findings(&format!("{WIDGET_CRD}---\n{WIDGETS}"), &[]);
    assert!(of(&found, "KR103").is_empty(), "{found:#?}");
    assert_eq!(
        of(&found, "KR102"),
        ["40:3 spec.colour: unknown field (did you mean color?)"]
    );
    let violations = of(&found, "KR101");
    assert_eq!(violations.len(), 2, "{violations:#?}");
    assert!(
        violations[0].starts_with("38:9 spec.size: 0"),
        "{violations:#?}"
    );
    assert!(
        violations[1].starts_with("39:10 spec.color: \"green\" is not one of \"red\", \"blue\"")
    );
}

#[test]
fn a_crd_in_the_input_overrides_the_embedded_schema() {
    // A Service CRD that knows only `spec.anything`: the input's definition wins.
    let crd = WIDGET_CRD
        .replace("example.com", "")
        .replace("group: \n", "group: \"\"\n")
        .replace(
            "kind: Widget, plural: widgets",
            "kind: Service, plural: services",
        );
    let service = "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {size: 3}\n";
    let found = findings(&format!("{crd}---\n{service}"), &[]);
    assert!(of(&found, "KR102").is_empty(), "{found:#?}");
}

/// A directory in kubeconform's layouts: flat (`widget-example-v1.json`) and per group
/// (`example.com/gadget_v1.json`).
fn schema_directory() -> TempDir {
    let dir = TempDir::new().expect("temp dir");
    let schema = serde_json::json!({
        "type": "object",
        "properties": {
            "apiVersion": {"type": "string"},
            "kind": {"type": "string"},
            "metadata": {"type": "object"},
            "spec": {"type": "object", "properties": {"size": {"type": "integer"}}}
        }
    });
    std::fs::write(
        dir.path().join("widget-example-v1.json"),
        schema.to_string(),
    )
    .expect("write");
    std::fs::create_dir(dir.path().join("example.com")).expect("mkdir");
    std::fs::write(
        dir.path().join("example.com/gadget_v1.json"),
        schema.to_string(),
    )
    .expect("write");
    dir
}

const WIDGET_AND_GADGET: &str = "\
apiVersion: example.com/v1
kind: Widget
metadata: {name: w}
spec: {size: big}
---
apiVersion: example.com/v1
kind: Gadget
metadata: {name: g}
spec: {sise: 3}
";

#[test]
fn a_kubeconform_layout_directory_supplies_schemas() {
    let dir = schema_directory();
    let location = dir.path().display().to_string();
    let found = findings(WIDGET_AND_GADGET, &["--schema-location", &location]);
    assert_eq!(
        of(&found, "KR101"),
        ["4:14 spec.size: \"big\" is not an integer"]
    );
    assert_eq!(
        of(&found, "KR102"),
        ["9:8 spec.sise: unknown field (did you mean size?)"]
    );
    assert!(of(&found, "KR103").is_empty());
}

#[test]
fn a_path_template_supplies_schemas() {
    let dir = schema_directory();
    let template = format!(
        "{}/{{{{ .Group }}}}/{{{{ .ResourceKind }}}}_{{{{ .ResourceAPIVersion }}}}.json",
        dir.path().display()
    );
    let found = findings(WIDGET_AND_GADGET, &["--schema-location", &template]);
    assert_eq!(of(&found, "KR102").len(), 1, "{found:#?}");
    // The Widget's schema is only in the flat layout, which the template does not name.
    assert_eq!(
        of(&found, "KR103"),
        ["2:7 no schema for example.com/v1 Widget: the fields of its objects are not checked"]
    );
}

#[test]
fn crds_in_a_schema_location_directory_count() {
    let dir = TempDir::new().expect("temp dir");
    std::fs::write(dir.path().join("widgets.yaml"), WIDGET_CRD).expect("write");
    let location = dir.path().display().to_string();
    let found = findings(WIDGETS, &["--schema-location", &location]);
    assert_eq!(of(&found, "KR102").len(), 1, "{found:#?}");
}

#[test]
fn http_locations_are_refused_with_a_reason() {
    let output = kroute()
        .args([
            "check",
            "--no-config",
            "--schema-location",
            "https://example.com/schemas/",
        ])
        .arg(Path::new("testdata/rules/KR101/pass.yaml"))
        .output()
        .expect("kroute runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("http(s) locations are not supported"),
        "{stderr}"
    );
}

#[test]
fn the_kubernetes_version_decides_between_deprecated_and_removed() {
    let cronjob = "apiVersion: batch/v1beta1\nkind: CronJob\nmetadata: {name: c}\nspec: {schedule: '@daily', jobTemplate: {spec: {template: {spec: {restartPolicy: Never, containers: [{name: c, image: busybox}]}}}}}\n";
    let old = findings(cronjob, &["--kubernetes-version", "1.23"]);
    assert!(
        of(&old, "KR104")[0].contains("deprecated since Kubernetes 1.21, removed in 1.25"),
        "{old:#?}"
    );
    let new = findings(cronjob, &[]);
    assert!(
        of(&new, "KR104")[0].contains("was removed in Kubernetes 1.25"),
        "{new:#?}"
    );
}

#[test]
fn config_keys_set_strictness_and_schema_locations() {
    let repo = TempDir::new().expect("temp dir");
    let schemas = schema_directory();
    std::fs::create_dir(repo.path().join(".git")).expect("mkdir");
    let config = format!(
        "strict: false\nschema-locations: [{}]\n",
        schemas.path().display()
    );
    std::fs::write(repo.path().join(".kroute.yaml"), config).expect("write");
    std::fs::write(repo.path().join("in.yaml"), WIDGET_AND_GADGET).expect("write");
    let output = kroute()
        .current_dir(repo.path())
        .args(["check", "--format", "json", "in.yaml"])
        .output()
        .expect("kroute runs");
    let report: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let severities: Vec<&str> = report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| d["code"] == "KR102")
        .filter_map(|d| d["severity"].as_str())
        .collect();
    assert_eq!(severities, ["warning"]);
}

#[test]
fn a_crd_in_the_context_checks_the_input() {
    let dir = TempDir::new().expect("temp dir");
    let crd = dir.path().join("crd.yaml");
    std::fs::write(&crd, WIDGET_CRD).expect("write");
    let context = crd.display().to_string();
    let found = findings(WIDGETS, &["--context", &context]);
    assert_eq!(of(&found, "KR102").len(), 1, "{found:#?}");
    assert!(of(&found, "KR103").is_empty(), "{found:#?}");
}
