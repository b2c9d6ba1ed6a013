//! # KR206: NetworkPolicy pod selector matches no workload
//!
//! ## What it checks
//! That a NetworkPolicy's non-empty `spec.podSelector` matches the pod template labels of
//! at least one workload in the policy's namespace, and so does every non-empty peer
//! `podSelector` of its rules (`ingress[].from[]`, `egress[].to[]`) that has no
//! `namespaceSelector`: Kubernetes matches such a peer against the pods of the policy's own
//! namespace. A peer with a `namespaceSelector` picks pods of other namespaces and is not
//! checked, nor is an `ipBlock` peer.
//!
//! An empty selector (`podSelector: {}`) deliberately selects every pod of the namespace,
//! including pods created later, and is not reported, even in a namespace of which the
//! input holds no workload. kube-linter's `dangling-networkpolicy` and
//! `dangling-networkpolicypeer-podselector` check the same selectors ("no pods found
//! matching networkpolicy's podSelector labels"), but also report an empty selector when
//! the namespace has no pods: kroute does not, since a default-deny policy written before
//! the workloads it will govern is the documented way to start.
//!
//! ## Why it matters
//! A policy that selects nothing does nothing: the traffic it was written to allow or deny
//! flows (or is blocked) as if it did not exist, usually because of a label typo. A peer
//! that selects nothing allows no traffic: the pods meant to be let in (or out) are denied
//! once any policy selects the pods it protects.
//!
//! ## Example
//! ```yaml
//! kind: NetworkPolicy
//! spec:
//!   podSelector:
//!     matchLabels: {app: databse}   # KR206
//!   ingress:
//!   - from:
//!     - podSelector:
//!         matchLabels: {app: crat}  # KR206: no pod of the namespace is labelled so
//! ```
//!
//! ## How to fix
//! Fix the selector so it matches the pods it is meant for; the diagnostic shows the
//! nearest workload's labels. A peer meant for pods of another namespace needs a
//! `namespaceSelector` beside its `podSelector`.

use crate::checks::{selects_nothing, selects_nothing_as, Context, Rule};
use crate::diagnostic::{Diagnostic, Severity};
use crate::inventory::{Direction, Selector};

pub const RULE: Rule = Rule {
    code: "KR206",
    severity: Severity::Warning,
    summary: "NetworkPolicy pod selector matches no workload",
    run,
};

fn run(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for policy in &ctx.inv.network_policies {
        let ns = policy.pods.namespace.as_str();
        let object = ctx.inv.object(policy.pods.object);
        if let Some(selector) = policy.pods.selector.as_ref().filter(|s| dangling(ctx, ns, s)) {
            out.push(selects_nothing(ctx, &RULE, object, ns, selector));
        }
        for (direction, selector) in &policy.peers {
            if !dangling(ctx, ns, selector) {
                continue;
            }
            let what = match direction {
                Direction::Ingress => "allows ingress from a peer that selects no pods",
                Direction::Egress => "allows egress to a peer that selects no pods",
            };
            let diagnostic = selects_nothing_as(ctx, &RULE, object, ns, selector, what);
            // Pods with these labels elsewhere: the peer lacks the namespaceSelector that
            // would reach them, and moving either object is not the fix.
            out.push(if ctx.inv.matches_elsewhere(ns, selector).is_empty() {
                diagnostic
            } else {
                diagnostic.with_help("add a `namespaceSelector` to the peer (beside its `podSelector`) to select pods of another namespace")
            });
        }
    }
}

/// Whether a non-empty `selector` matches no workload of `namespace`.
fn dangling(ctx: &Context<'_>, namespace: &str, selector: &Selector) -> bool {
    !selector.is_empty() && ctx.inv.select(namespace, selector).is_empty()
}
