//! # KR504: cross-namespace backendRef without a ReferenceGrant
//!
//! ## What it checks
//! That a Gateway API route's `backendRefs` entry naming a Service in **another**
//! namespace is allowed by a ReferenceGrant in that (the target) namespace: one whose
//! `from` lists the route's group (`gateway.networking.k8s.io`), kind (HTTPRoute,
//! GRPCRoute, …) and namespace, and whose `to` lists `group: ""`, `kind: Service` with no
//! `name` or the backend's name. Grants are per kind: one listing HTTPRoute does not cover
//! a GRPCRoute.
//!
//! A backend with `weight: 0` receives no traffic, so it is reported as a **warning**.
//!
//! The grant is checked first, as controllers do: a refused reference is reported here
//! even when its Service or port does not exist either (the message says so too; KR503
//! does not report it again). When that namespace is not in the input at all, whether a
//! grant exists there cannot be told, so the finding is an **info**. A backendRef without
//! `port` is KR503's: the API server rejects the route before any grant is considered.
//!
//! Mesh (GAMMA) routes, whose every `parentRefs` entry is a Service (`group: ""` or
//! `core`, `kind: Service`), need no grant: they only change how the mesh routes requests
//! to Services it already reaches, and the Gateway API mesh spec (GEP-1294, "Namespace
//! boundaries") allows their backendRefs in any namespace without one. A route with a
//! Gateway parent besides needs the grant for that Gateway.
//!
//! ## Why it matters
//! Without the grant the reference is refused: the route's status shows
//! `ResolvedRefs=False` with reason `RefNotPermitted` (the Gateway API conformance tests
//! `HTTPRouteInvalidCrossNamespaceBackendRef`, `TCPRouteInvalidCrossNamespaceBackendRef`),
//! and the requests that would go to that backend get a 500. ReferenceGrants are the target namespace owner's consent; the
//! route's namespace cannot grant itself access.
//!
//! ## Example
//! ```yaml
//! kind: HTTPRoute
//! metadata: {name: store, namespace: shop}
//! spec:
//!   rules:
//!   - backendRefs:
//!     - name: payments
//!       namespace: billing     # KR504: no ReferenceGrant in billing allows it
//!       port: 8080
//! ---
//! kind: ReferenceGrant
//! metadata: {name: shop-routes, namespace: billing}
//! spec:
//!   from:
//!   - {group: gateway.networking.k8s.io, kind: GRPCRoute, namespace: shop}  # not HTTPRoute
//!   to:
//!   - {group: "", kind: Service}
//! ```
//!
//! ## How to fix
//! Add (or extend) a ReferenceGrant in the Service's namespace; the diagnostic prints the
//! one needed, and says why the grants already there do not apply.

use std::collections::HashMap;

use crate::checks::support::gateway_api::{backend_edges, severity_for};
use crate::checks::support::namespace::outside_input;
use crate::checks::{Context, Rule};
use crate::graph::Broken;
use crate::inventory::gateway_api::{ApiRoute, BackendRef, ReferenceGrant, GROUP};
use crate::diagnostic::{Diagnostic, Severity};

pub const RULE: Rule = Rule {
    code: "KR504",
    severity: Severity::Error,
    summary: "cross-namespace backendRef without a ReferenceGrant that allows it",
    run,
};

fn run(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let mut grants: HashMap<&str, Vec<&ReferenceGrant>> = HashMap::new();
    for grant in &ctx.inv.reference_grants {
        grants
            .entry(grant.namespace.as_str())
            .or_default()
            .push(grant);
    }
    for route in &ctx.inv.api_routes {
        let object = ctx.inv.object(route.object);
        for (backend, edge) in backend_edges(ctx.graph, route) {
            let Err(Broken::NotPermitted { namespace, also }) = edge.target() else {
                continue;
            };
            let besides = also
                .as_ref()
                .map(|b| format!("; besides, {}", b.reason(ctx.inv, ctx.graph)))
                .unwrap_or_default();
            let mut diagnostic = RULE
                .on(
                    object,
                    edge.span,
                    format!(
                        "{} routes to Service `{}` in namespace `{namespace}`, but no ReferenceGrant in `{namespace}` allows {}s from namespace `{}` to refer to it (ResolvedRefs=False, RefNotPermitted){}{besides}",
                        object.display(),
                        backend.name,
                        route.kind,
                        route.namespace,
                        if backend.weight == 0 { "; weight 0, so it gets no traffic yet" } else { "" }
                    ),
                )
                .with_severity(severity_for(backend, &RULE));
            if let Some(sid) = ctx.inv.service_named(namespace, &backend.name) {
                diagnostic = diagnostic.with_related_object(
                    ctx.inv.object(ctx.inv.service(sid).object),
                    "the Service",
                );
            }
            let mut near = Vec::new();
            for grant in grants.get(namespace.as_str()).into_iter().flatten() {
                if let Some(why) = why_not(grant, route, backend) {
                    let grant_object = ctx.inv.object(grant.object);
                    near.push(format!("`{}`", grant_object.name));
                    diagnostic = diagnostic
                        .with_related_object(grant_object, format!("this ReferenceGrant {why}"));
                }
            }
            let needed = format!(
                "add a ReferenceGrant in namespace `{namespace}` with `from: [{{group: {GROUP}, kind: {}, namespace: {}}}]` and `to: [{{group: \"\", kind: Service, name: {}}}]` (omit `name` to allow every Service there)",
                route.kind, route.namespace, backend.name
            );
            let mut help = if near.is_empty() {
                needed
            } else {
                format!("{needed}, or extend {}", near.join(", "))
            };
            if also.is_some() {
                help.push_str("; and name a Service and port that exist there");
            }
            let diagnostic = diagnostic.with_help(help);
            // Whether a grant exists in a namespace the input says nothing of is unknown;
            // the Service's absence only says the namespace's objects were not given.
            out.push(match also {
                Some(_) => outside_input(ctx, namespace, diagnostic),
                None => diagnostic,
            });
        }
    }
}

/// Why `grant` (in the backend's namespace) does not let `route` refer to `backend`, said
/// of its closest entry: the kind, the namespace or the target it lists instead.
fn why_not(grant: &ReferenceGrant, route: &ApiRoute, backend: &BackendRef) -> Option<String> {
    let from_ns = |f: &&crate::inventory::gateway_api::GrantPeer| {
        f.name.as_deref() == Some(route.namespace.as_str())
    };
    let from_ok = grant
        .from
        .iter()
        .any(|f| f.group == GROUP && f.kind == route.kind && from_ns(&f));
    if !from_ok {
        if let Some(f) = grant
            .from
            .iter()
            .find(|f| from_ns(f) && f.kind != route.kind)
        {
            return Some(format!(
                "lists {} from namespace `{}`, not {}: grants are per route kind",
                if f.kind.is_empty() {
                    "no kind"
                } else {
                    f.kind.as_str()
                },
                route.namespace,
                route.kind
            ));
        }
        if let Some(f) = grant.from.iter().find(|f| from_ns(f) && f.group != GROUP) {
            return Some(format!(
                "lists {} from namespace `{}` with group `{}`, not `{GROUP}`",
                route.kind, route.namespace, f.group
            ));
        }
        let namespaces: Vec<String> = grant
            .from
            .iter()
            .filter(|f| f.kind == route.kind)
            .filter_map(|f| f.name.as_ref().map(|n| format!("`{n}`")))
            .collect();
        if namespaces.is_empty() {
            return None;
        }
        return Some(format!(
            "allows {}s from namespace {} only, not `{}`",
            route.kind,
            namespaces.join(", "),
            route.namespace
        ));
    }
    let services: Vec<_> = grant
        .to
        .iter()
        .filter(|t| t.group.is_empty() && t.kind == "Service")
        .collect();
    if services.is_empty() {
        let kinds: Vec<String> = grant
            .to
            .iter()
            .map(|t| match t.group.as_str() {
                "" => format!("`{}`", t.kind),
                g => format!("`{}` (group `{g}`)", t.kind),
            })
            .collect();
        return Some(format!(
            "allows {}s from `{}`, but only to {}, not to core Services (`group: \"\"`, `kind: Service`)",
            route.kind,
            route.namespace,
            kinds.join(", ")
        ));
    }
    let names: Vec<String> = services
        .iter()
        .filter_map(|t| t.name.as_ref().map(|n| format!("`{n}`")))
        .collect();
    Some(format!(
        "allows {}s from `{}` to Service {} only, not `{}`",
        route.kind,
        route.namespace,
        names.join(", "),
        backend.name
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::support::testing::run_rule;

    #[test]
    fn a_missing_service_in_a_namespace_outside_the_input_is_an_info() {
        let found = run_rule(
            &RULE,
            "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r, namespace: shop}\nspec:\n  parentRefs: [{name: gw}]\n  rules:\n  - backendRefs: [{name: pay, namespace: billing, port: 80}]\n",
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].severity, Severity::Info);
        assert!(found[0].message.contains("does not exist"), "{}", found[0].message);
    }
}
