//! kroute reads what Kubernetes reads: every YAML file of the fixtures and of the shared
//! corpora (when present) that the reference parser (PyYAML, which follows libyaml like
//! kubectl does) accepts must load without a syntax error. PyYAML comes from `.ci/run`;
//! without it the test says it was skipped (and fails under CI).

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use kroute::yaml::{parse_stream, Limits, YamlIssueKind};

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    common::files_with(dir, &["yaml", "yml"], out);
}

/// The files of `paths` the reference parser accepts, or `None` when it cannot run.
fn accepted_by_reference(paths: &[PathBuf]) -> Option<Vec<PathBuf>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut child = Command::new("python3")
        .arg(root.join("scripts/yaml_reference.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .ok()?;
    let mut stdin = child.stdin.take()?;
    let list: String = paths.iter().map(|p| format!("{}\n", p.display())).collect();
    let writer = std::thread::spawn(move || stdin.write_all(list.as_bytes()));
    let output = child.wait_with_output().ok()?;
    writer.join().ok()?.ok()?;
    if !output.status.success() {
        eprintln!("{}", String::from_utf8_lossy(&output.stderr));
        return None;
    }
    Some(
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .map(PathBuf::from)
            .collect(),
    )
}

#[test]
fn documents_the_reference_parser_accepts_load_without_syntax_errors() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    yaml_files(&root.join("testdata"), &mut files);
    for corpus in ["../shared/corpus", "../shared/corpus-wild"] {
        let dir = root.join(corpus);
        if dir.is_dir() {
            yaml_files(&dir, &mut files);
        } else {
            eprintln!("skipped {corpus}: not present");
        }
    }
    files.sort();
    let Some(accepted) = accepted_by_reference(&files) else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "PyYAML is required under CI (.ci/run installs it)"
        );
        eprintln!("skipped: python3 with PyYAML is not available");
        return;
    };
    assert!(
        accepted.len() * 2 > files.len(),
        "the reference accepted only {} of {} files: is it working?",
        accepted.len(),
        files.len()
    );
    let mut rejected = Vec::new();
    for path in &accepted {
        let Ok(bytes) = std::fs::read(path) else {
            continue;
        };
        let Ok(text) = kroute::source::decode(bytes) else {
            continue;
        };
        let parsed = parse_stream(&text, &Limits::default());
        for issue in parsed
            .issues
            .iter()
            .filter(|i| i.kind == YamlIssueKind::Syntax)
        {
            rejected.push(format!("{}: {}", path.display(), issue.message));
        }
    }
    assert!(
        rejected.is_empty(),
        "the reference parser accepts these, kroute does not: {rejected:#?}"
    );
}
