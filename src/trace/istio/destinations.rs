//! The destinations of a VirtualService rule: Service (with subset and port), ServiceEntry
//! or Knative Service, or why the host resolves to none.

use crate::graph::{
    istio_fqdn, wildcard, DestinationHost, EdgeKind, HostTarget, Problem, RoutingGraph, Vertex,
};
use crate::inventory::istio::{Destination, VsRoute};
use crate::inventory::{ServiceId, VirtualService, VirtualServiceId};
use crate::manifest::ObjectId;
use crate::trace::backend::{self, PortChoice, Referrer, Subset};
use crate::trace::{Cx, Hop, TracePath, Walk};

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
    if route.destinations.is_empty() {
        return vec![without_destination(cx, walk, vs, route)];
    }
    let several = route.destinations.len() > 1;
    let resolved = cx.graph.destinations(v, r);
    let mut paths = Vec::new();
    for (dest, host) in route.destinations.iter().zip(resolved) {
        let destination = RuleDestination {
            vs,
            route,
            dest,
            host,
            weight: (several || dest.weight.is_some())
                .then(|| format!("weight {}", dest.weight.unwrap_or(0))),
        };
        paths.extend(destination.paths(cx, &walk));
    }
    paths
}

/// A rule without a destination: answered by the proxy itself, or delegated (which kroute
/// does not follow).
fn without_destination(cx: &Cx<'_>, walk: Walk, vs: &VirtualService, route: &VsRoute) -> TracePath {
    if route.answers_itself {
        return walk.done();
    }
    walk.broken(
        None,
        format!(
            "rule {}[{}] has no route destination (delegation is not followed)",
            route.protocol.key(),
            route.index
        ),
        cx.inv.object(vs.object).file,
        route.span,
    )
}

/// One destination of a rule, with what its host resolves to.
struct RuleDestination<'a> {
    vs: &'a VirtualService,
    route: &'a VsRoute,
    dest: &'a Destination,
    host: &'a DestinationHost,
    /// `weight 10`, when the rule splits traffic.
    weight: Option<String>,
}

impl RuleDestination<'_> {
    /// The paths through the first target of the host (the one Istio routes to).
    fn paths(&self, cx: &Cx<'_>, walk: &Walk) -> Vec<TracePath> {
        match self.host.targets.first() {
            None => self.unresolved(cx, walk).into_iter().collect(),
            Some(HostTarget::Service(id)) => self.service(cx, walk, *id),
            Some(HostTarget::ServiceEntry(i)) => {
                vec![walk.with(self.service_entry_hop(cx, *i)).done()]
            }
            Some(HostTarget::KnativeService(id)) => {
                vec![walk.with(self.knative_service_hop(cx, *id)).done()]
            }
        }
    }

    /// A host that names nothing: why it is broken, or, on Knative's own route to a
    /// revision, the revision's owner.
    fn unresolved(&self, cx: &Cx<'_>, walk: &Walk) -> Option<TracePath> {
        let fqdn = &self.host.fqdn;
        match cx.graph.unresolved_destination(cx.inv, self.vs, fqdn) {
            Err(broken) => {
                let reason = broken.reason(cx.inv, cx.graph);
                Some(walk.clone().broken(
                    Some(Problem::Edge(EdgeKind::RouteDestination, broken)),
                    format!("{reason}{}", weighted(self.dest.weight)),
                    cx.inv.object(self.vs.object).file,
                    self.dest.host.span,
                ))
            }
            // The revision's Service exists once Knative runs, and serves the owner's pods.
            Ok(Vertex::Object(owner)) => {
                let obj = cx.inv.object(owner);
                let hop = cx.object_hop(
                    owner,
                    format!("revision Service {fqdn}, made by Knative"),
                    obj.file,
                    obj.name_span(),
                );
                Some(walk.with(hop).done())
            }
            Ok(_) => None,
        }
    }

    /// The paths through Service `id`, narrowed to the destination's subset.
    fn service(&self, cx: &Cx<'_>, walk: &Walk, id: ServiceId) -> Vec<TracePath> {
        let file = cx.inv.object(self.vs.object).file;
        let subset = match &self.dest.subset {
            None => None,
            Some(name) => match subset(cx, &self.host.fqdn, &self.vs.namespace, &name.value) {
                Some(s) => Some(s),
                None => {
                    return vec![walk.clone().broken(
                        Some(Problem::NoSubset),
                        format!(
                            "subset `{}` is not defined by any DestinationRule for host {}{}",
                            name.value,
                            self.host.fqdn,
                            weighted(self.dest.weight)
                        ),
                        file,
                        name.span,
                    )]
                }
            },
        };
        let port = self
            .dest
            .port
            .map_or(PortChoice::Unspecified, PortChoice::Number);
        let targets = &self.host.targets;
        let reported = RoutingGraph::port_missing(cx.inv, targets, self.dest)
            || RoutingGraph::port_ambiguous(cx.inv, targets, self.vs, self.route, self.dest);
        let at = Referrer {
            edge: reported.then_some(EdgeKind::RouteDestination),
            file,
            span: self.dest.port_span.unwrap_or(self.dest.host.span),
        };
        let extra = self.weight.iter().cloned().collect();
        backend::service(cx, walk, id, port, extra, subset.as_ref(), at)
    }

    /// The hop into ServiceEntry `i`: the hosts and ports it registers.
    fn service_entry_hop(&self, cx: &Cx<'_>, i: usize) -> Hop {
        let entry = &cx.inv.service_entries[i];
        let obj = cx.inv.object(entry.object);
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
        let span = entry
            .hosts
            .iter()
            .find(|h| wildcard::covers(&istio_fqdn(&h.value, &entry.namespace), &self.host.fqdn))
            .map_or_else(|| obj.name_span(), |h| h.span);
        cx.object_hop(entry.object, self.with_weight(detail), obj.file, span)
    }

    /// The hop into Knative Service `id`.
    fn knative_service_hop(&self, cx: &Cx<'_>, id: ObjectId) -> Hop {
        let obj = cx.inv.object(id);
        let detail = self.with_weight("Knative routes it to its revisions".to_string());
        cx.object_hop(id, detail, obj.file, obj.name_span())
    }

    /// `detail`, followed by the destination's weight when the rule splits traffic.
    fn with_weight(&self, detail: String) -> String {
        match &self.weight {
            Some(weight) => format!("{detail}, {weight}"),
            None => detail,
        }
    }
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
