//! Graph stage: the routing graph of entry points, routes, Services and workloads.
//!
//! Edges carry provenance (the file and span of the field that creates them) and an edge
//! whose target does not exist is kept as a broken edge with its reason, so rules, `graph`
//! and `trace` all read one structure instead of re-resolving names themselves.

mod host;

use rayon::prelude::*;

pub use host::{is_dns_label, HostForm, ServiceHost, CLUSTER_DOMAIN};

use crate::inventory::{Inventory, PortRef, ServiceId, WorkloadId};
use crate::manifest::ObjectId;
use crate::source::FileId;
use crate::yaml::Span;

/// A vertex of the routing graph.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Vertex {
    /// An object that routes or points (Ingress, HPA, …).
    Object(ObjectId),
    Service(ServiceId),
    Workload(WorkloadId),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EdgeKind {
    /// Service selector → workload whose pod template it matches.
    Selects,
    /// Ingress backend → Service.
    IngressBackend,
}

/// Why an edge has no target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Broken {
    /// No Service of that name in the namespace.
    NoService { namespace: String, name: String },
    /// The Service exists but has no such port.
    NoPort { service: ServiceId, port: PortRef },
}

#[derive(Clone, Debug)]
pub struct Edge {
    pub from: Vertex,
    pub kind: EdgeKind,
    pub to: Result<Vertex, Broken>,
    /// The field that makes this edge.
    pub file: FileId,
    pub span: Span,
}

#[derive(Debug, Default)]
pub struct RoutingGraph {
    pub edges: Vec<Edge>,
    service_pods: Vec<Vec<WorkloadId>>,
    workload_services: Vec<Vec<ServiceId>>,
}

impl RoutingGraph {
    pub fn build(inv: &Inventory) -> RoutingGraph {
        let service_pods: Vec<Vec<WorkloadId>> = inv
            .services
            .par_iter()
            .map(|svc| {
                svc.selector
                    .as_ref()
                    .map(|sel| inv.select(&svc.namespace, sel))
                    .unwrap_or_default()
            })
            .collect();
        let mut workload_services = vec![Vec::new(); inv.workloads.len()];
        let mut edges = Vec::new();
        for (i, pods) in service_pods.iter().enumerate() {
            let sid = ServiceId(u32::try_from(i).unwrap_or(u32::MAX));
            let svc = inv.service(sid);
            let obj = inv.object(svc.object);
            for &w in pods {
                workload_services[w.0 as usize].push(sid);
                edges.push(Edge {
                    from: Vertex::Service(sid),
                    kind: EdgeKind::Selects,
                    to: Ok(Vertex::Workload(w)),
                    file: obj.file,
                    span: svc.selector.as_ref().map_or(obj.span(), |s| s.span),
                });
            }
        }
        for ingress in &inv.ingresses {
            let obj = inv.object(ingress.object);
            for backend in &ingress.backends {
                let to = match inv.service_named(&ingress.namespace, &backend.service) {
                    None => Err(Broken::NoService {
                        namespace: ingress.namespace.clone(),
                        name: backend.service.clone(),
                    }),
                    Some(sid) => match &backend.port {
                        Some(port) if inv.service(sid).port(port).is_none() => {
                            Err(Broken::NoPort {
                                service: sid,
                                port: port.clone(),
                            })
                        }
                        _ => Ok(Vertex::Service(sid)),
                    },
                };
                let span = match &to {
                    Err(Broken::NoPort { .. }) => backend.port_span,
                    _ => backend.service_span,
                };
                edges.push(Edge {
                    from: Vertex::Object(ingress.object),
                    kind: EdgeKind::IngressBackend,
                    to,
                    file: obj.file,
                    span,
                });
            }
        }
        RoutingGraph {
            edges,
            service_pods,
            workload_services,
        }
    }

    /// The workloads whose pods a Service selects.
    pub fn service_pods(&self, id: ServiceId) -> &[WorkloadId] {
        &self.service_pods[id.0 as usize]
    }

    /// The Services that select a workload's pods.
    pub fn workload_services(&self, id: WorkloadId) -> &[ServiceId] {
        &self.workload_services[id.0 as usize]
    }

    pub fn edges_of(&self, kind: EdgeKind) -> impl Iterator<Item = &Edge> {
        self.edges.iter().filter(move |e| e.kind == kind)
    }

    /// Resolves an in-cluster host name seen from `from_namespace` to a Service.
    pub fn resolve_host(
        &self,
        inv: &Inventory,
        host: &str,
        from_namespace: &str,
    ) -> Option<(ServiceHost, Option<ServiceId>)> {
        let parsed = ServiceHost::parse(host, from_namespace)?;
        let id = inv.service_named(&parsed.namespace, &parsed.name);
        Some((parsed, id))
    }
}
