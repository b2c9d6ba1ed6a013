//! Kubernetes edges: Service selectors and Ingress backends.

use rayon::prelude::*;

use super::{Broken, Edge, EdgeKind, RoutingGraph, Vertex};
use crate::inventory::{Inventory, ServiceId, WorkloadId};

pub(super) fn build(inv: &Inventory, graph: &mut RoutingGraph) {
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
    for (i, pods) in service_pods.iter().enumerate() {
        let sid = ServiceId(u32::try_from(i).unwrap_or(u32::MAX));
        let svc = inv.service(sid);
        let obj = inv.object(svc.object);
        for &w in pods {
            workload_services[w.0 as usize].push(sid);
            graph.edges.push(Edge {
                from: Vertex::Service(sid),
                kind: EdgeKind::Selects,
                to: Ok(Vertex::Workload(w)),
                file: obj.file,
                span: svc.selector.as_ref().map_or(obj.span(), |s| s.span),
                via: "selector".to_string(),
            });
        }
    }
    graph.service_pods = service_pods;
    graph.workload_services = workload_services;

    for ingress in &inv.ingresses {
        let obj = inv.object(ingress.object);
        for backend in &ingress.backends {
            let to = match inv.service_named(&ingress.namespace, &backend.service) {
                None => super::knative::route_service(inv, &ingress.namespace, &backend.service)
                    .map(Vertex::Object)
                    .ok_or_else(|| Broken::NoService {
                        namespace: ingress.namespace.clone(),
                        name: backend.service.clone(),
                    }),
                Some(sid) => match &backend.port {
                    Some(port) if inv.service(sid).port(port).is_none() => Err(Broken::NoPort {
                        service: sid,
                        port: port.clone(),
                    }),
                    _ => Ok(Vertex::Service(sid)),
                },
            };
            let span = match &to {
                Err(Broken::NoPort { .. }) => backend.port_span,
                _ => backend.service_span,
            };
            graph.edges.push(Edge {
                from: Vertex::Object(ingress.object),
                kind: EdgeKind::IngressBackend,
                to: to.map_err(Box::new),
                file: obj.file,
                span,
                via: backend
                    .host
                    .as_deref()
                    .map_or_else(|| "default backend".to_string(), |h| format!("host {h}")),
            });
        }
    }
}
