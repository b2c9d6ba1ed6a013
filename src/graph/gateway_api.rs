//! Gateway API edges: route attachment to listeners (parentRefs, sectionName, port,
//! allowedRoutes, hostname intersection) and backendRefs (with ReferenceGrant).

use std::collections::{BTreeMap, HashMap};

use super::{wildcard, Broken, Edge, EdgeKind, RoutingGraph, Vertex};
use crate::inventory::gateway_api::{
    AllowedFrom, ApiRoute, BackendRef, Listener, ListenerOwner, ObjectRef, ParentRef, GROUP,
};
use crate::inventory::{ApiGateway, Inventory, PortRef, ReferenceGrant, Selector};

/// A route attached to one listener of a Gateway or ListenerSet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Attachment {
    /// Index into `Inventory::api_routes`.
    pub route: usize,
    /// The Gateway or ListenerSet.
    pub owner: ListenerOwner,
    /// Index into its `listeners`.
    pub listener: usize,
}

/// The label every namespace carries with its own name (Kubernetes ≥ 1.22).
pub const NAMESPACE_NAME_LABEL: &str = "kubernetes.io/metadata.name";

/// Whether a listener's namespace `selector` selects `namespace`: `None` when that cannot be
/// told, because the Namespace object is not in the input and the selector asks for more
/// than the `kubernetes.io/metadata.name` label every namespace carries.
pub fn namespace_selected(inv: &Inventory, selector: &Selector, namespace: &str) -> Option<bool> {
    let mut labels = match inv.namespace_labels(namespace) {
        Some(labels) => labels.to_map(),
        None if selector.labels.keys().all(|k| k == NAMESPACE_NAME_LABEL)
            && selector.exprs.iter().all(|r| r.key == NAMESPACE_NAME_LABEL) =>
        {
            BTreeMap::new()
        }
        None => return None,
    };
    labels.insert(NAMESPACE_NAME_LABEL.to_string(), namespace.to_string());
    Some(selector.matches(&labels))
}

/// Whether `listener` of `gateway` lets `route` attach, and if not, why.
pub fn admits(
    inv: &Inventory,
    gateway: &ApiGateway,
    listener: &Listener,
    route: &ApiRoute,
) -> Result<(), String> {
    let namespace_ok = match &listener.allowed_from {
        AllowedFrom::All => true,
        AllowedFrom::Same => route.namespace == gateway.namespace,
        // Without the Namespace object its labels are unknown: give the benefit of the doubt.
        AllowedFrom::Selector(selector) => {
            namespace_selected(inv, selector, &route.namespace).unwrap_or(true)
        }
        AllowedFrom::Invalid(_) => false,
    };
    if !namespace_ok {
        let rule = match &listener.allowed_from {
            AllowedFrom::Same => format!("only routes from namespace `{}`", gateway.namespace),
            AllowedFrom::Selector(s) => format!("only namespaces labelled {}", s.describe()),
            AllowedFrom::Invalid(v) => format!("`from: {v}`, which admits nothing"),
            AllowedFrom::All => String::new(),
        };
        return Err(format!(
            "listener `{}` admits {rule}, not namespace `{}`",
            listener.name.value, route.namespace
        ));
    }
    if !listener.admits_kind(&route.kind) {
        return Err(format!(
            "listener `{}` ({}) does not admit {}",
            listener.name.value, listener.protocol, route.kind
        ));
    }
    Ok(())
}

/// Whether the route's hostnames leave it something to serve on `listener`: the listener
/// has no hostname, the route has none, or one of them intersects the listener's.
pub fn hostname_matches(listener: &Listener, route: &ApiRoute) -> bool {
    route.hostnames.is_empty()
        || route
            .hostnames
            .iter()
            .any(|h| listener_accepts(listener, &h.value))
}

/// Whether `listener` accepts the route hostname `host` (a listener without hostname accepts
/// every one).
pub fn listener_accepts(listener: &Listener, host: &str) -> bool {
    listener.hostname.as_ref().is_none_or(|l| {
        wildcard::intersect(&l.value.to_ascii_lowercase(), &host.to_ascii_lowercase())
    })
}

/// The listeners of `gateway` a parentRef selects by `sectionName` and `port` (all of them
/// when it sets neither), before `allowedRoutes` and hostnames are considered.
pub fn section_listeners(gateway: &ApiGateway, parent: &ParentRef) -> Vec<usize> {
    gateway
        .listeners
        .iter()
        .enumerate()
        .filter(|(_, l)| {
            parent
                .section_name
                .as_ref()
                .is_none_or(|s| s.value == l.name.value)
                && parent.port.is_none_or(|p| p == l.port)
        })
        .map(|(i, _)| i)
        .collect()
}

/// Resolves one Gateway or ListenerSet parentRef: the attachments it makes, or why it makes
/// none.
fn attach(
    inv: &Inventory,
    graph: &RoutingGraph,
    r: usize,
    parent: &ParentRef,
) -> Result<(ListenerOwner, Vec<usize>), Broken> {
    let route = &inv.api_routes[r];
    let g = graph.parent_owner(parent).ok_or_else(|| {
        if parent.is_gateway() {
            Broken::NoGateway {
                namespace: parent.namespace.clone(),
                name: parent.name.clone(),
            }
        } else {
            Broken::NoObject {
                kind: parent.kind.clone(),
                namespace: parent.namespace.clone(),
                name: parent.name.clone(),
            }
        }
    })?;
    let gateway = inv.listener_owner(g);
    let candidates = section_listeners(gateway, parent);
    if candidates.is_empty() {
        let mut section = parent
            .section_name
            .as_ref()
            .map(|s| s.value.clone())
            .unwrap_or_default();
        if let Some(port) = parent.port {
            section = format!("{section} port {port}").trim().to_string();
        }
        return Err(Broken::NoListener {
            gateway: gateway.object,
            section,
        });
    }
    let mut reason = None;
    let allowed: Vec<usize> = candidates
        .into_iter()
        .filter(
            |i| match admits(inv, gateway, &gateway.listeners[*i], route) {
                Ok(()) => true,
                Err(why) => {
                    reason.get_or_insert(why);
                    false
                }
            },
        )
        .collect();
    if allowed.is_empty() {
        return Err(Broken::NotAllowed {
            gateway: gateway.object,
            reason: reason.unwrap_or_default(),
        });
    }
    let matching: Vec<usize> = allowed
        .into_iter()
        .filter(|i| hostname_matches(&gateway.listeners[*i], route))
        .collect();
    if matching.is_empty() {
        return Err(Broken::NoHostname {
            gateway: gateway.object,
        });
    }
    Ok((g, matching))
}

/// Whether one of `grants` (those of the target namespace, indexed once per build) lets
/// `route` refer to Service `name`.
fn granted_by(grants: &[&ReferenceGrant], route: &ApiRoute, name: &str) -> bool {
    grants
        .iter()
        .any(|g| g.allows(GROUP, &route.kind, &route.namespace, "", "Service", name))
}

/// Where Service backendRef `backend` leads, or why it leads nowhere; `cross_denied` when it
/// crosses namespaces without a ReferenceGrant. A refused reference is refused whatever its
/// target (controllers report RefNotPermitted without saying whether the target exists), so
/// a missing Service or port goes with it, except a missing `port`, which the API server
/// rejects first.
fn backend_target(
    inv: &Inventory,
    backend: &BackendRef,
    cross_denied: bool,
) -> Result<Vertex, Broken> {
    let target = resolve_backend(inv, backend);
    match target {
        Err(Broken::PortRequired { .. }) => target,
        _ if cross_denied => Err(Broken::NotPermitted {
            namespace: backend.namespace.clone(),
            also: target.err().map(Box::new),
        }),
        _ => target,
    }
}

/// The Service (or Knative Service) backendRef `backend` names, and its port.
fn resolve_backend(inv: &Inventory, backend: &BackendRef) -> Result<Vertex, Broken> {
    let Some(sid) = inv.service_named(&backend.namespace, &backend.name) else {
        return match super::knative::route_service(inv, &backend.namespace, &backend.name) {
            Some(id) => Ok(Vertex::Object(id)),
            None => Err(Broken::NoService {
                namespace: backend.namespace.clone(),
                name: backend.name.clone(),
            }),
        };
    };
    match backend.port {
        None => Err(Broken::PortRequired { service: sid }),
        Some(port) if inv.service(sid).port(&PortRef::Number(port)).is_none() => {
            Err(Broken::NoPort {
                service: sid,
                port: PortRef::Number(port),
            })
        }
        Some(_) => Ok(Vertex::Service(sid)),
    }
}

/// Whether Gateway `gateway`'s `allowedListeners` admits a ListenerSet in `namespace`, and
/// if not, why.
fn admits_listener_set(
    inv: &Inventory,
    gateway: &ApiGateway,
    namespace: &str,
) -> Result<(), String> {
    let admitted = match &gateway.allowed_listeners {
        None => false,
        Some(AllowedFrom::All) => true,
        Some(AllowedFrom::Same) => namespace == gateway.namespace,
        // Without the Namespace object its labels are unknown: give the benefit of the doubt.
        Some(AllowedFrom::Selector(s)) => namespace_selected(inv, s, namespace).unwrap_or(true),
        Some(AllowedFrom::Invalid(_)) => false,
    };
    if admitted {
        return Ok(());
    }
    Err(match &gateway.allowed_listeners {
        None => "it sets no `allowedListeners`, so it accepts no ListenerSets".to_string(),
        Some(AllowedFrom::Same) => format!(
            "its `allowedListeners` admits ListenerSets from namespace `{}` only, not `{namespace}`",
            gateway.namespace
        ),
        Some(AllowedFrom::Selector(s)) => format!(
            "its `allowedListeners` admits namespaces labelled {} only, not `{namespace}`",
            s.describe()
        ),
        Some(AllowedFrom::Invalid(v)) => {
            format!("its `allowedListeners` has `from: {v}`, which admits nothing")
        }
        Some(AllowedFrom::All) => String::new(),
    })
}

/// The Gateway a ListenerSet's parentRef names, when it exists and accepts the ListenerSet.
fn listener_set_parent(
    inv: &Inventory,
    graph: &RoutingGraph,
    set: &ApiGateway,
    parent: &ObjectRef,
) -> Result<usize, Broken> {
    let g = graph
        .api_gateway(&parent.namespace, &parent.name)
        .filter(|_| parent.group == GROUP && parent.kind == "Gateway")
        .ok_or_else(|| Broken::NoGateway {
            namespace: parent.namespace.clone(),
            name: parent.name.clone(),
        })?;
    let gateway = &inv.api_gateways[g];
    admits_listener_set(inv, gateway, &set.namespace).map_err(|reason| Broken::NotAllowed {
        gateway: gateway.object,
        reason,
    })?;
    Ok(g)
}

/// Attaches each ListenerSet to its parent Gateway: one edge each, and every Gateway's
/// accepted ListenerSets in precedence order.
fn attach_listener_sets(inv: &Inventory, graph: &mut RoutingGraph) {
    let mut sets: Vec<Vec<usize>> = vec![Vec::new(); inv.api_gateways.len()];
    for (i, set) in inv.listener_sets.iter().enumerate() {
        let Some(parent) = &set.parent else {
            continue;
        };
        let to = listener_set_parent(inv, graph, set, parent);
        if let Some(list) = to.as_ref().ok().and_then(|g| sets.get_mut(*g)) {
            list.push(i);
        }
        graph.edges.push(Edge {
            from: Vertex::Object(set.object),
            kind: EdgeKind::ListenerSetParent,
            to: to
                .map(|g| Vertex::Object(inv.api_gateways[g].object))
                .map_err(Box::new),
            file: inv.object(set.object).file,
            span: parent.name_span,
            via: "parentRef".to_string(),
        });
    }
    for list in &mut sets {
        list.sort_by(|a, b| {
            let (a, b) = (&inv.listener_sets[*a], &inv.listener_sets[*b]);
            (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name))
        });
    }
    graph.gateway_listener_sets = sets;
}

pub(super) fn build(inv: &Inventory, graph: &mut RoutingGraph) {
    attach_listener_sets(inv, graph);
    let mut grants: HashMap<&str, Vec<&ReferenceGrant>> = HashMap::new();
    for grant in &inv.reference_grants {
        grants
            .entry(grant.namespace.as_str())
            .or_default()
            .push(grant);
    }
    for (r, route) in inv.api_routes.iter().enumerate() {
        let obj = inv.object(route.object);
        for parent in &route.parents {
            let (to, via) = if parent.is_service() {
                let to = match inv.service_named(&parent.namespace, &parent.name) {
                    None => Err(Broken::NoService {
                        namespace: parent.namespace.clone(),
                        name: parent.name.clone(),
                    }),
                    Some(sid) => {
                        // For a Service parent, `sectionName` is a port name and `port` a port.
                        let svc = inv.service(sid);
                        let wanted = parent
                            .section_name
                            .as_ref()
                            .map(|s| PortRef::Name(s.value.clone()))
                            .into_iter()
                            .chain(parent.port.map(PortRef::Number));
                        match wanted.into_iter().find(|p| svc.port(p).is_none()) {
                            Some(port) => Err(Broken::NoPort { service: sid, port }),
                            None => Ok(Vertex::Service(sid)),
                        }
                    }
                };
                (to, "mesh parent".to_string())
            } else if parent.is_gateway() || parent.is_listener_set() {
                match attach(inv, graph, r, parent) {
                    Ok((g, listeners)) => {
                        let gateway = inv.listener_owner(g);
                        let names: Vec<&str> = listeners
                            .iter()
                            .map(|l| gateway.listeners[*l].name.value.as_str())
                            .collect();
                        for listener in listeners {
                            graph.attachments.push(Attachment {
                                route: r,
                                owner: g,
                                listener,
                            });
                        }
                        (
                            Ok(Vertex::Object(gateway.object)),
                            format!("listener {}", names.join(", ")),
                        )
                    }
                    Err(broken) => (Err(broken), "parentRef".to_string()),
                }
            } else {
                continue;
            };
            graph.edges.push(Edge {
                from: Vertex::Object(route.object),
                kind: EdgeKind::ParentRef,
                to: to.map_err(Box::new),
                file: obj.file,
                span: parent.name_span,
                via,
            });
        }
        let mesh_only = route.mesh_only();
        for rule in &route.rules {
            let via = format!("rule {}", rule.index);
            let backends = rule.backends.iter().map(|b| (b, via.clone()));
            // Mirrors after the backends, as `BackendRef` edges of their own `via`.
            let mirrors = rule.mirrors.iter().map(|b| (b, format!("{via} mirror")));
            for (backend, via) in backends.chain(mirrors).filter(|(b, _)| b.is_service()) {
                let cross_denied = backend.namespace != route.namespace
                    && !mesh_only
                    && !granted_by(
                        grants
                            .get(backend.namespace.as_str())
                            .map_or(&[], Vec::as_slice),
                        route,
                        &backend.name,
                    );
                let to = backend_target(inv, backend, cross_denied);
                let span = match &to {
                    Err(Broken::NoPort { .. }) => backend.port_span.unwrap_or(backend.span),
                    Err(Broken::NotPermitted { .. }) => {
                        backend.namespace_span.unwrap_or(backend.span)
                    }
                    _ => backend.name_span,
                };
                graph.edges.push(Edge {
                    from: Vertex::Object(route.object),
                    kind: EdgeKind::BackendRef,
                    to: to.map_err(Box::new),
                    file: obj.file,
                    span,
                    via,
                });
            }
        }
    }
}
