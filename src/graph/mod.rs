//! Graph stage: the routing graph of entry points, routes, Services and workloads.
//!
//! Edges carry provenance (the file and span of the field that creates them) and an edge
//! whose target does not exist is kept as a broken edge with its reason, so rules, `graph`
//! and `trace` all read one structure instead of re-resolving names themselves.

mod broken;
mod destination_rules;
mod gateway_api;
mod host;
mod hosts;
mod istio;
mod knative;
mod kube;
mod revisions;
mod roots;
pub mod wildcard;

use std::collections::HashMap;

pub use broken::Problem;
pub use destination_rules::{DestinationRuleIndex, DestinationRules};
pub use gateway_api::{
    admits, hostname_matches, listener_accepts, namespace_selected, section_listeners, Attachment,
    NAMESPACE_NAME_LABEL,
};
pub use host::{HostForm, ServiceHost, CLUSTER_DOMAIN};
pub use hosts::{istio_fqdn, HostTable, HostTarget};
pub use istio::{Binding, DestinationHost, Resolved};
pub use knative::{expand_template, hosts_of, resolve_ref, route_service, KnativeHost};
pub use revisions::{RevisionHost, RevisionIndex};

use crate::inventory::gateway_api::{ListenerOwner, ParentRef};
use crate::inventory::knative::knative_generated;
use crate::inventory::{
    Inventory, IstioGatewayId, PortRef, ServiceId, VirtualServiceId, WorkloadId,
};
use crate::manifest::ObjectId;
use crate::source::FileId;
use crate::yaml::Span;

/// A vertex of the routing graph.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Vertex {
    /// An object that routes or points: Ingress, Gateway, VirtualService, HTTPRoute,
    /// ServiceEntry, Knative Service, …
    Object(ObjectId),
    Service(ServiceId),
    Workload(WorkloadId),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EdgeKind {
    /// Service selector → workload whose pod template it matches.
    Selects,
    /// Ingress backend → Service.
    IngressBackend,
    /// Istio Gateway selector → gateway workload (any namespace).
    GatewaySelects,
    /// VirtualService `gateways` entry → Istio Gateway (or Gateway API Gateway of that name).
    RouteGateway,
    /// VirtualService route destination → Service, ServiceEntry or Knative Service.
    RouteDestination,
    /// Gateway API route `parentRefs` entry → Gateway (or Service, for mesh routes).
    ParentRef,
    /// Gateway API route `backendRefs` entry → Service.
    BackendRef,
    /// ListenerSet `spec.parentRef` → the Gateway it adds its listeners to.
    ListenerSetParent,
    /// Trigger `spec.subscriber.ref` → the object it names.
    TriggerSubscriber,
    /// Any other Knative eventing Destination `ref` (subscriber, sink, reply, deadLetterSink,
    /// channel, SinkBinding subject) → the object it names.
    EventDestination,
    /// Trigger `spec.broker` → Broker.
    TriggerBroker,
    /// DomainMapping `spec.ref` → Knative Service, Route or Service.
    DomainMappingRef,
}

/// Why an edge has no target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Broken {
    /// No Service of that name in the namespace.
    NoService { namespace: String, name: String },
    /// The Service exists but has no such port.
    NoPort { service: ServiceId, port: PortRef },
    /// A reference to a Service that names no port where one is required: a backendRef
    /// always, an Istio route destination when the Service has several.
    PortRequired { service: ServiceId },
    /// No (Istio or Gateway API) Gateway of that name.
    NoGateway { namespace: String, name: String },
    /// A host that no Service, ServiceEntry or Knative Service provides.
    NoHost { host: String },
    /// A host naming a Service Knative makes for a revision, from a route Knative did not
    /// write: it bypasses the Knative Route (traffic split, tags, the activator).
    KnativeRevision {
        host: String,
        revision: RevisionHost,
    },
    /// The Gateway has no listener with that `sectionName` (and `port`).
    NoListener { gateway: ObjectId, section: String },
    /// No listener admits the route: its namespace or kind is not allowed.
    NotAllowed { gateway: ObjectId, reason: String },
    /// No listener hostname intersects the route's hostnames.
    NoHostname { gateway: ObjectId },
    /// A cross-namespace reference without a ReferenceGrant; `also` is what is wrong with
    /// its target besides (a missing Service or port), which controllers do not look at
    /// once the reference is refused.
    NotPermitted {
        namespace: String,
        also: Option<Box<Broken>>,
    },
    /// No object of that kind and name in the namespace (Knative references).
    NoObject {
        kind: String,
        namespace: String,
        name: String,
    },
}

#[derive(Clone, Debug)]
pub struct Edge {
    pub from: Vertex,
    pub kind: EdgeKind,
    /// Where the edge goes, or why it goes nowhere ([`Edge::target`] reads it). Boxed: most
    /// edges resolve, and the largest reason is nine words where a vertex is one.
    pub to: Result<Vertex, Box<Broken>>,
    /// The field that makes this edge.
    pub file: FileId,
    pub span: Span,
    /// What the edge goes through, for display: `rule http[0]`, `listener https`, `port 80`.
    pub via: String,
}

impl Edge {
    /// Where the edge goes, or why it goes nowhere.
    pub fn target(&self) -> Result<&Vertex, &Broken> {
        self.to.as_ref().map_err(|b| &**b)
    }
}

#[derive(Debug, Default)]
pub struct RoutingGraph {
    pub edges: Vec<Edge>,
    /// Every host a route can target.
    pub hosts: HostTable,
    /// Revision names, for the Services Knative makes for revisions.
    revision_index: RevisionIndex,
    /// DestinationRules by host; read through [`RoutingGraph::destination_rules`].
    destination_rule_index: DestinationRuleIndex,
    /// VirtualService hosts accepted by Istio Gateway servers, in VirtualService order.
    pub bindings: Vec<Binding>,
    /// Gateway API routes attached to listeners.
    pub attachments: Vec<Attachment>,
    /// By Gateway: the ListenerSets it accepts, in the order their listeners follow its own
    /// (by `namespace/name`: creation times are not in manifests).
    gateway_listener_sets: Vec<Vec<usize>>,
    /// Host names Knative Services and Routes are served under.
    pub knative_hosts: Vec<KnativeHost>,
    service_pods: Vec<Vec<WorkloadId>>,
    /// Services whose traffic a TrafficSplit or mesh route sends elsewhere.
    routing_roots: HashMap<ServiceId, ObjectId>,
    workload_services: Vec<Vec<ServiceId>>,
    gateway_pods: Vec<Vec<WorkloadId>>,
    /// VirtualService → rule → destination: what each destination host resolves to.
    destinations: Vec<Vec<Vec<DestinationHost>>>,
    /// VirtualService → rule → mirror: the same for mirrors.
    mirrors: Vec<Vec<Vec<DestinationHost>>>,
    istio_gateway_index: HashMap<(String, String), IstioGatewayId>,
    api_gateway_index: HashMap<(String, String), usize>,
    listener_set_index: HashMap<(String, String), usize>,
    by_source: HashMap<Vertex, Vec<usize>>,
}

impl RoutingGraph {
    pub fn build(inv: &Inventory) -> RoutingGraph {
        let mut graph = RoutingGraph {
            hosts: HostTable::build(inv),
            destination_rule_index: DestinationRuleIndex::build(inv),
            revision_index: RevisionIndex::build(inv),
            istio_gateway_index: inv
                .istio_gateways_by_id()
                .map(|(id, g)| ((g.namespace.clone(), g.name.clone()), id))
                .collect(),
            api_gateway_index: inv
                .api_gateways
                .iter()
                .enumerate()
                .map(|(i, g)| ((g.namespace.clone(), g.name.clone()), i))
                .collect(),
            listener_set_index: inv
                .listener_sets
                .iter()
                .enumerate()
                .map(|(i, g)| ((g.namespace.clone(), g.name.clone()), i))
                .collect(),
            routing_roots: roots::build(inv),
            ..RoutingGraph::default()
        };
        kube::build(inv, &mut graph);
        istio::build(inv, &mut graph);
        gateway_api::build(inv, &mut graph);
        knative::build(inv, &mut graph);
        for (i, edge) in graph.edges.iter().enumerate() {
            graph.by_source.entry(edge.from).or_default().push(i);
        }
        graph
    }

    /// The workloads whose pods a Service selects.
    pub fn service_pods(&self, id: ServiceId) -> &[WorkloadId] {
        &self.service_pods[id.0 as usize]
    }

    /// The object (an SMI TrafficSplit, a Gateway API mesh route) that sends what is
    /// addressed to Service `id` to other Services, when one does: such a Service needs no
    /// pods of its own.
    pub fn routed_elsewhere(&self, id: ServiceId) -> Option<ObjectId> {
        self.routing_roots.get(&id).copied()
    }

    /// The Services that select a workload's pods.
    pub fn workload_services(&self, id: WorkloadId) -> &[ServiceId] {
        &self.workload_services[id.0 as usize]
    }

    /// The gateway workloads an Istio Gateway selects, in any namespace.
    pub fn gateway_pods(&self, gateway: IstioGatewayId) -> &[WorkloadId] {
        self.gateway_pods
            .get(gateway.0 as usize)
            .map_or(&[], Vec::as_slice)
    }

    /// Whether an Istio Gateway that selects workload `pods` has a server on `port`: gateway
    /// pods listen on their Gateways' server ports, which their containers need not declare
    /// (Knative's local gateway Service targets port 8081 of Istio's ingress gateway pods).
    pub fn gateway_listens(&self, inv: &Inventory, pods: WorkloadId, port: i64) -> bool {
        inv.istio_gateways_by_id().any(|(g, gw)| {
            gw.servers.iter().any(|s| s.port == port) && self.gateway_pods(g).contains(&pods)
        })
    }

    /// What the destinations of rule `route` (an index into `VirtualService::routes`) of
    /// VirtualService `vs` resolve to: one entry per destination of the rule, in order.
    pub fn destinations(&self, vs: VirtualServiceId, route: usize) -> &[DestinationHost] {
        self.destinations
            .get(vs.0 as usize)
            .and_then(|routes| routes.get(route))
            .map_or(&[], Vec::as_slice)
    }

    /// The Istio Gateway `namespace/name`.
    pub fn istio_gateway(&self, namespace: &str, name: &str) -> Option<IstioGatewayId> {
        self.istio_gateway_index
            .get(&(namespace.to_string(), name.to_string()))
            .copied()
    }

    /// The Gateway API Gateway `namespace/name`, by index into `Inventory::api_gateways`.
    pub fn api_gateway(&self, namespace: &str, name: &str) -> Option<usize> {
        self.api_gateway_index
            .get(&(namespace.to_string(), name.to_string()))
            .copied()
    }

    /// The ListenerSet `namespace/name`, by index into `Inventory::listener_sets`.
    pub fn listener_set(&self, namespace: &str, name: &str) -> Option<usize> {
        self.listener_set_index
            .get(&(namespace.to_string(), name.to_string()))
            .copied()
    }

    /// The Gateway or ListenerSet a route's parentRef names, when it exists.
    pub fn parent_owner(&self, parent: &ParentRef) -> Option<ListenerOwner> {
        if parent.is_gateway() {
            self.api_gateway(&parent.namespace, &parent.name)
                .map(ListenerOwner::Gateway)
        } else if parent.is_listener_set() {
            self.listener_set(&parent.namespace, &parent.name)
                .map(ListenerOwner::ListenerSet)
        } else {
            None
        }
    }

    /// The ListenerSets Gateway `gateway` accepts, in the order their listeners follow its
    /// own.
    pub fn listener_sets_of(&self, gateway: usize) -> &[usize] {
        self.gateway_listener_sets
            .get(gateway)
            .map_or(&[], Vec::as_slice)
    }

    /// Where a destination of `vs` whose host `fqdn` resolves to nothing goes: the
    /// revision's owner when Knative wrote `vs` (revision Services exist once Knative runs),
    /// else why it is broken.
    pub fn unresolved_destination(
        &self,
        inv: &Inventory,
        vs: &crate::inventory::VirtualService,
        fqdn: &str,
    ) -> Result<Vertex, Broken> {
        match self.revision(fqdn) {
            Some(revision) if knative_generated(inv.object(vs.object)) => {
                Ok(Vertex::Object(revision.owner))
            }
            Some(revision) => Err(Broken::KnativeRevision {
                host: fqdn.to_string(),
                revision,
            }),
            None => Err(Broken::NoHost {
                host: fqdn.to_string(),
            }),
        }
    }

    /// The Knative revision whose Service `fqdn` names, if it names one.
    pub fn revision(&self, fqdn: &str) -> Option<RevisionHost> {
        self.revision_index.lookup(fqdn)
    }

    /// The DestinationRules of `inv` (the inventory the graph was built from) by host.
    pub fn destination_rules<'a>(&'a self, inv: &'a Inventory) -> DestinationRules<'a> {
        DestinationRules::new(inv, &self.destination_rule_index)
    }

    pub fn edges_of(&self, kind: EdgeKind) -> impl Iterator<Item = &Edge> {
        self.edges.iter().filter(move |e| e.kind == kind)
    }

    /// Edges leaving `vertex`, in the order they were built.
    pub fn edges_from(&self, vertex: Vertex) -> impl Iterator<Item = &Edge> {
        self.by_source
            .get(&vertex)
            .into_iter()
            .flatten()
            .map(|i| &self.edges[*i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A large repository's graph holds an edge per reference: most of them resolve, and a
    /// reason for a broken one is boxed so that it costs nothing to those that do.
    #[test]
    fn an_edge_is_small() {
        assert_eq!(std::mem::size_of::<Edge>(), 64);
    }
}
