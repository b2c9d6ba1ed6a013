//! The CI formats and the baseline through the real `kroute` binary, each read by the
//! client that consumes it: SARIF validated against the official SARIF 2.1.0 JSON schema
//! (vendored in `tests/sarif/`, see its README) by the `jsonschema` crate; JUnit XML parsed
//! by `junitparser` (PyPI, installed by `.ci/run`; without it the test says it was skipped,
//! and fails under CI=true); GitHub workflow commands checked against the documented
//! syntax and escaping. Bad input is generated in temporary directories.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command as Process;

use regex::Regex;
use serde_json::Value;
use tempfile::TempDir;

mod common;

use common::{kroute, TYPO_SERVICE};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every failing fixture, relative to the crate root, and a clean one.
fn fixtures() -> Vec<String> {
    let mut out = Vec::new();
    let dir = root().join("testdata/rules");
    for entry in std::fs::read_dir(&dir).expect("testdata/rules") {
        let code_dir = entry.expect("entry").path();
        for case in std::fs::read_dir(&code_dir).expect("rule fixtures") {
            let path = case.expect("entry").path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if name.starts_with("fail") {
                let rel = path.strip_prefix(root()).unwrap();
                out.push(rel.to_string_lossy().into_owned());
            }
        }
    }
    out.sort();
    out.push(CLEAN.to_string());
    out
}

/// A file without findings, schema validation included.
const CLEAN: &str = "testdata/rules/KR101/pass.yaml";

/// Runs `kroute check ARGS…` from `dir`, expecting exit 0 or 1, and returns stdout.
fn check_in(dir: &Path, args: &[&str]) -> String {
    let output = kroute()
        .current_dir(dir)
        .arg("check")
        .args(args)
        .output()
        .expect("kroute runs");
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "kroute check {args:?}: {output:?}"
    );
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

fn sarif_validator() -> jsonschema::Validator {
    let schema = json(include_str!("sarif/sarif-schema-2.1.0.json"));
    jsonschema::validator_for(&schema).expect("the SARIF schema compiles")
}

/// The schema's complaints about `log`.
fn schema_errors(validator: &jsonschema::Validator, log: &Value) -> Vec<String> {
    validator
        .iter_errors(log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

/// `(code, file, line, column)` of every diagnostic of a `--format json` report.
fn json_findings(report: &Value) -> BTreeSet<(String, String, u64, u64)> {
    report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            let at = &d["location"];
            (
                d["code"].as_str().unwrap().to_string(),
                at["file"].as_str().unwrap().to_string(),
                at["line"].as_u64().unwrap(),
                at["column"].as_u64().unwrap(),
            )
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// SARIF

#[test]
fn sarif_of_every_fixture_is_valid_sarif_2_1_0() {
    let validator = sarif_validator();
    let rules = kroute::checks::registry();
    let mut failures = Vec::new();
    for fixture in fixtures() {
        let log = json(&check_in(root(), &["--format", "sarif", &fixture]));
        for e in schema_errors(&validator, &log) {
            failures.push(format!("{fixture}: {e}"));
        }
        let run = &log["runs"][0];
        let driver = &run["tool"]["driver"];
        assert_eq!(
            driver["rules"].as_array().unwrap().len(),
            rules.len() + kroute::policy::builtin::FILES.len()
        );
        let results = run["results"]
            .as_array()
            .expect("results is always an array");
        let report = json(&check_in(root(), &["--format", "json", &fixture]));
        let from_sarif: BTreeSet<(String, String, u64, u64)> = results
            .iter()
            .map(|r| {
                let at = &r["locations"][0]["physicalLocation"];
                let index = r["ruleIndex"].as_u64().unwrap() as usize;
                assert_eq!(driver["rules"][index]["id"], r["ruleId"], "{fixture}");
                assert!(r["partialFingerprints"]["kroute/v1"].is_string(), "{r:#}");
                assert_eq!(at["artifactLocation"]["uriBaseId"], "%SRCROOT%");
                (
                    r["ruleId"].as_str().unwrap().to_string(),
                    at["artifactLocation"]["uri"].as_str().unwrap().to_string(),
                    at["region"]["startLine"].as_u64().unwrap(),
                    at["region"]["startColumn"].as_u64().unwrap(),
                )
            })
            .collect();
        assert_eq!(from_sarif, json_findings(&report), "{fixture}");
        if fixture == CLEAN {
            assert_eq!(results.len(), 0);
        } else {
            assert!(!results.is_empty(), "{fixture}: no results");
        }
    }
    assert!(failures.is_empty(), "invalid SARIF: {failures:#?}");
}

#[test]
fn sarif_results_of_policies_name_rules_of_the_driver() {
    let validator = sarif_validator();
    let log = json(&check_in(
        root(),
        &[
            "--no-config",
            "--format",
            "sarif",
            "--policy",
            "testdata/policy-test/policies/acme-replicas.yaml",
            "testdata/policy-test/passing/replicas",
            "testdata/policies/KP004/fail.yaml",
        ],
    ));
    assert_eq!(schema_errors(&validator, &log), Vec::<String>::new());
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    let results = run["results"].as_array().expect("results");
    let mut ids: BTreeSet<&str> = BTreeSet::new();
    for r in results {
        let index = r["ruleIndex"]
            .as_u64()
            .expect("every result has a ruleIndex");
        let rule = &rules[usize::try_from(index).expect("index")];
        assert_eq!(rule["id"], r["ruleId"], "{r}");
        ids.insert(r["ruleId"].as_str().expect("ruleId"));
    }
    assert!(ids.contains("KP004") && ids.contains("ACME001"), "{ids:?}");
    let kp004 = rules.iter().find(|r| r["id"] == "KP004").expect("KP004");
    assert!(kp004["help"]["markdown"]
        .as_str()
        .is_some_and(|d| d.contains("## Why it matters")));
}

#[test]
fn sarif_rules_carry_their_documentation() {
    let log = json(&check_in(root(), &["--format", "sarif", CLEAN]));
    let rules = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    for (rule, entry) in rules.iter().zip(kroute::checks::registry()) {
        assert_eq!(rule["id"], entry.rule.code);
        assert_eq!(rule["shortDescription"]["text"], entry.rule.summary);
        assert_eq!(rule["help"]["markdown"], entry.docs());
        let name = rule["name"].as_str().unwrap();
        assert!(
            name.chars().next().is_some_and(|c| c.is_ascii_uppercase())
                && name.chars().all(|c| c.is_ascii_alphanumeric()),
            "{name}"
        );
        assert!(!rule["fullDescription"]["text"].as_str().unwrap().is_empty());
        let level = rule["defaultConfiguration"]["level"].as_str().unwrap();
        let expected = match entry.rule.severity.as_str() {
            "info" => "note",
            other => other,
        };
        assert_eq!(level, expected);
    }
}

#[test]
fn sarif_uris_are_relative_to_the_repository_root_and_percent_encoded() {
    let repo = TempDir::new().unwrap();
    std::fs::create_dir(repo.path().join(".git")).unwrap();
    let dir = repo.path().join("k8s/team a");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("svc #1.yaml"), TYPO_SERVICE).unwrap();
    // Run from a subdirectory: URIs stay relative to the root.
    let log = json(&check_in(
        &repo.path().join("k8s"),
        &["--format", "sarif", "team a"],
    ));
    assert!(schema_errors(&sarif_validator(), &log).is_empty());
    let result = &log["runs"][0]["results"][0];
    let location = &result["locations"][0];
    assert_eq!(
        location["physicalLocation"]["artifactLocation"]["uri"],
        "k8s/team%20a/svc%20%231.yaml"
    );
    assert_eq!(
        location["logicalLocations"][0]["fullyQualifiedName"],
        "v1/Service/default/web-typo"
    );
    let base = log["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .unwrap();
    assert!(
        base.starts_with("file:///") && base.ends_with('/'),
        "{base}"
    );
}

#[test]
fn sarif_of_stdin_names_standard_input() {
    let output = kroute()
        .args(["check", "--format", "sarif", "-"])
        .write_stdin(TYPO_SERVICE)
        .output()
        .unwrap();
    let log = json(&String::from_utf8(output.stdout).unwrap());
    assert!(schema_errors(&sarif_validator(), &log).is_empty());
    let artifact =
        &log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"];
    assert_eq!(artifact["uri"], "file:///dev/stdin");
}

// ---------------------------------------------------------------------------------------
// GitHub workflow commands

/// Undoes the runner's escaping of a message (`%25`, `%0D`, `%0A`) or, with `property`, of
/// a property value (also `%3A`, `%2C`); fails on a character that must be escaped.
fn unescape(text: &str, property: bool) -> String {
    let forbidden: &[char] = if property {
        &['\r', '\n', ':', ',']
    } else {
        &['\r', '\n']
    };
    assert!(!text.contains(forbidden), "unescaped character in {text:?}");
    let percent = Regex::new("%(25|0D|0A|3A|2C)|%").unwrap();
    percent
        .replace_all(text, |c: &regex::Captures<'_>| {
            match c.get(1).map(|m| m.as_str()) {
                Some("25") => "%",
                Some("0D") => "\r",
                Some("0A") => "\n",
                Some("3A") if property => ":",
                Some("2C") if property => ",",
                _ => panic!("`%` not escaped in {text:?}"),
            }
            .to_string()
        })
        .into_owned()
}

/// A workflow command as the runner reads it, unescaped.
struct Annotation {
    command: String,
    properties: Vec<(String, String)>,
    message: String,
}

/// The annotations of `--format github` output; every other line is plain log text.
fn annotations(text: &str) -> Vec<Annotation> {
    // `::name key=value,key=value::message` (docs: "Workflow commands for GitHub Actions").
    let command = Regex::new(r"^::(error|warning|notice)(?: ([^:]*))?::(.*)$").unwrap();
    text.lines()
        .filter(|l| l.starts_with("::"))
        .map(|line| {
            let c = command
                .captures(line)
                .unwrap_or_else(|| panic!("not a workflow command: {line}"));
            let properties = c.get(2).map_or(Vec::new(), |p| {
                p.as_str()
                    .split(',')
                    .map(|kv| {
                        let (k, v) = kv.split_once('=').expect("key=value");
                        (k.to_string(), unescape(v, true))
                    })
                    .collect()
            });
            Annotation {
                command: c[1].to_string(),
                properties,
                message: unescape(c.get(3).unwrap().as_str(), false),
            }
        })
        .collect()
}

/// Checks the `--format github` output of `path` (run from `dir`) against the JSON
/// report: one annotation per finding, at its place, with its severity and message.
fn check_github(dir: &Path, path: &str) {
    let text = check_in(dir, &["--format", "github", path]);
    let report = json(&check_in(dir, &["--format", "json", path]));
    let diagnostics = report["diagnostics"].as_array().unwrap();
    let mut seen = BTreeSet::new();
    for Annotation {
        command,
        properties,
        message,
    } in annotations(&text)
    {
        let get = |key: &str| {
            properties
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.clone())
        };
        let allowed = ["file", "line", "col", "endLine", "endColumn", "title"];
        assert!(properties
            .iter()
            .all(|(k, _)| allowed.contains(&k.as_str())));
        // Columns only for a one-line region, as the runner requires.
        if get("col").is_some() {
            assert_eq!(get("line"), get("endLine"), "{properties:?}");
        }
        let code = get("title").expect("title");
        let file = get("file").expect("file");
        let line: u64 = get("line").unwrap().parse().unwrap();
        let col: u64 = get("col").map_or(0, |c| c.parse().unwrap());
        let d = diagnostics
            .iter()
            .find(|d| {
                d["code"] == code.as_str()
                    && d["location"]["file"] == file.as_str()
                    && d["location"]["line"] == line
                    && (col == 0 || d["location"]["column"] == col)
            })
            .unwrap_or_else(|| panic!("{code} at {file}:{line}:{col} not in {report:#}"));
        let severity = match command.as_str() {
            "notice" => "info",
            other => other,
        };
        assert_eq!(d["severity"], severity);
        assert!(
            message.starts_with(d["message"].as_str().unwrap()),
            "{message}"
        );
        seen.insert((code, file, line, col));
    }
    assert_eq!(seen.len(), diagnostics.len(), "{path}: {text}");
    assert!(
        text.lines().last().unwrap().starts_with("kroute: "),
        "{text}"
    );
}

#[test]
fn github_commands_follow_the_documented_syntax_and_escaping() {
    check_github(root(), "testdata/demo");
    for fixture in fixtures() {
        check_github(root(), &fixture);
    }
    // Property escaping: a file name with `,` `:` and `%`.
    let repo = TempDir::new().unwrap();
    std::fs::create_dir(repo.path().join(".git")).unwrap();
    std::fs::write(repo.path().join("a,b:c 100%.yaml"), TYPO_SERVICE).unwrap();
    check_github(repo.path(), "a,b:c 100%.yaml");
    let text = check_in(repo.path(), &["--format", "github", "."]);
    assert!(text.starts_with("::error file=a%2Cb%3Ac 100%25.yaml,line=7,col=5,endLine=7,endColumn=13,title=KR201::Service default/web-typo"), "{text}");
}

#[test]
fn github_job_summary_counts_findings_by_code() {
    let dir = TempDir::new().unwrap();
    let summary = dir.path().join("summary.md");
    std::fs::write(&summary, "earlier step\n").unwrap();
    kroute()
        .env("GITHUB_STEP_SUMMARY", &summary)
        .args(["check", "--format", "github", "testdata/demo"])
        .assert()
        .code(1);
    let text = std::fs::read_to_string(&summary).unwrap();
    assert!(text.starts_with("earlier step\n### kroute\n"), "{text}");
    assert!(
        text.contains("| Code | Severity | Findings | Rule |"),
        "{text}"
    );
    assert!(
        text.contains(
            "| KR201 | error | 1 | Service selector matches no workload in its namespace |"
        ),
        "{text}"
    );
    // Without the variable nothing is written anywhere; other formats never write it.
    kroute()
        .env("GITHUB_STEP_SUMMARY", &summary)
        .args(["check", "--format", "json", "testdata/demo"])
        .assert()
        .code(1);
    assert_eq!(std::fs::read_to_string(&summary).unwrap(), text);
}

// ---------------------------------------------------------------------------------------
// JUnit

/// Whether `junitparser` can be imported; under CI=true it must be.
fn has_junitparser() -> bool {
    let found = Process::new("python3")
        .args(["-c", "import junitparser"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        found || std::env::var("CI").as_deref() != Ok("true"),
        "junitparser is required under CI=true (.ci/run installs it)"
    );
    if !found {
        eprintln!("skipped: python3 -m pip install junitparser to run this test");
    }
    found
}

/// What junitparser reads of a JUnit file: per test case, its name, class name and results
/// (`failure`/`error` with message and type).
const READ_JUNIT: &str = r#"
import json, sys
from junitparser import JUnitXml, Failure, Error
xml = JUnitXml.fromfile(sys.argv[1])
out = {"tests": xml.tests, "failures": xml.failures, "errors": xml.errors, "cases": []}
for suite in xml:
    for case in suite:
        results = [{"kind": type(r).__name__, "message": r.message, "type": r.type, "text": r.text}
                   for r in case.result if isinstance(r, (Failure, Error))]
        out["cases"].append({"name": case.name, "classname": case.classname, "results": results,
                             "system_out": case.system_out})
print(json.dumps(out))
"#;

fn read_junit(path: &Path) -> Value {
    let output = Process::new("python3")
        .args(["-c", READ_JUNIT])
        .arg(path)
        .output()
        .expect("python3 runs");
    assert!(output.status.success(), "{output:?}");
    json(&String::from_utf8(output.stdout).unwrap())
}

#[test]
fn junit_is_read_by_junitparser() {
    if !has_junitparser() {
        return;
    }
    let dir = TempDir::new().unwrap();
    let file = dir.path().join("kroute.xml");
    let junit = format!("junit={}", file.display());
    kroute()
        .args(["check", "--output", &junit, "testdata/demo"])
        .args(["testdata/rules/KR001/fail.yaml"])
        .assert()
        .code(1);
    let xml = read_junit(&file);
    let cases = xml["cases"].as_array().unwrap();
    let report = json(&check_in(
        root(),
        &[
            "--format",
            "json",
            "testdata/demo",
            "testdata/rules/KR001/fail.yaml",
        ],
    ));
    // One case per object: the demo's 31 and the 2 good documents of the file with syntax
    // errors; and one case for those errors.
    assert_eq!(cases.len(), 31 + 2 + 1, "{xml:#}");
    assert_eq!(xml["tests"], cases.len());
    let case = |name: &str| {
        cases
            .iter()
            .find(|c| c["name"] == name)
            .unwrap_or_else(|| panic!("no test case {name}: {xml:#}"))
    };
    let service = case("Service shop/checkout");
    assert_eq!(service["classname"], "testdata/demo/checkout.yaml");
    let failure = &service["results"][0];
    assert_eq!(failure["kind"], "Failure");
    assert_eq!(failure["type"], "KR201");
    assert!(failure["text"]
        .as_str()
        .unwrap()
        .contains("testdata/demo/checkout.yaml:79:5: error[KR201]"));
    // A warning below --fail-on is output, not a failure.
    let deployment = case("Deployment shop/checkout");
    assert!(deployment["results"].as_array().unwrap().is_empty());
    assert!(deployment["system_out"]
        .as_str()
        .unwrap()
        .contains("warning[KR211]"));
    let load = case("file testdata/rules/KR001/fail.yaml");
    assert_eq!(load["results"][0]["kind"], "Error");
    assert_eq!(load["results"][0]["type"], "KR001");
    assert_eq!(xml["errors"], 1);
    // Every error of the JSON report is in a failing case.
    let failing: usize = cases
        .iter()
        .flat_map(|c| c["results"].as_array().unwrap())
        .map(|r| {
            r["text"]
                .as_str()
                .unwrap()
                .lines()
                .filter(|l| l.contains(": error["))
                .count()
        })
        .sum();
    assert_eq!(
        report["summary"]["errors"].as_u64().unwrap() as usize,
        failing
    );
    assert_eq!(xml["failures"], 5);

    // Clean input: every case passes.
    kroute()
        .args(["check", "--output", &junit, CLEAN])
        .assert()
        .code(0);
    let xml = read_junit(&file);
    assert_eq!(xml["failures"], 0);
    assert!(xml["tests"].as_u64().unwrap() > 0);
}

// ---------------------------------------------------------------------------------------
// --output

#[test]
fn output_writes_more_formats_beside_stdout() {
    let dir = TempDir::new().unwrap();
    let path = |name: &str| dir.path().join(name);
    let spec = |format: &str, name: &str| format!("{format}={}", path(name).display());
    let assert = kroute()
        .args(["check", "--format", "json", "--no-schema", "testdata/demo"])
        .args(["--output", &spec("sarif", "k.sarif")])
        .args(["--output", &spec("github", "k.txt")])
        .args(["--output", &spec("human", "k.log")])
        .assert()
        .code(1);
    let stdout = json(&String::from_utf8(assert.get_output().stdout.clone()).unwrap());
    assert_eq!(stdout["summary"]["errors"], 6);
    let sarif = json(&std::fs::read_to_string(path("k.sarif")).unwrap());
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 7);
    let github = std::fs::read_to_string(path("k.txt")).unwrap();
    assert_eq!(annotations(&github).len(), 7);
    let human = std::fs::read_to_string(path("k.log")).unwrap();
    assert!(
        human.contains("error[KR201]") && !human.contains('\x1b'),
        "{human}"
    );

    for bad in ["sarif", "xml=out.xml", "sarif="] {
        kroute()
            .args(["check", "--output", bad, CLEAN])
            .assert()
            .code(2);
    }
}

// ---------------------------------------------------------------------------------------
// Baseline

/// A repository with the demo's manifests under `k8s/` (which has 7 findings).
fn demo_repo() -> TempDir {
    let repo = TempDir::new().unwrap();
    std::fs::create_dir(repo.path().join(".git")).unwrap();
    let k8s = repo.path().join("k8s");
    std::fs::create_dir(&k8s).unwrap();
    for entry in std::fs::read_dir(root().join("testdata/demo")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, k8s.join(path.file_name().unwrap())).unwrap();
    }
    repo
}

fn edit(path: &Path, f: impl Fn(String) -> String) {
    let text = std::fs::read_to_string(path).unwrap();
    std::fs::write(path, f(text)).unwrap();
}

/// `kroute check --format json --no-schema ARGS…` in `dir` (the demo's Istio, Knative and
/// Gateway API kinds have no embedded schema: each would add a KR103 info to count).
fn summary_in(dir: &Path, args: &[&str], code: i32) -> Value {
    let assert = kroute()
        .current_dir(dir)
        .args(["check", "--format", "json", "--no-schema"])
        .args(args)
        .assert()
        .code(code);
    json(&String::from_utf8(assert.get_output().stdout.clone()).unwrap())
}

#[test]
fn a_baseline_keeps_old_findings_out_and_lets_new_ones_fail() {
    let repo = demo_repo();
    let at = repo.path();
    let base = ["--baseline", "kroute-baseline.json", "k8s"];
    kroute()
        .current_dir(at)
        .args([
            "check",
            "--no-schema",
            "--write-baseline",
            "kroute-baseline.json",
            "k8s",
        ])
        .assert()
        .code(0)
        .stdout(predicates::str::contains("(7 baselined)"));
    let written = json(&std::fs::read_to_string(at.join("kroute-baseline.json")).unwrap());
    assert_eq!(written["version"], 1);
    let entries = written["findings"].as_array().unwrap();
    assert_eq!(entries.len(), 7);
    assert!(entries
        .iter()
        .all(|e| e["file"].as_str().unwrap().starts_with("k8s/")
            && e["fingerprint"].is_string()
            && e["message"].is_string()));
    let report = summary_in(at, &base, 0);
    assert_eq!(report["summary"]["baselined"], 7);
    assert_eq!(report["summary"]["baseline_stale"], 0);

    // Unrelated edits: lines added above and inside the objects, comments, a re-indented
    // flow mapping, another object; and the checks run from a subdirectory.
    edit(&at.join("k8s/checkout.yaml"), |t| {
        format!("# the checkout service\n\n{t}")
            .replace("kind: Service\n", "kind: Service\n# comment\n")
    });
    edit(&at.join("k8s/istio.yaml"), |t| {
        format!("{TYPO_FREE_CONFIGMAP}---\n{t}")
    });
    let report = summary_in(
        &at.join("k8s"),
        &["--baseline", "../kroute-baseline.json", "."],
        0,
    );
    assert_eq!(report["summary"]["baselined"], 7, "{report:#}");

    // A new mistake fails, alone.
    edit(&at.join("k8s/istio.yaml"), |t| {
        format!("{t}---\n{TYPO_SERVICE}")
    });
    let report = summary_in(at, &base, 1);
    let errors: Vec<&str> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["severity"] == "error")
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert_eq!(errors, ["KR201"]);
    assert!(report["diagnostics"][0]["message"]
        .as_str()
        .unwrap()
        .contains("web-typo"));

    // Fixing an old one leaves a stale entry, which the summary counts.
    edit(&at.join("k8s/policies.yaml"), |t| {
        t.replace("fronted", "frontend")
    });
    let report = summary_in(at, &base, 1);
    assert_eq!(report["summary"]["baselined"], 6);
    assert_eq!(report["summary"]["baseline_stale"], 1);
    kroute()
        .current_dir(at)
        .args(["check", "--color", "never", "--no-schema"])
        .args(base)
        .assert()
        .code(1)
        .stdout(predicates::str::contains(
            "(6 baselined) (1 stale baseline entry)",
        ));
    // Checking another file only does not call the other files' entries stale.
    let report = summary_in(
        at,
        &["--baseline", "kroute-baseline.json", "k8s/cart.yaml"],
        0,
    );
    assert_eq!(report["summary"]["baseline_stale"], 0);
}

/// An object without findings, to move the others down.
const TYPO_FREE_CONFIGMAP: &str = "\
apiVersion: v1
kind: ConfigMap
metadata:
  name: unrelated
  namespace: shop
data:
  a: b
";

#[test]
fn a_baseline_that_cannot_be_read_is_a_usage_error() {
    let dir = TempDir::new().unwrap();
    for (name, text) in [
        ("bad.json", "{not json"),
        ("v9.json", r#"{"version": 9, "findings": []}"#),
    ] {
        std::fs::write(dir.path().join(name), text).unwrap();
        let baseline = dir.path().join(name);
        kroute()
            .args(["check", "--baseline"])
            .arg(&baseline)
            .arg(CLEAN)
            .assert()
            .code(2)
            .stderr(predicates::str::contains("baseline"));
    }
    kroute()
        .args([
            "check",
            "--baseline",
            "/nonexistent/kroute-baseline.json",
            CLEAN,
        ])
        .assert()
        .code(2);
}

#[test]
fn fingerprints_ignore_line_moves_and_file_renames() {
    let repo = demo_repo();
    let at = repo.path();
    let fingerprints = |at: &Path| -> Vec<String> {
        let report = summary_in(at, &["k8s"], 1);
        report["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["fingerprint"].as_str().unwrap().to_string())
            .collect()
    };
    let before: BTreeSet<String> = fingerprints(at).into_iter().collect();
    assert_eq!(before.len(), 7);
    edit(&at.join("k8s/knative.yaml"), |t| {
        format!("\n\n# moved\n{t}")
    });
    std::fs::rename(at.join("k8s/policies.yaml"), at.join("k8s/hpa.yaml")).unwrap();
    let after: BTreeSet<String> = fingerprints(at).into_iter().collect();
    assert_eq!(before, after);
}
