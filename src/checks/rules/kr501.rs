//! # KR501: route parentRef names a Gateway or listener that does not exist
//!
//! ## What it checks
//! That every `parentRefs` entry of an HTTPRoute, GRPCRoute, TLSRoute, TCPRoute or UDPRoute
//! names a parent that exists:
//!
//! - a `gateway.networking.k8s.io` Gateway of that name in the parentRef's `namespace`
//!   (which defaults to the route's own namespace, not the Gateway's);
//! - when `sectionName` is set, a listener of that name on the Gateway; when `port` is set,
//!   a listener on that port (both must match the same listener when both are set);
//! - for a mesh (GAMMA) parent (`group: ""`, or `core`, and `kind: Service`), a Service of
//!   that name, and with `sectionName`/`port`, a port of that name/number on it.
//!
//! It also checks the CRD's rule for a parent referenced more than once: every such
//! reference must set a `sectionName` (or `port`), and no two may select the same one. The
//! API server rejects the route otherwise ("sectionName must be specified when parentRefs
//! includes 2 or more references to the same parent", "sectionName must be unique …").
//!
//! A ListenerSet parent (`kind: ListenerSet`, or the experimental `XListenerSet`) must exist
//! and, with `sectionName`/`port`, have such a listener; a Gateway parent's `sectionName` naming
//! a listener of one of its ListenerSets gets a hint to attach through the ListenerSet (the
//! conformance test `ListenerSetGatewayParentSectionNameNotFound`: `NoMatchingParent`).
//! Parents of other kinds (implementation-specific ones) are not checked.
//!
//! ## Why it matters
//! A route whose parent does not exist is attached to nothing: its status shows
//! `Accepted=False` with reason `NoMatchingParent` (or no status at all, when no controller
//! owns the missing Gateway), and none of its rules serve traffic. The Gateway in another
//! namespace, or an Istio `networking.istio.io` Gateway of the same name, are the usual
//! causes.
//!
//! ## Example
//! ```yaml
//! apiVersion: gateway.networking.k8s.io/v1
//! kind: HTTPRoute
//! metadata: {name: store, namespace: shop}
//! spec:
//!   parentRefs:
//!   - name: public-gateway        # KR501: the Gateway is in namespace infra
//!   - name: edge
//!     namespace: infra
//!     sectionName: http           # KR501: edge's listeners are `web` and `websecure`
//! ```
//!
//! ## How to fix
//! Name an existing Gateway and set `namespace` when it lives elsewhere (the diagnostic
//! says where a Gateway of that name exists, or the closest name); use one of the listener
//! names the diagnostic lists as `sectionName`. When a route attaches to several listeners
//! of one Gateway, give each parentRef its own `sectionName`, or use a single parentRef
//! without one to attach to every listener.

use std::collections::HashMap;

use crate::checks::support::namespace::outside_input;
use crate::checks::{Context, Rule};
use crate::checks::support::gateway_api::{describe_listener, parent_edges, parent_gateway};
use crate::graph::{Broken, Edge};
use crate::inventory::gateway_api::{ApiRoute, ParentRef, GROUP};
use crate::inventory::{did_you_mean, nearest, ApiGateway, IstioGateway, PortRef};
use crate::diagnostic::{Diagnostic, Severity};

pub const RULE: Rule = Rule {
    code: "KR501",
    severity: Severity::Error,
    summary: "route parentRef names a Gateway (or listener) that does not exist",
    run,
};

fn run(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    // Many routes may name the same missing Gateway: look for hints once per name.
    let mut hints: HashMap<(&str, &str), Hint<'_>> = HashMap::new();
    let mut by_name: HashMap<&str, &ApiGateway> = HashMap::new();
    for g in &ctx.inv.api_gateways {
        by_name.entry(g.name.as_str()).or_insert(g);
    }
    for route in &ctx.inv.api_routes {
        for (parent, edge) in parent_edges(ctx.graph, route) {
            match edge.target() {
                Err(Broken::NoGateway { namespace, name }) => {
                    let key = (namespace.as_str(), name.as_str());
                    let hint = *hints
                        .entry(key)
                        .or_insert_with(|| gateway_hint(ctx, &by_name, namespace, name));
                    let diagnostic = no_gateway(ctx, route, parent, edge, key, hint);
                    out.push(outside_input(ctx, namespace, diagnostic));
                }
                Err(broken) => out.extend(
                    broken_parent(ctx, route, parent, edge, broken)
                        .map(|d| outside_input(ctx, &parent.namespace, d)),
                ),
                Ok(_) => {}
            }
        }
        out.extend(repeated_parents(ctx, route));
    }
}

fn broken_parent(
    ctx: &Context<'_>,
    route: &ApiRoute,
    parent: &ParentRef,
    edge: &Edge,
    broken: &Broken,
) -> Option<Diagnostic> {
    let object = ctx.inv.object(route.object);
    match broken {
        Broken::NoListener { gateway, .. } => {
            let gw = parent_gateway(ctx, parent)?;
            let names = gw.listeners.iter().map(|l| l.name.value.as_str());
            let hint = parent
                .section_name
                .as_ref()
                .filter(|s| !gw.listeners.iter().any(|l| l.name.value == s.value))
                .map(|s| did_you_mean(&s.value, names))
                .unwrap_or_default();
            // Point at the field that selects nothing: the sectionName when no listener has
            // that name, else the port.
            let span = match (&parent.section_name, parent.port_span) {
                (Some(s), _) if !gw.listeners.iter().any(|l| l.name.value == s.value) => s.span,
                (_, Some(port)) => port,
                (Some(s), None) => s.span,
                (None, None) => edge.span,
            };
            let listeners = if gw.listeners.is_empty() {
                "no listeners".to_string()
            } else {
                format!(
                    "listeners {}",
                    gw.listeners
                        .iter()
                        .map(describe_listener)
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            let what = match (&parent.section_name, parent.port) {
                (Some(s), Some(port)) => format!("listener `{}` on port {port}", s.value),
                (None, Some(port)) => format!("a listener on port {port}"),
                (Some(s), None) => format!("listener `{}`", s.value),
                // No sectionName and no port: the Gateway has no listeners at all.
                (None, None) => "a listener".to_string(),
            };
            let gateway = ctx.inv.object(*gateway);
            Some(
                RULE.on(
                    object,
                    span,
                    format!(
                        "{} attaches to {what} of {} {}/{}, which has {listeners}{hint}",
                        object.display(),
                        gw.kind,
                        gw.namespace,
                        gw.name
                    ),
                )
                .with_related_object(gateway, format!("the {}", gw.kind))
                .with_help(
                    "set `sectionName` to one of the Gateway's listener names (and `port` to that listener's port, if at all), or drop both to attach to every listener",
                ),
            )
            .map(|d| match listener_set_with(ctx, parent) {
                Some(set) => d
                    .with_related_object(
                        ctx.inv.object(set.object),
                        format!("listener `{}` is this {}'s", parent.section_name.as_ref().map_or("", |s| s.value.as_str()), set.kind),
                    )
                    .with_help(format!(
                        "a ListenerSet's listeners are reached through the ListenerSet: set `group: {}`, `kind: {}`, `name: {}` (and `namespace: {}`) in the parentRef",
                        set.group, set.kind, set.name, set.namespace
                    )),
                None => d,
            })
        }
        Broken::NoObject {
            kind,
            namespace,
            name,
        } => Some(
            RULE.on(
                object,
                edge.span,
                format!(
                    "{} attaches to {kind} `{name}`, which does not exist in namespace `{namespace}`{}",
                    object.display(),
                    did_you_mean(name, ctx.inv.names(kind, namespace))
                ),
            )
            .with_help(format!(
                "name an existing {kind} (and its `namespace`, when it is not the route's), or attach to its Gateway with `kind: Gateway`"
            )),
        ),
        Broken::NoService { namespace, name } => Some(
            RULE.on(
                object,
                edge.span,
                format!(
                    "{} has mesh parent Service `{name}`, which does not exist in namespace `{namespace}`{}",
                    object.display(),
                    did_you_mean(name, ctx.inv.names("Service", namespace))
                ),
            )
            .with_help(
                "a parentRef with `kind: Service` (GAMMA) attaches the route to the mesh traffic of that Service: name an existing Service, or set `kind: Gateway` for a Gateway",
            ),
        ),
        Broken::NoPort { service, port } => {
            let span = match port {
                PortRef::Name(_) => parent.section_name.as_ref().map(|s| s.span),
                PortRef::Number(_) => parent.port_span,
            }
            .unwrap_or(edge.span);
            let svc = ctx.inv.service(*service);
            Some(
                RULE.on(
                    object,
                    span,
                    format!(
                        "{} attaches to port {port} of mesh parent Service {}/{}, which has {}",
                        object.display(),
                        svc.namespace,
                        svc.name,
                        svc.describe_ports()
                    ),
                )
                .with_related_object(ctx.inv.object(svc.object), "the Service")
                .with_help(
                    "for a Service parent, `sectionName` is the name of one of its ports and `port` its number (the Service `port`, not the targetPort)",
                ),
            )
        }
        _ => None,
    }
}

/// The ListenerSet of the Gateway `parent` names that has the listener its `sectionName`
/// names, when the Gateway itself has none of that name.
fn listener_set_with<'i>(ctx: &Context<'i>, parent: &ParentRef) -> Option<&'i ApiGateway> {
    let section = parent.section_name.as_ref()?;
    let g = ctx
        .graph
        .api_gateway(&parent.namespace, &parent.name)
        .filter(|_| parent.is_gateway())?;
    ctx.graph
        .listener_sets_of(g)
        .iter()
        .filter_map(|i| ctx.inv.listener_sets.get(*i))
        .find(|set| set.listeners.iter().any(|l| l.name.value == section.value))
}

/// What explains a missing Gateway: the same name elsewhere, an Istio Gateway of that
/// name, or the closest name (in the namespace first, then anywhere).
#[derive(Clone, Copy)]
enum Hint<'i> {
    Elsewhere(&'i ApiGateway),
    Istio(&'i IstioGateway),
    NearSame(&'i ApiGateway),
    NearAny(&'i ApiGateway),
    Nothing,
}

fn gateway_hint<'i>(
    ctx: &Context<'i>,
    by_name: &HashMap<&str, &'i ApiGateway>,
    namespace: &str,
    name: &str,
) -> Hint<'i> {
    let all = &ctx.inv.api_gateways;
    if let Some(g) = by_name.get(name) {
        return Hint::Elsewhere(g);
    }
    if let Some(g) = ctx
        .inv
        .istio_gateways
        .iter()
        .find(|g| g.namespace == namespace && g.name == name)
    {
        return Hint::Istio(g);
    }
    fn closest<'i>(name: &str, gateways: Vec<&'i ApiGateway>) -> Option<&'i ApiGateway> {
        let n = nearest(name, gateways.iter().map(|g| g.name.as_str()))?;
        gateways.into_iter().find(|g| g.name == n)
    }
    if let Some(g) = closest(
        name,
        all.iter().filter(|g| g.namespace == namespace).collect(),
    ) {
        return Hint::NearSame(g);
    }
    closest(name, all.iter().collect()).map_or(Hint::Nothing, Hint::NearAny)
}

fn no_gateway(
    ctx: &Context<'_>,
    route: &ApiRoute,
    parent: &ParentRef,
    edge: &Edge,
    (namespace, name): (&str, &str),
    hint: Hint<'_>,
) -> Diagnostic {
    let object = ctx.inv.object(route.object);
    let suggestion = match hint {
        Hint::NearSame(g) => format!("; did you mean `{}`?", g.name),
        _ => String::new(),
    };
    let diagnostic = RULE.on(
        object,
        edge.span,
        format!(
            "{} attaches to Gateway `{name}`, which does not exist in namespace `{namespace}`{suggestion}",
            object.display(),
        ),
    );
    match hint {
        Hint::Elsewhere(g) => {
            let defaulted = if parent.namespace_span.is_none() {
                format!(
                    " (a parentRef without `namespace` means the route's own namespace, `{}`)",
                    route.namespace
                )
            } else {
                String::new()
            };
            diagnostic
                .with_related_object(
                    ctx.inv.object(g.object),
                    format!("Gateway `{name}` is in namespace `{}`", g.namespace),
                )
                .with_help(format!(
                    "set `namespace: {}` in the parentRef{defaulted}",
                    g.namespace
                ))
        }
        Hint::Istio(g) => diagnostic
            .with_related_object(
                ctx.inv.object(g.object),
                "an Istio Gateway (networking.istio.io) of that name",
            )
            .with_help(format!(
                "Gateway API routes attach to `{GROUP}` Gateways only; create one (e.g. with `gatewayClassName: istio`), or bind the Istio Gateway with a VirtualService"
            )),
        Hint::NearSame(g) => diagnostic
            .with_related_object(ctx.inv.object(g.object), "the closest Gateway")
            .with_help(format!(
                "correct the parentRef `name` (to `{}`?), or create the Gateway",
                g.name
            )),
        Hint::NearAny(g) => diagnostic
            .with_related_object(
                ctx.inv.object(g.object),
                format!("Gateway `{}` in namespace `{}`", g.name, g.namespace),
            )
            .with_help(format!(
                "did you mean Gateway `{}` in namespace `{}` (`namespace: {}` in the parentRef)?",
                g.name, g.namespace, g.namespace
            )),
        Hint::Nothing => diagnostic.with_help(
            "name an existing Gateway (and its `namespace`, when it is not the route's), or check together with the files that define it",
        ),
    }
}

/// What a parentRef selects of its parent: `sectionName` and `port`.
type Section = (Option<String>, Option<i64>);

/// The CRD's rule for a parent named more than once: each reference sets a distinct
/// `sectionName` (or `port`). The namespace is compared as written, as the CRD does.
fn repeated_parents(ctx: &Context<'_>, route: &ApiRoute) -> Vec<Diagnostic> {
    type Key<'a> = (&'a str, &'a str, &'a str, &'a str);
    let mut groups: HashMap<Key<'_>, Vec<&ParentRef>> = HashMap::new();
    let mut order: Vec<Key<'_>> = Vec::new();
    for parent in &route.parents {
        let namespace = if parent.namespace_span.is_some() {
            parent.namespace.as_str()
        } else {
            ""
        };
        let key = (
            parent.group.as_str(),
            parent.kind.as_str(),
            namespace,
            parent.name.as_str(),
        );
        let refs = groups.entry(key).or_default();
        if refs.is_empty() {
            order.push(key);
        }
        refs.push(parent);
    }
    let object = ctx.inv.object(route.object);
    let mut out = Vec::new();
    for key in order {
        let Some(refs) = groups.get(&key) else {
            continue;
        };
        if refs.len() < 2 {
            continue;
        }
        let what = format!("{} `{}`", key.1, key.3);
        // A reference without sectionName or port selects the whole parent, overlapping
        // every other reference to it.
        if let Some(whole) = refs
            .iter()
            .find(|p| p.section_name.is_none() && p.port.is_none())
        {
            let other = refs
                .iter()
                .find(|p| !std::ptr::eq(**p, *whole))
                .map_or(whole.span, |p| p.name_span);
            out.push(
                RULE.on(
                    object,
                    whole.name_span,
                    format!(
                        "{} references {what} {} times, and this reference sets no `sectionName`: the API server rejects the route (sectionName must be specified when parentRefs includes 2 or more references to the same parent)",
                        object.display(),
                        refs.len()
                    ),
                )
                .with_related(object.file, other, "another reference to the same parent")
                .with_help(
                    "give every reference to this parent its own `sectionName` (a listener name), or keep a single reference without one to attach to all listeners",
                ),
            );
            continue;
        }
        let section = |p: &ParentRef| (p.section_name.as_ref().map(|s| s.value.clone()), p.port);
        let mut seen: Vec<(&ParentRef, Section)> = Vec::new();
        for p in refs {
            let s = section(p);
            if let Some((first, _)) = seen.iter().find(|(_, t)| *t == s) {
                let span = p.section_name.as_ref().map_or(p.name_span, |s| s.span);
                let listener = match (&s.0, s.1) {
                    (Some(name), Some(port)) => format!("sectionName `{name}` and port {port}"),
                    (Some(name), None) => format!("sectionName `{name}`"),
                    (None, Some(port)) => format!("port {port}"),
                    (None, None) => String::new(),
                };
                out.push(
                    RULE.on(
                        object,
                        span,
                        format!(
                            "{} references {what} twice with {listener}: the API server rejects the route (sectionName must be unique when parentRefs includes 2 or more references to the same parent)",
                            object.display()
                        ),
                    )
                    .with_related(object.file, first.name_span, "the first reference")
                    .with_help("remove the repeated reference, or point it at another listener"),
                );
            } else {
                seen.push((p, s));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::support::testing::run_rule;

    const GATEWAY: &str = "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: gw, namespace: infra}\nspec:\n  gatewayClassName: x\n  listeners:\n  - {name: a, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}\n  - {name: b, port: 81, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}\n";

    fn route(parents: &str) -> String {
        format!("{GATEWAY}---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {{name: r, namespace: infra}}\nspec:\n  parentRefs: {parents}\n")
    }

    #[test]
    fn repeated_parents_follow_the_crd_rules() {
        for (parents, errors) in [
            ("[{name: gw}, {name: gw}]", 1),
            ("[{name: gw, sectionName: a}, {name: gw}]", 1),
            (
                "[{name: gw, sectionName: a}, {name: gw, sectionName: a}]",
                1,
            ),
            ("[{name: gw, port: 80}, {name: gw}]", 1),
            (
                "[{name: gw, sectionName: a}, {name: gw, sectionName: b}]",
                0,
            ),
            ("[{name: gw, port: 80}, {name: gw, port: 81}]", 0),
            // Namespaces are compared as written.
            ("[{name: gw}, {name: gw, namespace: infra}]", 0),
            ("[{name: gw}]", 0),
        ] {
            let found = run_rule(&RULE, &route(parents));
            assert_eq!(found.len(), errors, "{parents}: {found:?}");
        }
    }

    #[test]
    fn missing_parents_and_listeners() {
        let found = run_rule(
            &RULE,
            &route("[{name: gw, sectionName: c}, {name: gx}, {name: gw, port: 82}]"),
        );
        let messages: Vec<&str> = found.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(found.len(), 3, "{messages:?}");
        assert!(messages[0].contains("listener `c`"), "{messages:?}");
        assert!(messages[1].contains("did you mean `gw`"), "{messages:?}");
        assert!(messages[2].contains("port 82"), "{messages:?}");
    }
}
