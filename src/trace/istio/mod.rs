//! Istio: Gateway servers → bound VirtualServices → the first matching rule →
//! destinations; VirtualServices applied by the mesh; and VirtualServices that claim the
//! host but are bound to no Gateway that accepts it.

mod destinations;
mod rules;

use std::collections::HashSet;

use self::rules::{rules, At};
use super::backend::{self, PortChoice, Referrer};
use super::{Cx, Entry, Note, TracePath, Walk};
use crate::graph::{istio_fqdn, wildcard, EdgeKind, HostTarget, Problem, Vertex};
use crate::inventory::istio::{GatewayServer, RouteProtocol};
use crate::inventory::{IstioGatewayId, VirtualServiceId};

/// Paths entering through Istio Gateway servers that accept the host.
pub(super) fn gateways(cx: &Cx<'_>) -> Vec<TracePath> {
    let mut paths = Vec::new();
    let (local, external) = super::knative::gateway_names(cx);
    let knative_gateways: Vec<String> = local.into_iter().chain(external).collect();
    for (g, gw) in cx.inv.istio_gateways_by_id() {
        for (s, server) in gw.servers.iter().enumerate() {
            if cx.req.port.is_some_and(|p| p != server.port) {
                continue;
            }
            let Some(server_host) = server
                .hosts
                .iter()
                .find(|h| wildcard::covers(&h.host, &cx.req.host))
            else {
                continue;
            };
            let obj = cx.inv.object(gw.object);
            let mut hop = cx.object_hop(
                gw.object,
                format!(
                    "server {} {}, host {}{}",
                    server.port,
                    server.protocol,
                    server_host.host,
                    cx.on_pods(g)
                ),
                obj.file,
                server_host.span,
            );
            if gw.selector.is_some() && cx.graph.gateway_pods(g).is_empty() {
                hop.notes.push(Note {
                    problem: Problem::NoGatewayPods,
                    message: format!(
                        "no workload in the input matches selector {}: the gateway's proxies must come from the platform",
                        gw.selector.as_ref().map(|s| s.describe()).unwrap_or_default()
                    ),
                });
            }
            let walk = Walk::new(Entry::IstioGateway).with(hop);
            let bound = bound_virtual_services(cx, g, s);
            if bound.is_empty()
                && knative_gateways.contains(&format!("{}/{}", gw.namespace, gw.name))
            {
                // net-istio writes the VirtualServices of Knative's gateways: the Knative
                // tracer follows the hosts it serves, other hosts are not Knative's.
                continue;
            }
            if bound.is_empty() {
                paths.push(walk.broken(
                    None,
                    format!(
                        "no VirtualService bound to {} serves host {} on port {}: the gateway answers 404",
                        obj.display(),
                        cx.req.host,
                        server.port
                    ),
                    obj.file,
                    server_host.span,
                ));
                continue;
            }
            for v in bound {
                paths.extend(rules(
                    cx,
                    &walk,
                    v,
                    protocol(server),
                    At::Gateway(gw),
                    Some(server.port),
                ));
            }
        }
    }
    paths
}

/// The VirtualServices bound to server `s` of gateway `g` through a server host and a
/// VirtualService host that both accept the request host, in input order.
fn bound_virtual_services(cx: &Cx<'_>, g: IstioGatewayId, s: usize) -> Vec<VirtualServiceId> {
    let gw = cx.inv.istio_gateway(g);
    let mut found: Vec<VirtualServiceId> = cx
        .graph
        .bindings
        .iter()
        .filter(|b| b.gateway == g && b.server == s)
        .filter(|b| {
            let vs = cx.inv.virtual_service(b.virtual_service);
            gw.servers[s]
                .hosts
                .get(b.server_host)
                .is_some_and(|h| wildcard::covers(&h.host, &cx.req.host))
                && vs.hosts.get(b.host).is_some_and(|h| {
                    wildcard::covers(&istio_fqdn(&h.value, &vs.namespace), &cx.req.host)
                })
        })
        .map(|b| b.virtual_service)
        .collect();
    found.sort_unstable();
    found.dedup();
    found
}

/// Which rules of a VirtualService a server applies.
fn protocol(server: &GatewayServer) -> RouteProtocol {
    let passthrough = matches!(
        server.tls_mode.as_deref(),
        Some("PASSTHROUGH" | "AUTO_PASSTHROUGH")
    );
    match server.protocol.as_str() {
        "HTTP" | "HTTP2" | "GRPC" | "GRPC-WEB" => RouteProtocol::Http,
        "HTTPS" if passthrough => RouteProtocol::Tls,
        "HTTPS" => RouteProtocol::Http,
        "TLS" if passthrough || server.tls_mode.is_none() => RouteProtocol::Tls,
        _ => RouteProtocol::Tcp,
    }
}

/// Paths inside the mesh: VirtualServices bound to `mesh` whose hosts accept the host,
/// else the Service, ServiceEntry or Knative Service the host names.
pub(super) fn mesh(cx: &Cx<'_>) -> Vec<TracePath> {
    let host = cx.host();
    let mut paths = Vec::new();
    for (v, vs) in cx.inv.virtual_services_by_id().filter(|(_, vs)| {
        vs.binds_mesh()
            && vs
                .hosts
                .iter()
                .any(|h| wildcard::covers(&istio_fqdn(&h.value, &vs.namespace), host))
    }) {
        let protocol = [RouteProtocol::Http, RouteProtocol::Tls, RouteProtocol::Tcp]
            .into_iter()
            .find(|p| vs.routes.iter().any(|r| r.protocol == *p))
            .unwrap_or(RouteProtocol::Http);
        paths.extend(rules(
            cx,
            &Walk::new(Entry::Mesh),
            v,
            protocol,
            At::Mesh,
            cx.req.port,
        ));
    }
    if !paths.is_empty() {
        return paths;
    }
    let walk = Walk::new(Entry::Cluster);
    match cx.graph.hosts.resolve(host).first() {
        None => {}
        Some(HostTarget::Service(sid)) => {
            let obj = cx.inv.object(cx.inv.service(*sid).object);
            paths.extend(backend::service(
                cx,
                &walk,
                *sid,
                PortChoice::Any(cx.req.port),
                Vec::new(),
                None,
                Referrer {
                    edge: None,
                    file: obj.file,
                    span: obj.name_span(),
                },
            ));
        }
        Some(HostTarget::ServiceEntry(i)) => {
            let entry = &cx.inv.service_entries[*i];
            let obj = cx.inv.object(entry.object);
            let hop = cx.object_hop(
                entry.object,
                "registered in the mesh by this ServiceEntry".to_string(),
                obj.file,
                obj.name_span(),
            );
            paths.push(walk.with(hop).done());
        }
        // Traced through Knative's gateway by `knative::paths`.
        Some(HostTarget::KnativeService(_)) if super::knative::serves(cx) => {}
        Some(HostTarget::KnativeService(id)) => {
            let obj = cx.inv.object(*id);
            let hop = cx.object_hop(
                *id,
                "Knative routes it to its revisions".to_string(),
                obj.file,
                obj.name_span(),
            );
            paths.push(walk.with(hop).done());
        }
    }
    paths
}

/// VirtualServices for the host that named Gateways but reached no path through them: the
/// Gateway does not exist, or none of its servers accepts the host.
pub(super) fn unattached(cx: &Cx<'_>, found: &[TracePath]) -> Vec<TracePath> {
    let reached: HashSet<Vertex> = found
        .iter()
        .filter(|p| p.entry == Entry::IstioGateway)
        .flat_map(|p| p.hops.iter().filter_map(|h| h.vertex))
        .collect();
    let mut paths = Vec::new();
    for (v, vs) in cx.inv.virtual_services_by_id() {
        let Some(h) = vs.hosts.iter().position(|h| {
            h.value != "*" && wildcard::covers(&istio_fqdn(&h.value, &vs.namespace), &cx.req.host)
        }) else {
            continue;
        };
        let host = &vs.hosts[h];
        if reached.contains(&Vertex::Object(vs.object)) {
            continue;
        }
        let obj = cx.inv.object(vs.object);
        for edge in cx
            .graph
            .edges_from(Vertex::Object(vs.object))
            .filter(|e| e.kind == EdgeKind::RouteGateway)
        {
            let walk = |detail: String| {
                Walk::new(Entry::Unattached)
                    .with(cx.object_hop(vs.object, detail, obj.file, edge.span))
            };
            match edge.target() {
                Err(broken) => paths.push(walk(format!("host {}", host.value)).broken(
                    Some(Problem::Edge(edge.kind, broken.clone())),
                    broken.reason(cx.inv, cx.graph),
                    edge.file,
                    edge.span,
                )),
                Ok(Vertex::Object(gw_obj)) => {
                    let Some((g, gw)) = cx
                        .inv
                        .istio_gateways_by_id()
                        .find(|(_, gw)| gw.object == *gw_obj)
                    else {
                        continue;
                    };
                    // Bound on another port than the one asked for: not a break.
                    if cx.graph.bindings.iter().any(|b| {
                        b.virtual_service == v
                            && b.gateway == g
                            && gw.servers[b.server]
                                .hosts
                                .get(b.server_host)
                                .is_some_and(|h| wildcard::covers(&h.host, &cx.req.host))
                    }) {
                        continue;
                    }
                    let hosts = gw.accepted_hosts();
                    // A fault only when the Gateway takes none of the VirtualService's
                    // hosts, or no Gateway takes this one (and the mesh does not): a host
                    // another Gateway or the mesh takes is only routed elsewhere.
                    let problem = (cx.graph.accepts_none(cx.inv, v, g)
                        || cx.graph.host_unaccepted(cx.inv, v, h))
                    .then_some(Problem::HostNotAccepted);
                    paths.push(walk(format!("host {}", host.value)).broken(
                        problem,
                        format!(
                            "{} is bound to {}, but no server of it accepts host {} (it accepts {})",
                            obj.display(),
                            cx.inv.object(*gw_obj).display(),
                            cx.req.host,
                            if hosts.is_empty() { "nothing".to_string() } else { hosts.join(", ") }
                        ),
                        edge.file,
                        edge.span,
                    ));
                }
                Ok(_) => {}
            }
        }
    }
    paths
}
