//! Helpers the Gateway API rules (KR5xx) share.

use crate::checks::{Context, Rule};
use crate::diagnostic::Severity;
use crate::graph::{Edge, EdgeKind, RoutingGraph, Vertex};
use crate::inventory::gateway_api::{ApiRoute, BackendRef, Listener, ListenerOwner, ParentRef};
use crate::inventory::{ApiGateway, Inventory};

/// Every set of listeners: the Gateways, then the ListenerSets.
pub fn listener_owners(inv: &Inventory) -> impl Iterator<Item = &ApiGateway> {
    inv.api_gateways.iter().chain(&inv.listener_sets)
}

/// The parentRefs of `route` the graph resolved (Gateways and mesh Services), each with
/// its edge.
pub fn parent_edges<'g>(
    graph: &'g RoutingGraph,
    route: &'g ApiRoute,
) -> impl Iterator<Item = (&'g ParentRef, &'g Edge)> {
    let edges: Vec<&Edge> = graph
        .edges_from(Vertex::Object(route.object))
        .filter(|e| e.kind == EdgeKind::ParentRef)
        .collect();
    route.parents.iter().filter_map(move |p| {
        edges
            .iter()
            .find(|e| e.span == p.name_span)
            .map(|e| (p, *e))
    })
}

/// `` `https` (HTTPS, port 443, hostname `*.example.com`) ``, as messages show a listener.
pub fn describe_listener(listener: &Listener) -> String {
    let hostname = listener
        .hostname
        .as_ref()
        .map_or_else(String::new, |h| format!(", hostname `{}`", h.value));
    format!(
        "`{}` ({}, port {}{hostname})",
        listener.name.value, listener.protocol, listener.port
    )
}

/// The Gateway (or ListenerSet) `parent` names, when it exists.
pub fn parent_gateway<'i>(ctx: &Context<'i>, parent: &ParentRef) -> Option<&'i ApiGateway> {
    let owner = ctx.graph.parent_owner(parent)?;
    Some(ctx.inv.listener_owner(owner))
}

/// The Service backendRefs of `route` and of its `RequestMirror` filters, each with the
/// edge the graph made for it (both in rule order, each rule's mirrors after its
/// backends).
pub fn backend_edges<'g>(
    graph: &'g RoutingGraph,
    route: &'g ApiRoute,
) -> impl Iterator<Item = (&'g BackendRef, &'g Edge)> {
    let backends = route
        .rules
        .iter()
        .flat_map(|r| r.backends.iter().chain(&r.mirrors))
        .filter(|b| b.is_service());
    let edges = graph
        .edges_from(Vertex::Object(route.object))
        .filter(|e| e.kind == EdgeKind::BackendRef);
    backends.zip(edges)
}

/// Weight 0 backends get no traffic: their problems are warnings.
pub fn severity_for(backend: &BackendRef, rule: &Rule) -> Severity {
    if backend.weight == 0 {
        Severity::Warning
    } else {
        rule.severity
    }
}

/// The `(owner, listener)` pairs each route is attached to, by route index, sorted and
/// without repeats.
pub fn attachments_by_route(ctx: &Context<'_>) -> Vec<Vec<(ListenerOwner, usize)>> {
    let mut attached: Vec<Vec<(ListenerOwner, usize)>> = vec![Vec::new(); ctx.inv.api_routes.len()];
    for a in &ctx.graph.attachments {
        if let Some(list) = attached.get_mut(a.route) {
            list.push((a.owner, a.listener));
        }
    }
    for list in &mut attached {
        list.sort_unstable();
        list.dedup();
    }
    attached
}
