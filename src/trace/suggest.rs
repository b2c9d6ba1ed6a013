//! When nothing accepts the request: the hosts that something does accept, nearest first.

use super::{AcceptedHost, Cx};
use crate::graph::istio_fqdn;

/// How many accepted hosts to list.
const LIMIT: usize = 10;

pub(super) fn accepted(cx: &Cx<'_>) -> Vec<AcceptedHost> {
    let inv = cx.inv;
    let mut all: Vec<AcceptedHost> = Vec::new();
    let mut add = |host: String, port: Option<i64>, by: String| {
        all.push(AcceptedHost { host, port, by });
    };
    for gw in &inv.istio_gateways {
        let by = format!("Gateway {}/{}", gw.namespace, gw.name);
        for server in &gw.servers {
            for h in &server.hosts {
                add(h.host.clone(), Some(server.port), by.clone());
            }
        }
    }
    for gw in &inv.api_gateways {
        for l in &gw.listeners {
            let host = l
                .hostname
                .as_ref()
                .map_or("*".to_string(), |h| h.value.to_ascii_lowercase());
            add(
                host,
                Some(l.port),
                format!(
                    "Gateway {}/{} listener {}",
                    gw.namespace, gw.name, l.name.value
                ),
            );
        }
    }
    for route in &inv.api_routes {
        for h in &route.hostnames {
            add(
                h.value.to_ascii_lowercase(),
                None,
                format!("{} {}/{}", route.kind, route.namespace, route.name),
            );
        }
    }
    for ingress in &inv.ingresses {
        for b in &ingress.backends {
            if let Some(h) = &b.host {
                add(
                    h.to_ascii_lowercase(),
                    None,
                    format!(
                        "Ingress {}/{} (ports 80, 443)",
                        ingress.namespace, ingress.name
                    ),
                );
            }
        }
    }
    // Gateway-bound VirtualServices are reached through the Gateways' hosts, listed above.
    for vs in inv.virtual_services.iter().filter(|vs| vs.binds_mesh()) {
        for h in &vs.hosts {
            add(
                istio_fqdn(&h.value, &vs.namespace),
                None,
                format!("VirtualService {}/{}", vs.namespace, vs.name),
            );
        }
    }
    for entry in &inv.service_entries {
        for h in &entry.hosts {
            add(
                istio_fqdn(&h.value, &entry.namespace),
                None,
                inv.object(entry.object).display(),
            );
        }
    }
    // Service names only for a request that looks in-cluster: they would drown the rest.
    if cx.cluster_host.is_some() || cx.req.host.contains(".svc") {
        for svc in &inv.services {
            add(
                format!(
                    "{}.{}.svc.{}",
                    svc.name,
                    svc.namespace,
                    crate::graph::CLUSTER_DOMAIN
                ),
                None,
                format!("Service {}/{}", svc.namespace, svc.name),
            );
        }
    }
    let target = cx.host();
    // Hosts that accept the request on another port first, then the closest names.
    let rank = |h: &AcceptedHost| {
        (
            !crate::graph::wildcard::covers(&h.host, target),
            strsim::osa_distance(target, &h.host),
        )
    };
    all.sort_by(|a, b| {
        rank(a)
            .cmp(&rank(b))
            .then_with(|| a.host.cmp(&b.host))
            .then_with(|| a.port.cmp(&b.port))
            .then_with(|| a.by.cmp(&b.by))
    });
    all.dedup();
    all.truncate(LIMIT);
    all
}
