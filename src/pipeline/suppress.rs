//! Suppression once every rule has reported: the config's `ignore:` entries, and the
//! ignores that suppress nothing (KR008), which only the complete list of findings tells.

use std::collections::BTreeSet;
use std::path::Path;

use crate::checks::rules::kr008;
use crate::config::{Findings, Ignore};
use crate::diagnostic::{Checked, Diagnostic, Suppression, IGNORE_ANNOTATION};
use crate::manifest::Object;
use crate::source::{FileId, SourceMap};

/// The objects of `objects` that carry `kroute.dev/ignore`: a few, copied out of a scope
/// to be judged once every finding is in (the scopes' inventories are gone by then).
pub fn annotated<'a>(objects: impl Iterator<Item = &'a Object>) -> Vec<Object> {
    objects
        .filter(|o| o.annotations.contains_key(IGNORE_ANNOTATION))
        .cloned()
        .collect()
}

/// What the run checked, for judging ignores.
#[derive(Clone, Copy)]
pub struct Seen<'a> {
    /// Checked objects that carry `kroute.dev/ignore` (an object of several scopes may be
    /// there more than once).
    pub annotated: &'a [Object],
    /// Every checked object: a config entry is stale only if it is about objects this run
    /// checked.
    pub objects: &'a [Checked],
}

/// Suppresses what the config's `ignore:` entries cover and, unless only the input rules
/// ran, reports the ignores that suppress nothing: annotations of checked objects, and
/// config entries about them (the config file joins `sources` when one is reported).
pub fn apply(
    diagnostics: &mut Vec<Diagnostic>,
    seen: Seen<'_>,
    sources: &mut SourceMap,
    findings: &Findings,
    all_rules: bool,
) {
    let used = suppress_by_config(diagnostics, sources, findings);
    if !all_rules {
        return;
    }
    // An object checked in several scopes (a base under two overlays) is judged once.
    let mut annotated: Vec<&Object> = seen.annotated.iter().collect();
    annotated.sort_by_key(|o| (o.file, o.root.span));
    annotated.dedup_by_key(|o| (o.file, o.root.span));
    let mut unused = kr008::unused_annotations(annotated, diagnostics);
    let entries = findings.ignores.iter().zip(used);
    let stale: Vec<&Ignore> = entries
        .filter(|(entry, used)| !used && applies_to_some(entry, seen.objects, sources))
        .map(|(entry, _)| entry)
        .collect();
    if let (Some((path, text)), false) = (&findings.file, stale.is_empty()) {
        let file = sources.add(path.clone(), text.clone());
        unused.extend(stale.iter().map(|entry| {
            Diagnostic::new(
                kr008::RULE.code,
                kr008::RULE.severity,
                file,
                entry.span,
                format!(
                    "this `ignore` entry ({}) suppresses nothing: no finding of its codes on the objects it matches",
                    entry.codes.join(", ")
                ),
            )
            .with_help("remove the entry, or correct its codes and globs; to turn a rule off everywhere, use `rules: {disable: [CODE]}`")
        }));
    }
    diagnostics.extend(unused);
}

/// Marks the findings `ignore:` entries cover as suppressed (unless an annotation already
/// did); returns whether each entry covers any finding.
fn suppress_by_config(
    diagnostics: &mut [Diagnostic],
    sources: &SourceMap,
    findings: &Findings,
) -> Vec<bool> {
    let mut used = vec![false; findings.ignores.len()];
    if findings.ignores.is_empty() {
        return used;
    }
    for d in diagnostics {
        let path = sources.path(d.file);
        for (i, entry) in findings.ignores.iter().enumerate() {
            if !entry.covers(d, path) {
                continue;
            }
            used[i] = true;
            if d.suppressed.is_none() {
                d.suppressed = Some(Suppression::Config);
                d.suppression_reason = Some(entry.reason.clone());
            }
        }
    }
    used
}

/// Whether `entry`'s globs match one of the `checked` objects: an entry about objects this
/// run did not check (a hook given only the changed files) is not known to be stale.
fn applies_to_some(entry: &Ignore, checked: &[Checked], sources: &SourceMap) -> bool {
    // Names first, then each file once: a path glob resolves paths on disk.
    let files: BTreeSet<FileId> = checked
        .iter()
        .filter(|c| entry.matches_resource(Some(&c.resource())))
        .map(Checked::file)
        .collect();
    files
        .into_iter()
        .any(|file| entry.matches_path(Path::new(sources.path(file))))
}
