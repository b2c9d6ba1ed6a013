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
