//! When nothing accepts the request: the hosts that something does accept, nearest first.

use super::{AcceptedHost, Cx};
use crate::graph::{istio_fqdn, wildcard, CLUSTER_DOMAIN};
use crate::inventory::Inventory;

/// How many accepted hosts to list.
const LIMIT: usize = 10;

/// The hosts that something accepts, nearest to the request's first, at most [`LIMIT`].
pub(super) fn accepted(cx: &Cx<'_>) -> Vec<AcceptedHost> {
    let inv = cx.inv;
    let mut all = istio_gateway_hosts(inv);
    all.extend(listener_hosts(inv));
    all.extend(route_hosts(inv));
    all.extend(ingress_hosts(inv));
    all.extend(mesh_hosts(inv));
    all.extend(service_entry_hosts(inv));
    // Service names only for a request that looks in-cluster: they would drown the rest.
    if cx.cluster_host.is_some() || cx.req.host.contains(".svc") {
        all.extend(service_hosts(inv));
    }
    nearest_first(&mut all, cx.host());
    all.dedup();
    all.truncate(LIMIT);
    all
}

/// Sorts `hosts` by how near they are to `target`: hosts that accept it (on another port)
/// first, then the closest names.
fn nearest_first(hosts: &mut [AcceptedHost], target: &str) {
    let rank = |h: &AcceptedHost| {
        (
            !wildcard::covers(&h.host, target),
            strsim::osa_distance(target, &h.host),
        )
    };
    hosts.sort_by(|a, b| {
        rank(a)
            .cmp(&rank(b))
            .then_with(|| a.host.cmp(&b.host))
            .then_with(|| a.port.cmp(&b.port))
            .then_with(|| a.by.cmp(&b.by))
    });
}

/// The hosts of every Istio Gateway server, on its port.
fn istio_gateway_hosts(inv: &Inventory) -> Vec<AcceptedHost> {
    let mut found = Vec::new();
    for gw in &inv.istio_gateways {
        let by = format!("Gateway {}/{}", gw.namespace, gw.name);
        for server in &gw.servers {
            found.extend(server.hosts.iter().map(|h| AcceptedHost {
                host: h.host.clone(),
                port: Some(server.port),
                by: by.clone(),
            }));
        }
    }
    found
}

/// The hostname of every Gateway API listener, of Gateways and ListenerSets (`*` when it
/// sets none), on its port.
fn listener_hosts(inv: &Inventory) -> Vec<AcceptedHost> {
    let mut found = Vec::new();
    for gw in inv.api_gateways.iter().chain(&inv.listener_sets) {
        found.extend(gw.listeners.iter().map(|l| {
            AcceptedHost {
                host: l
                    .hostname
                    .as_ref()
                    .map_or("*".to_string(), |h| h.value.to_ascii_lowercase()),
                port: Some(l.port),
                by: format!(
                    "{} {}/{} listener {}",
                    gw.kind, gw.namespace, gw.name, l.name.value
                ),
            }
        }));
    }
    found
}

/// The hostnames of every Gateway API route.
fn route_hosts(inv: &Inventory) -> Vec<AcceptedHost> {
    let mut found = Vec::new();
    for route in &inv.api_routes {
        found.extend(route.hostnames.iter().map(|h| AcceptedHost {
            host: h.value.to_ascii_lowercase(),
            port: None,
            by: format!("{} {}/{}", route.kind, route.namespace, route.name),
        }));
    }
    found
}

/// The host of every Ingress rule.
fn ingress_hosts(inv: &Inventory) -> Vec<AcceptedHost> {
    let mut found = Vec::new();
    for ingress in &inv.ingresses {
        let by = format!(
            "Ingress {}/{} (ports 80, 443)",
            ingress.namespace, ingress.name
        );
        found.extend(ingress.backends.iter().filter_map(|b| {
            Some(AcceptedHost {
                host: b.host.as_ref()?.to_ascii_lowercase(),
                port: None,
                by: by.clone(),
            })
        }));
    }
    found
}

/// The hosts of the VirtualServices the sidecars apply. Gateway-bound VirtualServices are
/// reached through the Gateways' hosts, listed apart.
fn mesh_hosts(inv: &Inventory) -> Vec<AcceptedHost> {
    let mut found = Vec::new();
    for vs in inv.virtual_services.iter().filter(|vs| vs.binds_mesh()) {
        found.extend(vs.hosts.iter().map(|h| AcceptedHost {
            host: istio_fqdn(&h.value, &vs.namespace),
            port: None,
            by: format!("VirtualService {}/{}", vs.namespace, vs.name),
        }));
    }
    found
}

/// The hosts every ServiceEntry registers.
fn service_entry_hosts(inv: &Inventory) -> Vec<AcceptedHost> {
    let mut found = Vec::new();
    for entry in &inv.service_entries {
        found.extend(entry.hosts.iter().map(|h| AcceptedHost {
            host: istio_fqdn(&h.value, &entry.namespace),
            port: None,
            by: inv.object(entry.object).display(),
        }));
    }
    found
}

/// The in-cluster name of every Service.
fn service_hosts(inv: &Inventory) -> Vec<AcceptedHost> {
    inv.services
        .iter()
        .map(|svc| AcceptedHost {
            host: format!("{}.{}.svc.{CLUSTER_DOMAIN}", svc.name, svc.namespace),
            port: None,
            by: format!("Service {}/{}", svc.namespace, svc.name),
        })
        .collect()
}
