//! `kroute policy test DIR`: the test harness for policy authors. Every directory under
//! DIR holding a `kroute-test.yaml` is a case: the manifests beside it, the policies it
//! names, and the findings those policies must report, exactly (`rules/README.md`
//! documents the format).

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::diagnostic::ResourceRef;
use crate::pipeline::{check, CheckOptions};
use crate::policy::{builtin, load_paths, Engine, Policy};
use crate::source::{collect_inputs, Input, LineCol};
use crate::yaml::{parse_stream, Limits, Node};

/// The name of a case's test file.
pub const TEST_FILE: &str = "kroute-test.yaml";
const KEYS: &[&str] = &["policies", "manifests", "expect"];
const EXPECT_KEYS: &[&str] = &["policy", "kind", "namespace", "name", "line"];

/// One finding, as a test file states it and as a run reports it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Finding {
    policy: String,
    kind: String,
    namespace: String,
    name: String,
    line: Option<u32>,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} on {} ", self.policy, self.kind)?;
        if !self.namespace.is_empty() {
            write!(f, "{}/", self.namespace)?;
        }
        write!(f, "{}", self.name)?;
        match self.line {
            Some(line) => write!(f, " at line {line}"),
            None => Ok(()),
        }
    }
}

/// A case as read from its test file.
struct Case {
    dir: PathBuf,
    policies: Vec<Policy>,
    manifests: Vec<PathBuf>,
    expect: Vec<Finding>,
}

/// Runs every case under `dir`; 0 when all pass, 1 when one fails, 2 when a test file
/// or a policy is wrong.
pub fn run(dir: &Path, out: &mut dyn Write, err: &mut dyn Write) -> std::io::Result<u8> {
    let mut files = Vec::new();
    find_tests(dir, &mut files)?;
    if files.is_empty() {
        writeln!(
            err,
            "kroute: policy test: no {TEST_FILE} under {}",
            dir.display()
        )?;
        return Ok(super::EXIT_USAGE);
    }
    let mut failed = 0;
    for file in &files {
        let case = match read_case(file) {
            Ok(case) => case,
            Err(errors) => {
                for e in errors {
                    writeln!(err, "kroute: policy test: {e}")?;
                }
                return Ok(super::EXIT_USAGE);
            }
        };
        let found = match run_case(&case) {
            Ok(found) => found,
            Err(e) => {
                writeln!(err, "kroute: policy test: {}: {e}", case.dir.display())?;
                return Ok(super::EXIT_USAGE);
            }
        };
        if !report(&case, &found, out)? {
            failed += 1;
        }
    }
    writeln!(
        out,
        "\n{} cases, {} passed, {failed} failed",
        files.len(),
        files.len() - failed
    )?;
    Ok(if failed == 0 {
        super::EXIT_OK
    } else {
        super::EXIT_FINDINGS
    })
}

fn find_tests(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let file = dir.join(TEST_FILE);
    if file.is_file() {
        out.push(file);
    }
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for d in dirs {
        find_tests(&d, out)?;
    }
    Ok(())
}

/// Compares and prints; whether the case passed.
fn report(case: &Case, found: &[Finding], out: &mut dyn Write) -> std::io::Result<bool> {
    // An expectation without a line matches a finding on any line.
    let matches = |e: &Finding, f: &Finding| {
        (&e.policy, &e.kind, &e.namespace, &e.name) == (&f.policy, &f.kind, &f.namespace, &f.name)
            && e.line.is_none_or(|line| f.line == Some(line))
    };
    let mut unmatched: Vec<&Finding> = found.iter().collect();
    let mut missing = Vec::new();
    for e in &case.expect {
        match unmatched.iter().position(|f| matches(e, f)) {
            Some(i) => {
                unmatched.remove(i);
            }
            None => missing.push(e),
        }
    }
    let name = case.dir.display();
    if missing.is_empty() && unmatched.is_empty() {
        writeln!(out, "ok    {name} ({} findings)", found.len())?;
        return Ok(true);
    }
    writeln!(out, "FAIL  {name}")?;
    for e in missing {
        writeln!(out, "  - expected, not reported: {e}")?;
    }
    for f in unmatched {
        writeln!(out, "  + reported, not expected: {f}")?;
    }
    Ok(false)
}

/// The policy findings of a case's manifests, with the case's policies only.
fn run_case(case: &Case) -> Result<Vec<Finding>, String> {
    let inputs: Vec<Input> = collect_inputs(&case.manifests).map_err(|e| e.to_string())?;
    let engine = Engine::compile(case.policies.clone(), |_| true).map_err(|errors| {
        errors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    })?;
    let ids: BTreeSet<&str> = engine.ids().collect();
    let opts = CheckOptions {
        policies: Some(Arc::new(engine)),
        ..CheckOptions::default()
    };
    let outcome = check(&inputs, &opts);
    let mut found: Vec<Finding> = outcome
        .reported()
        .filter(|d| ids.contains(d.code))
        .map(|d| {
            let resource = d.resource.as_ref();
            let text = |f: fn(&ResourceRef) -> Option<&str>| {
                resource.and_then(f).unwrap_or_default().to_string()
            };
            Finding {
                policy: d.code.to_string(),
                kind: text(|r| Some(&r.kind)),
                namespace: text(|r| r.namespace.as_deref()),
                name: text(|r| Some(&r.name)),
                line: Some(outcome.sources.line_col(d.file, d.span.start).line),
            }
        })
        .collect();
    found.sort();
    Ok(found)
}

/// Reads a test file; every mistake is an error with its place.
fn read_case(file: &Path) -> Result<Case, Vec<String>> {
    let shown = file.display().to_string();
    let text = std::fs::read_to_string(file).map_err(|e| vec![format!("{shown}: {e}")])?;
    let dir = file.parent().unwrap_or(Path::new(".")).to_path_buf();
    let mut errors = Vec::new();
    let mut fail = |node: &Node, message: String| {
        let at = LineCol::of(&text, node.span.start);
        errors.push(format!("{shown}:{}:{}: {message}", at.line, at.col));
    };
    let parsed = parse_stream(&text, &Limits::default());
    if let Some(issue) = parsed.issues.first() {
        let at = LineCol::of(&text, issue.span.start);
        return Err(vec![format!(
            "{shown}:{}:{}: {}",
            at.line, at.col, issue.message
        )]);
    }
    let Some(root) = parsed
        .documents
        .first()
        .map(|d| &d.root)
        .filter(|r| r.as_map().is_some())
    else {
        return Err(vec![format!(
            "{shown}: a test file is a mapping with `policies` and `expect`"
        )]);
    };
    for entry in root.as_map().unwrap_or_default() {
        let key = entry.key.as_str().unwrap_or_default();
        if !KEYS.contains(&key) {
            fail(
                &entry.key,
                format!(
                    "unknown field `{key}` (the fields are: {})",
                    KEYS.join(", ")
                ),
            );
        }
    }
    let mut policies = Vec::new();
    for item in root.seq_at("policies") {
        match item.as_str() {
            Some(name) => match policy_source(&dir, name) {
                Ok(mut found) => policies.append(&mut found),
                Err(e) => fail(item, e),
            },
            None => fail(
                item,
                "a `policies` entry is a path or a built-in policy id".into(),
            ),
        }
    }
    if policies.is_empty() {
        fail(
            root,
            "the test names no policy (`policies: [path or built-in id]`)".into(),
        );
    }
    let manifests = match root.get("manifests") {
        Some(list) => list
            .as_seq()
            .unwrap_or_default()
            .iter()
            .filter_map(Node::as_str)
            .map(|m| dir.join(m))
            .collect(),
        None => manifests_beside(&dir),
    };
    let mut expect = Vec::new();
    for item in root.seq_at("expect") {
        match expectation(item) {
            Ok(e) => expect.push(e),
            Err(message) => fail(item, message),
        }
    }
    if errors.is_empty() {
        Ok(Case {
            dir,
            policies,
            manifests,
            expect,
        })
    } else {
        Err(errors)
    }
}

/// The policies a `policies` entry names: a path relative to the case, else a built-in id.
fn policy_source(dir: &Path, name: &str) -> Result<Vec<Policy>, String> {
    let path = dir.join(name);
    if path.exists() {
        return load_paths(&[path]).map_err(|errors| {
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        });
    }
    builtin::find(name).map(|p| vec![p]).ok_or_else(|| {
        format!("`{name}` is neither a path (relative to the test file) nor a built-in policy id")
    })
}

/// The YAML files of a case directory, its test file excepted.
fn manifests_beside(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_file()
                && p.file_name().is_some_and(|n| n != TEST_FILE)
                && p.extension().is_some_and(|e| e == "yaml" || e == "yml")
        })
        .collect();
    out.sort();
    out
}

fn expectation(item: &Node) -> Result<Finding, String> {
    let Some(entries) = item.as_map() else {
        return Err("an `expect` entry is a mapping: {policy, kind, namespace, name, line}".into());
    };
    for entry in entries {
        let key = entry.key.as_str().unwrap_or_default();
        if !EXPECT_KEYS.contains(&key) {
            return Err(format!(
                "unknown field `{key}` (the fields are: {})",
                EXPECT_KEYS.join(", ")
            ));
        }
    }
    let text = |key: &str| item.str_at(key).unwrap_or_default().to_string();
    let (policy, kind, name) = (text("policy"), text("kind"), text("name"));
    if policy.is_empty() || kind.is_empty() || name.is_empty() {
        return Err("an `expect` entry needs `policy`, `kind` and `name`".into());
    }
    let line = match item.get("line") {
        Some(node) => Some(
            node.as_i64()
                .and_then(|l| u32::try_from(l).ok())
                .ok_or("`line` must be a line number")?,
        ),
        None => None,
    };
    Ok(Finding {
        policy: policy.to_ascii_uppercase(),
        kind,
        namespace: text("namespace"),
        name,
        line,
    })
}
