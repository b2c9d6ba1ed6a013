//! Knative (net-istio): a host a Knative Service or Route serves enters through Knative's
//! Istio gateway (`knative-serving/knative-ingress-gateway` for external hosts,
//! `knative-serving/knative-local-gateway` for cluster-local ones, or the `config-istio`
//! gateways), reaches the Knative Route, is split over the traffic targets, and ends in the
//! pod template (`reference/knative.md` §b).
//!
//! net-istio writes the VirtualServices itself (`N-ingress`, `N-mesh`), so none is expected
//! in the input: the Route hop stands for them.

use super::{Cx, Entry, Hop, TracePath, Walk};
use crate::graph::{hosts_of, KnativeHost};
use crate::graph::{wildcard, Problem, Vertex};
use crate::inventory::knative::{label_span, Serving, TrafficTarget, VISIBILITY_LABEL};
use crate::inventory::WorkloadId;
use crate::manifest::Object;

/// The port Knative gives the user container when it declares none (`PORT=8080`).
const DEFAULT_PORT: i64 = 8080;

/// Whether a request names this Knative host. Cluster-local hosts are also reached through
/// their expansions `N.ns.svc` and `N.ns`.
fn names(cx: &Cx<'_>, kh: &KnativeHost) -> bool {
    if kh.external {
        // An unknown domain is never the cluster's own (`N.ns.svc[.cluster.local]`).
        let domain = cx.req.host.get(kh.host.len()..).unwrap_or("");
        return kh.serves(&cx.req.host)
            && !(kh.domain_unknown && (domain == "svc" || domain.starts_with("svc.")));
    }
    let host = &cx.req.host;
    kh.host == *host
        || cx.cluster_host.as_deref() == Some(kh.host.as_str())
        || kh.host == format!("{host}.cluster.local")
        || kh.host == format!("{host}.svc.cluster.local")
}

/// Whether some Knative Service or Route serves the request host.
pub(super) fn serves(cx: &Cx<'_>) -> bool {
    cx.graph.knative_hosts.iter().any(|kh| names(cx, kh))
}

/// The gateways net-istio binds Knative hosts to, as `ns/name`: (local, external).
pub(super) fn gateway_names(cx: &Cx<'_>) -> (Vec<String>, Vec<String>) {
    let (local, external) = cx.inv.knative_config.gateways();
    (
        local.into_iter().map(|(g, _)| g).collect(),
        external.into_iter().map(|(g, _)| g).collect(),
    )
}

/// Paths for a host a Knative Service or Route serves, and for the external host a
/// cluster-local one would have (broken: it has none).
pub(super) fn paths(cx: &Cx<'_>) -> Vec<TracePath> {
    let mut paths = Vec::new();
    for kh in cx.graph.knative_hosts.iter().filter(|kh| names(cx, kh)) {
        let Some(serving) = cx.inv.serving.iter().find(|s| s.object == kh.object) else {
            continue;
        };
        paths.extend(through(cx, serving, kh));
    }
    paths.extend(cluster_local_from_outside(cx));
    paths
}

/// The gateway hop for `serving`'s host, or the path broken at the gateway.
fn gateway_hop(cx: &Cx<'_>, serving: &Serving, external: bool) -> Result<Hop, Box<TracePath>> {
    let (local, ext) = gateway_names(cx);
    let name = if external { &ext[0] } else { &local[0] };
    let which = if external { "external" } else { "local" };
    let obj = cx.inv.object(serving.object);
    let found = cx
        .inv
        .istio_gateways_by_id()
        .find(|(_, gw)| format!("{}/{}", gw.namespace, gw.name) == *name);
    let Some((g, gw)) = found else {
        let (namespace, gw_name) = name.split_once('/').unwrap_or(("", name));
        return Ok(Hop {
            vertex: None,
            group: "networking.istio.io".to_string(),
            kind: "Gateway".to_string(),
            namespace: namespace.to_string(),
            name: gw_name.to_string(),
            port: None,
            detail: format!(
                "Knative's {which} gateway (provided by the platform, not in the input)"
            ),
            file: obj.file,
            span: obj.name_span(),
            notes: Vec::new(),
        });
    };
    let gw_obj = cx.inv.object(gw.object);
    // The local gateway listens on 8081 behind Service port 80: only hosts count there.
    let server = gw.servers.iter().find_map(|s| {
        let port_ok = !external || cx.req.port.is_none_or(|p| p == s.port);
        let host = s
            .hosts
            .iter()
            .find(|h| wildcard::covers(&h.host, &cx.req.host) || !external && h.host == "*")?;
        port_ok.then_some((s, host))
    });
    match server {
        Some((s, h)) => Ok(cx.object_hop(
            gw.object,
            format!(
                "Knative's {which} gateway: server {} {}, host {}{}",
                s.port,
                s.protocol,
                h.host,
                cx.on_pods(g)
            ),
            gw_obj.file,
            h.span,
        )),
        None => {
            let accepts = gw.accepted_hosts();
            let hop = cx.object_hop(
                gw.object,
                format!("Knative's {which} gateway"),
                gw_obj.file,
                gw_obj.name_span(),
            );
            Err(Box::new(Walk::new(Entry::Knative).with(hop).broken(
                None,
                format!(
                    "no server of {} accepts host {}{} (it accepts {}): the gateway never sees the request",
                    gw_obj.display(),
                    cx.req.host,
                    cx.req.port.map_or(String::new(), |p| format!(" on port {p}")),
                    if accepts.is_empty() { "nothing".to_string() } else { accepts.join(", ") }
                ),
                gw_obj.file,
                gw_obj.name_span(),
            )))
        }
    }
}

/// The Route hop: the Knative Service or Route itself, standing for net-istio's
/// VirtualServices.
fn route_hop(cx: &Cx<'_>, serving: &Serving, obj: &Object, kh: &KnativeHost) -> Hop {
    let visibility = if kh.external {
        "external"
    } else {
        "cluster-local"
    };
    let mut detail = match &kh.tag {
        Some(tag) => format!("tag host {} ({visibility}): only tag `{tag}`", cx.req.host),
        None => format!(
            "host {} ({visibility}), split by {}",
            cx.req.host,
            if serving.traffic_defaulted {
                "Knative's default traffic (100% latest)"
            } else {
                "spec.traffic"
            }
        ),
    };
    if kh.domain_unknown {
        let domain = &cx.req.host[kh.host.len()..];
        detail.push_str(&format!(
            "; no config-domain default domain in the input: domain `{domain}` assumed"
        ));
    }
    Hop {
        vertex: Some(Vertex::Object(serving.object)),
        group: obj.group.to_string(),
        kind: "Route".to_string(),
        namespace: serving.namespace.clone(),
        name: serving.name.clone(),
        port: None,
        detail,
        file: obj.file,
        span: obj.name_span(),
        notes: Vec::new(),
    }
}

/// Gateway → Route → each traffic target → pod template.
fn through(cx: &Cx<'_>, serving: &Serving, kh: &KnativeHost) -> Vec<TracePath> {
    let obj = cx.inv.object(serving.object);
    let walk = match gateway_hop(cx, serving, kh.external) {
        Ok(hop) => Walk::new(Entry::Knative).with(hop),
        Err(path) => return vec![*path],
    };
    let walk = walk.with(route_hop(cx, serving, obj, kh));
    // The webhook rejects the whole object, tag hosts included.
    let sum: i64 = serving.traffic.iter().map(|t| t.percent).sum();
    if sum != 100 {
        return vec![walk.broken(
            Some(Problem::TrafficNot100),
            format!(
                "traffic percents of Knative {} add up to {sum}, not 100: Knative's webhook rejects it, so no Route serves the host",
                obj.display()
            ),
            obj.file,
            serving.traffic_span,
        )];
    }
    let targets: Vec<&TrafficTarget> = serving
        .traffic
        .iter()
        .filter(|t| match &kh.tag {
            Some(tag) => t.tag.as_ref().is_some_and(|x| x.value == *tag),
            None => t.percent > 0,
        })
        .collect();
    targets
        .into_iter()
        .map(|t| target(cx, serving, obj, &walk, t, kh.tag.is_none()))
        .collect()
}

/// The hop into one traffic target, then the pod template that runs it.
fn target(
    cx: &Cx<'_>,
    serving: &Serving,
    obj: &Object,
    walk: &Walk,
    t: &TrafficTarget,
    split: bool,
) -> TracePath {
    let byo = serving.revision_name.as_ref();
    let (name, how, span) = match (&t.revision_name, t.latest_revision) {
        (Some(r), false) => {
            let current = byo.is_some_and(|b| b.value == r.value);
            let how = if current {
                "pinned revisionName (the current template's spec.template.metadata.name)"
            } else {
                "pinned revisionName"
            };
            (r.value.clone(), how.to_string(), r.span)
        }
        _ => match byo {
            Some(b) => (
                b.value.clone(),
                "latest revision, named by spec.template.metadata.name".to_string(),
                b.span,
            ),
            None => (
                format!("{}-00001", serving.name),
                "latest revision, named by the cluster (`-00001` on the first deploy)".to_string(),
                if serving.traffic_defaulted {
                    obj.name_span()
                } else {
                    t.span
                },
            ),
        },
    };
    let mut detail = String::new();
    if split {
        detail.push_str(&format!("{}%, ", t.percent));
    }
    if let Some(tag) = &t.tag {
        detail.push_str(&format!("tag {}, ", tag.value));
    }
    detail.push_str(&how);
    let hop = Hop {
        vertex: None,
        group: obj.group.to_string(),
        kind: "Revision".to_string(),
        namespace: serving.namespace.clone(),
        name: name.clone(),
        port: None,
        detail,
        file: obj.file,
        span,
        notes: Vec::new(),
    };
    let walk = walk.with(hop);
    // Which pod template runs the target: the Service's own, or the named Configuration's.
    let template_owner = match (&serving.kind[..], &t.configuration_name) {
        ("Route", Some(c)) => cx
            .inv
            .find("Configuration", &serving.namespace, &c.value)
            .find(|o| o.group == obj.group)
            .map(|o| o.id),
        ("Route", None) => None,
        _ => Some(serving.object),
    };
    let Some(owner) = template_owner else {
        return walk.done();
    };
    let Some(w) = cx
        .inv
        .workloads
        .iter()
        .position(|w| w.object == owner)
        .and_then(|i| u32::try_from(i).ok())
        .map(WorkloadId)
    else {
        return walk.done();
    };
    let pinned_elsewhere = t.revision_name.is_some()
        && !t.latest_revision
        && byo.is_none_or(|b| t.revision_name.as_ref().is_some_and(|r| r.value != b.value));
    walk.with(pod_template(cx, w, pinned_elsewhere)).done()
}

/// The serving container and its port (8080 when none is declared).
fn pod_template(cx: &Cx<'_>, id: WorkloadId, pinned: bool) -> Hop {
    let w = cx.inv.workload(id);
    let container = w
        .containers
        .iter()
        .find(|c| !c.ports.is_empty())
        .or_else(|| w.containers.first());
    let (mut detail, span) = match container {
        None => ("pod template (no container)".to_string(), None),
        Some(c) => {
            let name = if c.name.is_empty() {
                "user-container"
            } else {
                c.name.as_str()
            };
            match c.ports.first() {
                Some(p) => (
                    format!("container {name}, port {}", p.port),
                    Some(p.span),
                ),
                None => (
                    format!("container {name}, port {DEFAULT_PORT} (Knative's default: no port declared)"),
                    Some(c.span),
                ),
            }
        }
    };
    if pinned {
        detail.push_str(
            "; this is the current template, the pinned revision runs the one it was created from",
        );
    }
    cx.workload_hop(id, detail, span)
}

/// A request for the external host a cluster-local Knative Service would have: the external
/// gateway has no route for it.
fn cluster_local_from_outside(cx: &Cx<'_>) -> Vec<TracePath> {
    let mut paths = Vec::new();
    for serving in cx
        .inv
        .serving
        .iter()
        .filter(|s| s.cluster_local && s.kind != "Configuration")
    {
        let public = Serving {
            cluster_local: false,
            ..serving.clone()
        };
        let Some(kh) = hosts_of(cx.inv, &public)
            .into_iter()
            .find(|kh| kh.external && kh.serves(&cx.req.host))
        else {
            continue;
        };
        let obj = cx.inv.object(serving.object);
        let walk = match gateway_hop(cx, serving, true) {
            Ok(hop) => Walk::new(Entry::Knative).with(hop),
            Err(path) => {
                paths.push(*path);
                continue;
            }
        };
        let mut route = route_hop(cx, serving, obj, &kh);
        route.detail = format!("would serve host {} if it were public", cx.req.host);
        paths.push(walk.with(route).broken(
            Some(Problem::ClusterLocalFromOutside),
            format!(
                "Knative {} is labelled `{VISIBILITY_LABEL}: cluster-local`: Knative gives it only cluster-local hosts ({}.{}.svc.cluster.local), so the external gateway answers 404",
                obj.display(),
                serving.name,
                serving.namespace
            ),
            obj.file,
            label_span(obj, VISIBILITY_LABEL),
        ));
    }
    paths
}
