//! Istio: Gateway servers → bound VirtualServices → the first matching rule →
//! destinations; VirtualServices applied by the mesh; and VirtualServices that claim the
//! host but are bound to no Gateway that accepts it.

use std::collections::HashSet;

use super::backend::{self, PortChoice, Referrer, Subset};
use super::request::{describe_uri, uri_fits};
use super::{Cx, Entry, Note, TracePath, Walk};
use crate::graph::{istio_fqdn, wildcard, Broken, EdgeKind, HostTarget, Vertex};
use crate::inventory::istio::{
    GatewayRef, GatewayServer, GatewayTarget, RouteMatch, RouteProtocol, UriMatch, VsRoute,
};
use crate::inventory::{IstioGateway, VirtualService};
use crate::yaml::Node;

/// Where a VirtualService is being applied: at a Gateway, or by the sidecars.
#[derive(Clone, Copy, Debug)]
enum At<'a> {
    Gateway(&'a IstioGateway),
    Mesh,
}

/// Paths entering through Istio Gateway servers that accept the host.
pub(super) fn gateways(cx: &Cx<'_>) -> Vec<TracePath> {
    let mut paths = Vec::new();
    for (g, gw) in cx.inv.istio_gateways.iter().enumerate() {
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
                    on_pods(cx, g)
                ),
                obj.file,
                server_host.span,
            );
            if gw.selector.is_some() && cx.graph.gateway_pods(g).is_empty() {
                hop.notes.push(Note {
                    code: "KR308",
                    message: format!(
                        "no workload in the input matches selector {}: the gateway's proxies must come from the platform",
                        gw.selector.as_ref().map(|s| s.describe()).unwrap_or_default()
                    ),
                });
            }
            let walk = Walk::new(Entry::IstioGateway).with(hop);
            let bound = bound_virtual_services(cx, g, s);
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
                    &cx.inv.virtual_services[v],
                    protocol(server),
                    At::Gateway(gw),
                    Some(server.port),
                ));
            }
        }
    }
    paths
}

/// `, on Deployment istio-system/istio-ingressgateway` (and how many more).
fn on_pods(cx: &Cx<'_>, gateway: usize) -> String {
    let pods = cx.graph.gateway_pods(gateway);
    let Some(first) = pods.first() else {
        return String::new();
    };
    let w = cx.inv.workload(*first);
    let more = match pods.len() {
        1 => String::new(),
        n => format!(" and {} more", n - 1),
    };
    format!(", on {} {}/{}{more}", w.kind, w.namespace, w.name)
}

/// The VirtualServices bound to server `s` of gateway `g` through a server host and a
/// VirtualService host that both accept the request host, in input order.
fn bound_virtual_services(cx: &Cx<'_>, g: usize, s: usize) -> Vec<usize> {
    let gw = &cx.inv.istio_gateways[g];
    let mut found: Vec<usize> = cx
        .graph
        .bindings
        .iter()
        .filter(|b| b.gateway == g && b.server == s)
        .filter(|b| {
            let vs = &cx.inv.virtual_services[b.virtual_service];
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

/// How well one rule fits the request.
enum Fit {
    No,
    /// Always taken: what it matched on (`prefix /cart`, `any request`).
    Yes(String),
    /// Taken only if the request also matches what kroute cannot know (`condition`).
    If {
        what: String,
        condition: String,
    },
}

fn match_fit(
    vs: &VirtualService,
    m: &RouteMatch,
    other: impl FnOnce() -> String,
    at: At<'_>,
    port: Option<i64>,
    path: Option<&str>,
) -> Fit {
    if !m.gateways.is_empty() {
        let applies =
            m.gateways.iter().any(
                |g| match (&GatewayRef::parse(g, &vs.namespace).target, at) {
                    (GatewayTarget::Mesh, At::Mesh) => true,
                    (GatewayTarget::Named { namespace, name }, At::Gateway(gw)) => {
                        *namespace == gw.namespace && *name == gw.name
                    }
                    _ => false,
                },
            );
        if !applies {
            return Fit::No;
        }
    }
    let mut what = Vec::new();
    let mut unknown = Vec::new();
    if let Some(p) = m.port {
        match port {
            Some(q) if q != p => return Fit::No,
            Some(_) => what.push(format!("port {p}")),
            None => {
                what.push(format!("port {p}"));
                unknown.push(format!("port {p}"));
            }
        }
    }
    if let Some(uri) = &m.uri {
        what.push(describe_uri(uri));
        match path {
            Some(path) if !uri_fits(uri, path) => return Fit::No,
            Some(_) => {}
            None if *uri == UriMatch::Prefix("/".to_string()) => {}
            None => unknown.push(format!("path {}", describe_uri(uri))),
        }
    }
    if m.narrowed {
        let other = other();
        what.push(other.clone());
        unknown.push(other);
    }
    if what.is_empty() {
        what.push("any request".to_string());
    }
    let what = what.join(", ");
    if unknown.is_empty() {
        Fit::Yes(what)
    } else {
        Fit::If {
            what,
            condition: unknown.join(" and "),
        }
    }
}

fn route_fit(
    cx: &Cx<'_>,
    vs: &VirtualService,
    route: &VsRoute,
    at: At<'_>,
    port: Option<i64>,
    path: Option<&str>,
) -> Fit {
    if route.matches.is_empty() {
        return Fit::Yes("any request".to_string());
    }
    let mut conditional = Vec::new();
    for (i, m) in route.matches.iter().enumerate() {
        let other = || other_conditions(cx, vs, route, i);
        match match_fit(vs, m, other, at, port, path) {
            Fit::Yes(what) => return Fit::Yes(what),
            Fit::If { what, condition } => conditional.push((what, condition)),
            Fit::No => {}
        }
    }
    if conditional.is_empty() {
        return Fit::No;
    }
    let (what, condition): (Vec<String>, Vec<String>) = conditional.into_iter().unzip();
    Fit::If {
        what: what.join(" | "),
        condition: condition.join(", or "),
    }
}

/// What match `i` of `route` tests besides the URI and port, as written: `header end-user
/// exact jason`, `method exact GET`, `sourceLabels`.
fn other_conditions(cx: &Cx<'_>, vs: &VirtualService, route: &VsRoute, i: usize) -> String {
    let obj = cx.inv.object(vs.object);
    let m = obj
        .spec()
        .and_then(|s| s.seq_at(route.protocol.key()).get(route.index))
        .and_then(|r| r.seq_at("match").get(i));
    let Some(entries) = m.and_then(Node::as_map) else {
        return "its other match conditions".to_string();
    };
    // `{exact: jason}` → `exact jason`.
    let string_match = |node: &Node| -> String {
        node.as_map()
            .and_then(|e| e.first())
            .map_or_else(String::new, |e| {
                format!(
                    " {} {}",
                    e.key.as_str().unwrap_or_default(),
                    e.value.as_str().unwrap_or_default()
                )
            })
    };
    let mut parts = Vec::new();
    for e in entries {
        let Some(key) = e.key.as_str() else { continue };
        match key {
            "uri" | "port" | "gateways" | "name" | "ignoreUriCase" => {}
            "headers" | "queryParams" | "withoutHeaders" => {
                let singular = match key {
                    "headers" => "header",
                    "queryParams" => "query parameter",
                    _ => "without header",
                };
                for h in e.value.as_map().unwrap_or(&[]) {
                    parts.push(format!(
                        "{singular} {}{}",
                        h.key.as_str().unwrap_or_default(),
                        string_match(&h.value)
                    ));
                }
            }
            "method" | "authority" | "scheme" => {
                parts.push(format!("{key}{}", string_match(&e.value)));
            }
            "sourceNamespace" => parts.push(format!(
                "source namespace {}",
                e.value.as_str().unwrap_or_default()
            )),
            other => parts.push(other.to_string()),
        }
    }
    if parts.is_empty() {
        "its other match conditions".to_string()
    } else {
        parts.join(" and ")
    }
}

/// The paths through VirtualService `vs`: rules in order, every conditional one, up to and
/// including the first that always matches (Istio takes the first match).
fn rules(
    cx: &Cx<'_>,
    walk: &Walk,
    vs: &VirtualService,
    protocol: RouteProtocol,
    at: At<'_>,
    port: Option<i64>,
) -> Vec<TracePath> {
    let obj = cx.inv.object(vs.object);
    let path = match protocol {
        RouteProtocol::Http => cx.req.match_path(),
        RouteProtocol::Tls | RouteProtocol::Tcp => None,
    };
    let mut paths = Vec::new();
    for route in vs.routes.iter().filter(|r| r.protocol == protocol) {
        let (what, condition, last) = match route_fit(cx, vs, route, at, port, path) {
            Fit::No => continue,
            Fit::Yes(what) => (what, None, true),
            Fit::If { what, condition } => (what, Some(condition), false),
        };
        let name = route
            .name
            .as_deref()
            .map_or(String::new(), |n| format!(" \"{n}\""));
        let mut detail = format!("rule {}[{}]{name}: {what}", protocol.key(), route.index);
        if route.answers_itself {
            detail.push_str(", answered by the proxy (redirect or directResponse)");
        }
        let hop = cx.object_hop(vs.object, detail, obj.file, route.span);
        let walk = walk.with(hop).when(condition.map(|c| {
            format!(
                "{} rule {}[{}]: {c}",
                obj.display(),
                protocol.key(),
                route.index
            )
        }));
        paths.extend(destinations(cx, walk, vs, route));
        if last {
            return paths;
        }
    }
    let what = match path {
        Some(p) => format!("path {p}"),
        None => "the request".to_string(),
    };
    paths.push(walk.clone().broken(
        None,
        format!(
            "no {} rule of {} matches {what}: the proxy answers 404",
            protocol.key(),
            obj.display()
        ),
        obj.file,
        obj.name_span(),
    ));
    paths
}

fn destinations(cx: &Cx<'_>, walk: Walk, vs: &VirtualService, route: &VsRoute) -> Vec<TracePath> {
    let obj = cx.inv.object(vs.object);
    if route.destinations.is_empty() {
        if route.answers_itself {
            return vec![walk.done()];
        }
        return vec![walk.broken(
            None,
            format!(
                "rule {}[{}] has no route destination (delegation is not followed)",
                route.protocol.key(),
                route.index
            ),
            obj.file,
            route.span,
        )];
    }
    let several = route.destinations.len() > 1;
    let mut paths = Vec::new();
    for dest in &route.destinations {
        let fqdn = istio_fqdn(&dest.host.value, &vs.namespace);
        let mut extra = Vec::new();
        if several || dest.weight.is_some() {
            extra.push(format!("weight {}", dest.weight.unwrap_or(0)));
        }
        match cx.graph.hosts.resolve(&fqdn).first() {
            None => paths.push(walk.clone().broken(
                Some("KR303"),
                Broken::NoHost { host: fqdn }.reason(cx.inv, cx.graph),
                obj.file,
                dest.host.span,
            )),
            Some(HostTarget::Service(sid)) => {
                let subset = match &dest.subset {
                    None => None,
                    Some(name) => match subset(cx, &fqdn, &vs.namespace, &name.value) {
                        Some(s) => Some(s),
                        None => {
                            paths.push(walk.clone().broken(
                                Some("KR305"),
                                format!(
                                    "subset `{}` is not defined by any DestinationRule for host {fqdn}",
                                    name.value
                                ),
                                obj.file,
                                name.span,
                            ));
                            continue;
                        }
                    },
                };
                let port = dest
                    .port
                    .map_or(PortChoice::Unspecified, PortChoice::Number);
                paths.extend(backend::service(
                    cx,
                    &walk,
                    *sid,
                    port,
                    extra,
                    subset.as_ref(),
                    Referrer {
                        port_code: Some("KR304"),
                        file: obj.file,
                        span: dest.port_span.unwrap_or(dest.host.span),
                    },
                ));
            }
            Some(HostTarget::ServiceEntry(i)) => {
                let entry = &cx.inv.service_entries[*i];
                let entry_obj = cx.inv.object(entry.object);
                let hosts: Vec<&str> = entry.hosts.iter().map(|h| h.value.as_str()).collect();
                let ports: Vec<String> = entry
                    .ports
                    .iter()
                    .map(|(n, name)| match name {
                        Some(name) => format!("{n} ({name})"),
                        None => n.to_string(),
                    })
                    .collect();
                let mut detail = format!("hosts {}", hosts.join(", "));
                if !ports.is_empty() {
                    detail.push_str(&format!(", ports {}", ports.join(", ")));
                }
                for e in extra {
                    detail.push_str(&format!(", {e}"));
                }
                let span = entry
                    .hosts
                    .iter()
                    .find(|h| wildcard::covers(&istio_fqdn(&h.value, &entry.namespace), &fqdn))
                    .map_or_else(|| entry_obj.name_span(), |h| h.span);
                let hop = cx.object_hop(entry.object, detail, entry_obj.file, span);
                paths.push(walk.with(hop).done());
            }
            Some(HostTarget::KnativeService(id)) => {
                let k = cx.inv.object(*id);
                let mut detail = "Knative routes it to its revisions".to_string();
                for e in extra {
                    detail.push_str(&format!(", {e}"));
                }
                let hop = cx.object_hop(*id, detail, k.file, k.name_span());
                paths.push(walk.with(hop).done());
            }
        }
    }
    paths
}

/// The subset `name` of the DestinationRule for `fqdn`, looked up as Istio does: the
/// routing namespace first, then the Service's, then any other.
fn subset(cx: &Cx<'_>, fqdn: &str, vs_namespace: &str, name: &str) -> Option<Subset> {
    let service_namespace = fqdn.split('.').nth(1).unwrap_or_default();
    let mut rules: Vec<_> = cx
        .inv
        .destination_rules
        .iter()
        .filter(|dr| wildcard::covers(&istio_fqdn(&dr.host.value, &dr.namespace), fqdn))
        .filter(|dr| dr.export_to.visible_from(&dr.namespace, vs_namespace))
        .collect();
    rules.sort_by_key(|dr| {
        if dr.namespace == vs_namespace {
            0
        } else if dr.namespace == service_namespace {
            1
        } else {
            2
        }
    });
    rules.into_iter().find_map(|dr| {
        let s = dr.subsets.iter().find(|s| s.name == name)?;
        let obj = cx.inv.object(dr.object);
        Some(Subset {
            name: s.name.clone(),
            labels: s.labels.clone(),
            defined_by: obj.display(),
            file: obj.file,
            span: s.labels_span,
        })
    })
}

/// Paths inside the mesh: VirtualServices bound to `mesh` whose hosts accept the host,
/// else the Service, ServiceEntry or Knative Service the host names.
pub(super) fn mesh(cx: &Cx<'_>) -> Vec<TracePath> {
    let host = cx.host();
    let mut paths = Vec::new();
    for vs in cx.inv.virtual_services.iter().filter(|vs| {
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
            vs,
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
                    port_code: None,
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
/// Gateway does not exist (KR301) or none of its servers accepts the host (KR302).
pub(super) fn unattached(cx: &Cx<'_>, found: &[TracePath]) -> Vec<TracePath> {
    let reached: HashSet<Vertex> = found
        .iter()
        .filter(|p| p.entry == Entry::IstioGateway)
        .flat_map(|p| p.hops.iter().filter_map(|h| h.vertex))
        .collect();
    let mut paths = Vec::new();
    for (v, vs) in cx.inv.virtual_services.iter().enumerate() {
        let Some(host) = vs.hosts.iter().find(|h| {
            h.value != "*" && wildcard::covers(&istio_fqdn(&h.value, &vs.namespace), &cx.req.host)
        }) else {
            continue;
        };
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
            match &edge.to {
                Err(broken) => paths.push(walk(format!("host {}", host.value)).broken(
                    Some(broken.code(edge.kind)),
                    broken.reason(cx.inv, cx.graph),
                    edge.file,
                    edge.span,
                )),
                Ok(Vertex::Object(gw_obj)) => {
                    let Some(g) = cx
                        .inv
                        .istio_gateways
                        .iter()
                        .position(|gw| gw.object == *gw_obj)
                    else {
                        continue;
                    };
                    let gw = &cx.inv.istio_gateways[g];
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
                    let hosts: Vec<String> = gw
                        .servers
                        .iter()
                        .flat_map(|s| {
                            s.hosts
                                .iter()
                                .map(move |h| format!("{}:{}", h.host, s.port))
                        })
                        .collect();
                    paths.push(walk(format!("host {}", host.value)).broken(
                        Some("KR302"),
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
