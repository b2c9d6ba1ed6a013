//! Istio edges: Gateway selectors, VirtualService → Gateway, gateway host bindings and
//! route destinations.

use super::hosts::{istio_fqdn, HostTarget};
use super::{wildcard, Broken, Edge, EdgeKind, RoutingGraph, Vertex};
use crate::inventory::istio::{Destination, GatewayTarget, VsRoute};
use crate::inventory::{Inventory, IstioGatewayId, VirtualService, VirtualServiceId};

/// A VirtualService host accepted by one server host of a Gateway it is bound to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Binding {
    pub virtual_service: VirtualServiceId,
    /// Index into the VirtualService's `hosts`.
    pub host: usize,
    pub gateway: IstioGatewayId,
    /// Index into the Gateway's `servers`.
    pub server: usize,
    /// Index into the server's `hosts`.
    pub server_host: usize,
}

/// The host of a VirtualService route destination and everything it resolves to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DestinationHost {
    /// The host as Istio reads it ([`istio_fqdn`] in the VirtualService's namespace).
    pub fqdn: String,
    /// Every target, in [`HostTable::resolve`](super::HostTable::resolve)'s order; the
    /// destination edge goes to the first. Empty when the host names nothing.
    pub targets: Vec<HostTarget>,
}

pub(super) fn build(inv: &Inventory, graph: &mut RoutingGraph) {
    select_gateway_pods(inv, graph);
    for (v, vs) in inv.virtual_services_by_id() {
        bind_gateways(inv, graph, v, vs);
        let (destinations, mirrors) = route_destinations(inv, graph, vs);
        graph.destinations.push(destinations);
        graph.mirrors.push(mirrors);
    }
}

/// The gateway workloads of every Gateway, and their `GatewaySelects` edges.
fn select_gateway_pods(inv: &Inventory, graph: &mut RoutingGraph) {
    graph.gateway_pods = inv
        .istio_gateways
        .iter()
        .map(|g| {
            g.selector
                .as_ref()
                .map(|s| inv.select_anywhere(s))
                .unwrap_or_default()
        })
        .collect();
    for (gateway, pods) in inv.istio_gateways.iter().zip(&graph.gateway_pods) {
        let obj = inv.object(gateway.object);
        for &w in pods {
            graph.edges.push(Edge {
                from: Vertex::Object(gateway.object),
                kind: EdgeKind::GatewaySelects,
                to: Ok(Vertex::Workload(w)),
                file: obj.file,
                span: gateway.selector.as_ref().map_or(obj.span(), |s| s.span),
                via: "selector".to_string(),
            });
        }
    }
}

/// The `RouteGateway` edges of VirtualService `vs`, and the bindings of its hosts to the
/// server hosts of the Gateways it names.
fn bind_gateways(
    inv: &Inventory,
    graph: &mut RoutingGraph,
    v: VirtualServiceId,
    vs: &VirtualService,
) {
    let obj = inv.object(vs.object);
    for gref in &vs.gateways {
        let GatewayTarget::Named { namespace, name } = &gref.target else {
            continue;
        };
        let found = graph.istio_gateway(namespace, name);
        // Istio also binds a VirtualService to a Gateway API Gateway of that name.
        let to = found
            .map(|g| inv.istio_gateway(g).object)
            .or_else(|| {
                let g = graph.api_gateway(namespace, name)?;
                Some(inv.api_gateways[g].object)
            })
            .map(Vertex::Object)
            .ok_or_else(|| Broken::NoGateway {
                namespace: namespace.clone(),
                name: name.clone(),
            });
        graph.edges.push(Edge {
            from: Vertex::Object(vs.object),
            kind: EdgeKind::RouteGateway,
            to: to.map_err(Box::new),
            file: obj.file,
            span: gref.span,
            via: "gateways".to_string(),
        });
        let Some(g) = found else { continue };
        let gateway = inv.istio_gateway(g);
        for (h, host) in vs.hosts.iter().enumerate() {
            let fqdn = istio_fqdn(&host.value, &vs.namespace);
            for (s, server) in gateway.servers.iter().enumerate() {
                for (sh, server_host) in server.hosts.iter().enumerate() {
                    if server_host.admits_namespace(&gateway.namespace, &vs.namespace)
                        && wildcard::intersect(&server_host.host, &fqdn)
                    {
                        graph.bindings.push(Binding {
                            virtual_service: v,
                            host: h,
                            gateway: g,
                            server: s,
                            server_host: sh,
                        });
                    }
                }
            }
        }
    }
}

/// The `RouteDestination` edges of VirtualService `vs`, to the first target of each
/// destination host (mirrors too); returns every target, rule by rule, of its destinations
/// and of its mirrors.
fn route_destinations(
    inv: &Inventory,
    graph: &mut RoutingGraph,
    vs: &VirtualService,
) -> (Vec<Vec<DestinationHost>>, Vec<Vec<DestinationHost>>) {
    let mut destinations = Vec::with_capacity(vs.routes.len());
    let mut mirrors = Vec::with_capacity(vs.routes.len());
    for route in &vs.routes {
        let via = format!("{}[{}]", route.protocol.key(), route.index);
        destinations.push(
            route
                .destinations
                .iter()
                .map(|d| resolve_destination(inv, graph, vs, d, via.clone()))
                .collect(),
        );
        mirrors.push(
            route
                .mirrors
                .iter()
                .map(|d| resolve_destination(inv, graph, vs, d, format!("{via} mirror")))
                .collect(),
        );
    }
    (destinations, mirrors)
}

/// What destination `dest` of `vs` resolves to, with its `RouteDestination` edge.
fn resolve_destination(
    inv: &Inventory,
    graph: &mut RoutingGraph,
    vs: &VirtualService,
    dest: &Destination,
    via: String,
) -> DestinationHost {
    let fqdn = istio_fqdn(&dest.host.value, &vs.namespace);
    let targets = graph.hosts.resolve(&fqdn);
    let to = match targets.first() {
        Some(HostTarget::Service(id)) => Ok(Vertex::Service(*id)),
        Some(HostTarget::ServiceEntry(i)) => Ok(Vertex::Object(inv.service_entries[*i].object)),
        Some(HostTarget::KnativeService(id)) => Ok(Vertex::Object(*id)),
        None => graph.unresolved_destination(inv, vs, &fqdn),
    };
    graph.edges.push(Edge {
        from: Vertex::Object(vs.object),
        kind: EdgeKind::RouteDestination,
        to: to.map_err(Box::new),
        file: inv.object(vs.object).file,
        span: dest.host.span,
        via,
    });
    DestinationHost { fqdn, targets }
}

/// A destination of a VirtualService rule with what its host resolves to.
#[derive(Clone, Copy, Debug)]
pub struct Resolved<'a> {
    pub route: &'a VsRoute,
    pub dest: &'a Destination,
    pub host: &'a DestinationHost,
    /// True for a mirror (`mirror`, `mirrors[]`): it gets copies, not the requests.
    pub mirror: bool,
}

impl RoutingGraph {
    /// What the mirrors of rule `route` of VirtualService `vs` resolve to, in
    /// `VsRoute::mirrors` order.
    pub fn mirror_destinations(&self, vs: VirtualServiceId, route: usize) -> &[DestinationHost] {
        self.mirrors
            .get(vs.0 as usize)
            .and_then(|routes| routes.get(route))
            .map_or(&[], Vec::as_slice)
    }

    /// Every destination of VirtualService `v` (`vs`), rule by rule: its route destinations,
    /// then its mirrors. What rules that check a destination's host, port or subset read.
    pub fn all_destinations<'a>(
        &'a self,
        v: VirtualServiceId,
        vs: &'a VirtualService,
    ) -> impl Iterator<Item = Resolved<'a>> {
        vs.routes.iter().enumerate().flat_map(move |(r, route)| {
            let routed = route.destinations.iter().zip(self.destinations(v, r));
            let mirrored = route.mirrors.iter().zip(self.mirror_destinations(v, r));
            routed
                .map(|d| (d, false))
                .chain(mirrored.map(|d| (d, true)))
                .map(move |((dest, host), mirror)| Resolved {
                    route,
                    dest,
                    host,
                    mirror,
                })
        })
    }
}
