//! `kroute fix`: applies the fixes of a check's findings, checks the fixed texts again, and
//! keeps only the fixes that remove their finding without creating another.
//!
//! Edits are applied together, per file; a fix whose edits overlap those of a fix taken
//! before it is skipped. When the check of the fixed texts shows a fixed finding still there,
//! or a finding that was not there before, the fixes are tried one at a time and each one
//! that does not hold is rolled back. Nothing is written here but by [`write`].

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use super::{check, CheckOptions, Outcome};
use crate::diagnostic::fix::apply;
use crate::diagnostic::{Applicability, Diagnostic, Edit};
use crate::source::{decode, Input, SourceMap};

/// Which fixes to apply.
#[derive(Clone, Copy, Debug, Default)]
pub struct FixOptions {
    /// Also the fixes a human should confirm (`--unsafe-fixes`).
    pub unsafe_fixes: bool,
}

/// A finding's fix, as `kroute fix` lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listed {
    pub code: &'static str,
    /// The file and line of the finding.
    pub path: String,
    pub line: u32,
    pub description: String,
}

/// A fix that was not applied, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    pub fix: Listed,
    pub why: String,
}

/// One file's text before and after its fixes (without a UTF-8 byte-order mark).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// The path as named (`<stdin>` for standard input).
    pub path: String,
    pub before: String,
    pub after: String,
}

/// What `kroute fix` did.
#[derive(Debug)]
pub struct Fixed {
    /// The check of the fixed texts: what remains.
    pub outcome: Outcome,
    pub changes: Vec<Change>,
    pub applied: Vec<Listed>,
    pub skipped: Vec<Skipped>,
}

/// A finding, by what identifies it in two checks of texts that differ only by fixes.
type Key = (
    &'static str,
    String,
    Option<crate::diagnostic::ResourceRef>,
    String,
);

fn key(d: &Diagnostic, sources: &SourceMap) -> Key {
    (
        d.code,
        sources.path(d.file).to_string(),
        d.resource.clone(),
        d.message.clone(),
    )
}

fn counts(outcome: &Outcome) -> HashMap<Key, usize> {
    let mut counts = HashMap::new();
    for d in &outcome.diagnostics {
        *counts.entry(key(d, &outcome.sources)).or_insert(0) += 1;
    }
    counts
}

/// A fix to apply, with the finding it repairs; each edit with the path of its file.
struct Candidate {
    key: Key,
    listed: Listed,
    edits: Vec<(String, Edit)>,
}

/// Checks `inputs`, applies the fixes `options` allows, checks again, and returns the
/// fixed texts (not written) and what remains.
pub fn fix(inputs: &[Input], opts: &CheckOptions, options: FixOptions) -> Fixed {
    let first = check(inputs, opts);
    let (candidates, mut skipped) = select(&first.diagnostics, &first.sources, options);
    let edited: HashSet<&str> = (candidates.iter().flat_map(|c| &c.edits))
        .map(|(path, _)| path.as_str())
        .collect();
    // Only the files the fixes edit: the others' texts are not kept (or read back).
    let originals: HashMap<String, String> = (first.sources.iter())
        .filter(|f| edited.contains(f.path.as_str()))
        .filter_map(|f| Some((f.path.clone(), f.text()?.to_string())))
        .collect();
    if candidates.is_empty() {
        // Nothing to apply: the first check is what remains.
        return Fixed {
            outcome: first,
            changes: Vec::new(),
            applied: Vec::new(),
            skipped,
        };
    }
    let before = counts(&first);
    let (outcome, kept) = match try_all(inputs, opts, &originals, &candidates, &before) {
        Ok(outcome) => (outcome, candidates),
        Err(_) => one_at_a_time(inputs, opts, &originals, candidates, first, &mut skipped),
    };
    let texts = fixed_texts(&originals, &kept);
    let mut changes: Vec<Change> = texts
        .into_iter()
        .filter_map(|(path, after)| {
            let before = originals.get(&path)?.clone();
            (before != after).then_some(Change {
                path,
                before,
                after,
            })
        })
        .collect();
    changes.sort_by(|a, b| a.path.cmp(&b.path));
    Fixed {
        outcome,
        changes,
        applied: kept.into_iter().map(|c| c.listed).collect(),
        skipped,
    }
}

/// The fixes of the shown findings of `diagnostics` that `options` allows and that do not
/// overlap a fix taken before them; the others, with why.
fn select(
    diagnostics: &[Diagnostic],
    sources: &SourceMap,
    options: FixOptions,
) -> (Vec<Candidate>, Vec<Skipped>) {
    let mut taken: Vec<Candidate> = Vec::new();
    let mut skipped = Vec::new();
    for d in diagnostics.iter().filter(|d| d.suppressed.is_none()) {
        let Some(fix) = &d.fix else { continue };
        if fix.applicability == Applicability::Unsafe && !options.unsafe_fixes {
            continue;
        }
        let listed = Listed {
            code: d.code,
            path: sources.path(d.file).to_string(),
            line: sources.line_col(d.file, d.span.start).line,
            description: fix.description.clone(),
        };
        let edits: Vec<(String, Edit)> = fix
            .edits
            .iter()
            .map(|e| (sources.path(e.file).to_string(), e.clone()))
            .collect();
        // The same edits as a fix taken before (two findings of one mistake) are made once.
        let fresh: Vec<(String, Edit)> = edits
            .iter()
            .filter(|e| !taken.iter().any(|t| t.edits.contains(e)))
            .cloned()
            .collect();
        let clash = taken
            .iter()
            .find(|t| t.edits.iter().any(|a| fresh.iter().any(|b| overlap(a, b))));
        if let Some(other) = clash {
            skipped.push(Skipped {
                why: format!(
                    "its edit overlaps the fix of {} at {}:{}",
                    other.listed.code, other.listed.path, other.listed.line
                ),
                fix: listed,
            });
            continue;
        }
        taken.push(Candidate {
            key: key(d, sources),
            listed,
            edits: fresh,
        });
    }
    (taken, skipped)
}

/// Whether two edits touch the same bytes of one file (two insertions at one point too).
fn overlap((a_path, a): &(String, Edit), (b_path, b): &(String, Edit)) -> bool {
    a_path == b_path && (a.span.start < b.span.end && b.span.start < a.span.end || a.span == b.span)
}

/// The texts of the files the fixes of `fixes` edit, once edited.
fn fixed_texts(
    originals: &HashMap<String, String>,
    fixes: &[Candidate],
) -> BTreeMap<String, String> {
    let mut by_file: BTreeMap<&str, Vec<&Edit>> = BTreeMap::new();
    for (path, edit) in fixes.iter().flat_map(|c| &c.edits) {
        by_file.entry(path).or_default().push(edit);
    }
    by_file
        .into_iter()
        .filter_map(|(path, mut edits)| {
            edits.sort_by_key(|e| e.span);
            let text = originals.get(path)?;
            Some((path.to_string(), apply(text, &edits)))
        })
        .collect()
}

/// The check of `inputs` with the files of `texts` read as those texts.
fn check_with(inputs: &[Input], opts: &CheckOptions, texts: BTreeMap<String, String>) -> Outcome {
    let mut opts = opts.clone();
    opts.load.replaced = Some(Arc::new(texts.into_iter().collect()));
    check(inputs, &opts)
}

/// Why a set of fixes does not hold: a finding it should remove is still there, or a finding
/// not there before appeared.
enum Fails {
    Remains,
    Creates(String),
}

/// The check after all of `fixes`, when each removes its finding and none creates another.
fn try_all(
    inputs: &[Input],
    opts: &CheckOptions,
    originals: &HashMap<String, String>,
    fixes: &[Candidate],
    before: &HashMap<Key, usize>,
) -> Result<Outcome, Fails> {
    let outcome = check_with(inputs, opts, fixed_texts(originals, fixes));
    holds(&outcome, fixes, before)?;
    Ok(outcome)
}

fn holds(
    outcome: &Outcome,
    fixes: &[Candidate],
    before: &HashMap<Key, usize>,
) -> Result<(), Fails> {
    let after = counts(outcome);
    let mut fixed: HashMap<&Key, usize> = HashMap::new();
    for c in fixes {
        *fixed.entry(&c.key).or_insert(0) += 1;
    }
    for (key, n) in fixed {
        let was = before.get(key).copied().unwrap_or(0);
        if after.get(key).copied().unwrap_or(0) + n > was {
            return Err(Fails::Remains);
        }
    }
    match after
        .iter()
        .find(|(k, n)| **n > before.get(*k).copied().unwrap_or(0))
    {
        Some(((code, path, _, message), _)) => {
            Err(Fails::Creates(format!("{code} in {path}: {message}")))
        }
        None => Ok(()),
    }
}

/// Adds the fixes one by one, each checked against the state the ones kept before left,
/// rolling back each that does not hold.
fn one_at_a_time(
    inputs: &[Input],
    opts: &CheckOptions,
    originals: &HashMap<String, String>,
    candidates: Vec<Candidate>,
    first: Outcome,
    skipped: &mut Vec<Skipped>,
) -> (Outcome, Vec<Candidate>) {
    let mut current = first;
    let mut kept: Vec<Candidate> = Vec::new();
    for candidate in candidates {
        let before = counts(&current);
        kept.push(candidate);
        let outcome = check_with(inputs, opts, fixed_texts(originals, &kept));
        match holds(&outcome, &kept[kept.len() - 1..], &before) {
            Ok(()) => current = outcome,
            Err(fails) => {
                let Some(rolled_back) = kept.pop() else { break };
                skipped.push(Skipped {
                    why: match fails {
                        Fails::Remains => "rolled back: its finding remains after it".to_string(),
                        Fails::Creates(what) => {
                            format!("rolled back: it creates a finding ({what})")
                        }
                    },
                    fix: rolled_back.listed,
                });
            }
        }
    }
    (current, kept)
}

/// Why a fixed file was not written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("{0}: standard input cannot be fixed in place; use --diff")]
    Stdin(String),
    #[error("{0}: changed since it was checked; not written")]
    Changed(String),
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

/// Writes `change` to its file: only when the file still holds the text that was checked,
/// keeping a UTF-8 byte-order mark and the file's permissions, through a temporary file
/// renamed over it (a reader never sees half a file).
pub fn write(change: &Change) -> Result<(), WriteError> {
    if change.path == crate::source::STDIN {
        return Err(WriteError::Stdin(change.path.clone()));
    }
    let path = Path::new(&change.path);
    let io = |source| WriteError::Io {
        path: change.path.clone(),
        source,
    };
    let bytes = std::fs::read(path).map_err(io)?;
    let bom = bytes.starts_with(b"\xef\xbb\xbf");
    if decode(bytes).ok().as_deref() != Some(change.before.as_str()) {
        return Err(WriteError::Changed(change.path.clone()));
    }
    let permissions = std::fs::metadata(path).map_err(io)?.permissions();
    let name = path
        .file_name()
        .map_or_else(Default::default, |n| n.to_string_lossy());
    let temp = path.with_file_name(format!(".{name}.kroute-fix-{}", std::process::id()));
    let mut text = String::with_capacity(change.after.len() + 3);
    if bom {
        text.push('\u{feff}');
    }
    text.push_str(&change.after);
    let written = std::fs::write(&temp, text)
        .and_then(|()| std::fs::set_permissions(&temp, permissions))
        .and_then(|()| std::fs::rename(&temp, path));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temp);
        return Err(io(e));
    }
    Ok(())
}

/// `change` as a unified diff (`--- a/PATH`, `+++ b/PATH`, without a leading `./`, as
/// `git apply` reads it from the directory kroute ran in), three lines of context.
pub fn unified_diff(change: &Change) -> String {
    let path = change.path.strip_prefix("./").unwrap_or(&change.path);
    similar::TextDiff::from_lines(&change.before, &change.after)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{FileId, Span};

    fn edit(start: usize, end: usize) -> (String, Edit) {
        let edit = Edit {
            file: FileId(0),
            span: Span::new(start, end),
            replacement: String::new(),
        };
        ("a.yaml".to_string(), edit)
    }

    /// A finding of `code` on file 0 whose fix replaces `start..end` with `with`.
    fn finding(code: &'static str, start: usize, end: usize, with: &str) -> Diagnostic {
        let span = Span::new(start, end);
        Diagnostic::new(
            code,
            crate::diagnostic::Severity::Error,
            FileId(0),
            span,
            code,
        )
        .with_fix(Some(crate::diagnostic::Fix {
            applicability: Applicability::Safe,
            description: format!("write {with}"),
            edits: vec![Edit {
                file: FileId(0),
                span,
                replacement: with.to_string(),
            }],
        }))
    }

    #[test]
    fn overlapping_fixes_are_skipped_and_the_same_edit_is_made_once() {
        let mut sources = SourceMap::default();
        sources.add("a.yaml".into(), "name: fronted\nport: 8080\n".to_string());
        let found = [
            finding("KR205", 6, 13, "frontend"),
            finding("KR201", 6, 13, "frontend"),
            finding("KR210", 8, 11, "x"),
            finding("KR204", 20, 24, "80"),
        ];
        let (taken, skipped) = select(&found, &sources, FixOptions::default());
        let codes: Vec<_> = taken.iter().map(|c| c.listed.code).collect();
        assert_eq!(codes, ["KR205", "KR201", "KR204"]);
        assert!(taken[1].edits.is_empty(), "the same edit is made once");
        assert_eq!(skipped.len(), 1);
        assert_eq!(skipped[0].fix.code, "KR210");
        assert!(skipped[0]
            .why
            .contains("overlaps the fix of KR205 at a.yaml:1"));
        let originals = HashMap::from([(
            "a.yaml".to_string(),
            sources
                .get(FileId(0))
                .text()
                .unwrap_or_default()
                .to_string(),
        )]);
        let texts = fixed_texts(&originals, &taken);
        assert_eq!(texts["a.yaml"], "name: frontend\nport: 80\n");
    }

    #[test]
    fn unsafe_fixes_only_when_asked() {
        let mut sources = SourceMap::default();
        sources.add("a.yaml".into(), "app: chekout\n".to_string());
        let mut d = finding("KR201", 5, 12, "checkout");
        if let Some(fix) = &mut d.fix {
            fix.applicability = Applicability::Unsafe;
        }
        let found = [d];
        assert!(select(&found, &sources, FixOptions::default()).0.is_empty());
        let with = FixOptions { unsafe_fixes: true };
        assert_eq!(select(&found, &sources, with).0.len(), 1);
    }

    #[test]
    fn edits_overlap_when_they_share_bytes() {
        assert!(overlap(&edit(0, 4), &edit(3, 6)));
        assert!(overlap(&edit(2, 2), &edit(2, 2)));
        assert!(!overlap(&edit(0, 3), &edit(3, 6)));
    }
}
