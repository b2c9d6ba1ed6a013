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
