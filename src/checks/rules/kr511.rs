//! # KR511: ListenerSet is not accepted by the Gateway it names
//!
//! ## What it checks
//! That the `spec.parentRef` of every ListenerSet (`gateway.networking.k8s.io/v1`, or the
//! experimental `XListenerSet` of `gateway.networking.x-k8s.io`) names a Gateway that
//! exists (in the parentRef's `namespace`, which defaults to the ListenerSet's own), and
//! that the Gateway's `allowedListeners.namespaces` admits the ListenerSet's namespace:
//! `Same`, `All`, or `Selector` with a selector matching the namespace's labels. A Gateway
//! without `allowedListeners` (or with `from: None`) accepts no ListenerSet at all.
//!
//! When the ListenerSet's namespace labels are not in the input, a `Selector` is given the
//! benefit of the doubt, as KR505 does.
//!
//! ## Why it matters
//! A ListenerSet the Gateway does not accept adds no listener: its status shows
//! `Accepted=False` with reason `NotAllowed` (the Gateway API conformance tests
//! `ListenerSetDefaultNotAllowed`, `ListenerSetAllowedNamespaceNone`,
//! `ListenerSetAllowedNamespaceSame`), and the routes attached to it serve nothing.
//!
//! ## Example
//! ```yaml
//! kind: Gateway
//! metadata: {name: shared, namespace: infra}
//! spec:
//!   listeners: [{name: http, port: 80, protocol: HTTP}]   # no allowedListeners
//! ---
//! kind: ListenerSet
//! metadata: {name: shop, namespace: shop}
//! spec:
//!   parentRef: {name: shared, namespace: infra}   # KR511: the Gateway accepts no ListenerSets
//!   listeners: [{name: shop, hostname: shop.example.com, port: 80, protocol: HTTP}]
//! ```
//!
//! ## How to fix
//! Name an existing Gateway (with its `namespace`), and set the Gateway's
//! `allowedListeners.namespaces.from` to `Same`, `All` or a `Selector` that admits the
//! ListenerSet's namespace.

use crate::checks::support::namespace::outside_input;
use crate::checks::{Context, Rule};
use crate::diagnostic::{Diagnostic, Severity};
use crate::graph::{Broken, EdgeKind, Vertex};
use crate::inventory::{did_you_mean, ApiGateway};
use crate::manifest::ObjectId;
use crate::yaml::Span;

pub const RULE: Rule = Rule {
    code: "KR511",
    severity: Severity::Error,
    summary: "ListenerSet parentRef names a Gateway that does not exist or does not accept it",
    run,
};

fn run(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for set in &ctx.inv.listener_sets {
        let edges = ctx
            .graph
            .edges_from(Vertex::Object(set.object))
            .filter(|e| e.kind == EdgeKind::ListenerSetParent);
        for edge in edges {
            match edge.target() {
                Err(Broken::NoGateway { namespace, name }) => {
                    let d = no_gateway(ctx, set, namespace, name, edge.span);
                    out.push(outside_input(ctx, namespace, d));
                }
                Err(Broken::NotAllowed { gateway, reason }) => {
                    out.push(not_allowed(ctx, set, *gateway, reason, edge.span));
                }
                _ => {}
            }
        }
    }
}

/// The Gateway exists, but its `allowedListeners` refuses the ListenerSet.
fn not_allowed(
    ctx: &Context<'_>,
    set: &ApiGateway,
    gateway: ObjectId,
    reason: &str,
    span: Span,
) -> Diagnostic {
    let object = ctx.inv.object(set.object);
    let gateway = ctx.inv.object(gateway);
    let mut d = RULE
        .on(
            object,
            span,
            format!(
                "{} adds listeners to {}, but {reason} (Accepted=False, NotAllowed)",
                object.display(),
                gateway.display()
            ),
        )
        .with_related_object(gateway, "the Gateway");
    let allowed = ctx
        .graph
        .api_gateway(&gateway.namespace, &gateway.name)
        .and_then(|g| ctx.inv.api_gateways.get(g))
        .and_then(|g| g.allowed_listeners_span);
    if let Some(allowed) = allowed {
        d = d.with_related(gateway.file, allowed, "its allowedListeners");
    }
    let from = if gateway.namespace == set.namespace {
        "Same"
    } else {
        "All"
    };
    d.with_help(format!(
        "set the Gateway's `allowedListeners: {{namespaces: {{from: {from}}}}}` (or a `Selector` matching namespace `{}`)",
        set.namespace
    ))
}

fn no_gateway(
    ctx: &Context<'_>,
    set: &ApiGateway,
    namespace: &str,
    name: &str,
    span: Span,
) -> Diagnostic {
    let object = ctx.inv.object(set.object);
    RULE.on(
        object,
        span,
        format!(
            "{} adds listeners to Gateway `{name}`, which does not exist in namespace `{namespace}`{}",
            object.display(),
            did_you_mean(name, ctx.inv.names("Gateway", namespace))
        ),
    )
    .with_help(
        "name an existing Gateway in `spec.parentRef` (and its `namespace`, when it is not the ListenerSet's)",
    )
}
