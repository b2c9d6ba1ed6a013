//! Fixes rules attach to their findings: a name a typo away from the one meant, a port of a
//! Service that has only one. Each edit replaces one scalar, quoted as it was
//! ([`crate::diagnostic::fix`]).

use crate::checks::Context;
use crate::diagnostic::fix::{replace_scalar, substitute};
use crate::diagnostic::{Applicability, Edit, Fix};

use crate::inventory::{sole_typo_of, LabelSpan, Labels, PortRef, Selector, Service};
use crate::manifest::Object;
use crate::source::Span;

/// The fix that replaces the one occurrence of the name `old` in the scalar of `object` at
/// `span` (all of it, or a part such as the `name` of `ns/name`) with `new`.
pub fn set(
    ctx: &Context<'_>,
    object: &Object,
    span: Span,
    old: &str,
    new: &str,
    applicability: Applicability,
) -> Option<Fix> {
    rewrite(ctx, object, span, |value| substitute(value, old, new)).map(|edit| Fix {
        applicability,
        description: format!("replace `{old}` with `{new}`"),
        edits: vec![edit],
    })
}

/// The edit that gives the scalar of `object` at `span` the value `new` makes of its
/// current one.
pub fn rewrite(
    ctx: &Context<'_>,
    object: &Object,
    span: Span,
    new: impl FnOnce(&str) -> Option<String>,
) -> Option<Edit> {
    let value = object.root.find(span)?.as_str()?;
    let replaced = new(value)?;
    let text = ctx.sources.get(object.file).text()?;
    replace_scalar(text, object.file, span, value, &replaced)
}

/// Renames the reference `wanted`, written in the scalar at `span`, to the candidate it is
/// certainly a typo of ([`sole_typo_of`]).
pub fn rename<'a>(
    ctx: &Context<'_>,
    object: &Object,
    span: Span,
    wanted: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<Fix> {
    let meant = sole_typo_of(wanted, candidates)?;
    set(ctx, object, span, wanted, meant, Applicability::Safe)
}

/// Points the port reference `port`, written at `span`, at the port of `service` it must
/// mean: the Service's only port, or (by name) the only port whose name it is a typo of.
pub fn port(
    ctx: &Context<'_>,
    object: &Object,
    span: Span,
    port: &PortRef,
    service: &Service,
) -> Option<Fix> {
    let new = match (port, service.ports.as_slice()) {
        (PortRef::Number(_), [only]) => only.port.to_string(),
        (PortRef::Name(name), ports) => {
            let names = ports.iter().filter_map(|p| p.name.as_deref());
            match (ports, sole_typo_of(name, names)) {
                ([only], _) => only.name.clone()?,
                (_, Some(meant)) => meant.to_string(),
                _ => return None,
            }
        }
        _ => return None,
    };
    let old = match port {
        PortRef::Number(n) => n.to_string(),
        PortRef::Name(name) => name.clone(),
    };
    set(ctx, object, span, &old, &new, Applicability::Safe)
}

/// Sets the scalar at `span` to `new`, a value a human must confirm (which side of a
/// mismatch to change).
pub fn unsafe_set(
    ctx: &Context<'_>,
    object: &Object,
    span: Span,
    old: &str,
    new: &str,
) -> Option<Fix> {
    set(ctx, object, span, old, new, Applicability::Unsafe)
}

/// Replaces the name `old` with `new` in the part `range` of the value of the scalar at
/// `span` (a host reference inside an env value): the rest of the value stays as it is.
pub fn replace_part(
    ctx: &Context<'_>,
    object: &Object,
    span: Span,
    range: std::ops::Range<usize>,
    old: &str,
    new: &str,
    applicability: Applicability,
) -> Option<Fix> {
    let edit = rewrite(ctx, object, span, |value| {
        let part = substitute(value.get(range.clone())?, old, new)?;
        Some(format!(
            "{}{part}{}",
            &value[..range.start],
            &value[range.end..]
        ))
    })?;
    Some(Fix {
        applicability,
        description: format!("replace `{old}` with `{new}`"),
        edits: vec![edit],
    })
}

/// The selector of `object` changed to select pods labelled `labels` (the nearest
/// workload's): each value that differs set to theirs. Unsafe: the pods' labels may be the
/// side that is wrong. `None` when a selected key is missing from `labels`, or the selector
/// has expressions: changing values would not make it match.
pub fn match_labels(
    ctx: &Context<'_>,
    object: &Object,
    selector: &Selector,
    labels: &Labels,
) -> Option<Fix> {
    if !selector.exprs.is_empty() {
        return None;
    }
    let mut edits = Vec::new();
    let mut changed = Vec::new();
    for (key, value) in &selector.labels {
        let theirs = labels.get(key)?;
        if theirs == value {
            continue;
        }
        let at = LabelSpan::find(&object.root, selector.labels_span, key)?;
        edits.push(rewrite(ctx, object, at.value, |_| {
            Some(theirs.to_string())
        })?);
        changed.push(format!("`{key}: {theirs}`"));
    }
    (!edits.is_empty()).then(|| Fix {
        applicability: Applicability::Unsafe,
        description: format!("select {} (the pods' labels)", changed.join(", ")),
        edits,
    })
}
