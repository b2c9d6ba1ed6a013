//! Runs kroute over the real-world manifest corpus in `../shared/corpus/` (present in the
//! team's checkouts and CI, not in a user's clone: the test is skipped without it).
//!
//! Every file is checked on its own, as SOURCES.md asks (samples ship alternative versions
//! of one object in different files). Each must load without a panic and without input
//! errors: the corpus files are all valid YAML. KR006 is allowed, since a few sample
//! streams define the same object twice on purpose.

mod common;

use std::path::{Path, PathBuf};

use kroute::diagnostic::Severity;
use kroute::source::Input;
use kroute::{check, CheckOptions};

fn corpus() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    dir.is_dir().then_some(dir)
}

#[test]
fn corpus_files_load_without_input_errors() {
    let Some(dir) = corpus() else {
        println!("skipped: ../shared/corpus is not present");
        return;
    };
    let mut all = Vec::new();
    common::files_with(&dir, &["yaml", "yml", "json"], &mut all);
    all.sort();
    assert!(!all.is_empty(), "corpus has no manifest files");
    let mut documents = 0;
    let mut problems = Vec::new();
    for file in &all {
        let outcome = check(&[Input::File(file.clone())], &CheckOptions::default());
        documents += outcome.documents;
        for d in outcome.reported() {
            let input_error =
                d.code.starts_with("KR0") && d.code != "KR006" && d.severity == Severity::Error;
            if input_error {
                let at = outcome.sources.line_col(d.file, d.span.start);
                problems.push(format!(
                    "{}:{}:{} {} {}",
                    file.display(),
                    at.line,
                    at.col,
                    d.code,
                    d.message
                ));
            }
        }
    }
    println!("checked {} corpus files, {documents} documents", all.len());
    assert!(problems.is_empty(), "{problems:#?}");
    assert!(documents > 200, "only {documents} documents read");
}

/// Schema findings the corpus really has: `path:line code` and why it is a real mistake
/// upstream (these files would be refused, or lose the field, when applied).
const UPSTREAM_SCHEMA_MISTAKES: &[(&str, &str)] = &[];

#[test]
fn corpus_validates_against_its_schemas() {
    let Some(dir) = corpus() else {
        println!("skipped: ../shared/corpus is not present");
        return;
    };
    // One run over the corpus as a user checks a directory (hidden directories such as
    // kyverno's `.chainsaw-test/`, whose partial objects are assertions, are not read):
    // any CRD in it checks its custom resources.
    let inputs = kroute::source::collect_inputs(&[dir]).expect("corpus inputs");
    let outcome = check(&inputs, &CheckOptions::default());
    let mut found: Vec<String> = outcome
        .reported()
        .filter(|d| d.code == "KR101" || d.code == "KR102")
        .map(|d| {
            let path = outcome.sources.path(d.file);
            let path = path.rsplit_once("corpus/").map_or(path, |(_, p)| p);
            let at = outcome.sources.line_col(d.file, d.span.start);
            format!("{path}:{} {} {}", at.line, d.code, d.message)
        })
        .collect();
    found.sort();
    found.dedup();
    let known = |f: &String| {
        UPSTREAM_SCHEMA_MISTAKES
            .iter()
            .any(|(at, _)| f.starts_with(at))
    };
    let unexplained: Vec<&String> = found.iter().filter(|f| !known(f)).collect();
    assert!(
        unexplained.is_empty(),
        "schema findings on the corpus: {unexplained:#?}"
    );
}
