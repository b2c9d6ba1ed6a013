//! # KR008: an ignore that suppresses nothing
//!
//! ## What it checks
//! That every code a `kroute.dev/ignore` annotation lists suppresses a finding on its
//! object, and that every `ignore:` entry of `.kroute.yaml` suppresses a finding. A code
//! that no rule has, or that reports nothing on the object, is reported at the annotation's
//! value; a config entry that matches checked objects but none of their findings is
//! reported at the entry (an entry whose globs match none of the checked objects says
//! nothing: a hook that checks only the changed files does not see the rest).
//!
//! It is judged after every other rule, on their findings; `--parse-only` skips it.
//!
//! ## Why it matters
//! An ignore outlives the finding it was written for: once that mistake is fixed, it waits
//! to hide the next one of that kind on that object. A misspelt code (`KR2O1`) looks like a
//! suppression and suppresses nothing.
//!
//! ## Example
//! ```yaml
//! apiVersion: v1
//! kind: Service
//! metadata:
//!   name: web
//!   annotations:
//!     kroute.dev/ignore: "KR201,KR210"   # KR008: KR210 reports nothing on a Service
//! spec:
//!   selector: {app: web}
//!   ports: [{port: 80}]
//! ```
//!
//! ## How to fix
//! Remove the codes that suppress nothing (the annotation, or the config entry, when none
//! is left), or correct a misspelt code:
//! ```yaml
//! metadata:
//!   name: web
//!   annotations:
//!     kroute.dev/ignore: KR201
//!     kroute.dev/ignore-reason: its pods are created by an operator
//! ```

use std::collections::{BTreeMap, HashSet};

use crate::checks::{registry, Context, Rule};
use crate::diagnostic::{Diagnostic, ResourceRef, Severity, Suppression, IGNORE_ANNOTATION};
use crate::manifest::Object;
use crate::source::FileId;

pub const RULE: Rule = Rule {
    code: "KR008",
    severity: Severity::Info,
    summary: "an ignore (`kroute.dev/ignore` annotation or `.kroute.yaml` `ignore:` entry) that suppresses nothing",
    run,
};

/// KR008 reads the other rules' findings, so the pipeline reports it once they are all in
/// ([`unused_annotations`], and the config's entries): nothing to do beside them.
fn run(_: &Context<'_>, _: &mut Vec<Diagnostic>) {}

/// The findings about the `kroute.dev/ignore` annotations of `objects` that list codes
/// suppressing none of `diagnostics`.
pub fn unused_annotations<'a>(
    objects: impl IntoIterator<Item = &'a Object>,
    diagnostics: &[Diagnostic],
) -> Vec<Diagnostic> {
    let mut suppressed: BTreeMap<(FileId, &ResourceRef), HashSet<&str>> = BTreeMap::new();
    for d in diagnostics {
        if let (Some(Suppression::Annotation), Some(resource)) = (d.suppressed, &d.resource) {
            suppressed
                .entry((d.file, resource))
                .or_default()
                .insert(d.code);
        }
    }
    let mut out = Vec::new();
    for object in objects {
        let Some(value) = object.annotations.get(IGNORE_ANNOTATION) else {
            continue;
        };
        let resource = ResourceRef::of(object);
        let codes = suppressed.get(&(object.file, &resource));
        let unused: Vec<&str> = value
            .split(',')
            .map(str::trim)
            .filter(|listed| {
                codes.is_none_or(|codes| {
                    !codes
                        .iter()
                        .any(|c| *listed == "*" || listed.eq_ignore_ascii_case(c))
                })
            })
            .collect();
        if !unused.is_empty() {
            out.push(unused_annotation(object, &unused));
        }
    }
    out
}

fn unused_annotation(object: &Object, unused: &[&str]) -> Diagnostic {
    let span = object
        .root
        .at(&["metadata", "annotations", IGNORE_ANNOTATION])
        .map_or_else(|| object.name_span(), |n| n.span);
    let unknown: Vec<String> = unused
        .iter()
        .filter(|c| **c != "*" && crate::checks::rule(c).is_none())
        .map(|c| {
            let codes = registry().iter().map(|e| e.rule.code);
            format!(
                "no rule is `{c}`{}",
                crate::inventory::did_you_mean(&c.to_ascii_uppercase(), codes)
            )
        })
        .collect();
    let listed = unused
        .iter()
        .map(|c| format!("`{c}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut message = format!(
        "`{IGNORE_ANNOTATION}` on {} lists {listed}, which {} nothing: no such finding on this object",
        object.display(),
        if unused.len() == 1 { "suppresses" } else { "suppress" }
    );
    if !unknown.is_empty() {
        message = format!("{message} ({})", unknown.join("; "));
    }
    let mut diagnostic = RULE.on(object, span, message).with_help(
        "remove what suppresses nothing from the annotation (the annotation itself when nothing is left), so it cannot hide a later mistake",
    );
    // A `*` that suppresses nothing must not hide that it does: only `KR008` itself does.
    let named = unused.iter().all(|c| *c != "*")
        || object
            .annotations
            .get(IGNORE_ANNOTATION)
            .is_some_and(|v| v.split(',').any(|c| c.trim().eq_ignore_ascii_case(RULE.code)));
    if !named {
        diagnostic.suppressed = None;
        diagnostic.suppression_reason = None;
    }
    diagnostic
}
