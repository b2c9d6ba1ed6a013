//! What is broken, said once: why an edge is broken in words, and the [`Problem`]s `trace`
//! and `view` find. Which rule reports each problem is not said here but in
//! `checks::catalog`, so `graph`, `trace` and `check` name the same codes.

use super::{Binding, Broken, EdgeKind, HostTarget, RoutingGraph};
use crate::inventory::istio::{Destination, GatewayTarget, VsRoute};
use crate::inventory::{did_you_mean, Inventory, IstioGatewayId, VirtualService, VirtualServiceId};

/// Something in the way of a request, as `trace` and `view` find it: what is wrong, not
/// which rule reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// An edge of the graph without a target, or whose target lacks the port it names.
    Edge(EdgeKind, Broken),
    /// An Istio Gateway whose selector matches no workload.
    NoGatewayPods,
    /// A VirtualService bound to a Gateway that accepts none of its hosts, or a host of it
    /// that none of its Gateways accepts.
    HostNotAccepted,
    /// A route destination subset that no DestinationRule for the host defines.
    NoSubset,
    /// A subset whose labels match none of the pods the Service selects.
    SubsetMatchesNoPods,
    /// A Service selector that matches no workload.
    NoServicePods,
    /// A named Service `targetPort` (or, in a note, a number) that no container declares.
    TargetPortNotDeclared,
    /// Knative traffic percentages that do not add up to 100.
    TrafficNot100,
    /// A cluster-local Knative Service requested through the external gateway.
    ClusterLocalFromOutside,
}

impl Broken {
    /// Why the edge is broken, in one sentence naming the names involved.
    pub fn reason(&self, inv: &Inventory, graph: &RoutingGraph) -> String {
        match self {
            Broken::NoService { namespace, name } => format!(
                "Service {namespace}/{name} does not exist{}",
                did_you_mean(name, inv.names("Service", namespace))
            ),
            Broken::NoPort { service, port } => {
                let svc = inv.service(*service);
                format!(
                    "Service {}/{} has no port {port} (it has {})",
                    svc.namespace,
                    svc.name,
                    svc.describe_ports()
                )
            }
            Broken::PortRequired { service } => {
                let svc = inv.service(*service);
                format!(
                    "the backendRef to Service {}/{} sets no `port` (it has {})",
                    svc.namespace,
                    svc.name,
                    svc.describe_ports()
                )
            }
            Broken::NoGateway { namespace, name } => format!(
                "Gateway {namespace}/{name} does not exist{}",
                did_you_mean(name, inv.names("Gateway", namespace))
            ),
            Broken::NoHost { host } => {
                // A typo is looked for among the hosts of the same domain (namespace) only:
                // comparing with every host would be quadratic on large inputs.
                let domain = host.split_once('.').map_or("", |(_, d)| d);
                let candidates = graph
                    .hosts
                    .names()
                    .filter(|n| n.split_once('.').is_some_and(|(_, d)| d == domain));
                format!(
                    "host `{host}` resolves to no Service, ServiceEntry or Knative Service{}",
                    did_you_mean(host, candidates)
                )
            }
            Broken::KnativeRevision { host, revision } => format!(
                "host `{host}` is the {}Service Knative makes for revision `{}` of {}: route to the Knative Service's host instead",
                if revision.private { "private " } else { "" },
                revision.revision,
                inv.object(revision.owner).display()
            ),
            Broken::NoListener { gateway, section } => format!(
                "{} has no listener `{section}`",
                inv.object(*gateway).display()
            ),
            Broken::NotAllowed { reason, .. } => reason.clone(),
            Broken::NoHostname { gateway } => format!(
                "no listener hostname of {} intersects the route's hostnames",
                inv.object(*gateway).display()
            ),
            Broken::NotPermitted { namespace, also } => {
                let besides = also
                    .as_ref()
                    .map(|b| format!("; besides, {}", b.reason(inv, graph)))
                    .unwrap_or_default();
                format!(
                    "no ReferenceGrant in namespace `{namespace}` allows this cross-namespace backendRef{besides}"
                )
            }
            Broken::NoObject {
                kind,
                namespace,
                name,
            } => format!(
                "{kind} {namespace}/{name} does not exist{}",
                did_you_mean(name, inv.names(kind, namespace))
            ),
        }
    }

    /// A short name for what is missing, for the synthetic node a broken edge points at.
    pub fn missing(&self, inv: &Inventory) -> String {
        match self {
            Broken::NoService { namespace, name } => format!("Service {namespace}/{name}"),
            Broken::NoPort { service, port } => {
                let svc = inv.service(*service);
                format!("port {port} of Service {}/{}", svc.namespace, svc.name)
            }
            Broken::PortRequired { service } => {
                let svc = inv.service(*service);
                format!("port of Service {}/{}", svc.namespace, svc.name)
            }
            Broken::NoGateway { namespace, name } => format!("Gateway {namespace}/{name}"),
            Broken::NoHost { host } => format!("host {host}"),
            Broken::KnativeRevision { revision, .. } => {
                format!("revision {} (managed by Knative)", revision.revision)
            }
            Broken::NoListener { gateway, section } => {
                format!("listener {section} of {}", inv.object(*gateway).display())
            }
            Broken::NotAllowed { gateway, .. } => {
                format!(
                    "a listener of {} that admits it",
                    inv.object(*gateway).display()
                )
            }
            Broken::NoHostname { gateway } => {
                format!("a matching hostname on {}", inv.object(*gateway).display())
            }
            Broken::NotPermitted { namespace, .. } => format!("ReferenceGrant in {namespace}"),
            Broken::NoObject {
                kind,
                namespace,
                name,
            } => format!("{kind} {namespace}/{name}"),
        }
    }
}

/// Gateway hosts that bind nothing: the facts behind [`Problem::HostNotAccepted`].
impl RoutingGraph {
    /// The bindings of VirtualService `v`, adjacent since they are built in VirtualService
    /// order.
    fn bindings_of(&self, v: VirtualServiceId) -> &[Binding] {
        let start = self.bindings.partition_point(|b| b.virtual_service < v);
        let len = self.bindings[start..].partition_point(|b| b.virtual_service == v);
        &self.bindings[start..start + len]
    }

    /// Whether Istio Gateway `g`, named by VirtualService `v`, accepts none of its hosts.
    pub fn accepts_none(&self, inv: &Inventory, v: VirtualServiceId, g: IstioGatewayId) -> bool {
        !inv.virtual_service(v).hosts.is_empty()
            && !self.bindings_of(v).iter().any(|b| b.gateway == g)
    }

    /// Whether host `h` of VirtualService `v` is left out by all of its Gateways while some
    /// other host binds, where that means a dead host: the mesh does not take it, and every
    /// Gateway named exists (a missing one may be the one meant for it).
    pub fn host_unaccepted(&self, inv: &Inventory, v: VirtualServiceId, h: usize) -> bool {
        let vs = inv.virtual_service(v);
        let bound = self.bindings_of(v);
        !bound.is_empty()
            && !vs.binds_mesh()
            && !bound.iter().any(|b| b.host == h)
            && vs.gateways.iter().all(|g| match &g.target {
                GatewayTarget::Named { namespace, name } => {
                    self.istio_gateway(namespace, name).is_some()
                }
                _ => true,
            })
    }
}

/// Route destination ports that reach nothing: the facts behind a broken
/// [`EdgeKind::RouteDestination`] port ([`Broken::NoPort`], [`Broken::PortRequired`]).
impl RoutingGraph {
    /// The port numbers of each of `targets` that declares ports (Services,
    /// ServiceEntries); none when a Knative Service is one, as Knative picks the port.
    fn destination_ports(inv: &Inventory, targets: &[HostTarget]) -> Vec<Vec<i64>> {
        if targets
            .iter()
            .any(|t| matches!(t, HostTarget::KnativeService(_)))
        {
            return Vec::new();
        }
        targets
            .iter()
            .filter_map(|t| match t {
                HostTarget::Service(id) => {
                    Some(inv.service(*id).ports.iter().map(|p| p.port).collect())
                }
                HostTarget::ServiceEntry(i) => Some(
                    inv.service_entries
                        .get(*i)?
                        .ports
                        .iter()
                        .map(|(n, _)| *n)
                        .collect(),
                ),
                HostTarget::KnativeService(_) => None,
            })
            .filter(|ports: &Vec<i64>| !ports.is_empty())
            .collect()
    }

    /// Whether destination `dest`, resolved to `targets`, names a port that none of them
    /// has.
    pub fn port_missing(inv: &Inventory, targets: &[HostTarget], dest: &Destination) -> bool {
        let Some(port) = dest.port else {
            return false;
        };
        let targets = Self::destination_ports(inv, targets);
        !targets.is_empty() && targets.iter().all(|ports| !ports.contains(&port))
    }

    /// Whether destination `dest` of `route` of `vs`, resolved to `targets`, names no port
    /// where they have several and nothing else picks one: a gateway uses its own listener
    /// port, while in the mesh a route whose every match names a port of the target goes to
    /// that port.
    pub fn port_ambiguous(
        inv: &Inventory,
        targets: &[HostTarget],
        vs: &VirtualService,
        route: &VsRoute,
        dest: &Destination,
    ) -> bool {
        if dest.port.is_some() {
            return false;
        }
        let targets = Self::destination_ports(inv, targets);
        let Some(first) = targets.first() else {
            return false;
        };
        let mut distinct = first.clone();
        distinct.sort_unstable();
        distinct.dedup();
        if distinct.len() <= 1 || targets.iter().any(|ports| ports.len() <= 1) {
            return false;
        }
        let at_gateway = vs.gateways.iter().any(|g| g.target != GatewayTarget::Mesh);
        let port_matched = !route.matches.is_empty()
            && route
                .matches
                .iter()
                .all(|m| m.port.is_some_and(|p| first.contains(&p)));
        at_gateway || !port_matched
    }
}
