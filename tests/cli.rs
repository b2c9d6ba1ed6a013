//! End-to-end tests through the real `kroute` binary: exit codes, the JSON contract of
//! ARCHITECTURE.md §2, stdin, directories mixing good and bad files, `.gitignore`, the
//! `rules`/`explain` commands, suppression and the README demo.
//!
//! Bad input is generated in temporary directories, never committed.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use predicates::prelude::*;
use serde_json::Value;
use tempfile::TempDir;

mod common;

use common::{kroute, TYPO_SERVICE, WEB};

/// Runs `kroute check --format json ARGS…`, asserts the exit code and parses stdout.
fn check_json(args: &[&str], code: i32) -> Value {
    let assert = kroute()
        .arg("check")
        .args(["--format", "json"])
        .args(args)
        .assert()
        .code(code);
    serde_json::from_slice(&assert.get_output().stdout).expect("stdout is one JSON object")
}

fn diagnostics(report: &Value) -> &[Value] {
    report["diagnostics"]
        .as_array()
        .expect("`diagnostics` is an array")
}

fn codes(report: &Value) -> Vec<String> {
    diagnostics(report)
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect()
}

/// `(code, file name, line, column)` of every diagnostic.
fn located(report: &Value) -> BTreeSet<(String, String, u64, u64)> {
    diagnostics(report)
        .iter()
        .map(|d| {
            let loc = &d["location"];
            let file = Path::new(loc["file"].as_str().unwrap())
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (
                d["code"].as_str().unwrap().to_string(),
                file,
                loc["line"].as_u64().unwrap(),
                loc["column"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn loc(code: &str, file: &str, line: u64, column: u64) -> (String, String, u64, u64) {
    (code.to_string(), file.to_string(), line, column)
}

fn write(dir: &Path, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&path, contents).unwrap();
    path
}

fn arg(path: &Path) -> &str {
    path.to_str().expect("temporary paths are UTF-8")
}

/// A NetworkPolicy selecting no pods: a warning (KR206) and nothing else.
const WARNING_ONLY: &str = "\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: nobody
spec:
  podSelector:
    matchLabels:
      app: nobody
";

// ---------------------------------------------------------------------------------------
// Exit codes

#[test]
fn clean_input_exits_0() {
    let dir = TempDir::new().unwrap();
    let file = write(dir.path(), "web.yaml", WEB);
    kroute()
        .args(["check", "--color", "never", arg(&file)])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "0 errors, 0 warnings, 0 infos in 2 documents from 1 file",
        ));
}

#[test]
fn findings_exit_1() {
    let dir = TempDir::new().unwrap();
    let file = write(dir.path(), "svc.yaml", TYPO_SERVICE);
    kroute()
        .args(["check", "--color", "never", arg(&file)])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("error[KR201]"))
        .stdout(predicate::str::contains("svc.yaml:7:5"));
}

#[test]
fn missing_path_exits_2() {
    kroute()
        .args(["check", "no/such/dir"])
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains(
            "no/such/dir: no such file or directory",
        ));
    // One missing path among good ones is still a usage error.
    kroute()
        .args(["check", "testdata/demo", "no-such-file.yaml"])
        .assert()
        .code(2);
}

#[test]
fn usage_errors_exit_2() {
    kroute().args(["check"]).assert().code(2);
    kroute()
        .args(["check", "--format", "xml", "testdata/demo"])
        .assert()
        .code(2);
    kroute()
        .args(["check", "-", "-"])
        .write_stdin("")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("stdin"));
}

#[test]
fn unknown_explain_code_exits_2() {
    kroute()
        .args(["explain", "KR999"])
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains("no rule `KR999`"));
}

#[test]
fn fail_on_sets_the_threshold() {
    let dir = TempDir::new().unwrap();
    let file = write(dir.path(), "netpol.yaml", WARNING_ONLY);
    let report = check_json(&[arg(&file)], 0);
    assert_eq!(codes(&report), ["KR206"]);
    assert_eq!(report["summary"]["warnings"], 1);
    check_json(&["--fail-on", "warning", arg(&file)], 1);
    check_json(&["--fail-on", "info", arg(&file)], 1);
    check_json(&["--fail-on", "error", arg(&file)], 0);

    // An info (YAML that is neither Kubernetes nor a known tool's) fails only
    // `--fail-on info`.
    let info = write(dir.path(), "settings.yaml", "replicaCount: 2\nimage: web\n");
    let report = check_json(&["--fail-on", "warning", arg(&info)], 0);
    assert_eq!(codes(&report), ["KR003"]);
    assert_eq!(diagnostics(&report)[0]["severity"], "info");
    check_json(&["--fail-on", "info", arg(&info)], 1);
}

// ---------------------------------------------------------------------------------------
// The JSON contract (ARCHITECTURE.md §2)

#[test]
fn json_output_follows_the_contract() {
    let dir = TempDir::new().unwrap();
    // No namespace in the manifests: `--default-namespace` supplies it.
    let file = write(
        dir.path(),
        "app.yaml",
        format!("{WEB}---\n{TYPO_SERVICE}---\napiVersion: v1\nkind: Service\n"),
    );
    let report = check_json(&["--default-namespace", "team-a", arg(&file)], 1);
    let object = report.as_object().unwrap();
    assert_eq!(
        object.keys().collect::<BTreeSet<_>>(),
        BTreeSet::from([
            &"diagnostics".to_string(),
            &"suppressed".to_string(),
            &"summary".to_string()
        ])
    );

    let diags = diagnostics(&report);
    assert_eq!(codes(&report), ["KR201", "KR003"]);
    let d = &diags[0];
    for key in [
        "code", "severity", "message", "location", "resource", "related", "help",
    ] {
        assert!(d.get(key).is_some(), "diagnostic lacks `{key}`: {d}");
    }
    assert_eq!(d["severity"], "error");
    assert!(d["message"].as_str().unwrap().contains("team-a/web-typo"));
    assert_eq!(d["location"]["file"], arg(&file));
    assert_eq!(d["location"]["line"], 39);
    assert_eq!(d["location"]["column"], 5);
    // The selector `app: wbe` ends after its last value.
    assert_eq!(
        d["location"]["end"],
        serde_json::json!({"line": 39, "column": 13})
    );
    assert_eq!(
        d["resource"],
        serde_json::json!({"apiVersion": "v1", "kind": "Service", "namespace": "team-a", "name": "web-typo"})
    );
    let related = d["related"].as_array().unwrap();
    assert_eq!(related.len(), 1, "the nearest workload: {d}");
    for key in ["file", "line", "column", "message"] {
        assert!(related[0].get(key).is_some(), "related lacks `{key}`");
    }
    assert_eq!(related[0]["line"], 12);
    assert!(related[0]["message"]
        .as_str()
        .unwrap()
        .contains("Deployment team-a/web"));
    assert!(d["help"].as_str().is_some_and(|h| !h.is_empty()));

    // A document without identity: location, no resource.
    let broken = &diags[1];
    assert_eq!(broken["severity"], "error");
    assert!(broken.get("resource").is_none());
    assert_eq!(broken["location"]["line"], 43);
    assert!(broken["related"].as_array().unwrap().is_empty());

    let summary = report["summary"].as_object().unwrap();
    for key in [
        "files",
        "documents",
        "skipped",
        "errors",
        "warnings",
        "infos",
        "elapsed_ms",
    ] {
        assert!(
            summary.get(key).is_some_and(Value::is_u64),
            "summary lacks `{key}`"
        );
    }
    assert_eq!(summary["files"], 1);
    assert_eq!(summary["documents"], 4);
    assert_eq!(summary["errors"], 2);
    assert_eq!(summary["warnings"], 0);
    assert_eq!(summary["infos"], 0);
}

#[test]
fn default_namespace_is_the_default_and_explicit_namespaces_win() {
    let dir = TempDir::new().unwrap();
    let explicit = TYPO_SERVICE.replace(
        "  name: web-typo\n",
        "  name: web-typo\n  namespace: prod\n",
    );
    let file = write(
        dir.path(),
        "svc.yaml",
        format!("{TYPO_SERVICE}---\n{explicit}"),
    );
    let report = check_json(&[arg(&file)], 1);
    let namespaces: Vec<_> = diagnostics(&report)
        .iter()
        .map(|d| d["resource"]["namespace"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(namespaces, ["default", "prod"]);
    let report = check_json(&["-n", "staging", arg(&file)], 1);
    let namespaces: Vec<_> = diagnostics(&report)
        .iter()
        .map(|d| d["resource"]["namespace"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(namespaces, ["staging", "prod"]);
}

// ---------------------------------------------------------------------------------------
// Inputs

#[test]
fn stdin_is_read_with_dash() {
    let assert = kroute()
        .args(["check", "--format", "json", "-"])
        .write_stdin(TYPO_SERVICE)
        .assert()
        .code(1);
    let report: Value = serde_json::from_slice(&assert.get_output().stdout).unwrap();
    assert_eq!(codes(&report), ["KR201"]);
    let location = &diagnostics(&report)[0]["location"];
    assert_eq!(location["file"], "<stdin>");
    assert_eq!(
        (location["line"].as_u64(), location["column"].as_u64()),
        (Some(7), Some(5))
    );

    // stdin and files together resolve against each other.
    let dir = TempDir::new().unwrap();
    let web = write(dir.path(), "web.yaml", WEB);
    kroute()
        .args(["check", "--format", "json", arg(&web), "-"])
        .write_stdin(TYPO_SERVICE.replace("wbe", "web"))
        .assert()
        .code(0);
}

/// A directory mixing broken files with good ones: each broken file gets its own KR0xx
/// diagnostic at the right line and column, and every good document is still analysed.
#[test]
fn bad_files_do_not_hide_good_ones() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    write(d, "good/web.yaml", WEB);
    write(
        d,
        "tabs.yaml",
        "apiVersion: v1\nkind: Service\nmetadata:\n\tname: tabbed\n",
    );
    // The first document is broken; the second, after `---`, is still analysed.
    write(
        d,
        "quote.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \"unclosed\ndata:\n  a: b\n---\n\
         apiVersion: v1\nkind: Service\nmetadata:\n  name: after-quote\nspec:\n  selector:\n    app: nothing-here\n  ports:\n    - port: 80\n",
    );
    let mut binary = tempfile::Builder::new()
        .prefix("blob")
        .suffix(".yaml")
        .tempfile_in(d)
        .unwrap();
    std::io::Write::write_all(&mut binary, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x01").unwrap();
    let binary_name = binary
        .path()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    write(
        d,
        "latin1.yaml",
        b"apiVersion: v1\nkind: Service\nmetadata:\n  name: caf\xe9\n",
    );
    let mut bomb = String::from(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: lol\ndata:\n  a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n",
    );
    for (prev, name) in ["a", "b", "c", "d", "e", "f", "g", "h"]
        .iter()
        .zip(["b", "c", "d", "e", "f", "g", "h", "i"])
    {
        bomb.push_str(&format!(
            "  {name}: &{name} [{}]\n",
            vec![format!("*{prev}"); 9].join(", ")
        ));
    }
    write(d, "bomb.yaml", bomb);
    write(
        d,
        "deep.yaml",
        format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\ndata: {}{}\n",
            "[".repeat(200),
            "]".repeat(200)
        ),
    );
    write(
        d,
        "dup.yaml",
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: dup\n  name: dup2\n",
    );
    // Empty documents around a good one; its selector matches the List's Deployment.
    write(
        d,
        "empty.yaml",
        "---\n---\n\n---\n# only a comment\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: in-empty\nspec:\n  selector:\n    app: listed\n  ports:\n    - port: 80\n---\n",
    );
    write(d, "nothing.yaml", "");
    // BOM and CRLF: lines and columns are unaffected.
    write(
        d,
        "bom.yaml",
        "\u{feff}apiVersion: v1\r\nkind: Service\r\nmetadata:\r\n  name: crlf\r\nspec:\r\n  selector:\r\n    app: ghost\r\n  ports:\r\n    - port: 80\r\n",
    );
    write(
        d,
        "chart/templates/service.yaml",
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Values.name }}\nspec:\n  ports:\n    - port: 80\n",
    );
    write(
        d,
        "list.yaml",
        "apiVersion: v1\nkind: List\nitems:\n  - apiVersion: apps/v1\n    kind: Deployment\n    metadata:\n      name: listed\n    spec:\n      selector:\n        matchLabels: {app: listed}\n      template:\n        metadata:\n          labels: {app: listed}\n        spec:\n          containers:\n            - name: listed\n              image: nginx:1.27\n  - apiVersion: v1\n    kind: Service\n    metadata:\n      name: list-typo\n    spec:\n      selector: {app: lsited}\n      ports: [{port: 80}]\n",
    );
    write(
        d,
        "svc.json",
        "{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"Service\",\n  \"metadata\": {\"name\": \"json-svc\"},\n  \"spec\": {\"selector\": {\"app\": \"jsn\"}, \"ports\": [{\"port\": 80}]}\n}\n",
    );
    write(d, "README.md", "not a manifest: not read\n");

    let report = check_json(&[arg(d)], 1);
    let expected = BTreeSet::from([
        loc("KR001", "tabs.yaml", 4, 1),
        loc("KR001", "quote.yaml", 4, 9),
        loc("KR201", "quote.yaml", 14, 5),
        loc("KR001", &binary_name, 1, 1),
        loc("KR001", "latin1.yaml", 4, 12),
        loc("KR005", "bomb.yaml", 11, 10),
        loc("KR005", "deep.yaml", 5, 134),
        loc("KR002", "dup.yaml", 5, 3),
        loc("KR201", "bom.yaml", 7, 5),
        loc("KR004", "service.yaml", 4, 9),
        loc("KR201", "list.yaml", 23, 17),
        loc("KR201", "svc.json", 5, 24),
    ]);
    assert_eq!(located(&report), expected, "{report:#}");

    let summary = &report["summary"];
    assert_eq!(summary["files"], 14, "README.md is not read: {summary}");
    // web (2), quote (1 of 2), dup, empty (1 of 5), bom, the template (it parses, but not
    // as Kubernetes reads YAML), list, json.
    assert_eq!(summary["documents"], 9, "{summary}");
    assert_eq!(summary["errors"], 12);

    // File-level problems carry no resource; object-level ones do.
    for diag in diagnostics(&report) {
        let code = diag["code"].as_str().unwrap();
        assert_eq!(
            diag.get("resource").is_some(),
            code.starts_with("KR2"),
            "{diag}"
        );
    }

    // --parse-only keeps the input diagnostics and drops the rest.
    let report = check_json(&["--parse-only", arg(d)], 1);
    let input_only: BTreeSet<_> = expected
        .into_iter()
        .filter(|(code, ..)| code.starts_with("KR0"))
        .collect();
    assert_eq!(located(&report), input_only);

    drop(binary);
}

#[test]
fn size_limit_is_enforced() {
    let dir = TempDir::new().unwrap();
    let web = write(dir.path(), "web.yaml", WEB);
    let report = check_json(&["--max-file-size", "100", arg(&web)], 1);
    assert_eq!(
        located(&report),
        BTreeSet::from([loc("KR005", "web.yaml", 1, 1)])
    );
    check_json(&["--max-file-size", "100000", arg(&web)], 0);
}

#[test]
fn gitignore_is_honoured_in_directories() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    write(d, ".gitignore", "rendered/\n*.local.yaml\n");
    write(d, "web.yaml", WEB);
    write(d, "rendered/broken.yaml", "a: [\n");
    write(d, "dev.local.yaml", TYPO_SERVICE);
    write(d, ".hidden/typo.yaml", TYPO_SERVICE);
    write(d, "sub/.gitignore", "skip.yml\n");
    write(d, "sub/skip.yml", TYPO_SERVICE);
    write(d, "sub/keep.yml", TYPO_SERVICE.replace("web-typo", "kept"));
    let report = check_json(&[arg(d)], 1);
    assert_eq!(report["summary"]["files"], 2, "{report:#}");
    assert_eq!(
        located(&report),
        BTreeSet::from([loc("KR201", "keep.yml", 7, 5)])
    );

    // A file named explicitly is read even when ignored.
    let report = check_json(&[arg(&d.join("dev.local.yaml"))], 1);
    assert_eq!(codes(&report), ["KR201"]);
}

/// Runs `kroute check --color never ARGS…` and returns what it printed.
fn check_human(args: &[&str], code: i32) -> String {
    let assert = kroute()
        .args(["check", "--color", "never"])
        .args(args)
        .assert()
        .code(code);
    String::from_utf8(assert.get_output().stdout.clone()).expect("UTF-8 output")
}

#[test]
fn a_helm_chart_is_one_info_and_its_templates_are_not_read() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    write(d, "web.yaml", WEB);
    let chart = write(
        d,
        "charts/shop/Chart.yaml",
        "apiVersion: v2\nname: shop\nversion: 0.1.0\n",
    );
    write(d, "charts/shop/values.yaml", "replicaCount: 2\n");
    write(
        d,
        "charts/shop/templates/deployment.yaml",
        "{{- if .Values.enabled }}\napiVersion: apps/v1\nkind: Deployment\n{{- end }}\n",
    );
    // Looks rendered and parses, but is a template source: its typo is not reported.
    let template = write(d, "charts/shop/templates/service.yaml", TYPO_SERVICE);
    write(
        d,
        "charts/shop/templates/tests/ping.yaml",
        "{{ .Values }}\n",
    );

    let report = check_json(&[arg(d)], 0);
    assert_eq!(
        located(&report),
        BTreeSet::from([loc("KR004", "Chart.yaml", 2, 7)]),
        "{report:#}"
    );
    let chart_info = &diagnostics(&report)[0];
    assert_eq!(chart_info["severity"], "info");
    let render = format!(
        "helm template shop {} | kroute check -",
        arg(&d.join("charts/shop"))
    );
    assert!(
        chart_info["help"].as_str().unwrap().contains(&render),
        "{chart_info}"
    );
    // web.yaml, Chart.yaml and values.yaml; the templates are not inputs.
    assert_eq!(report["summary"]["files"], 3, "{report:#}");
    assert_eq!(report["summary"]["skipped"], 2, "{report:#}");
    let human = check_human(&[arg(d)], 0);
    assert!(human.contains("from 3 files (2 skipped)"), "{human}");

    // Templates named one by one (as a pre-commit hook does) are the chart's, once.
    for args in [vec![arg(&template)], vec![arg(&chart), arg(&template)]] {
        let report = check_json(&args, 0);
        assert_eq!(
            located(&report),
            BTreeSet::from([loc("KR004", "Chart.yaml", 2, 7)]),
            "{args:?}: {report:#}"
        );
        assert_eq!(report["summary"]["files"], 1);
    }
}

#[test]
fn tool_and_configuration_files_are_skipped_and_counted() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    write(d, "web.yaml", WEB);
    write(d, "kustomization.yaml", "resources:\n  - web.yaml\n");
    write(
        d,
        "docker-compose.yml",
        "services:\n  web:\n    image: nginx:1.27\n",
    );
    write(
        d,
        "skaffold.yaml",
        "apiVersion: skaffold/v4beta6\nkind: Config\nmetadata:\n  name: web\n",
    );
    write(
        d,
        "cluster.yaml",
        "apiVersion: kind.x-k8s.io/v1alpha4\nkind: Cluster\nnodes: [{role: control-plane}]\n",
    );
    write(
        d,
        "istio.yaml",
        "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n  profile: demo\n",
    );
    write(
        d,
        "tsconfig.json",
        "{\n  // comments: not JSON, not YAML\n  \"compilerOptions\": {}\n}\n",
    );
    write(
        d,
        "package.json",
        "{\"name\": \"web\", \"version\": \"1.0.0\"}\n",
    );
    write(d, "values.yaml", "kind: DaemonSet\nimage: web\n");
    write(
        d,
        "Chart.yaml",
        "apiVersion: v2\nname: library\nversion: 1.0.0\n",
    );

    let report = check_json(&[arg(d)], 0);
    assert!(diagnostics(&report).is_empty(), "{report:#}");
    assert_eq!(report["summary"]["files"], 10);
    assert_eq!(report["summary"]["skipped"], 9);
    let human = check_human(&[arg(d)], 0);
    assert!(human.contains("from 10 files (9 skipped) in "), "{human}");

    // What meant to be a Kubernetes object and is not stays an error.
    write(d, "broken.yaml", "kind: Service\nmetadata:\n  name: web\n");
    let report = check_json(&[arg(d)], 1);
    assert_eq!(
        located(&report),
        BTreeSet::from([loc("KR003", "broken.yaml", 1, 1)])
    );
    assert_eq!(report["summary"]["skipped"], 9);
}

#[test]
fn a_file_named_twice_is_read_once() {
    let twice = check_json(&["testdata/demo/checkout.yaml", "testdata/demo"], 1);
    let once = check_json(&["testdata/demo"], 1);
    assert_eq!(located(&twice), located(&once), "{twice:#}");
    assert_eq!(twice["summary"]["files"], once["summary"]["files"]);
}

#[test]
fn a_duplicate_key_is_reported_in_objects_only() {
    let dir = TempDir::new().unwrap();
    // An Ansible playbook and a compose file under another name: not Kubernetes, and YAML
    // their tools read, so nothing to fail on. A duplicate key in an object is an error.
    let text = "- hosts: all\n  hosts: web\n---\nservices:\n  web:\n    image: a\n    image: b\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata: {a: x, a: y}\n";
    let file = write(dir.path(), "mixed.yaml", text);
    let report = check_json(&[arg(&file)], 1);
    assert_eq!(
        located(&report),
        BTreeSet::from([
            loc("KR003", "mixed.yaml", 1, 1),
            loc("KR002", "mixed.yaml", 13, 14),
        ]),
        "{report:#}"
    );
}

#[test]
fn a_document_that_parses_is_read_whatever_its_strings_hold() {
    let dir = TempDir::new().unwrap();
    // Rendered output: a dashboard whose quoted JSON has Go-template text, even at the start
    // of a line; a Service with a typo after it; then a template that does not parse,
    // and an object after that.
    let dashboard = r#"apiVersion: v1
kind: ConfigMap
metadata:
  name: dashboards
data:
  http.json: "{\"legendFormat\": \"
    {{route}}\"}"
---
"#;
    let template = r#"---
{{- if .Values.enabled }}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ .Values.name }}
{{- end }}
---
"#;
    let text = [dashboard, TYPO_SERVICE, template, WARNING_ONLY].concat();
    let file = write(dir.path(), "rendered.yaml", text);
    let report = check_json(&[arg(&file)], 1);
    assert_eq!(
        located(&report),
        BTreeSet::from([
            loc("KR201", "rendered.yaml", 15, 5),
            loc("KR004", "rendered.yaml", 19, 1),
            loc("KR206", "rendered.yaml", 32, 5),
        ]),
        "{report:#}"
    );
    assert_eq!(report["summary"]["documents"], 3);
    assert_eq!(report["summary"]["skipped"], 0);
}

// ---------------------------------------------------------------------------------------
// rules / explain

#[test]
fn rules_lists_every_code() {
    let registry = kroute::checks::registry();
    let listed: BTreeSet<&str> = registry.iter().map(|e| e.rule.code).collect();
    for code in [
        "KR001", "KR002", "KR003", "KR004", "KR005", "KR006", "KR201", "KR202", "KR203", "KR204",
        "KR205", "KR206", "KR207", "KR208", "KR210", "KR211",
    ] {
        assert!(listed.contains(code), "{code} is not registered");
    }

    let assert = kroute().arg("rules").assert().code(0);
    let text = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    for entry in registry {
        let line = text
            .lines()
            .find(|l| l.starts_with(entry.rule.code))
            .unwrap_or_else(|| panic!("{} missing from `kroute rules`", entry.rule.code));
        assert!(line.contains(entry.rule.severity.as_str()), "{line}");
        assert!(line.contains(entry.rule.summary), "{line}");
    }

    let assert = kroute()
        .args(["rules", "--format", "json"])
        .assert()
        .code(0);
    let rules: Value = serde_json::from_slice(&assert.get_output().stdout).unwrap();
    let json_codes: BTreeSet<&str> = rules
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect();
    let policies = kroute::policy::builtin::ids();
    let listed: BTreeSet<&str> = listed
        .into_iter()
        .chain(policies.iter().map(String::as_str))
        .collect();
    assert_eq!(json_codes, listed);
}

#[test]
fn explain_prints_the_rule_docs() {
    kroute()
        .args(["explain", "KR201"])
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with("# KR201"))
        .stdout(predicate::str::contains("## How to fix"))
        .stdout(predicate::str::contains("kroute.dev/ignore: \"KR201\""));
    kroute()
        .args(["explain", "kr005"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("# KR005"));
    // Every rule has documentation.
    for entry in kroute::checks::registry() {
        assert!(
            entry.docs().starts_with(&format!("# {}", entry.rule.code)),
            "{} has no docs",
            entry.rule.code
        );
    }
}

// ---------------------------------------------------------------------------------------
// Suppression

#[test]
fn ignore_annotation_suppresses_listed_codes_only() {
    let dir = TempDir::new().unwrap();
    let annotated = TYPO_SERVICE.replace(
        "  name: web-typo\n",
        "  name: web-typo\n  annotations:\n    kroute.dev/ignore: \"KR201,KR207\"\n    kroute.dev/ignore-reason: endpoints come from elsewhere\n",
    );
    let file = write(dir.path(), "svc.yaml", &annotated);
    let report = check_json(&[arg(&file)], 0);
    // KR207 reports nothing on a Service: listing it is itself reported, as an info.
    assert_eq!(codes(&report), ["KR008"], "{report:#}");
    assert_eq!(report["summary"]["suppressed"], 1);
    assert_eq!(report["summary"]["errors"], 0);
    let suppressed = &report["suppressed"][0];
    assert_eq!(suppressed["code"], "KR201");
    assert_eq!(suppressed["suppression"]["by"], "annotation");
    assert_eq!(
        suppressed["suppression"]["reason"],
        "endpoints come from elsewhere"
    );
    kroute()
        .args(["check", "--color", "never", arg(&file)])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("(1 suppressed)"));

    // Another code in the list does not hide KR201.
    let other = annotated.replace("KR201,KR207", "KR207");
    let file = write(dir.path(), "svc.yaml", other);
    let report = check_json(&[arg(&file)], 1);
    assert_eq!(codes(&report), ["KR008", "KR201"]);
    assert_eq!(report["summary"]["suppressed"], 0);
}

// ---------------------------------------------------------------------------------------
// The README demo

#[test]
fn demo_reports_its_deliberate_mistakes() {
    // Without schemas: the Istio, Knative and Gateway API kinds have none embedded, and
    // each would add its KR103 info (tests/schema.rs checks schema validation).
    let report = check_json(&["--no-schema", "testdata/demo"], 1);
    let found: BTreeSet<(String, String)> = located(&report)
        .into_iter()
        .map(|(code, file, ..)| (code, file))
        .collect();
    let expected: BTreeSet<(String, String)> = [
        ("KR201", "checkout.yaml"),
        ("KR204", "frontend.yaml"),
        ("KR205", "policies.yaml"),
        ("KR211", "checkout.yaml"),
        ("KR303", "istio.yaml"),
        ("KR401", "knative.yaml"),
        ("KR404", "knative.yaml"),
    ]
    .into_iter()
    .map(|(c, f)| (c.to_string(), f.to_string()))
    .collect();
    assert_eq!(found, expected, "{report:#}");
    let summary = &report["summary"];
    assert_eq!(
        (summary["errors"].as_u64(), summary["warnings"].as_u64()),
        (Some(6), Some(1))
    );
    assert_eq!(summary["infos"], 0);
    assert_eq!(summary["suppressed"], 0);

    // The selector typo names the nearest workload.
    let kr201 = diagnostics(&report)
        .iter()
        .find(|d| d["code"] == "KR201")
        .unwrap();
    assert!(kr201["related"][0]["message"]
        .as_str()
        .unwrap()
        .contains("Deployment shop/checkout"));

    kroute()
        .args(["check", "--color", "never", "--no-schema", "testdata/demo"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("6 errors, 1 warning, 0 infos"));
}

#[test]
fn context_resolves_references_without_reporting_on_it() {
    let dir = TempDir::new().unwrap();
    let (deployment, service) = WEB.split_once("---\n").unwrap();
    let changed = write(dir.path(), "repo/service.yaml", service);
    write(dir.path(), "repo/deployment.yaml", deployment);
    // A broken file and a typo elsewhere in the repository: not what is being checked.
    write(dir.path(), "repo/broken.yaml", "a: [unclosed\n");
    write(dir.path(), "repo/typo.yaml", TYPO_SERVICE);
    let repo = dir.path().join("repo");

    let alone = check_json(&[arg(&changed)], 1);
    assert_eq!(codes(&alone), ["KR201"]);

    // The changed file is also under the context directory: it is read once (no KR006).
    let report = check_json(&["--context", arg(&repo), arg(&changed)], 0);
    assert!(codes(&report).is_empty(), "{report}");
    assert_eq!(report["summary"]["files"], 1);
    assert_eq!(report["summary"]["documents"], 1);

    // Without --context the whole repository is checked and its problems reported.
    let whole = check_json(&[arg(&repo)], 1);
    assert_eq!(
        codes(&whole).into_iter().collect::<BTreeSet<_>>(),
        BTreeSet::from(["KR001".to_string(), "KR201".to_string()])
    );
}

/// `(code, severity, file, line)` of every diagnostic, files relative to `testdata/kustomize/`
/// (renderings keep their `<…>` name).
fn kustomize_findings(report: &Value) -> BTreeSet<(String, String, String, u64)> {
    diagnostics(report)
        .iter()
        .map(|d| {
            let file = d["location"]["file"].as_str().unwrap();
            (
                d["code"].as_str().unwrap().to_string(),
                d["severity"].as_str().unwrap().to_string(),
                file.replace("testdata/kustomize/", ""),
                d["location"]["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn finding(code: &str, severity: &str, file: &str, line: u64) -> (String, String, String, u64) {
    (code.into(), severity.into(), file.into(), line)
}

#[test]
fn each_kustomization_root_is_a_scope() {
    let report = check_json(&["testdata/kustomize"], 1);
    // The base's Service is checked under both overlays and reported once; the generator
    // provides `shop-settings` (also under a rendered name with a hash suffix); a missing
    // Secret is an info; the prod overlay does not see the ConfigMap of the dev overlay.
    assert_eq!(
        kustomize_findings(&report),
        BTreeSet::from([
            finding("KR201", "error", "base/service.yaml", 15),
            finding("KR207", "info", "base/deployment.yaml", 22),
            finding("KR207", "error", "overlays/prod/worker.yaml", 16),
        ]),
        "{report:#}"
    );
    assert_eq!(diagnostics(&report).len(), 3);
    // One finding for the Secret both containers use, the other use as related location.
    let secret = diagnostics(&report)
        .iter()
        .find(|d| d["code"] == "KR207" && d["severity"] == "info")
        .unwrap();
    assert_eq!(secret["related"].as_array().unwrap().len(), 1);
    assert_eq!(secret["related"][0]["line"], 28);
    // Three kustomizations and the prod overlay's patch are not manifests.
    assert_eq!(report["summary"]["skipped"], 4);

    let strict = check_json(&["--strict-secrets", "testdata/kustomize"], 1);
    assert!(kustomize_findings(&strict).contains(&finding(
        "KR207",
        "error",
        "base/deployment.yaml",
        22
    )));
}

#[test]
fn a_changed_file_of_a_kustomization_is_checked_in_its_scopes() {
    let worker = check_json(
        &[
            "--context",
            "testdata/kustomize",
            "testdata/kustomize/overlays/prod/worker.yaml",
        ],
        1,
    );
    assert_eq!(
        kustomize_findings(&worker),
        BTreeSet::from([finding("KR207", "error", "overlays/prod/worker.yaml", 16)])
    );
    // A patch is not an object: nothing to say about it, and it is skipped.
    let patch = check_json(
        &[
            "--context",
            "testdata/kustomize",
            "testdata/kustomize/overlays/prod/replicas.yaml",
        ],
        0,
    );
    assert!(diagnostics(&patch).is_empty(), "{patch:#}");
    assert_eq!(patch["summary"]["skipped"], 1);
}

/// Whether `kustomize` or `kubectl` can render; under CI=true one must (the machine has
/// kubectl, and `.ci/run` installs it otherwise).
fn can_render() -> bool {
    let found = ["kustomize", "kubectl"].iter().any(|tool| {
        std::process::Command::new(tool)
            .arg("version")
            .arg("--client")
            .output()
            .is_ok()
    });
    assert!(
        found || std::env::var("CI").as_deref() != Ok("true"),
        "kustomize or kubectl is required under CI=true (.ci/run installs kubectl)"
    );
    found
}

#[test]
fn kustomize_renders_each_root_and_maps_findings_back_to_unchanged_objects() {
    if !can_render() {
        eprintln!("note: neither kustomize nor kubectl found; --kustomize test skipped");
        return;
    }
    let report = check_json(&["--kustomize", "testdata/kustomize"], 1);
    let found = kustomize_findings(&report);
    // The dev overlay renders the base's Services unchanged: the finding is on the file.
    assert!(
        found.contains(&finding("KR201", "error", "base/service.yaml", 15)),
        "{report:#}"
    );
    // The prod overlay sets a namespace, so its objects are not the files': they are found
    // in the rendering, named after the command (`<kubectl kustomize …/overlays/prod>`).
    let prod: BTreeSet<&str> = found
        .iter()
        .filter(|(_, _, file, _)| file.starts_with('<') && file.ends_with(" overlays/prod>"))
        .map(|(code, _, _, _)| code.as_str())
        .collect();
    assert_eq!(prod, BTreeSet::from(["KR201", "KR207"]), "{report:#}");
    // The rendering names the generated ConfigMap with its real hash: the one copied into
    // the CronJob is stale, which only the rendering shows.
    assert!(
        found.contains(&finding("KR207", "error", "overlays/dev/cleanup.yaml", 17)),
        "{report:#}"
    );
}

#[test]
fn kustomize_without_a_renderer_is_a_usage_error() {
    let empty = TempDir::new().unwrap();
    kroute()
        .env("PATH", empty.path())
        .args(["check", "--kustomize", "testdata/kustomize"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--kustomize needs `kustomize` or `kubectl` on PATH",
        ));
}
// ---------------------------------------------------------------------------------------
// Platform profiles and the Kubernetes built-ins

/// An application that leans on what the platform installs: Istio's ingress gateway pods
/// (a Gateway selector), Knative's Istio gateway and local gateway Service, and Istio's
/// GatewayClass.
const ON_THE_PLATFORM: &str = "\
apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: web
spec:
  selector:
    istio: ingressgateway
  servers:
    - port: {number: 80, name: http, protocol: HTTP}
      hosts: [web.example.com]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: web
spec:
  hosts: [web.example.com]
  gateways: [web]
  http:
    - route:
        - destination: {host: web, port: {number: 80}}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: search
spec:
  hosts: [search.example.com]
  gateways: [knative-serving/knative-ingress-gateway]
  http:
    - rewrite: {authority: search.default.svc.cluster.local}
      route:
        - destination:
            host: knative-local-gateway.istio-system.svc.cluster.local
            port: {number: 80}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: api
spec:
  gatewayClassName: istio
  listeners:
    - {name: http, port: 80, protocol: HTTP}
";

/// The help of the diagnostic with `code`.
fn help_of<'a>(report: &'a Value, code: &str) -> &'a str {
    diagnostics(report)
        .iter()
        .find(|d| d["code"] == code)
        .and_then(|d| d["help"].as_str())
        .unwrap_or_else(|| panic!("no {code} with a help in {report:#}"))
}

#[test]
fn without_a_profile_findings_about_platform_objects_name_the_profile_to_add() {
    let dir = TempDir::new().unwrap();
    let app = write(
        dir.path(),
        "app.yaml",
        format!("{WEB}---\n{ON_THE_PLATFORM}"),
    );
    // No error: KR308 is a warning, and the references into `knative-serving` and
    // `istio-system`, of which the input holds nothing, are infos. Without schemas, which
    // the Istio and Gateway API kinds have none of (each would add a KR103 info).
    let report = check_json(&["--no-schema", arg(&app)], 0);
    let found: BTreeSet<String> = codes(&report).into_iter().collect();
    let expected = ["KR301", "KR303", "KR308", "KR506"].map(String::from);
    assert_eq!(found, BTreeSet::from(expected), "{report:#}");
    for (code, profile) in [
        ("KR308", "istio"),
        ("KR301", "knative-istio"),
        ("KR303", "knative-istio"),
        ("KR506", "gateway-api-istio"),
    ] {
        let help = help_of(&report, code);
        assert!(
            help.contains(&format!("`--platform {profile}`")),
            "{code}: {help}"
        );
    }
    assert!(help_of(&report, "KR308").contains("Deployment istio-system/istio-ingressgateway"));
}

#[test]
fn platform_profiles_resolve_references_and_are_never_reported() {
    let dir = TempDir::new().unwrap();
    let app = write(
        dir.path(),
        "app.yaml",
        format!("{WEB}---\n{ON_THE_PLATFORM}"),
    );
    // Repeatable and comma-separated, in any order.
    let all = [
        "--platform",
        "gateway-api-istio",
        "--platform",
        "istio,knative-istio",
    ];
    // Without schemas, which the Istio and Gateway API kinds have none of.
    let report = check_json(&[&all[..], &["--no-schema", arg(&app)]].concat(), 0);
    assert!(codes(&report).is_empty(), "{report:#}");
    assert_eq!(report["summary"]["files"], 1, "profiles are not counted");
    assert_eq!(report["summary"]["documents"], 6);

    // `knative-istio` brings `istio`, whose ingress gateway pods its Gateways select.
    let report = check_json(
        &["--platform", "knative-istio", "--no-schema", arg(&app)],
        0,
    );
    assert_eq!(codes(&report), ["KR506"], "{report:#}");
    assert_eq!(report["diagnostics"][0]["severity"], "info");
}

#[test]
fn an_unknown_platform_is_a_usage_error() {
    kroute()
        .args(["check", "--platform", "itsio", "testdata/demo"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("invalid value 'itsio'"))
        .stderr(predicate::str::contains("gateway-api-istio"));
}

#[test]
fn what_every_cluster_and_namespace_has_is_always_known() {
    let dir = TempDir::new().unwrap();
    let app = write(
        dir.path(),
        "app.yaml",
        "\
apiVersion: apps/v1
kind: Deployment
metadata: {name: client, namespace: shop}
spec:
  selector: {matchLabels: {app: client}}
  template:
    metadata: {labels: {app: client}}
    spec:
      serviceAccountName: default
      containers:
        - name: client
          image: example/client:1.0.0
          env:
            - {name: API, value: kubernetes.default.svc:443}
            - {name: DNS, value: kube-dns.kube-system.svc.cluster.local:53}
          volumeMounts:
            - {name: ca, mountPath: /etc/ca}
      volumes:
        - name: ca
          configMap: {name: kube-root-ca.crt}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: default}
data:
  api: https://kubernetes.default.svc:6443/
",
    );
    let report = check_json(&[arg(&app)], 0);
    // The port is the API server's, not the Service's: the built-in Service says so.
    assert_eq!(codes(&report), ["KR211"], "{report:#}");
    let message = report["diagnostics"][0]["message"].as_str().unwrap();
    assert!(message.contains("Service default/kubernetes has no port 6443 (it has 443"));
    let related = &report["diagnostics"][0]["related"][0];
    assert_eq!(related["file"], "<platform:kubernetes>", "{report:#}");

    // A related location in a platform file names it like any file.
    kroute()
        .args(["check", "--color", "never", arg(&app)])
        .assert()
        .stdout(predicate::str::contains(
            "= note: the Service (<platform:kubernetes>:",
        ));
}

#[test]
fn graph_and_trace_load_the_profiles_and_draw_only_what_the_input_reaches() {
    let dir = TempDir::new().unwrap();
    let app = write(
        dir.path(),
        "app.yaml",
        format!("{WEB}---\n{ON_THE_PLATFORM}"),
    );

    let trace = |platform: &[&str], request: &str, code: i32| {
        let assert = kroute()
            .arg("trace")
            .args(platform)
            .args([request, arg(&app)])
            .assert()
            .code(code);
        String::from_utf8(assert.get_output().stdout.clone()).unwrap()
    };
    assert!(trace(&[], "web.example.com/", 0).contains("! KR308"));
    trace(&[], "search.example.com/", 1);
    let knative = ["--platform", "knative-istio"];
    let web = trace(&knative, "web.example.com/", 0);
    assert!(!web.contains("KR308"), "{web}");
    assert!(
        web.contains("on Deployment istio-system/istio-ingressgateway"),
        "{web}"
    );
    let search = trace(&knative, "search.example.com/", 0);
    assert!(
        search.contains("Gateway knative-serving/knative-ingress-gateway"),
        "{search}"
    );
    assert!(search.contains("(<platform:knative-istio>:"), "{search}");
    // The local gateway Service's target port 8081 is a server of Knative's local Gateway.
    assert!(
        search.contains("port 8081 (a server of its Gateways)"),
        "{search}"
    );
    assert!(!search.contains("KR202"), "{search}");

    let assert = kroute()
        .args([
            "graph",
            "--format",
            "json",
            "--platform",
            "istio",
            arg(&app),
        ])
        .assert()
        .code(0);
    let graph: Value = serde_json::from_slice(&assert.get_output().stdout).unwrap();
    let titles: BTreeSet<&str> = graph["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n["title"].as_str())
        .collect();
    assert!(
        titles.contains("Deployment istio-system/istio-ingressgateway"),
        "{titles:?}"
    );
    // The built-ins and istiod serve no request of the input: not drawn.
    for absent in [
        "Service default/kubernetes",
        "Service kube-system/kube-dns",
        "Service istio-system/istiod",
    ] {
        assert!(!titles.contains(absent), "{absent} in {titles:?}");
    }
}

/// A Gateway `example-gateway` with one listener, as each example of a samples directory
/// ships its own.
fn example_gateway(listener: &str) -> String {
    format!(
        "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata:\n  name: example-gateway\nspec:\n  gatewayClassName: example\n  listeners:\n  - name: {listener}\n    protocol: HTTP\n    port: 80\n"
    )
}

/// An HTTPRoute attached to listener `section` of `example-gateway`.
fn example_route(name: &str, section: &str) -> String {
    format!(
        "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n  name: {name}\nspec:\n  parentRefs:\n  - name: example-gateway\n    sectionName: {section}\n"
    )
}

#[test]
fn routes_beside_an_alternative_definition_are_judged_against_it() {
    // Two examples each define Gateway example-gateway, with different listeners: each
    // route means the Gateway beside it, not the first one read.
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a/gateway.yaml", example_gateway("grpc"));
    write(dir.path(), "a/route.yaml", example_route("a", "grpc"));
    write(dir.path(), "b/gateway.yaml", example_gateway("https"));
    write(dir.path(), "b/route.yaml", example_route("b", "https"));
    write(dir.path(), "b/typo.yaml", example_route("typo", "htps"));
    let report = check_json(&[arg(dir.path())], 1);
    let found: Vec<(String, String)> = diagnostics(&report)
        .iter()
        .filter(|d| d["severity"] != "info")
        .map(|d| {
            let file = d["location"]["file"].as_str().unwrap();
            let file = Path::new(file)
                .strip_prefix(dir.path())
                .unwrap_or(Path::new(file));
            (
                d["code"].as_str().unwrap().to_string(),
                file.display().to_string(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            ("KR006".to_string(), "b/gateway.yaml".to_string()),
            ("KR501".to_string(), "b/typo.yaml".to_string()),
        ],
        "{report}"
    );
    let duplicate = &diagnostics(&report)
        .iter()
        .find(|d| d["code"] == "KR006")
        .unwrap()["related"][0]["file"];
    assert!(
        duplicate.as_str().unwrap().ends_with("a/gateway.yaml"),
        "{report}"
    );
}

/// A Deployment of namespace `shop` running as the namespace's `default` ServiceAccount.
const WEB_AS_DEFAULT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      serviceAccountName: default\n      containers:\n      - name: web\n        image: registry.example/web:1\n";

/// `ServiceAccount shop/default` with a pull secret, as a patch or a definition.
const DEFAULT_SA: &str = "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: default\n  namespace: shop\nimagePullSecrets:\n- name: registry\n";

#[test]
fn what_one_scope_defines_never_hides_the_platforms_objects_from_another() {
    let dir = tempfile::tempdir().unwrap();
    // A patch of the built-in ServiceAccount is not an object; it must not hide it.
    write(
        dir.path(),
        "app/kustomization.yaml",
        "namespace: shop\nresources: [deploy.yaml]\npatchesStrategicMerge: [sa-patch.yaml]\n",
    );
    write(dir.path(), "app/deploy.yaml", WEB_AS_DEFAULT);
    write(dir.path(), "app/sa-patch.yaml", DEFAULT_SA);
    // Another root that defines the ServiceAccount itself: it must not take the built-in
    // away from the first root.
    write(
        dir.path(),
        "other/kustomization.yaml",
        "resources: [sa.yaml]\n",
    );
    write(dir.path(), "other/sa.yaml", DEFAULT_SA);
    let report = check_json(&[arg(dir.path())], 0);
    assert!(!codes(&report).contains(&"KR207".to_string()), "{report}");
}

#[test]
fn graph_does_not_take_a_kustomize_patch_for_an_object() {
    // The patch sorts first and would be taken for the Deployment: its labels would make
    // the Service select nothing.
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "app/kustomization.yaml",
        "resources: [deploy.yaml, service.yaml]\npatches:\n- path: a-patch.yaml\n",
    );
    write(
        dir.path(),
        "app/a-patch.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    metadata:\n      labels: {tier: patched}\n",
    );
    write(
        dir.path(),
        "app/deploy.yaml",
        WEB_AS_DEFAULT.replace("  namespace: shop\n", ""),
    );
    write(
        dir.path(),
        "app/service.yaml",
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector: {app: web}\n  ports:\n  - port: 80\n",
    );
    let output = kroute()
        .args(["graph", "--format", "json", arg(dir.path())])
        .output()
        .unwrap();
    let graph: Value = serde_json::from_slice(&output.stdout).unwrap();
    let broken: Vec<&Value> = graph["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| !e["broken"].is_null())
        .collect();
    assert!(broken.is_empty(), "{broken:?}");
    let labels = graph.to_string();
    assert!(!labels.contains("patched"), "{labels}");
}

#[test]
fn a_listener_secret_kept_out_of_the_input_is_an_error_only_with_strict_secrets() {
    let severity_of_missing = |args: &[&str], code: i32| -> Vec<String> {
        let report = check_json(args, code);
        diagnostics(&report)
            .iter()
            .filter(|d| {
                d["code"] == "KR508"
                    && d["message"]
                        .as_str()
                        .is_some_and(|m| m.contains("`docs-tls`"))
            })
            .map(|d| d["severity"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    let fixture = "testdata/rules/KR508/fail.yaml";
    assert_eq!(severity_of_missing(&[fixture], 1), ["info"]);
    assert_eq!(
        severity_of_missing(&["--strict-secrets", fixture], 1),
        ["error"]
    );
}
