//! Fixture tests: every rule has `testdata/rules/<CODE>/` with a failing case (`fail.yaml`
//! or a `fail/` directory) on which it must fire, and a passing case (`pass.yaml` or
//! `pass/`) on which it must stay silent. The failing output is snapshotted.

use std::path::{Path, PathBuf};

use kroute::report::human;
use kroute::source::{collect_inputs, Input};
use kroute::{check, CheckOptions, Outcome};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/rules")
}

fn case(code: &str, name: &str) -> Option<PathBuf> {
    let dir = fixtures().join(code);
    [
        dir.join(format!("{name}.yaml")),
        dir.join(format!("{name}.json")),
        dir.join(name),
    ]
    .into_iter()
    .find(|p| p.exists())
}

fn run(path: &Path) -> Outcome {
    // Relative paths keep snapshots independent of where the repository is checked out.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let rel = path.strip_prefix(root).unwrap_or(path).to_path_buf();
    std::env::set_current_dir(root).expect("cd to the crate root");
    let inputs: Vec<Input> = collect_inputs(&[rel]).expect("fixture inputs");
    check(&inputs, &CheckOptions::default())
}

fn render(outcome: &Outcome) -> String {
    let text = human::render(
        &outcome.diagnostics,
        &outcome.sources,
        &outcome.summary(),
        human::Style { color: false },
    );
    let (body, summary) = text.trim_end().rsplit_once('\n').unwrap_or(("", &text));
    let summary = summary.rsplit_once(" in ").map_or(summary, |(s, _)| s);
    format!("{body}\n{summary}\n")
}

#[test]
fn every_rule_has_failing_and_passing_fixtures() {
    let mut missing = Vec::new();
    for entry in kroute::checks::registry() {
        let code = entry.rule.code;
        for name in ["fail", "pass"] {
            if case(code, name).is_none() {
                missing.push(format!("{code}/{name}"));
            }
        }
    }
    assert!(missing.is_empty(), "fixtures missing: {missing:?}");
}

#[test]
fn rules_fire_on_failing_fixtures_and_stay_silent_on_passing_ones() {
    let mut failures = Vec::new();
    for entry in kroute::checks::registry() {
        let code = entry.rule.code;
        if let Some(path) = case(code, "fail") {
            let outcome = run(&path);
            if !outcome.reported().any(|d| d.code == code) {
                failures.push(format!("{code} did not fire on {}", path.display()));
            }
            insta::assert_snapshot!(format!("{code}_fail"), render(&outcome));
        }
        if let Some(path) = case(code, "pass") {
            let outcome = run(&path);
            let hits: Vec<String> = outcome
                .reported()
                .filter(|d| d.code == code)
                .map(|d| {
                    let at = outcome.sources.line_col(d.file, d.span.start);
                    format!("{}:{} {}", at.line, at.col, d.message)
                })
                .collect();
            if !hits.is_empty() {
                failures.push(format!("{code} fired on {}: {hits:?}", path.display()));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
