//! The precision suite: kroute runs over every repository of `../shared/corpus/` and
//! `../shared/corpus-wild/` as a user of that repository would (one repository at a time,
//! with the platform profiles its README implies), and must report exactly the findings
//! listed in `tests/precision/expected.txt`; every error there carries the reason it is a
//! real mistake (or names the false alarm it still is). A new finding (a false alarm until
//! someone says otherwise) or a vanished one fails the build.
//!
//! The corpora exist in the team's checkouts and CI, not in a user's clone: without them the
//! test says it was skipped. `KROUTE_BLESS_PRECISION=1 cargo test --test precision` rewrites
//! the file with the current findings, keeping the reasons of entries that remain; new
//! entries get the reason `TODO`, which the test refuses for errors until a person writes one.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const EXPECTED: &str = "tests/precision/expected.txt";

/// One repository to check: where it is (relative to `../shared/`) and the flags to use.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Repo {
    dir: String,
    flags: Vec<String>,
}

/// A finding as the expectations file lists it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Finding {
    severity: String,
    code: String,
    /// `path/inside/the/repo.yaml:LINE`.
    at: String,
}

fn shared() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared")
}

/// The expectations: repositories in order, with their findings and reasons.
fn read_expected(text: &str) -> Vec<(Repo, BTreeMap<Finding, String>)> {
    let mut repos: Vec<(Repo, BTreeMap<Finding, String>)> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim_end();
        if line.is_empty() || (line.starts_with('#') && !line.starts_with("## ")) {
            continue;
        }
        if let Some(header) = line.strip_prefix("## ") {
            let mut words = header.split_whitespace().map(str::to_string);
            let dir = words.next().unwrap_or_default();
            repos.push((
                Repo {
                    dir,
                    flags: words.collect(),
                },
                BTreeMap::new(),
            ));
            continue;
        }
        let (entry, reason) = line.split_once(" # ").unwrap_or((line, ""));
        let mut words = entry.split_whitespace();
        let (Some(severity), Some(code), Some(at), None) =
            (words.next(), words.next(), words.next(), words.next())
        else {
            panic!(
                "{EXPECTED}:{}: not `severity CODE path:line # reason`",
                n + 1
            );
        };
        let Some((_, findings)) = repos.last_mut() else {
            panic!(
                "{EXPECTED}:{}: a finding before any `## repository` line",
                n + 1
            );
        };
        let finding = Finding {
            severity: severity.to_string(),
            code: code.to_string(),
            at: at.to_string(),
        };
        findings.insert(finding, reason.trim().to_string());
    }
    repos
}

/// What `kroute check` reports on one repository, as a user runs it from `../shared/`.
fn findings(repo: &Repo) -> BTreeSet<Finding> {
    let mut cmd = common::kroute();
    cmd.current_dir(shared())
        .args(["check", "--format", "json"])
        .args(&repo.flags)
        .arg(&repo.dir);
    let output = cmd.output().expect("kroute runs");
    let report: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("kroute prints one JSON report");
    let prefix = format!("{}/", repo.dir);
    report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            let file = d["location"]["file"].as_str().unwrap_or_default();
            Finding {
                severity: d["severity"].as_str().unwrap_or_default().to_string(),
                code: d["code"].as_str().unwrap_or_default().to_string(),
                at: format!(
                    "{}:{}",
                    file.strip_prefix(&prefix).unwrap_or(file),
                    d["location"]["line"]
                ),
            }
        })
        .collect()
}

fn write_expected(
    path: &Path,
    repos: &[(Repo, BTreeSet<Finding>)],
    reasons: &BTreeMap<(String, Finding), String>,
) {
    let mut out = String::from(
        "# The findings kroute reports on each repository of ../shared/corpus and corpus-wild,\n\
         # checked one repository at a time with the flags after its name:\n\
         # `severity CODE path:line # reason`. Every error was reviewed by hand and says why it\n\
         # is a real mistake, or is marked FALSE ALARM / PLATFORM GAP with the cause still to\n\
         # fix. Warnings and infos are listed so any change shows; `TODO` marks one whose\n\
         # review is still to do. Regenerate with KROUTE_BLESS_PRECISION=1 cargo test --test\n\
         # precision (reasons are kept).\n",
    );
    for (repo, found) in repos {
        out.push_str(&format!("\n## {}", repo.dir));
        for flag in &repo.flags {
            out.push_str(&format!(" {flag}"));
        }
        out.push('\n');
        for f in found {
            let reason = reasons
                .get(&(repo.dir.clone(), f.clone()))
                .filter(|r| !r.is_empty())
                .map_or("TODO", String::as_str);
            out.push_str(&format!("{} {} {} # {reason}\n", f.severity, f.code, f.at));
        }
    }
    std::fs::write(path, out).expect("write the expectations");
}

#[test]
fn corpus_findings_are_exactly_the_reviewed_ones() {
    if !shared().join("corpus").is_dir() {
        println!("skipped: ../shared/corpus is not present");
        return;
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(EXPECTED);
    let expected = read_expected(&std::fs::read_to_string(&path).expect("expectations file"));
    // Every repository directory of both corpora is listed, so none is forgotten.
    let listed: BTreeSet<&str> = expected.iter().map(|(r, _)| r.dir.as_str()).collect();
    for corpus in ["corpus", "corpus-wild"] {
        let dirs = std::fs::read_dir(shared().join(corpus)).expect("corpus directory");
        for entry in dirs.flatten().filter(|e| e.path().is_dir()) {
            let dir = format!("{corpus}/{}", entry.file_name().to_string_lossy());
            assert!(listed.contains(dir.as_str()), "{dir} is not in {EXPECTED}");
        }
    }
    let actual: Vec<(Repo, BTreeSet<Finding>)> = expected
        .iter()
        .map(|(repo, _)| (repo.clone(), findings(repo)))
        .collect();
    if std::env::var_os("KROUTE_BLESS_PRECISION").is_some() {
        let reasons = expected
            .iter()
            .flat_map(|(repo, found)| {
                found
                    .iter()
                    .map(|(f, reason)| ((repo.dir.clone(), f.clone()), reason.clone()))
            })
            .collect();
        write_expected(&path, &actual, &reasons);
        return;
    }
    let mut problems = Vec::new();
    for ((repo, want), (_, got)) in expected.iter().zip(&actual) {
        for f in got.iter().filter(|f| !want.contains_key(*f)) {
            problems.push(format!(
                "new in {}: {} {} {}",
                repo.dir, f.severity, f.code, f.at
            ));
        }
        for (f, _) in want.iter().filter(|(f, _)| !got.contains(*f)) {
            problems.push(format!(
                "gone from {}: {} {} {}",
                repo.dir, f.severity, f.code, f.at
            ));
        }
        for (f, reason) in want {
            if f.severity == "error" && (reason.is_empty() || reason == "TODO") {
                problems.push(format!(
                    "no reason for error {} {} in {}: say why it is a real mistake",
                    f.code, f.at, repo.dir
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}
