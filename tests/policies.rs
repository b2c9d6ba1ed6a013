//! Every built-in policy's fixtures: `testdata/policies/<ID>/fail.yaml` fires only that
//! policy, `pass.yaml` nothing; run through the library entry with that policy alone.

use std::path::PathBuf;
use std::sync::Arc;

use kroute::policy::{builtin, Engine};
use kroute::source::{collect_inputs, Input};
use kroute::{check, CheckOptions};

fn run(id: &str, file: &str) -> Vec<(String, u32)> {
    let path = PathBuf::from(format!("testdata/policies/{id}/{file}"));
    let inputs: Vec<Input> = collect_inputs(&[path]).expect("fixture");
    let policies = builtin::policies().expect("built-in policies parse");
    let engine = Engine::compile(policies, |p| p.id == id).expect("built-in policies compile");
    let opts = CheckOptions {
        policies: Some(Arc::new(engine)),
        ..CheckOptions::default()
    };
    let outcome = check(&inputs, &opts);
    outcome
        .reported()
        .filter(|d| d.code.starts_with("KP"))
        .map(|d| {
            (
                d.code.to_string(),
                outcome.sources.line_col(d.file, d.span.start).line,
            )
        })
        .collect()
}

#[test]
fn every_built_in_policy_fires_on_its_failing_fixture_only() {
    for id in builtin::ids() {
        let fail = run(&id, "fail.yaml");
        assert!(!fail.is_empty(), "{id}: nothing on fail.yaml");
        assert!(fail.iter().all(|(code, _)| *code == id), "{id}: {fail:?}");
        assert_eq!(run(&id, "pass.yaml"), [], "{id} on pass.yaml");
    }
}

#[test]
fn findings_point_at_the_offending_field() {
    let lines: Vec<u32> = run("KP001", "fail.yaml").iter().map(|(_, l)| *l).collect();
    assert_eq!(lines, [15, 18, 20, 36]);
    let lines: Vec<u32> = run("KP002", "fail.yaml").iter().map(|(_, l)| *l).collect();
    assert_eq!(lines, [14, 14, 19, 19]);
}

mod common;

use common::kroute;
use predicates::prelude::*;

/// `(code, severity, line)` of each finding of a `check --format json` run.
fn findings(args: &[&str]) -> Vec<(String, String, u64)> {
    let output = kroute().args(args).output().expect("kroute runs");
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    json["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap_or_default().to_string(),
                d["severity"].as_str().unwrap_or_default().to_string(),
                d["location"]["line"].as_u64().unwrap_or_default(),
            )
        })
        .collect()
}

#[test]
fn the_built_in_policies_pass_their_own_test_cases() {
    for id in builtin::ids() {
        let case = PathBuf::from(format!("testdata/policies/{id}/kroute-test.yaml"));
        assert!(case.is_file(), "{id} has no test case");
    }
    kroute()
        .args(["policy", "test", "testdata/policies"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("0 failed"));
}

#[test]
fn policy_test_passes_a_good_suite_and_shows_the_differences_of_a_bad_one() {
    kroute()
        .args(["policy", "test", "testdata/policy-test/passing"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "ok    testdata/policy-test/passing/routed (1 findings)",
        ))
        .stdout(predicate::str::contains("2 cases, 2 passed, 0 failed"));
    kroute()
        .args(["policy", "test", "testdata/policy-test/failing"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "FAIL  testdata/policy-test/failing/replicas\n  \
             - expected, not reported: ACME001 on Deployment prod-shop/cart at line 8\n  \
             + reported, not expected: ACME001 on Deployment prod-shop/cart at line 7\n  \
             + reported, not expected: ACME001 on Deployment prod-shop/web at line 24\n",
        ));
    kroute()
        .args(["policy", "test", "testdata/rules"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no kroute-test.yaml"));
}

#[test]
fn a_user_policy_is_enforced_at_the_offending_field() {
    let found = findings(&[
        "check",
        "--no-config",
        "--format",
        "json",
        "--policy",
        "testdata/policy-test/policies/acme-replicas.yaml",
        "testdata/policy-test/passing/replicas",
    ]);
    let policy: Vec<_> = found.iter().filter(|(c, _, _)| c == "ACME001").collect();
    assert_eq!(
        policy,
        [
            &("ACME001".to_string(), "error".to_string(), 7),
            &("ACME001".to_string(), "error".to_string(), 24),
        ]
    );
}

#[test]
fn the_config_enables_disables_and_relevels_policies() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join(".kroute.yaml");
    let fixture = "testdata/policies/KP001/fail.yaml";
    let run = |text: &str| {
        std::fs::write(&config, text).unwrap();
        let config = config.to_str().unwrap();
        let found = findings(&["check", "--config", config, "--format", "json", fixture]);
        found
            .into_iter()
            .filter(|(c, _, _)| c.starts_with("KP"))
            .collect::<Vec<_>>()
    };
    assert_eq!(run("rules: {}\n"), [], "KP001 is opt-in");
    let on = run("policies: {enable: [KP001], severity: {KP001: error}}\n");
    assert_eq!(on.len(), 4);
    assert!(
        on.iter().all(|(c, s, _)| c == "KP001" && s == "error"),
        "{on:?}"
    );
    let prefix = run("policies: {enable: [KP], disable: [KP002, KP007]}\n");
    assert_eq!(prefix.len(), 4, "{prefix:?}");
    let policies = std::path::absolute("testdata/policy-test/policies").unwrap();
    let paths = format!(
        "policies: {{paths: ['{}'], disable: [ACME]}}\n",
        policies.display()
    );
    assert_eq!(run(&paths), []);
    std::fs::write(&config, "policies: {enable: [KR201], sevrity: {}}\n").unwrap();
    kroute()
        .args(["check", "--config", config.to_str().unwrap(), fixture])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(":1:21: `KR201` is a rule code"))
        .stderr(predicate::str::contains(
            ":1:29: unknown key `sevrity` in `policies`",
        ));
}

#[test]
fn a_wrong_policy_file_is_an_error_at_its_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.yaml");
    std::fs::write(
        &file,
        "id: ACME9\nseverity: error\nsummary: s\nvalidations:\n- expression: |\n    object.spec.replicas >=\n      && true\n- expression: object.x\n  mesage: m\n",
    )
    .unwrap();
    let shown = file.display().to_string();
    kroute()
        .args(["check", "--no-config", "--policy", &shown, "testdata/policy-test/passing"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(format!(
            "kroute: policy: {shown}:9:3: unknown field `mesage` in a validation; did you mean `message`?"
        )));
    std::fs::write(
        &file,
        "id: ACME9\nseverity: error\nsummary: s\nvalidations:\n- expression: |\n    object.spec.replicas >=\n      && true\n",
    )
    .unwrap();
    kroute()
        .args([
            "check",
            "--no-config",
            "--policy",
            &shown,
            "testdata/policy-test/passing",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(format!(
            "kroute: policy: {shown}:7:7: CEL syntax error"
        )));
}

#[test]
fn rules_lists_and_explain_prints_the_built_in_policies() {
    kroute()
        .args(["rules"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
        "KP001   warning  -      container image without a tag or with the `latest` tag (opt-in)",
    ));
    kroute()
        .args(["explain", "kp001"])
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with("# KP001: container image"))
        .stdout(predicate::str::contains("## How to fix"))
        .stdout(predicate::str::contains(
            "Default severity: warning; opt-in",
        ));
}

#[test]
fn validating_admission_policies_give_the_api_servers_verdicts() {
    let found = findings(&[
        "check",
        "--no-config",
        "--format",
        "json",
        "testdata/rules/KR601/fail.yaml",
    ]);
    let verdicts: Vec<(&str, u64)> = found
        .iter()
        .filter(|(c, _, _)| c == "KR601")
        .map(|(_, s, l)| (s.as_str(), *l))
        .collect();
    // Denied in `test` (5 > 3), warned in `prod` (12 > 10), denied in `staging` (its param
    // is missing), and the unbound policy does nothing (an info).
    assert_eq!(
        verdicts,
        [
            ("error", 107),
            ("warning", 125),
            ("error", 143),
            ("info", 161)
        ]
    );
    let passing = findings(&[
        "check",
        "--no-config",
        "--format",
        "json",
        "testdata/rules/KR601/pass.yaml",
    ]);
    assert!(passing.iter().all(|(c, _, _)| c != "KR601"), "{passing:?}");
}

#[test]
fn admission_policies_in_policy_paths_apply_to_the_manifests() {
    let args = |policy: bool| {
        let mut a = vec!["check", "--no-config", "--format", "json"];
        if policy {
            a.extend(["--policy", "testdata/vap/admission"]);
        }
        a.push("testdata/vap/app.yaml");
        findings(&a)
    };
    // The binding's validationActions [Warn, Audit]: a warning.
    assert_eq!(args(true), [("KR601".into(), "warning".into(), 6)]);
    assert_eq!(args(false), []);
}

#[test]
fn admission_policy_matching_follows_the_api_server() {
    let found = findings(&[
        "check",
        "--no-config",
        "--format",
        "json",
        "testdata/vap/matching.yaml",
    ]);
    let verdicts: Vec<(&str, u64)> = found
        .iter()
        .filter(|(c, _, _)| c == "KR601")
        .map(|(_, s, l)| (s.as_str(), *l))
        .collect();
    // auditAnnotations (info), then the two audited Deployments; the match condition, the
    // object selector, excludeResourceRules and the namespace selector (no Namespace
    // object for team-b) admit the others.
    assert_eq!(verdicts, [("info", 34), ("info", 74), ("info", 90)]);
}
