//! # KR306: DestinationRule host matches no service
//!
//! ## What it checks
//! That the `host` of every DestinationRule names something in Istio's service registry:
//! a Kubernetes Service, a ServiceEntry host or a Knative Service. A short host resolves in
//! the DestinationRule's **own** namespace (`reviews` in `istio-system` is
//! `reviews.istio-system.svc.cluster.local`); a dotted host is taken literally. A wildcard
//! host (`*.shop.svc.cluster.local`, `*.example.com`) is fine when it covers at least one
//! known host or meets a wildcard ServiceEntry host. Services Knative creates for a Knative
//! Service of the namespace are not reported. Matches `istioctl analyze` IST0174
//! (UnknownDestinationRuleHost).
//!
//! ## Why it matters
//! A DestinationRule for an unknown host has no effect: its load-balancing, TLS, outlier
//! detection and subsets silently never apply, and routes to its subsets fail (KR305).
//! The usual causes are a typo, or a short host in a DestinationRule that lives in another
//! namespace than the Service.
//!
//! ## Example
//! ```yaml
//! apiVersion: networking.istio.io/v1
//! kind: DestinationRule
//! metadata: {name: reviews, namespace: istio-system}
//! spec:
//!   host: reviews     # KR306: means reviews.istio-system.svc.cluster.local;
//!                     # the Service is reviews in namespace bookinfo
//! ```
//!
//! ## How to fix
//! Write the host as `<name>.<namespace>.svc.cluster.local` when the DestinationRule is not
//! in the Service's namespace, fix the typo (the diagnostic suggests the closest Service),
//! or declare an external host with a ServiceEntry.

use std::collections::HashSet;

use crate::checks::support::istio::unknown_host;
use crate::checks::{Context, Rule};
use crate::graph::istio_fqdn;
use crate::diagnostic::{Diagnostic, Severity};

pub const RULE: Rule = Rule {
    code: "KR306",
    severity: Severity::Warning,
    summary: "DestinationRule host matches no service (IST0174)",
    run,
};

fn run(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    // For wildcard hosts: every proper domain suffix of every known host, so `*.x` covers
    // some host exactly when `x` is in the set.
    let mut suffixes: Option<HashSet<&str>> = None;
    for dr in &ctx.inv.destination_rules {
        let fqdn = istio_fqdn(&dr.host.value, &dr.namespace);
        if !ctx.graph.hosts.resolve(&fqdn).is_empty() {
            continue;
        }
        if let Some(suffix) = fqdn.strip_prefix('*') {
            let suffixes = suffixes.get_or_insert_with(|| {
                ctx.graph
                    .hosts
                    .names()
                    .flat_map(|n| n.match_indices('.').map(move |(i, _)| &n[i + 1..]))
                    .collect()
            });
            let covered = match suffix.strip_prefix('.') {
                Some(domain) => suffixes.contains(domain),
                None => suffix.is_empty() && ctx.graph.hosts.names().next().is_some(),
            };
            if covered {
                continue;
            }
        }
        let object = ctx.inv.object(dr.object);
        let subject = format!("{} is for", object.display());
        let Some(mut found) = unknown_host(
            ctx,
            &subject,
            "DestinationRule",
            &dr.host.value,
            &fqdn,
            &dr.namespace,
        ) else {
            continue;
        };
        found.help = format!("{}; until then the DestinationRule has no effect", found.help);
        out.push(found.diagnostic(ctx, &RULE, object, dr.host.span));
    }
}
