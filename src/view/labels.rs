//! Edge labels for the graph view: what an edge goes through, read back from the route
//! that made it (path, port, subset, weight).

use std::collections::HashMap;

use crate::graph::{DestinationHost, Edge, RoutingGraph, Vertex};
use crate::inventory::gateway_api::ApiRoute;
use crate::inventory::istio::Destination;
use crate::inventory::{Ingress, Inventory, IstioGatewayId, VirtualService, VirtualServiceId};
use crate::manifest::ObjectId;

/// The typed views of the inventory by object, built once so that labelling every edge
/// stays linear in the size of the input.
pub(super) struct ByObject<'a> {
    inv: &'a Inventory,
    graph: &'a RoutingGraph,
    pub virtual_services: HashMap<ObjectId, VirtualServiceId>,
    pub api_routes: HashMap<ObjectId, &'a ApiRoute>,
    pub ingresses: HashMap<ObjectId, &'a Ingress>,
    /// Index into `Inventory::service_entries`.
    pub service_entries: HashMap<ObjectId, usize>,
    pub istio_gateways: HashMap<ObjectId, IstioGatewayId>,
}

impl<'a> ByObject<'a> {
    pub fn new(inv: &'a Inventory, graph: &'a RoutingGraph) -> ByObject<'a> {
        ByObject {
            inv,
            graph,
            virtual_services: inv
                .virtual_services_by_id()
                .map(|(id, v)| (v.object, id))
                .collect(),
            api_routes: inv.api_routes.iter().map(|r| (r.object, r)).collect(),
            ingresses: inv.ingresses.iter().map(|i| (i.object, i)).collect(),
            service_entries: inv
                .service_entries
                .iter()
                .enumerate()
                .map(|(i, e)| (e.object, i))
                .collect(),
            istio_gateways: inv
                .istio_gateways_by_id()
                .map(|(id, g)| (g.object, id))
                .collect(),
        }
    }

    /// The VirtualService `id`.
    pub fn virtual_service(&self, id: ObjectId) -> Option<&'a VirtualService> {
        let v = self.virtual_services.get(&id)?;
        Some(self.inv.virtual_service(*v))
    }

    /// The VirtualService destination whose `host` an edge starts at, and what the graph
    /// resolved its host to.
    fn destination(&self, edge: &Edge) -> Option<(&'a Destination, &'a DestinationHost)> {
        let Vertex::Object(id) = edge.from else {
            return None;
        };
        let v = *self.virtual_services.get(&id)?;
        self.inv
            .virtual_service(v)
            .routes
            .iter()
            .enumerate()
            .find_map(|(r, route)| {
                let d = route
                    .destinations
                    .iter()
                    .position(|d| d.host.span == edge.span)?;
                Some((
                    &route.destinations[d],
                    self.graph.destinations(v, r).get(d)?,
                ))
            })
    }
}

/// `shop.example.com/ (Prefix) · :80` for the `n`th backend of an Ingress.
pub(super) fn ingress_label(by: &ByObject<'_>, from: Vertex, n: usize) -> Option<String> {
    let Vertex::Object(id) = from else {
        return None;
    };
    let backend = by.ingresses.get(&id)?.backends.get(n)?;
    let mut parts = vec![match (&backend.host, &backend.path) {
        (_, None) => "default backend".to_string(),
        (Some(h), Some(p)) => format!("{h}{}", p.value),
        (None, Some(p)) => format!("*{}", p.value),
    }];
    if let Some(port) = &backend.port {
        parts.push(format!(":{}", port.to_string().trim_matches('`')));
    }
    Some(parts.join(" · "))
}

/// `http[0] · :7070 · subset v1 · 80%` for a VirtualService destination edge.
pub(super) fn destination_label(by: &ByObject<'_>, edge: &Edge) -> String {
    let dest = by.destination(edge);
    let mut parts = vec![edge.via.clone()];
    if let Some((d, ..)) = dest {
        parts.extend(d.port.map(|p| format!(":{p}")));
        parts.extend(d.subset.as_ref().map(|s| format!("subset {}", s.value)));
        parts.extend(d.weight.map(|w| format!("{w}%")));
    }
    parts.join(" · ")
}

/// The port a destination edge names when none of its targets has it.
pub(super) fn destination_port_missing(by: &ByObject<'_>, edge: &Edge) -> Option<i64> {
    let (dest, host) = by.destination(edge)?;
    let missing = RoutingGraph::port_missing(by.inv, &host.targets, dest);
    dest.port.filter(|_| missing)
}

/// `rule 0 · :8080 · weight 90` for a Gateway API backendRef edge.
pub(super) fn backend_label(by: &ByObject<'_>, edge: &Edge) -> String {
    let Vertex::Object(id) = edge.from else {
        return edge.via.clone();
    };
    let rules = by
        .api_routes
        .get(&id)
        .into_iter()
        .flat_map(|r| r.rules.iter());
    let mut several = false;
    let backend = rules
        .flat_map(|rule| {
            let n = rule.backends.len();
            rule.backends.iter().map(move |b| (b, n))
        })
        .find(|(b, _)| {
            [
                Some(b.name_span),
                b.port_span,
                b.namespace_span,
                Some(b.span),
            ]
            .contains(&Some(edge.span))
        })
        .map(|(b, n)| {
            several = n > 1;
            b
        });
    let mut parts = vec![edge.via.clone()];
    if let Some(b) = backend {
        parts.extend(b.port.map(|p| format!(":{p}")));
        if several {
            parts.push(format!("weight {}", b.weight));
        }
    }
    parts.join(" · ")
}
