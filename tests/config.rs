//! `.kroute.yaml` and suppression through the real binary: where the config is found, what
//! each key does, how its mistakes are reported, `kroute init`; and the JSON schema that
//! ships in `schemas/`, checked against the starter, the fixtures and the loader's keys.
//!
//! Repositories are built in temporary directories (discovery needs a `.git`); the config
//! fixtures under `testdata/config/` are what the schema test validates.

use std::path::{Path, PathBuf};

use serde_json::Value;
use tempfile::TempDir;

mod common;

use common::kroute;

/// A Service that selects nothing (KR201, error), a VirtualService to an external host
/// (KR303, error) and a Gateway accepting every host (KR309, warning).
const APP: &str = "\
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
spec:
  selector: {app: web}
  ports: [{name: http, port: 80}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: web
  namespace: shop
spec:
  hosts: [web]
  http:
  - route:
    - destination: {host: api.internal.example.com}
";

const GATEWAY: &str = "\
apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: public
  namespace: shop
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: [\"*\"]
";

/// A git repository (a `.git` directory is what discovery looks for) holding `k8s/app.yaml`
/// and `k8s/gateway.yaml`, with `config` as its `.kroute.yaml` when given.
fn repository(config: Option<&str>) -> TempDir {
    let dir = TempDir::new().unwrap();
    std::fs::create_dir_all(dir.path().join(".git")).unwrap();
    write(dir.path(), "k8s/app.yaml", APP);
    write(dir.path(), "k8s/gateway.yaml", GATEWAY);
    if let Some(config) = config {
        write(dir.path(), ".kroute.yaml", config);
    }
    dir
}

fn write(dir: &Path, name: &str, contents: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, contents).unwrap();
    path
}

/// `kroute check --platform istio --format json ARGS…` run in `dir`: exit code and report.
fn check_in(dir: &Path, args: &[&str]) -> (i32, Value) {
    let output = kroute()
        .current_dir(dir)
        .args(["check", "--platform", "istio", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let report = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: stdout is one JSON object; stderr: {stderr}"));
    (output.status.code().unwrap(), report)
}

fn codes(report: &Value) -> Vec<&str> {
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect()
}

/// `kroute check` in `dir` failing on its config: the exit code is 2 and stderr is returned.
fn config_error(dir: &Path, args: &[&str]) -> String {
    let output = kroute()
        .current_dir(dir)
        .args(["check"])
        .args(args)
        .arg("k8s")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(output.stdout.is_empty(), "no report on a config error");
    String::from_utf8(output.stderr).unwrap()
}

#[test]
fn without_a_config_every_rule_reports() {
    let repo = repository(None);
    let (code, report) = check_in(repo.path(), &["k8s"]);
    assert_eq!(code, 1);
    assert_eq!(codes(&report), ["KR201", "KR303", "KR309"]);
}

#[test]
fn the_config_is_found_from_a_subdirectory_up_to_the_repository_root() {
    let outer = TempDir::new().unwrap();
    // Above the repository root: never read (it would be an error if it were).
    write(outer.path(), ".kroute.yaml", "not-a-key: 1\n");
    let root = outer.path().join("repo");
    std::fs::create_dir_all(root.join(".git")).unwrap();
    write(&root, "k8s/app.yaml", APP);
    write(&root, "k8s/gateway.yaml", GATEWAY);
    let (_, report) = check_in(&root.join("k8s"), &["."]);
    assert_eq!(codes(&report), ["KR201", "KR303", "KR309"]);

    write(&root, ".kroute.yaml", "rules:\n  disable: [KR201]\n");
    let (_, report) = check_in(&root.join("k8s"), &["."]);
    assert_eq!(codes(&report), ["KR303", "KR309"]);
}

#[test]
fn config_names_a_file_and_no_config_reads_none() {
    let repo = repository(Some("rules: {disable: [KR201]}\n"));
    let other = write(repo.path(), "ci/strict.yaml", "severity: {KR309: error}\n");
    let (_, report) = check_in(repo.path(), &["--config", "ci/strict.yaml", "k8s"]);
    assert_eq!(codes(&report), ["KR201", "KR303", "KR309"]);
    assert_eq!(report["summary"]["errors"], 3);
    let (_, report) = check_in(repo.path(), &["--no-config", "k8s"]);
    assert_eq!(report["summary"]["errors"], 2);
    assert!(other.exists());
    let stderr = config_error(repo.path(), &["--config", "missing.yaml"]);
    assert!(stderr.contains("missing.yaml"), "{stderr}");
}

#[test]
fn an_unknown_key_is_an_error_at_its_line_and_column_with_a_hint() {
    let repo = repository(Some("# tuning\nrules:\n  disabel: [KR201]\n"));
    let stderr = config_error(repo.path(), &[]);
    assert!(
        stderr.contains(
            ".kroute.yaml:3:3: unknown key `disabel` in `rules`; did you mean `disable`?"
        ),
        "{stderr}"
    );
}

#[test]
fn a_wrong_type_is_an_error_at_its_line_and_column() {
    let repo = repository(Some("severity: KR309\ncontext: {k8s: yes}\n"));
    let stderr = config_error(repo.path(), &[]);
    assert!(
        stderr.contains(".kroute.yaml:1:11: `severity` must be a mapping, not a scalar"),
        "{stderr}"
    );
    assert!(
        stderr.contains(".kroute.yaml:2:10: `context` must be a list of strings, not a mapping"),
        "{stderr}"
    );
}

#[test]
fn rules_are_disabled_by_prefix_and_enabled_back_by_code() {
    let repo = repository(Some("rules:\n  disable: [KR3]\n"));
    let (code, report) = check_in(repo.path(), &["k8s"]);
    assert_eq!((code, codes(&report)), (1, vec!["KR201"]));
    write(
        repo.path(),
        ".kroute.yaml",
        "rules: {disable: [KR3], enable: [KR309]}\n",
    );
    let (_, report) = check_in(repo.path(), &["k8s"]);
    assert_eq!(codes(&report), ["KR201", "KR309"]);
}

#[test]
fn a_severity_override_changes_the_exit_code() {
    let config = "rules: {disable: [KR201, KR303]}\n";
    let repo = repository(Some(config));
    let (code, report) = check_in(repo.path(), &["k8s"]);
    assert_eq!((code, codes(&report)), (0, vec!["KR309"]));
    write(
        repo.path(),
        ".kroute.yaml",
        &format!("{config}severity: {{KR309: error}}\n"),
    );
    let (code, report) = check_in(repo.path(), &["k8s"]);
    assert_eq!(code, 1);
    assert_eq!(report["diagnostics"][0]["severity"], "error");
}

#[test]
fn an_external_host_resolves_the_route_to_it() {
    let repo = repository(Some("external:\n  - host: \"*.internal.example.com\"\n"));
    let (_, report) = check_in(repo.path(), &["k8s"]);
    assert_eq!(codes(&report), ["KR201", "KR309"]);
}

#[test]
fn a_declared_pod_template_kind_owns_the_pods_a_service_selects() {
    let repo = repository(Some("rules: {disable: [KR3]}\n"));
    let webapp = "apiVersion: apps.example.com/v1\nkind: WebApp\nmetadata: {name: web, namespace: shop}\nspec:\n  podTemplate:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: web, image: web:1, ports: [{name: http, containerPort: 80}]}]}\n";
    write(repo.path(), "k8s/webapp.yaml", webapp);
    let (_, report) = check_in(repo.path(), &["k8s"]);
    assert_eq!(codes(&report), ["KR201"]);
    let declared = "rules: {disable: [KR3]}\npod-template-kinds:\n  - {group: apps.example.com, kind: WebApp, template: spec.podTemplate}\n";
    write(repo.path(), ".kroute.yaml", declared);
    let (code, report) = check_in(repo.path(), &["k8s"]);
    assert_eq!((code, codes(&report)), (0, vec![]));
    // A built-in owner cannot be declared again; a path must be mapping keys.
    let wrong = "pod-template-kinds:\n  - {group: apps, kind: Deployment, template: spec.template}\n  - {kind: PodSet, template: spec..template}\n";
    write(repo.path(), ".kroute.yaml", wrong);
    let stderr = config_error(repo.path(), &[]);
    assert!(
        stderr.contains(".kroute.yaml:2:5: Deployment (apps) owns pods already"),
        "{stderr}"
    );
    assert!(
        stderr.contains(".kroute.yaml:3:5: `spec..template` is not a path"),
        "{stderr}"
    );
}

#[test]
fn default_namespace_context_and_ignore_paths_come_from_the_config() {
    let repo = repository(Some(
        "default-namespace: shop\ncontext: [workloads]\nignore-paths: [gateway.yaml]\n",
    ));
    let web = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: web, image: web:1}]}\n";
    write(repo.path(), "workloads/web.yaml", web);
    let (_, report) = check_in(repo.path(), &["k8s"]);
    assert_eq!(codes(&report), ["KR303"]);
    assert_eq!(report["summary"]["files"], 1);
    // A flag wins over the config.
    let (_, report) = check_in(repo.path(), &["--default-namespace", "other", "k8s"]);
    assert_eq!(codes(&report), ["KR201", "KR303"]);
}

// ---------------------------------------------------------------------------------------
// Suppression

const IGNORE_WEB: &str = "ignore:\n  - codes: [KR201]\n    kind: Service\n    name: \"w*\"\n    reason: the web pods come from an operator\n";

#[test]
fn a_config_ignore_suppresses_with_its_reason_and_is_counted() {
    let repo = repository(Some(IGNORE_WEB));
    let (code, report) = check_in(repo.path(), &["k8s"]);
    assert_eq!((code, codes(&report)), (1, vec!["KR303", "KR309"]));
    assert_eq!(report["summary"]["suppressed"], 1);
    let suppressed = &report["suppressed"][0];
    assert_eq!(suppressed["code"], "KR201");
    assert_eq!(suppressed["suppression"]["by"], "config");
    assert_eq!(
        suppressed["suppression"]["reason"],
        "the web pods come from an operator"
    );
    let human = kroute()
        .current_dir(repo.path())
        .args(["check", "--platform", "istio", "--color", "never", "k8s"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&human.stdout).contains("(1 suppressed)"));

    // A path glob, relative to the config's directory, from a subdirectory.
    let by_path = "ignore:\n  - {codes: \"KR309,KR303\", path: \"k8s/gate*.yaml\", reason: public on purpose}\n";
    write(repo.path(), ".kroute.yaml", by_path);
    let (_, report) = check_in(&repo.path().join("k8s"), &["."]);
    assert_eq!(codes(&report), ["KR201", "KR303"]);
    assert_eq!(report["suppressed"][0]["code"], "KR309");
}

#[test]
fn a_config_ignore_without_a_reason_is_an_error_at_the_entry() {
    let repo = repository(Some("ignore:\n  - codes: [KR201]\n    kind: Service\n"));
    let stderr = config_error(repo.path(), &[]);
    assert!(
        stderr.contains(".kroute.yaml:2:5: an `ignore` entry needs a `reason`"),
        "{stderr}"
    );
}

#[test]
fn an_ignore_that_suppresses_nothing_is_an_info_at_the_entry() {
    // The Service named `web` has no KR309 finding: the entry is stale.
    let config = "ignore:\n  - codes: [KR309]\n    name: web\n    reason: old\n";
    let repo = repository(Some(config));
    let (code, report) = check_in(repo.path(), &["k8s"]);
    assert_eq!(code, 1);
    assert_eq!(codes(&report), ["KR008", "KR201", "KR303", "KR309"]);
    let d = &report["diagnostics"][0];
    assert_eq!(d["severity"], "info");
    assert_eq!(d["location"]["file"], ".kroute.yaml");
    assert_eq!(
        (
            d["location"]["line"].as_u64(),
            d["location"]["column"].as_u64()
        ),
        (Some(2), Some(5))
    );
    // Checking only files the entry is not about says nothing of it.
    let (_, report) = check_in(repo.path(), &["k8s/gateway.yaml"]);
    assert_eq!(codes(&report), ["KR309"]);
    // An annotation code that suppresses nothing is reported at the annotation.
    let annotated = APP.replace(
        "  name: web\n  namespace: shop\nspec:\n  selector",
        "  name: web\n  namespace: shop\n  annotations: {kroute.dev/ignore: \"KR201,KR210\"}\nspec:\n  selector",
    );
    write(repo.path(), "k8s/app.yaml", &annotated);
    let (_, report) = check_in(repo.path(), &["--no-config", "k8s/app.yaml"]);
    assert_eq!(codes(&report), ["KR008", "KR303"]);
    let message = report["diagnostics"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("lists `KR210`, which suppresses nothing"),
        "{message}"
    );
}

#[test]
fn an_ignore_annotation_on_a_pod_template_is_a_warning() {
    let repo = repository(Some("rules: {disable: [KR3]}\n"));
    let web = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata:\n      labels: {app: web}\n      annotations: {kroute.dev/ignore: KR207}\n    spec: {containers: [{name: web, image: web:1}]}\n";
    write(repo.path(), "k8s/web.yaml", web);
    let (code, report) = check_in(repo.path(), &["--fail-on", "warning", "k8s/web.yaml"]);
    assert_eq!((code, codes(&report)), (1, vec!["KR007"]));
    let d = &report["diagnostics"][0];
    assert_eq!(
        (
            d["location"]["line"].as_u64(),
            d["location"]["column"].as_u64()
        ),
        (Some(9), Some(21))
    );
}

#[test]
fn graph_and_trace_read_the_config_too() {
    let repo = repository(Some("default-namespace: shop\nrules: {disable: [KR9]}\n"));
    for command in [&["graph", "k8s"][..], &["trace", "web", "k8s"]] {
        let output = kroute()
            .current_dir(repo.path())
            .args(command)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{command:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains(".kroute.yaml:2:19: no rule code starts with `KR9`"),
            "{stderr}"
        );
    }
    write(repo.path(), ".kroute.yaml", "default-namespace: shop\n");
    // The short host `web` is read in the config's default namespace: the mesh route of
    // VirtualService shop/web serves it.
    let trace = |args: &[&str]| {
        let output = kroute()
            .current_dir(repo.path())
            .args(["trace", "web", "k8s"])
            .args(args)
            .output()
            .unwrap();
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    assert!(trace(&[]).contains("mesh (sidecars)"), "{}", trace(&[]));
    assert!(!trace(&["--no-config"]).contains("mesh (sidecars)"));
}

#[test]
fn the_config_baseline_is_read_as_baseline_is() {
    let repo = repository(Some("baseline: ci/baseline.json\n"));
    // Not written yet: naming it is an error, unless --write-baseline writes it.
    let stderr = config_error(repo.path(), &[]);
    assert!(stderr.contains("baseline.json"), "{stderr}");
    std::fs::create_dir_all(repo.path().join("ci")).unwrap();
    let (code, _) = check_in(
        repo.path(),
        &["--write-baseline", "ci/baseline.json", "k8s"],
    );
    assert_eq!(code, 0);
    let (code, report) = check_in(repo.path(), &["k8s"]);
    assert_eq!((code, codes(&report)), (0, vec![]));
    assert_eq!(report["summary"]["baselined"], 3);
    // From a subdirectory, the path still starts at the config's directory.
    let (code, _) = check_in(&repo.path().join("k8s"), &["."]);
    assert_eq!(code, 0);
}

#[test]
fn init_writes_a_starter_that_loads_and_never_overwrites() {
    let repo = repository(None);
    kroute()
        .current_dir(repo.path())
        .arg("init")
        .assert()
        .code(0);
    let written = std::fs::read_to_string(repo.path().join(".kroute.yaml")).unwrap();
    assert!(written.starts_with("# kroute configuration"));
    validate(&written, ".kroute.yaml from kroute init");
    let (code, _) = check_in(repo.path(), &["k8s"]);
    assert_eq!(code, 1);
    let output = kroute()
        .current_dir(repo.path())
        .arg("init")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("never overwrites"));
}

fn schema() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/kroute-config.schema.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Validates the config text `yaml` against the shipped schema.
fn validate(yaml: &str, what: &str) {
    let value = kroute::yaml::parse_stream(yaml, &kroute::yaml::Limits::default())
        .documents
        .first()
        .map_or(Value::Null, |d| d.root.to_json());
    let validator = jsonschema::validator_for(&schema()).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&value)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{what}: {errors:#?}");
}

fn fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/config");
    let mut files = Vec::new();
    common::files_with(&dir, &["yaml"], &mut files);
    files.sort();
    assert!(!files.is_empty());
    files
}

#[test]
fn the_starter_and_every_fixture_validate_against_the_schema_and_load() {
    validate(kroute::config::STARTER, "the starter");
    for path in fixtures() {
        let text = std::fs::read_to_string(&path).unwrap();
        validate(&text, &path.display().to_string());
        if let Err(e) = kroute::config::load(&path) {
            panic!("{}: {e}", path.display());
        }
    }
}

#[test]
fn the_schema_knows_exactly_the_keys_the_loader_accepts() {
    let schema = schema();
    let keys = |node: &Value| -> Vec<String> {
        let mut keys: Vec<String> = node["properties"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        keys.sort();
        keys
    };
    let sorted = |keys: &[&str]| {
        let mut keys: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
        keys.sort();
        keys
    };
    use kroute::config::{
        EXTERNAL_KEYS, IGNORE_KEYS, KEYS, POLICIES_KEYS, RULES_KEYS, TEMPLATE_KIND_KEYS,
    };
    let props = &schema["properties"];
    assert_eq!(keys(&schema), sorted(KEYS));
    assert_eq!(keys(&props["rules"]), sorted(RULES_KEYS));
    assert_eq!(keys(&props["policies"]), sorted(POLICIES_KEYS));
    assert_eq!(keys(&props["ignore"]["items"]), sorted(IGNORE_KEYS));
    assert_eq!(keys(&props["external"]["items"]), sorted(EXTERNAL_KEYS));
    assert_eq!(
        keys(&props["pod-template-kinds"]["items"]),
        sorted(TEMPLATE_KIND_KEYS)
    );
    let platforms: Vec<&str> = kroute::platform::PROFILES.iter().map(|p| p.name).collect();
    let listed: Vec<&str> = schema["$defs"]["platform"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(listed, platforms);
    let validator = jsonschema::validator_for(&schema).unwrap();
    for wrong in [
        serde_json::json!({"rulez": {}}),
        serde_json::json!({"ignore": [{"codes": ["KR201"]}]}),
        serde_json::json!({"severity": {"KR309": "fatal"}}),
    ] {
        assert!(!validator.is_valid(&wrong), "{wrong}");
    }
}
