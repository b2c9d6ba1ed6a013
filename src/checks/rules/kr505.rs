//! # KR505: listener allowedRoutes does not admit the route
//!
//! ## What it checks
//! That at least one listener a route's parentRef selects (all of the Gateway's, or the one
//! its `sectionName`/`port` picks) admits the route through `allowedRoutes`:
//!
//! - `namespaces.from`: `Same` (the default: only routes in the Gateway's own namespace),
//!   `All`, or `Selector` (namespaces whose labels match `namespaces.selector`; every
//!   namespace carries `kubernetes.io/metadata.name: <its name>`);
//! - `kinds`: the route kinds listed that the listener's protocol carries (a listed kind
//!   it cannot carry admits nothing, and is KR510's), or by default every kind it carries
//!   (HTTP/HTTPS: HTTPRoute and GRPCRoute; TLS: TLSRoute, and TCPRoute in `Terminate`
//!   mode; TCP: TCPRoute; UDP: UDPRoute): a TCPRoute on an HTTP listener is refused even
//!   when the listener lists it (the conformance test `TCPRouteInvalidNonTCPListener`).
//!
//! The listeners of a ListenerSet (a parentRef with `kind: ListenerSet`) are judged the
//! same way.
//!
//! A `Selector` listener needs the labels of the route's namespace. When the Namespace
//! object is not in the input (and the selector asks for more than
//! `kubernetes.io/metadata.name`), kroute gives the route the benefit of the doubt and says
//! so with an **info**, pointing at the selector it could not evaluate.
//!
//! ReferenceGrant plays no part here: it never lets a route attach to a Gateway in another
//! namespace.
//!
//! ## Why it matters
//! A route no listener admits is not attached: its status shows `Accepted=False` with
//! reason `NotAllowedByListeners`, and none of its rules serve traffic. Routes in an
//! application namespace attaching to a shared Gateway whose listeners keep the default
//! `from: Same` is the usual case.
//!
//! ## Example
//! ```yaml
//! kind: Gateway
//! metadata: {name: shared, namespace: infra}
//! spec:
//!   listeners:
//!   - name: http
//!     port: 80
//!     protocol: HTTP            # allowedRoutes defaults to namespaces.from: Same
//! ---
//! kind: HTTPRoute
//! metadata: {name: store, namespace: shop}
//! spec:
//!   parentRefs:
//!   - {name: shared, namespace: infra}   # KR505: listener http admits only infra
//! ```
//!
//! ## How to fix
//! Set the listener's `allowedRoutes.namespaces.from` to `All`, or to `Selector` with a
//! selector matching the route's namespace (and label that Namespace), or add the route's
//! kind to `allowedRoutes.kinds`; or move the route to a namespace the listener admits.
//! For the info, check the Namespace manifests together with the routes.

use crate::checks::support::gateway_api::{
    attachments_by_route, describe_listener, parent_edges, parent_gateway,
};
use crate::checks::{Context, Rule};
use crate::graph::{admits, namespace_selected, section_listeners, Broken, NAMESPACE_NAME_LABEL};
use crate::inventory::gateway_api::{AllowedFrom, ApiRoute, Listener, ParentRef};
use crate::inventory::ApiGateway;
use crate::diagnostic::{Diagnostic, Severity};

pub const RULE: Rule = Rule {
    code: "KR505",
    severity: Severity::Error,
    summary: "listener allowedRoutes does not admit the route's namespace or kind",
    run,
};

fn run(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let attached = attachments_by_route(ctx);
    for (r, route) in ctx.inv.api_routes.iter().enumerate() {
        for (parent, edge) in parent_edges(ctx.graph, route) {
            let Some(gateway) = parent_gateway(ctx, parent) else {
                continue;
            };
            match edge.target() {
                Err(Broken::NotAllowed { .. }) => {
                    out.push(not_allowed(ctx, route, parent, gateway, edge.span));
                }
                Ok(_) => {
                    let g = ctx.graph.parent_owner(parent);
                    let selected = section_listeners(gateway, parent);
                    // Sorted and without repeats: one gateway's listeners in order.
                    let listeners: Vec<&Listener> = attached
                        .get(r)
                        .into_iter()
                        .flatten()
                        .filter(|(ag, l)| Some(*ag) == g && selected.contains(l))
                        .filter_map(|(_, l)| gateway.listeners.get(*l))
                        .collect();
                    out.extend(unknown_namespace(
                        ctx, route, gateway, &listeners, edge.span,
                    ));
                }
                Err(_) => {}
            }
        }
    }
}

fn not_allowed(
    ctx: &Context<'_>,
    route: &ApiRoute,
    parent: &ParentRef,
    gateway: &ApiGateway,
    span: crate::yaml::Span,
) -> Diagnostic {
    let object = ctx.inv.object(route.object);
    let gateway_file = ctx.inv.object(gateway.object).file;
    let refusals: Vec<(&Listener, String)> = section_listeners(gateway, parent)
        .into_iter()
        .filter_map(|i| gateway.listeners.get(i))
        .filter_map(|l| admits(ctx.inv, gateway, l, route).err().map(|why| (l, why)))
        .collect();
    let reasons: Vec<&str> = refusals.iter().map(|(_, why)| why.as_str()).collect();
    let mut diagnostic = RULE.on(
        object,
        span,
        format!(
            "{} cannot attach to {} {}/{}: {} (Accepted=False, NotAllowedByListeners)",
            object.display(),
            gateway.kind,
            gateway.namespace,
            gateway.name,
            reasons.join("; ")
        ),
    );
    for (l, _) in &refusals {
        let note = if l.allowed_span == l.span {
            format!(
                "listener {} sets no `allowedRoutes`: it admits its protocol's route kinds from namespace `{}` only",
                describe_listener(l),
                gateway.namespace
            )
        } else {
            format!("allowedRoutes of listener {}", describe_listener(l))
        };
        diagnostic = diagnostic.with_related(gateway_file, l.allowed_span, note);
    }
    // The route's Namespace, when a selector refused its labels.
    let selector = refusals.iter().find_map(|(l, _)| match &l.allowed_from {
        AllowedFrom::Selector(s) if l.admits_kind(&route.kind) => Some(s),
        _ => None,
    });
    let namespace_object = selector.and_then(|_| {
        ctx.inv
            .find("Namespace", "", &route.namespace)
            .find(|o| o.group.is_empty())
    });
    if let Some(ns) = namespace_object {
        diagnostic = diagnostic.with_related_object(
            ns,
            format!(
                "Namespace `{}` has labels {}",
                route.namespace,
                crate::inventory::describe_labels(&ns.labels)
            ),
        );
    }
    let kind_refused = refusals.iter().all(|(l, _)| !l.admits_kind(&route.kind));
    let by_name = selector.is_some_and(|s| {
        s.labels.keys().all(|k| k == NAMESPACE_NAME_LABEL)
            && s.exprs.iter().all(|r| r.key == NAMESPACE_NAME_LABEL)
    });
    let help = if let (Some(s), false, true) = (selector, kind_refused, by_name) {
        format!(
            "the listener selects namespaces by name ({}): add `{}` to it, or set `allowedRoutes.namespaces.from: All`",
            s.describe(),
            route.namespace
        )
    } else if let (Some(s), false) = (selector, kind_refused) {
        format!(
            "label Namespace `{}` so that it matches the listener's selector ({}), widen the selector, or set `allowedRoutes.namespaces.from: All`",
            route.namespace,
            s.describe()
        )
    } else if kind_refused {
        format!(
            "add `{{kind: {}}}` to the listener's `allowedRoutes.kinds`, or attach the route to a listener whose protocol serves {}s",
            route.kind, route.kind
        )
    } else {
        format!(
            "set the listener's `allowedRoutes.namespaces.from: All`, or `from: Selector` with a selector matching namespace `{}` (e.g. `kubernetes.io/metadata.name: {}`), or move the route to a namespace the listener admits",
            route.namespace, route.namespace
        )
    };
    diagnostic.with_help(help)
}

/// The info: every listener the route attached to through this parentRef admitted it only
/// because its namespace selector could not be evaluated.
fn unknown_namespace(
    ctx: &Context<'_>,
    route: &ApiRoute,
    gateway: &ApiGateway,
    listeners: &[&Listener],
    span: crate::yaml::Span,
) -> Option<Diagnostic> {
    let mut selectors = Vec::new();
    for l in listeners {
        match &l.allowed_from {
            AllowedFrom::Selector(s)
                if namespace_selected(ctx.inv, s, &route.namespace).is_none() =>
            {
                selectors.push((l, s));
            }
            _ => return None,
        }
    }
    let (first, selector) = selectors.first()?;
    let object = ctx.inv.object(route.object);
    let gateway_file = ctx.inv.object(gateway.object).file;
    let mut diagnostic = RULE
        .on(
            object,
            span,
            format!(
                "cannot tell whether listener `{}` of {} {}/{} admits {}: it admits namespaces labelled {}, and Namespace `{}` is not in the input, so kroute assumes it does",
                first.name.value,
                gateway.kind,
                gateway.namespace,
                gateway.name,
                object.display(),
                selector.describe(),
                route.namespace
            ),
        )
        .with_severity(Severity::Info);
    for (l, s) in &selectors {
        diagnostic = diagnostic.with_related(
            gateway_file,
            s.span,
            format!("namespace selector of listener {}", describe_listener(l)),
        );
    }
    Some(diagnostic.with_help(format!(
        "check the Namespace `{}` manifest together with the route so the selector can be evaluated",
        route.namespace
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::support::testing::run_rule;

    fn case(selector: &str, namespace_object: bool) -> Vec<Diagnostic> {
        let mut yaml = format!("apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {{name: gw, namespace: infra}}\nspec:\n  gatewayClassName: x\n  listeners:\n  - name: http\n    port: 80\n    protocol: HTTP\n    allowedRoutes: {{namespaces: {{from: Selector, selector: {selector}}}}}\n---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {{name: r, namespace: shop}}\nspec:\n  parentRefs: [{{name: gw, namespace: infra}}]\n");
        if namespace_object {
            yaml.push_str("---\napiVersion: v1\nkind: Namespace\nmetadata: {name: shop, labels: {team: shop}}\n");
        }
        run_rule(&RULE, &yaml)
    }

    #[test]
    fn namespace_selectors() {
        let name = "{matchLabels: {kubernetes.io/metadata.name: shop}}";
        let other = "{matchLabels: {kubernetes.io/metadata.name: blog}}";
        let team = "{matchLabels: {team: shop}}";
        // The name label is known without the Namespace object.
        assert!(case(name, false).is_empty());
        assert_eq!(case(other, false)[0].severity, Severity::Error);
        // Other labels need it: info without, evaluated with.
        assert_eq!(case(team, false)[0].severity, Severity::Info);
        assert!(case(team, true).is_empty());
        assert!(case(name, true).is_empty());
        assert_eq!(
            case("{matchLabels: {team: blog}}", true)[0].severity,
            Severity::Error
        );
        // An empty selector selects every namespace; `from: Selector` without one, none.
        assert!(case("{}", false).is_empty());
        let found = case("null", true);
        assert_eq!(found[0].severity, Severity::Error);
        assert!(
            found[0].message.contains("without `selector`"),
            "{}",
            found[0].message
        );
    }
}
