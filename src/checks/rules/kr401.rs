//! # KR401: Knative traffic percentages do not add up to 100
//!
//! ## What it checks
//! The `spec.traffic` list of every Knative Service and Route
//! (`serving.knative.dev/v1`), after the defaults the Knative webhook applies before it
//! validates:
//!
//! - a Service without `traffic` (or with an empty list) gets one target, 100% to the
//!   latest revision, and is never reported;
//! - a standalone Route gets no such default: a Route without traffic targets sums to 0
//!   and is reported;
//! - a target without `percent` counts as 0.
//!
//! The percentages must sum to exactly 100 (the webhook says `Traffic targets sum to N,
//! want 100`), and each `percent` must lie in 0…100 (`expected 0 <= N <= 100: percent`).
//! Gateway API `backendRefs` weights are proportions and are never checked here; Istio
//! route weights are KR313.
//!
//! ## Why it matters
//! The webhook rejects the whole object: `kubectl apply` fails, and in a GitOps pipeline
//! the previous revision keeps serving while the sync stays red.
//!
//! ## Example
//! ```yaml
//! apiVersion: serving.knative.dev/v1
//! kind: Service
//! metadata: {name: hello}
//! spec:
//!   template:
//!     spec:
//!       containers:
//!       - image: ghcr.io/example/hello:2.0
//!   traffic:                        # KR401: 80 + 10 = 90
//!   - {revisionName: hello-v1, percent: 80}
//!   - {latestRevision: true, percent: 10}
//! ```
//!
//! ## How to fix
//! Make the percentages add up to 100: give the remainder to a target, or add a `percent`
//! to the target that has none. Tag-only targets (`percent: 0`, with a `tag`) are fine.
//! Remove `traffic` from a Service altogether to send everything to the latest revision.

use crate::checks::{Context, Rule};
use crate::inventory::knative::{Serving, TrafficTarget};
use crate::manifest::Object;
use crate::diagnostic::{Diagnostic, Severity};
use crate::yaml::Node;

pub const RULE: Rule = Rule {
    code: "KR401",
    severity: Severity::Error,
    summary: "Knative traffic percentages do not add up to 100 (after Knative's defaults)",
    run,
};

/// The Knative Services and Routes (the kinds with `spec.traffic`), with their objects.
pub fn traffic_owners<'a>(ctx: &'a Context<'_>) -> impl Iterator<Item = (&'a Serving, &'a Object)> {
    ctx.inv
        .serving
        .iter()
        .filter(|s| matches!(s.kind.as_str(), "Service" | "Route"))
        .map(|s| (s, ctx.inv.object(s.object)))
}

/// The written `spec.traffic` entries paired with their defaulted view (empty when the
/// traffic was defaulted).
pub fn written_targets<'a>(
    serving: &'a Serving,
    object: &'a Object,
) -> impl Iterator<Item = (usize, &'a TrafficTarget, &'a Node)> {
    let written = if serving.traffic_defaulted {
        &[][..]
    } else {
        object
            .spec()
            .map_or(&[][..], |spec| spec.seq_at("traffic"))
    };
    serving
        .traffic
        .iter()
        .zip(written)
        .enumerate()
        .map(|(i, (t, n))| (i, t, n))
}

/// `Knative Service ns/name`, as messages name these objects.
pub fn knative_display(object: &Object) -> String {
    format!("Knative {}", object.display())
}

fn run(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (serving, object) in traffic_owners(ctx) {
        if serving.traffic_defaulted {
            continue;
        }
        let who = knative_display(object);
        let mut sum: i64 = 0;
        let mut unparsed = false;
        let mut without_percent = 0usize;
        for (i, target, node) in written_targets(serving, object) {
            match node.get("percent").filter(|p| !p.is_null()) {
                None => without_percent += 1,
                Some(p) => match p.as_i64() {
                    // Not an integer: a schema error, and the sum would be meaningless.
                    None => unparsed = true,
                    Some(percent) => {
                        sum = sum.saturating_add(percent);
                        if !(0..=100).contains(&percent) {
                            out.push(
                                RULE.on(
                                    object,
                                    p.span,
                                    format!(
                                        "traffic target #{} of {who} has `percent: {percent}`, outside 0–100{}",
                                        i + 1,
                                        describe_target(target)
                                    ),
                                )
                                .with_help("each `percent` is a share of the traffic between 0 and 100"),
                            );
                        }
                    }
                },
            }
        }
        if unparsed || sum == 100 {
            continue;
        }
        let diagnostic = if serving.traffic.is_empty() {
            let span = object
                .spec()
                .and_then(|s| s.get("traffic"))
                .or_else(|| object.spec())
                .map_or_else(|| object.name_span(), |n| n.span);
            RULE.on(
                object,
                span,
                format!("{who} has no traffic targets: they sum to 0, want 100"),
            )
            .with_help(
                "a standalone Route gets no default traffic: add a target such as `{configurationName: <configuration>, percent: 100}` (only a Knative Service defaults to 100% latest)",
            )
        } else {
            let mut help = format!(
                "make the percentages add up to 100 ({} {} percentage points)",
                if sum < 100 { "add" } else { "remove" },
                (100 - sum).abs()
            );
            if without_percent > 0 {
                help.push_str(&format!(
                    "; {without_percent} target(s) without `percent` count as 0"
                ));
            }
            let mut d = RULE
                .on(
                    object,
                    serving.traffic_span,
                    format!(
                        "traffic targets of {who} sum to {sum}%, want 100 (the webhook rejects it: \"Traffic targets sum to {sum}, want 100\")"
                    ),
                )
                .with_help(help);
            for target in &serving.traffic {
                if let Some(span) = target.percent_span {
                    d = d.with_related(
                        object.file,
                        span,
                        format!("{}%{}", target.percent, describe_target(target)),
                    );
                }
            }
            d
        };
        out.push(diagnostic);
    }
}

/// ` (revision `x`)`, ` (latest revision)`, with the tag when there is one.
pub fn describe_target(target: &TrafficTarget) -> String {
    let mut what = match (&target.revision_name, &target.configuration_name) {
        (Some(r), _) if !r.value.is_empty() => format!("revision `{}`", r.value),
        (_, Some(c)) if !c.value.is_empty() => {
            format!("latest revision of configuration `{}`", c.value)
        }
        _ => "latest revision".to_string(),
    };
    if let Some(tag) = target.tag.as_ref().filter(|t| !t.value.is_empty()) {
        what.push_str(&format!(", tag `{}`", tag.value));
    }
    format!(" ({what})")
}
