//! The destinations of a VirtualService rule: Service (with subset and port), ServiceEntry
//! or Knative Service, or why the host resolves to none.

use crate::graph::{
    istio_fqdn, wildcard, DestinationHost, EdgeKind, HostTarget, Problem, RoutingGraph, Vertex,
};
use crate::inventory::VirtualServiceId;
use crate::trace::backend::{self, PortChoice, Referrer, Subset};
use crate::trace::{Cx, TracePath, Walk};

/// The paths from `walk`, which ends at rule `r` (its position in `routes`) of
/// VirtualService `v`, through each destination of the rule, to the targets the graph
/// resolved their hosts to.
pub(super) fn destinations(
    cx: &Cx<'_>,
    walk: Walk,
    v: VirtualServiceId,
    r: usize,
) -> Vec<TracePath> {
    let vs = cx.inv.virtual_service(v);
    let route = &vs.routes[r];
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
    for (dest, DestinationHost { fqdn, targets }) in
        route.destinations.iter().zip(cx.graph.destinations(v, r))
    {
        let mut extra = Vec::new();
        if several || dest.weight.is_some() {
            extra.push(format!("weight {}", dest.weight.unwrap_or(0)));
        }
        match targets.first() {
            None => match cx.graph.unresolved_destination(cx.inv, vs, fqdn) {
                Err(broken) => {
                    let reason = broken.reason(cx.inv, cx.graph);
                    paths.push(walk.clone().broken(
                        Some(Problem::Edge(EdgeKind::RouteDestination, broken)),
                        format!("{reason}{}", weighted(dest.weight)),
                        obj.file,
                        dest.host.span,
                    ));
                }
                Ok(owner) => {
                    // Knative's own route to a revision: the revision's Service exists once
                    // Knative runs, and serves the owner's pods.
                    let Vertex::Object(owner) = owner else {
                        continue;
                    };
                    let owner_obj = cx.inv.object(owner);
                    let hop = cx.object_hop(
                        owner,
                        format!("revision Service {fqdn}, made by Knative"),
                        owner_obj.file,
                        owner_obj.name_span(),
                    );
                    paths.push(walk.clone().with(hop).done());
                }
            },
            Some(HostTarget::Service(sid)) => {
                let subset = match &dest.subset {
                    None => None,
                    Some(name) => match subset(cx, fqdn, &vs.namespace, &name.value) {
                        Some(s) => Some(s),
                        None => {
                            paths.push(walk.clone().broken(
                                Some(Problem::NoSubset),
                                format!(
                                    "subset `{}` is not defined by any DestinationRule for host {fqdn}{}",
                                    name.value,
                                    weighted(dest.weight)
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
                let reported = RoutingGraph::port_missing(cx.inv, targets, dest)
                    || RoutingGraph::port_ambiguous(cx.inv, targets, vs, route, dest);
                paths.extend(backend::service(
                    cx,
                    &walk,
                    *sid,
                    port,
                    extra,
                    subset.as_ref(),
                    Referrer {
                        edge: reported.then_some(EdgeKind::RouteDestination),
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
                    .find(|h| wildcard::covers(&istio_fqdn(&h.value, &entry.namespace), fqdn))
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

/// ` (this destination's weight: 10)`, or nothing for an unweighted destination.
fn weighted(weight: Option<i64>) -> String {
    weight.map_or(String::new(), |w| {
        format!(" (this destination's weight: {w})")
    })
}

/// The subset `name` of the DestinationRules that apply to `fqdn` from `vs_namespace`,
/// looked up as Istio does: the routing namespace's first, then the Service's, then any
/// other.
fn subset(cx: &Cx<'_>, fqdn: &str, vs_namespace: &str, name: &str) -> Option<Subset> {
    let service_namespace = fqdn.split('.').nth(1).unwrap_or_default();
    let mut rules = cx
        .graph
        .destination_rules(cx.inv)
        .for_host(fqdn, Some(vs_namespace));
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
