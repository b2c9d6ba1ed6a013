//! Builds the [`GraphView`] from the inventory and the routing graph.

use std::collections::HashMap;

use super::labels::{
    backend_label, destination_label, destination_port_missing, ingress_label, ByObject,
};
use super::{EdgeBreak, GraphView, LabelPart, NodeKind, Resource, ViewEdge, ViewNode};
use crate::graph::{
    istio_fqdn, Broken, Edge, EdgeKind, Problem, RoutingGraph, Vertex, CLUSTER_DOMAIN,
};
use crate::inventory::{ApiGateway, Inventory, PortRef, ServiceId, WorkloadId};
use crate::manifest::{Object, ObjectId};
use crate::source::FileId;
use crate::yaml::Span;

struct Builder<'a> {
    inv: &'a Inventory,
    graph: &'a RoutingGraph,
    by: ByObject<'a>,
    view: GraphView,
    by_key: HashMap<String, usize>,
    /// `(from, to, broken)` → edge index, to merge parallel edges' labels.
    by_pair: HashMap<(usize, usize, bool), usize>,
}

/// The key of the entry node of listener `l` of a Gateway or ListenerSet.
fn listener_key(owner: &ApiGateway, l: usize) -> String {
    if owner.is_listener_set() {
        format!(
            "entry:gateway-api:{}:{}/{}:{l}",
            owner.kind, owner.namespace, owner.name
        )
    } else {
        format!("entry:gateway-api:{}/{}:{l}", owner.namespace, owner.name)
    }
}

pub(super) fn build(inv: &Inventory, graph: &RoutingGraph) -> GraphView {
    let mut b = Builder {
        inv,
        graph,
        by: ByObject::new(inv, graph),
        view: GraphView::default(),
        by_key: HashMap::new(),
        by_pair: HashMap::new(),
    };
    b.istio_entries();
    b.listener_entries();
    b.routes();
    b.backends();
    b.workloads();
    b.edges();
    b.view
}

fn resource(obj: &Object) -> Resource {
    Resource {
        kind: obj.kind.to_string(),
        namespace: obj.namespace.to_string(),
        name: obj.name.to_string(),
    }
}

impl Builder<'_> {
    fn add(&mut self, node: ViewNode) -> usize {
        if let Some(&i) = self.by_key.get(&node.key) {
            return i;
        }
        let i = self.view.nodes.len();
        self.by_key.insert(node.key.clone(), i);
        self.view.nodes.push(node);
        i
    }

    fn edge(
        &mut self,
        from: usize,
        to: usize,
        label: String,
        broken: Option<EdgeBreak>,
        at: Option<(FileId, Span)>,
    ) {
        let part = LabelPart {
            text: label,
            problem: broken.as_ref().map(|b| b.problem.clone()),
        };
        let key = (from, to, broken.is_some());
        if let Some(&i) = self.by_pair.get(&key) {
            self.view.edges[i].label.push(part);
            return;
        }
        self.by_pair.insert(key, self.view.edges.len());
        self.view.edges.push(ViewEdge {
            from,
            to,
            label: vec![part],
            broken,
            location: at,
        });
    }

    fn missing(&mut self, what: String) -> usize {
        self.add(ViewNode {
            key: format!("missing:{what}"),
            kind: NodeKind::Missing,
            title: format!("missing: {what}"),
            lines: Vec::new(),
            namespace: None,
            resource: None,
            hosts: Vec::new(),
            location: None,
        })
    }

    fn broken(
        &mut self,
        from: usize,
        what: String,
        problem: Problem,
        reason: String,
        label: String,
        at: Option<(FileId, Span)>,
    ) {
        let to = self.missing(what);
        self.edge(from, to, label, Some(EdgeBreak { problem, reason }), at);
    }

    /// `edge`, from node `from`, broken as `broken`.
    fn broken_edge(&mut self, from: usize, broken: Broken, label: String, edge: &Edge) {
        let what = broken.missing(self.inv);
        let reason = broken.reason(self.inv, self.graph);
        let problem = Problem::Edge(edge.kind, broken);
        self.broken(
            from,
            what,
            problem,
            reason,
            label,
            Some((edge.file, edge.span)),
        );
    }

    fn istio_entries(&mut self) {
        let (inv, graph) = (self.inv, self.graph);
        for (g, gw) in inv.istio_gateways_by_id() {
            let obj = inv.object(gw.object);
            for (s, server) in gw.servers.iter().enumerate() {
                for (h, host) in server.hosts.iter().enumerate() {
                    let entry = self.add(ViewNode {
                        key: format!("entry:istio:{}/{}:{s}:{h}", gw.namespace, gw.name),
                        kind: NodeKind::Entry,
                        title: format!("{}:{}", host.host, server.port),
                        lines: vec![format!(
                            "{} · Gateway {}/{}",
                            server.protocol, gw.namespace, gw.name
                        )],
                        namespace: Some(gw.namespace.clone()),
                        resource: Some(resource(obj)),
                        hosts: vec![host.host.clone()],
                        location: Some((obj.file, host.span)),
                    });
                    for &w in graph.gateway_pods(g) {
                        let from = self.workload(w);
                        self.edge(from, entry, String::new(), None, None);
                    }
                    if let (Some(selector), true) = (&gw.selector, graph.gateway_pods(g).is_empty())
                    {
                        let labels = selector.describe();
                        self.broken(
                            entry,
                            format!("gateway workload {labels}"),
                            Problem::NoGatewayPods,
                            format!(
                                "no workload in the input matches the selector {labels} of {}",
                                obj.display()
                            ),
                            String::new(),
                            Some((obj.file, selector.span)),
                        );
                    }
                }
            }
        }
    }

    fn listener_entries(&mut self) {
        let inv = self.inv;
        for gw in inv.api_gateways.iter().chain(&inv.listener_sets) {
            let obj = inv.object(gw.object);
            for (l, listener) in gw.listeners.iter().enumerate() {
                let host = listener
                    .hostname
                    .as_ref()
                    .map_or("*".to_string(), |h| h.value.to_ascii_lowercase());
                self.add(ViewNode {
                    key: listener_key(gw, l),
                    kind: NodeKind::Entry,
                    title: format!("{host}:{}", listener.port),
                    lines: vec![format!(
                        "{} · listener {} · {} {}/{}",
                        listener.protocol, listener.name.value, gw.kind, gw.namespace, gw.name
                    )],
                    namespace: Some(gw.namespace.clone()),
                    resource: Some(resource(obj)),
                    hosts: vec![host],
                    location: Some((obj.file, listener.span)),
                });
            }
        }
    }

    fn object_node(&mut self, id: ObjectId) -> usize {
        let (inv, graph) = (self.inv, self.graph);
        let obj = inv.object(id);
        let key = format!(
            "object:{}/{}/{}/{}",
            obj.group, obj.kind, obj.namespace, obj.name
        );
        if let Some(&i) = self.by_key.get(&key) {
            return i;
        }
        let (kind, title, lines, hosts) =
            if obj.group == "serving.knative.dev" && obj.kind == "Service" {
                let mut hosts = vec![format!(
                    "{}.{}.svc.{CLUSTER_DOMAIN}",
                    obj.name, obj.namespace
                )];
                hosts.extend(
                    graph
                        .knative_hosts
                        .iter()
                        .filter(|h| h.object == id && !h.domain_unknown)
                        .map(|h| h.host.clone()),
                );
                (
                    NodeKind::KnativeService,
                    format!("Knative Service {}/{}", obj.namespace, obj.name),
                    Vec::new(),
                    hosts,
                )
            } else if let Some(vs) = self.by.virtual_service(id) {
                let names: Vec<&str> = vs.hosts.iter().map(|h| h.value.as_str()).collect();
                let mut lines = vec![names.join(", ")];
                if vs.binds_mesh() {
                    lines.push("mesh".to_string());
                }
                let hosts = vs
                    .hosts
                    .iter()
                    .map(|h| istio_fqdn(&h.value, &vs.namespace))
                    .collect();
                (NodeKind::Route, obj.display(), lines, hosts)
            } else if let Some(route) = self.by.api_routes.get(&id).copied() {
                let names: Vec<&str> = route.hostnames.iter().map(|h| h.value.as_str()).collect();
                let lines = if names.is_empty() {
                    Vec::new()
                } else {
                    vec![names.join(", ")]
                };
                let hosts = route
                    .hostnames
                    .iter()
                    .map(|h| h.value.to_ascii_lowercase())
                    .collect();
                (NodeKind::Route, obj.display(), lines, hosts)
            } else if let Some(ingress) = self.by.ingresses.get(&id).copied() {
                let mut hosts: Vec<String> = ingress
                    .backends
                    .iter()
                    .filter_map(|b| b.host.clone())
                    .collect();
                hosts.dedup();
                let lines = if hosts.is_empty() {
                    Vec::new()
                } else {
                    vec![hosts.join(", ")]
                };
                (NodeKind::Route, obj.display(), lines, hosts)
            } else if let Some(entry) = self
                .by
                .service_entries
                .get(&id)
                .map(|i| &inv.service_entries[*i])
            {
                let names: Vec<&str> = entry.hosts.iter().map(|h| h.value.as_str()).collect();
                let hosts = entry
                    .hosts
                    .iter()
                    .map(|h| istio_fqdn(&h.value, &entry.namespace))
                    .collect();
                (
                    NodeKind::ServiceEntry,
                    obj.display(),
                    vec![names.join(", ")],
                    hosts,
                )
            } else {
                (NodeKind::Other, obj.display(), Vec::new(), Vec::new())
            };
        self.add(ViewNode {
            key,
            kind,
            title,
            lines,
            namespace: (!obj.namespace.is_empty()).then(|| obj.namespace.to_string()),
            resource: Some(resource(obj)),
            hosts,
            location: Some((obj.file, obj.name_span())),
        })
    }

    fn service(&mut self, id: ServiceId) -> usize {
        let inv = self.inv;
        let svc = inv.service(id);
        let obj = inv.object(svc.object);
        let mut lines = vec![svc.describe_ports()];
        if svc.type_ != "ClusterIP" {
            lines.push(svc.type_.clone());
        }
        self.add(ViewNode {
            key: format!("Service/{}/{}", svc.namespace, svc.name),
            kind: NodeKind::Service,
            title: format!("Service {}/{}", svc.namespace, svc.name),
            lines,
            namespace: Some(svc.namespace.clone()),
            resource: Some(resource(obj)),
            hosts: vec![format!(
                "{}.{}.svc.{CLUSTER_DOMAIN}",
                svc.name, svc.namespace
            )],
            location: Some((obj.file, obj.name_span())),
        })
    }

    fn workload(&mut self, id: WorkloadId) -> usize {
        let inv = self.inv;
        let w = inv.workload(id);
        let obj = inv.object(w.object);
        let ports: Vec<String> = w
            .ports()
            .map(|p| match &p.name {
                Some(n) => format!("{} ({n})", p.port),
                None => p.port.to_string(),
            })
            .collect();
        self.add(ViewNode {
            key: format!(
                "workload:{}/{}/{}/{}",
                obj.group, w.kind, w.namespace, w.name
            ),
            kind: NodeKind::Workload,
            title: format!("{} {}/{}", w.kind, w.namespace, w.name),
            lines: if ports.is_empty() {
                Vec::new()
            } else {
                vec![ports.join(", ")]
            },
            namespace: Some(w.namespace.clone()),
            resource: Some(resource(obj)),
            hosts: Vec::new(),
            location: Some((obj.file, obj.name_span())),
        })
    }

    fn vertex(&mut self, v: Vertex) -> usize {
        match v {
            Vertex::Object(id) => self.object_node(id),
            Vertex::Service(id) => self.service(id),
            Vertex::Workload(id) => self.workload(id),
        }
    }

    /// Routes, in input order, with the entry points they attach to.
    fn routes(&mut self) {
        let (inv, graph) = (self.inv, self.graph);
        for vs in &inv.virtual_services {
            self.object_node(vs.object);
        }
        for b in &graph.bindings {
            let vs = inv.virtual_service(b.virtual_service);
            let gw = inv.istio_gateway(b.gateway);
            let key = format!(
                "entry:istio:{}/{}:{}:{}",
                gw.namespace, gw.name, b.server, b.server_host
            );
            let (Some(&entry), Some(host)) = (self.by_key.get(&key), vs.hosts.get(b.host)) else {
                continue;
            };
            let to = self.object_node(vs.object);
            self.edge(entry, to, host.value.clone(), None, None);
        }
        for route in &inv.api_routes {
            self.object_node(route.object);
        }
        for a in &graph.attachments {
            let route = &inv.api_routes[a.route];
            let key = listener_key(inv.listener_owner(a.owner), a.listener);
            let Some(&entry) = self.by_key.get(&key) else {
                continue;
            };
            let to = self.object_node(route.object);
            let label: Vec<&str> = route.hostnames.iter().map(|h| h.value.as_str()).collect();
            self.edge(entry, to, label.join(", "), None, None);
        }
        for ingress in &inv.ingresses {
            self.object_node(ingress.object);
        }
    }

    fn backends(&mut self) {
        let inv = self.inv;
        for i in 0..inv.services.len() {
            self.service(ServiceId(u32::try_from(i).unwrap_or(u32::MAX)));
        }
        for entry in &inv.service_entries {
            self.object_node(entry.object);
        }
        for obj in &inv.objects {
            if obj.group == "serving.knative.dev" && obj.kind == "Service" {
                self.object_node(obj.id);
            }
        }
    }

    /// Workloads that serve a Service, in input order; a Service that selects none points at
    /// a missing node.
    fn workloads(&mut self) {
        let (inv, graph) = (self.inv, self.graph);
        let mut selected: Vec<WorkloadId> = (0..inv.services.len())
            .flat_map(|i| graph.service_pods(ServiceId(u32::try_from(i).unwrap_or(u32::MAX))))
            .copied()
            .collect();
        selected.sort_unstable();
        selected.dedup();
        for w in selected {
            self.workload(w);
        }
        for (i, svc) in inv.services.iter().enumerate() {
            let id = ServiceId(u32::try_from(i).unwrap_or(u32::MAX));
            let Some(selector) = &svc.selector else {
                continue;
            };
            if graph.service_pods(id).is_empty() && graph.routed_elsewhere(id).is_none() {
                let from = self.service(id);
                let labels = selector.describe();
                self.broken(
                    from,
                    format!("pods {labels} in {}", svc.namespace),
                    Problem::NoServicePods,
                    format!(
                        "Service {}/{} selects no pods: no workload in namespace `{}` has labels {labels}",
                        svc.namespace, svc.name, svc.namespace
                    ),
                    String::new(),
                    Some((inv.object(svc.object).file, selector.span)),
                );
            }
        }
    }

    fn edges(&mut self) {
        let graph = self.graph;
        let mut ingress_backends: HashMap<Vertex, usize> = HashMap::new();
        for edge in &graph.edges {
            let label = match edge.kind {
                EdgeKind::GatewaySelects => continue,
                EdgeKind::Selects => String::new(),
                EdgeKind::IngressBackend => {
                    let n = ingress_backends.entry(edge.from).or_default();
                    let label =
                        ingress_label(&self.by, edge.from, *n).unwrap_or_else(|| edge.via.clone());
                    *n += 1;
                    label
                }
                EdgeKind::RouteDestination => destination_label(&self.by, edge),
                EdgeKind::BackendRef => backend_label(&self.by, edge),
                _ => edge.via.clone(),
            };
            match edge.target() {
                Err(broken) => {
                    let from = self.vertex(edge.from);
                    self.broken_edge(from, broken.clone(), label, edge);
                }
                // Represented by bindings and attachments.
                Ok(Vertex::Object(_))
                    if matches!(edge.kind, EdgeKind::RouteGateway | EdgeKind::ParentRef) =>
                {
                    if edge.kind == EdgeKind::RouteGateway {
                        self.unbound(edge);
                    }
                }
                // A mesh route (GAMMA) applies to requests for its parent Service.
                Ok(Vertex::Service(sid)) if edge.kind == EdgeKind::ParentRef => {
                    let from = self.service(*sid);
                    let to = self.vertex(edge.from);
                    self.edge(
                        from,
                        to,
                        "mesh parentRef".to_string(),
                        None,
                        Some((edge.file, edge.span)),
                    );
                }
                Ok(Vertex::Service(sid)) if edge.kind == EdgeKind::RouteDestination => {
                    let from = self.vertex(edge.from);
                    match destination_port_missing(&self.by, edge) {
                        Some(port) => {
                            let broken = Broken::NoPort {
                                service: *sid,
                                port: PortRef::Number(port),
                            };
                            self.broken_edge(from, broken, label, edge);
                        }
                        None => {
                            let to = self.service(*sid);
                            self.edge(from, to, label, None, Some((edge.file, edge.span)));
                        }
                    }
                }
                Ok(to) => {
                    let from = self.vertex(edge.from);
                    let to = self.vertex(*to);
                    self.edge(from, to, label, None, Some((edge.file, edge.span)));
                }
            }
        }
    }

    /// A VirtualService bound to an existing Gateway none of whose servers accepts any of its
    /// hosts.
    fn unbound(&mut self, edge: &Edge) {
        let (inv, graph) = (self.inv, self.graph);
        let (Vertex::Object(vs_obj), Ok(Vertex::Object(gw_obj))) = (edge.from, edge.target())
        else {
            return;
        };
        let (Some(&v), Some(&g)) = (
            self.by.virtual_services.get(&vs_obj),
            self.by.istio_gateways.get(gw_obj),
        ) else {
            return;
        };
        if !graph.accepts_none(inv, v, g) {
            return;
        }
        let vs = inv.virtual_service(v);
        let hosts: Vec<&str> = vs.hosts.iter().map(|h| h.value.as_str()).collect();
        let gw = inv.object(*gw_obj);
        let from = self.object_node(vs_obj);
        self.broken(
            from,
            format!("server for {} on {}", hosts.join(", "), gw.display()),
            Problem::HostNotAccepted,
            format!(
                "no server of {} accepts the hosts of {}",
                gw.display(),
                inv.object(vs_obj).display()
            ),
            String::new(),
            Some((edge.file, edge.span)),
        );
    }
}
