//! # KR313: route weights do not add up to 100
//!
//! ## What it checks
//! The `weight`s of the destinations of every `http`, `tls` and `tcp` rule of an Istio
//! VirtualService:
//!
//! - a rule with several destinations whose weights do not add up to 100 (an unset weight
//!   counts as 0);
//! - a rule with several destinations and no weight at all (or only zeros): Istio's
//!   validation rejects it (`total destination weight = 0`), so this case is an **error**;
//! - a rule with a single destination and an explicit weight other than 100: the weight
//!   has no effect, that destination receives all traffic.
//!
//! Gateway API `backendRefs` weights are proportions by definition and never checked;
//! Knative traffic percentages are KR401's. `istioctl analyze` has no matching message;
//! Istio's validation only rejects the all-zero case.
//!
//! ## Why it matters
//! Istio sends each destination `weight / sum of weights` of the traffic, so weights that do
//! not add up to 100 still "work" — but not as written: bumping a canary from `90/10` to
//! `90/20` gives it 18%, not 20%, and a destination without a weight gets nothing. A sum of
//! 100 is what every reader (and every rollout tool) assumes.
//!
//! ## Example
//! ```yaml
//! http:
//! - route:
//!   - destination: {host: reviews, subset: v1}
//!     weight: 90
//!   - destination: {host: reviews, subset: v2}
//!     weight: 20                # KR313: 90 + 20 = 110
//! ```
//!
//! ## How to fix
//! Make the weights of each rule add up to exactly 100, give every destination of a split
//! a weight, and drop the weight of a lone destination.

use crate::checks::support::fix;
use crate::checks::{Context, Rule};
use crate::diagnostic::{Applicability, Diagnostic, Fix, Severity};
use crate::inventory::istio::{Destination, VsRoute};
use crate::manifest::Object;

pub const RULE: Rule = Rule {
    code: "KR313",
    severity: Severity::Warning,
    summary: "route weights do not add up to 100",
    run,
};

fn rule_name(route: &VsRoute) -> String {
    match &route.name {
        Some(name) => format!("{}[{}] (`{name}`)", route.protocol.key(), route.index),
        None => format!("{}[{}]", route.protocol.key(), route.index),
    }
}

fn target(d: &crate::inventory::istio::Destination) -> String {
    match &d.subset {
        Some(subset) => format!("{} subset {}", d.host.value, subset.value),
        None => d.host.value.clone(),
    }
}

fn run(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for vs in &ctx.inv.virtual_services {
        let object = ctx.inv.object(vs.object);
        for route in &vs.routes {
            let dests = &route.destinations;
            let Some(first) = dests.first() else { continue };
            if dests.iter().any(|d| d.weight.is_some_and(|w| w < 0)) {
                continue; // invalid: the schema check reports negative weights
            }
            if dests.len() == 1 {
                let (Some(weight), Some(span)) = (first.weight, first.weight_span) else {
                    continue;
                };
                if weight == 100 {
                    continue;
                }
                out.push(
                    RULE.on(
                        object,
                        span,
                        format!(
                            "{} of {} has a single destination ({}) with weight {weight}: the weight has no effect, it receives all traffic",
                            rule_name(route),
                            object.display(),
                            target(first)
                        ),
                    )
                    .with_help("drop the weight (or set it to 100); to send part of the traffic elsewhere, add the other destination with its weight"),
                );
                continue;
            }
            let sum: i64 = dests.iter().map(|d| d.weight.unwrap_or(0)).sum();
            if sum == 100 {
                continue;
            }
            if sum == 0 {
                out.push(
                    RULE.on(
                        object,
                        first.span,
                        format!(
                            "{} of {} splits traffic between {} destinations but gives them no weight: Istio rejects it (total destination weight = 0)",
                            rule_name(route),
                            object.display(),
                            dests.len()
                        ),
                    )
                    .with_severity(Severity::Error)
                    .with_help("give every destination a `weight`, adding up to 100"),
                );
                continue;
            }
            let terms: Vec<String> = dests
                .iter()
                .map(|d| d.weight.unwrap_or(0).to_string())
                .collect();
            let shares: Vec<String> = dests
                .iter()
                .filter(|d| d.weight.unwrap_or(0) > 0)
                .map(|d| {
                    let share = d.weight.unwrap_or(0) as f64 * 100.0 / sum as f64;
                    format!("{} {share:.0}%", target(d))
                })
                .collect();
            let unset = dests.iter().filter(|d| d.weight.is_none()).count();
            let unset_note = match unset {
                0 => String::new(),
                1 => "; the destination without a weight gets nothing".to_string(),
                n => format!("; the {n} destinations without a weight get nothing"),
            };
            let span = dests
                .iter()
                .find_map(|d| d.weight_span)
                .unwrap_or(first.span);
            out.push(
                RULE.on(
                    object,
                    span,
                    format!(
                        "weights of {} of {} add up to {sum} ({}), not 100: Istio treats them as proportions, so traffic goes {}{unset_note}",
                        rule_name(route),
                        object.display(),
                        terms.join(" + "),
                        shares.join(", ")
                    ),
                )
                .with_help("make the weights of the rule add up to exactly 100")
                .with_fix(remainder(ctx, object, dests, sum)),
            );
        }
    }
}

/// The difference to 100 given to (or taken from) the destination with the largest written
/// weight. Unsafe: how to split the traffic is the author's decision. None when a
/// destination has no weight: it was probably meant to get the rest, which a fix of one
/// scalar cannot write.
fn remainder(ctx: &Context<'_>, object: &Object, dests: &[Destination], sum: i64) -> Option<Fix> {
    if dests.iter().any(|d| d.weight.is_none()) {
        return None;
    }
    let (dest, weight, span) = dests
        .iter()
        .filter_map(|d| Some((d, d.weight?, d.weight_span?)))
        .max_by_key(|(_, weight, _)| *weight)?;
    let new = weight + 100 - sum;
    if !(0..=100).contains(&new) {
        return None;
    }
    let edit = fix::rewrite(ctx, object, span, |_| Some(new.to_string()))?;
    Some(Fix {
        applicability: Applicability::Unsafe,
        description: format!(
            "give the difference to the largest destination ({}): `weight: {new}`",
            target(dest)
        ),
        edits: vec![edit],
    })
}
