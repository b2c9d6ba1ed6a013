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

use crate::checks::support::knative::{knative_display, traffic_owners};
use crate::checks::support::fix;
use crate::checks::{Context, Rule};
use crate::diagnostic::{Applicability, Diagnostic, Fix, Severity};
use crate::inventory::knative::{Percent, Serving, TrafficTarget};
use crate::manifest::Object;

pub const RULE: Rule = Rule {
    code: "KR401",
    severity: Severity::Error,
    summary: "Knative traffic percentages do not add up to 100 (after Knative's defaults)",
    run,
};

fn run(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (serving, object) in traffic_owners(ctx) {
        if serving.traffic_defaulted {
            continue;
        }
        let targets = serving.written_traffic();
        let who = knative_display(object);
        out.extend(
            targets
                .iter()
                .enumerate()
                .filter_map(|(i, target)| out_of_range(object, &who, i, target)),
        );
        // A percent that is not an integer is a schema error, and the sum would be
        // meaningless.
        if targets.iter().any(|t| t.written_percent == Percent::Invalid) {
            continue;
        }
        let sum = targets.iter().fold(0i64, |sum, t| match t.written_percent {
            Percent::Set(percent) => sum.saturating_add(percent),
            _ => sum,
        });
        if sum == 100 {
            continue;
        }
        out.push(if targets.is_empty() {
            no_targets(object, serving, &who)
        } else {
            wrong_sum(ctx, object, serving, &who, sum)
        });
    }
}

/// A `percent` outside 0–100 in target `i`.
fn out_of_range(
    object: &Object,
    who: &str,
    i: usize,
    target: &TrafficTarget,
) -> Option<Diagnostic> {
    let (Percent::Set(percent), Some(span)) = (target.written_percent, target.percent_span) else {
        return None;
    };
    if (0..=100).contains(&percent) {
        return None;
    }
    Some(
        RULE.on(
            object,
            span,
            format!(
                "traffic target #{} of {who} has `percent: {percent}`, outside 0–100{}",
                i + 1,
                describe_target(target)
            ),
        )
        .with_help("each `percent` is a share of the traffic between 0 and 100"),
    )
}

/// A Route without traffic targets: nothing defaults them.
fn no_targets(object: &Object, serving: &Serving, who: &str) -> Diagnostic {
    RULE.on(
        object,
        serving.no_traffic_span,
        format!("{who} has no traffic targets: they sum to 0, want 100"),
    )
    .with_help(
        "a standalone Route gets no default traffic: add a target such as `{configurationName: <configuration>, percent: 100}` (only a Knative Service defaults to 100% latest)",
    )
}

/// Targets whose percentages sum to `sum`, not 100, each percentage as a related location.
fn wrong_sum(ctx: &Context<'_>, object: &Object, serving: &Serving, who: &str, sum: i64) -> Diagnostic {
    let without_percent = serving
        .traffic
        .iter()
        .filter(|t| t.written_percent == Percent::Unset)
        .count();
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
        .with_help(help)
        .with_fix(remainder(ctx, object, serving, sum));
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
}

/// The difference to 100 given to (or taken from) the target with the largest written
/// percentage. Unsafe: how to split the traffic is the author's decision.
fn remainder(ctx: &Context<'_>, object: &Object, serving: &Serving, sum: i64) -> Option<Fix> {
    let (target, span) = serving
        .traffic
        .iter()
        .filter_map(|t| Some((t, t.percent_span?)))
        .filter(|(t, _)| matches!(t.written_percent, Percent::Set(_)))
        .max_by_key(|(t, _)| t.percent)?;
    let new = target.percent + 100 - sum;
    if !(0..=100).contains(&new) {
        return None;
    }
    let edit = fix::rewrite(ctx, object, span, |_| Some(new.to_string()))?;
    Some(Fix {
        applicability: Applicability::Unsafe,
        description: format!(
            "give the difference to the largest target{}: `percent: {new}`",
            describe_target(target)
        ),
        edits: vec![edit],
    })
}

/// ` (revision `x`)`, ` (latest revision)`, with the tag when there is one.
fn describe_target(target: &TrafficTarget) -> String {
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
