//! # KR206: NetworkPolicy pod selector matches no workload
//!
//! ## What it checks
//! That a NetworkPolicy's non-empty `spec.podSelector` matches the pod template labels of
//! at least one workload in the policy's namespace. An empty `podSelector: {}` deliberately
//! selects every pod of the namespace and is not reported.
//!
//! ## Why it matters
//! A policy that selects nothing does nothing: the traffic it was written to allow or deny
//! flows (or is blocked) as if it did not exist, usually because of a label typo.
//!
//! ## Example
//! ```yaml
//! kind: NetworkPolicy
//! spec:
//!   podSelector:
//!     matchLabels: {app: databse}   # KR206
//! ```
//!
//! ## How to fix
//! Fix the selector so it matches the pods it is meant for; the diagnostic shows the
//! nearest workload's labels.

use crate::checks::{selects_nothing, Context, Rule};
use crate::diagnostic::{Diagnostic, Severity};

pub const RULE: Rule = Rule {
    code: "KR206",
    severity: Severity::Warning,
    summary: "NetworkPolicy pod selector matches no workload",
    run,
};

fn run(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for policy in &ctx.inv.network_policies {
        let Some(selector) = policy.selector.as_ref().filter(|s| !s.is_empty()) else {
            continue;
        };
        if !ctx.inv.select(&policy.namespace, selector).is_empty() {
            continue;
        }
        let object = ctx.inv.object(policy.object);
        out.push(selects_nothing(ctx, &RULE, object, &policy.namespace, selector));
    }
}
