//! The shape of the code base, kept by tests: imports point one way through the pipeline,
//! rule files hold one rule each and never import each other, the registry is in code order
//! and names every rule file, and every rule's documentation has the sections `kroute
//! explain` users rely on, and only checks name rule codes.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file under `dir`, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("readable source directory") {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// The code of a file, without comment lines (docs name other modules freely).
fn code(path: &Path) -> String {
    std::fs::read_to_string(path)
        .expect("readable source file")
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The top-level module a source file belongs to: `src/checks/rules/kr201.rs` → `checks`.
fn module_of(path: &Path) -> String {
    let rel = path.strip_prefix(src()).expect("file under src/");
    let first = rel.components().next().expect("non-empty path");
    first
        .as_os_str()
        .to_string_lossy()
        .trim_end_matches(".rs")
        .to_string()
}

/// The pipeline's floors: a module may use modules on lower floors and its own, never a
/// higher one or another module of its floor.
fn floor(module: &str) -> Option<u8> {
    Some(match module {
        "source" => 0,
        "yaml" => 1,
        "manifest" => 2,
        "inventory" | "diagnostic" => 3,
        // What a platform provides: read with `manifest` and `inventory`, loaded by
        // `pipeline`, named by `checks` in their help. The schemas objects are validated
        // against: read by `checks` and `pipeline`.
        "graph" | "platform" | "schema" => 4,
        "checks" | "trace" | "view" | "policy" => 5,
        // `.kroute.yaml` names rules and platforms; the pipeline applies it.
        "report" | "config" => 6,
        // `--cluster`'s watch of the live cluster: kroute's own modules read none of it
        // but the webhook, above, feeds its store from it.
        "pipeline" | "cluster" => 7,
        // The admission server drives the pipeline per request; the command line starts
        // it, and the fuzz targets' entry points drive the pipeline and the server's
        // decoder as the command line and the server do.
        "webhook" => 8,
        "cli" | "fuzzing" => 9,
        "main" | "lib" => 10,
        _ => return None,
    })
}

#[test]
fn imports_point_one_way_through_the_pipeline() {
    let mut wrong = Vec::new();
    for path in rust_files(&src()) {
        let module = module_of(&path);
        let Some(own) = floor(&module) else {
            wrong.push(format!(
                "{}: module `{module}` has no floor",
                path.display()
            ));
            continue;
        };
        let text = code(&path);
        let used: BTreeSet<&str> = text
            .match_indices("crate::")
            .filter_map(|(i, _)| {
                let rest = &text[i + "crate::".len()..];
                let end = rest
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(rest.len());
                Some(&rest[..end]).filter(|m| !m.is_empty())
            })
            .collect();
        for target in used {
            let ok = target == module || floor(target).is_some_and(|f| f < own);
            if !ok {
                wrong.push(format!("{}: `{module}` uses `{target}`", path.display()));
            }
        }
    }
    assert!(wrong.is_empty(), "imports against the pipeline: {wrong:#?}");
}

#[test]
fn rule_files_do_not_import_other_rules() {
    let mut wrong = Vec::new();
    for path in rust_files(&src().join("checks/rules")) {
        let text = code(&path);
        for needle in ["checks::rules::", "super::kr", "rules::kr"] {
            if text.contains(needle) {
                wrong.push(format!("{}: `{needle}`", path.display()));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "a rule file imports another rule; move what they share to checks/support/: {wrong:#?}"
    );
}

#[test]
fn registry_is_in_code_order_and_names_every_rule_file() {
    let registry = kroute::checks::registry();
    for entry in registry {
        assert_eq!(
            entry.module,
            entry.rule.code.to_ascii_lowercase(),
            "module `{}` holds rule {}",
            entry.module,
            entry.rule.code
        );
    }
    let codes: Vec<&str> = registry.iter().map(|e| e.rule.code).collect();
    let mut sorted = codes.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(codes, sorted, "the registry is not in code order");

    let files: BTreeSet<String> = rust_files(&src().join("checks/rules"))
        .iter()
        .filter_map(|p| Some(p.file_stem()?.to_string_lossy().to_string()))
        .filter(|stem| stem != "mod")
        .collect();
    let registered: BTreeSet<String> = registry.iter().map(|e| e.module.to_string()).collect();
    assert_eq!(files, registered, "rule files and registry entries differ");
}

#[test]
fn every_rule_documents_what_why_example_and_fix() {
    let mut missing = Vec::new();
    for entry in kroute::checks::registry() {
        let docs = entry.docs();
        let title = format!("# {}: ", entry.rule.code);
        let sections = [
            title.as_str(),
            "## What it checks",
            "## Why it matters",
            "## Example",
            "## How to fix",
        ];
        for section in sections {
            if !docs.lines().any(|l| l.starts_with(section)) {
                missing.push(format!("{}: `{section}`", entry.rule.code));
            }
        }
    }
    assert!(missing.is_empty(), "rule docs lack sections: {missing:#?}");
}

#[test]
fn graph_trace_and_view_name_no_rule_codes() {
    // They describe what is broken; `checks::catalog` says which rule reports it.
    let mut wrong = Vec::new();
    for dir in ["graph", "trace", "view"] {
        for path in rust_files(&src().join(dir)) {
            if code(&path).contains("\"KR") {
                wrong.push(path.display().to_string());
            }
        }
    }
    assert!(wrong.is_empty(), "rule codes outside checks: {wrong:#?}");
}
