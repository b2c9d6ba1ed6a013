//! The common end of every path: a Service, its port, and the workloads whose pods it
//! selects (narrowed by an Istio subset), down to the container port that answers.

use std::collections::BTreeMap;

use super::{Cx, Note, TracePath, Walk};
use crate::graph::{Broken, EdgeKind, Problem};
use crate::inventory::{describe_labels, PortRef, ServiceId, ServicePort, Workload};
use crate::source::FileId;
use crate::yaml::Span;

/// Which Service port a reference asks for.
#[derive(Clone, Copy, Debug)]
pub(super) enum PortChoice<'a> {
    /// A number that must be one of the Service's ports.
    Number(i64),
    /// A number or name (an Ingress backend).
    Ref(&'a PortRef),
    /// None given: fine when the Service has exactly one port.
    Unspecified,
    /// An in-cluster request: the request's port if it gave one, else any.
    Any(Option<i64>),
}

/// An Istio subset: the labels that narrow the Service's pods.
#[derive(Clone, Debug)]
pub(super) struct Subset {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    /// The DestinationRule that defines it, as `DestinationRule ns/name`.
    pub defined_by: String,
    pub file: FileId,
    pub span: Span,
}

/// Where the reference to the Service is written, and the kind of graph edge it makes when
/// a rule reports its port problems.
#[derive(Clone, Copy, Debug)]
pub(super) struct Referrer {
    pub edge: Option<EdgeKind>,
    pub file: FileId,
    pub span: Span,
}

impl Referrer {
    /// The problem of a reference broken as `broken`, when a rule reports it.
    fn problem(&self, broken: Broken) -> Option<Problem> {
        self.edge.map(|kind| Problem::Edge(kind, broken))
    }
}

/// The paths from `walk` through Service `id`, one per workload that serves it.
pub(super) fn service(
    cx: &Cx<'_>,
    walk: &Walk,
    id: ServiceId,
    port: PortChoice<'_>,
    mut extra: Vec<String>,
    subset: Option<&Subset>,
    at: Referrer,
) -> Vec<TracePath> {
    let svc = cx.inv.service(id);
    let obj = cx.inv.object(svc.object);
    let display = format!("Service {}/{}", svc.namespace, svc.name);
    let chosen: Option<&ServicePort> = match port {
        PortChoice::Number(n) => match svc.port(&PortRef::Number(n)) {
            Some(p) => Some(p),
            None => {
                return vec![walk.clone().broken(
                    at.problem(Broken::NoPort {
                        service: id,
                        port: PortRef::Number(n),
                    }),
                    format!(
                        "{display} has no port {n} (it has {})",
                        svc.describe_ports()
                    ),
                    at.file,
                    at.span,
                )]
            }
        },
        PortChoice::Ref(r) => match svc.port(r) {
            Some(p) => Some(p),
            None => {
                return vec![walk.clone().broken(
                    at.problem(Broken::NoPort {
                        service: id,
                        port: r.clone(),
                    }),
                    format!(
                        "{display} has no port {r} (it has {})",
                        svc.describe_ports()
                    ),
                    at.file,
                    at.span,
                )]
            }
        },
        PortChoice::Unspecified => match svc.ports.as_slice() {
            [only] => Some(only),
            [] => None,
            _ => {
                return vec![walk.clone().broken(
                    at.problem(Broken::PortRequired { service: id }),
                    format!(
                        "no port is named, and {display} has several ({})",
                        svc.describe_ports()
                    ),
                    at.file,
                    at.span,
                )]
            }
        },
        PortChoice::Any(Some(n)) => match svc.port(&PortRef::Number(n)) {
            Some(p) => Some(p),
            None => {
                return vec![walk.clone().broken(
                    None,
                    format!(
                        "{display} has no port {n} (it has {})",
                        svc.describe_ports()
                    ),
                    obj.file,
                    obj.name_span(),
                )]
            }
        },
        PortChoice::Any(None) => match svc.ports.as_slice() {
            [only] => Some(only),
            _ => None,
        },
    };
    let mut detail = match chosen {
        Some(p) => {
            let name = p
                .name
                .as_deref()
                .map_or(String::new(), |n| format!(" ({n})"));
            format!("port {}{name} → targetPort {}", p.port, target(&p.target))
        }
        None => format!("ports {}", svc.describe_ports()),
    };
    if let Some(s) = subset {
        extra.push(format!(
            "subset {} ({}, {})",
            s.name,
            describe_labels(&s.labels),
            s.defined_by
        ));
    }
    for e in &extra {
        detail.push_str(", ");
        detail.push_str(e);
    }
    let span = chosen.map_or_else(|| obj.name_span(), |p| p.span);
    if svc.type_ == "ExternalName" {
        let external = obj
            .spec()
            .and_then(|s| s.str_at("externalName"))
            .unwrap_or("(no externalName)");
        detail.push_str(&format!(", ExternalName → {external}"));
        let hop = cx.service_hop(id, chosen.map(|p| p.port), detail, span);
        return vec![walk.with(hop).done()];
    }
    let Some(selector) = &svc.selector else {
        let endpoints = if cx.inv.has_endpoints(&svc.namespace, &svc.name) {
            "no selector: endpoints from the Endpoints/EndpointSlice in the input"
        } else {
            "no selector: endpoints are managed outside kroute's input"
        };
        detail.push_str(&format!(", {endpoints}"));
        let hop = cx.service_hop(id, chosen.map(|p| p.port), detail, span);
        return vec![walk.with(hop).done()];
    };
    let walk = walk.with(cx.service_hop(id, chosen.map(|p| p.port), detail, span));
    let all = cx.graph.service_pods(id);
    let pods: Vec<_> = all
        .iter()
        .copied()
        .filter(|w| {
            subset.is_none_or(|s| {
                let labels = &cx.inv.workload(*w).labels;
                s.labels.iter().all(|(k, v)| labels.get(k) == Some(v))
            })
        })
        .collect();
    if pods.is_empty() {
        return vec![match subset {
            Some(s) if !all.is_empty() => walk.broken(
                Some(Problem::SubsetMatchesNoPods),
                format!(
                    "subset `{}` ({}) matches none of the pods {display} selects",
                    s.name,
                    describe_labels(&s.labels)
                ),
                s.file,
                s.span,
            ),
            _ => walk.broken(
                Some(Problem::NoServicePods),
                format!(
                    "{display} selects no pods: no workload in namespace `{}` has labels {}{}",
                    svc.namespace,
                    selector.describe(),
                    nearest(cx, &svc.namespace, selector)
                ),
                obj.file,
                selector.span,
            ),
        }];
    }
    pods.into_iter()
        .map(|w| workload(cx, &walk, w, chosen.map(|p| &p.target)))
        .collect()
}

/// The hop into one workload, checking that a container exposes the target port.
fn workload(
    cx: &Cx<'_>,
    walk: &Walk,
    id: crate::inventory::WorkloadId,
    target: Option<&PortRef>,
) -> TracePath {
    let w = cx.inv.workload(id);
    let Some(target) = target else {
        let hop = cx.workload_hop(id, format!("containers expose {}", ports(w)), None);
        return walk.with(hop).done();
    };
    let found = w.containers.iter().find_map(|c| {
        c.ports
            .iter()
            .find(|p| target.matches(p.name.as_deref(), p.port))
            .map(|p| (c, p))
    });
    match (found, target) {
        (Some((c, p)), _) => {
            let name = p
                .name
                .as_deref()
                .map_or(String::new(), |n| format!(" ({n})"));
            let hop = cx.workload_hop(
                id,
                format!("container {}, port {}{name}", c.name, p.port),
                Some(p.span),
            );
            walk.with(hop).done()
        }
        (None, PortRef::Name(name)) => {
            let obj = cx.inv.object(w.object);
            let hop = cx.workload_hop(id, "pod template".to_string(), None);
            walk.with(hop).broken(
                Some(Problem::TargetPortNotDeclared),
                format!(
                    "no container of {} {}/{} declares a port named `{name}` (they expose {})",
                    w.kind,
                    w.namespace,
                    w.name,
                    ports(w)
                ),
                obj.file,
                obj.name_span(),
            )
        }
        (None, PortRef::Number(n)) if w.ports().next().is_some() => {
            let mut hop = cx.workload_hop(id, format!("port {n}"), None);
            hop.notes.push(Note {
                problem: Problem::TargetPortNotDeclared,
                message: format!(
                    "no container declares port {n} (they expose {}): something must listen on it undeclared",
                    ports(w)
                ),
            });
            walk.with(hop).done()
        }
        (None, PortRef::Number(n)) => {
            let hop = cx.workload_hop(
                id,
                format!("port {n} (the containers declare no ports)"),
                None,
            );
            walk.with(hop).done()
        }
    }
}

fn target(port: &PortRef) -> String {
    match port {
        PortRef::Number(n) => n.to_string(),
        PortRef::Name(s) => s.clone(),
    }
}

/// `7070 (grpc), 9090` or `no ports`.
fn ports(w: &Workload) -> String {
    let list: Vec<String> = w
        .ports()
        .map(|p| match &p.name {
            Some(n) => format!("{} ({n})", p.port),
            None => p.port.to_string(),
        })
        .collect();
    if list.is_empty() {
        "no ports".to_string()
    } else {
        list.join(", ")
    }
}

/// `; nearest: Deployment shop/checkout, where `app` is `checkout`` or nothing.
fn nearest(cx: &Cx<'_>, namespace: &str, selector: &crate::inventory::Selector) -> String {
    let Some(w) = cx.inv.nearest_workload(namespace, selector) else {
        return String::new();
    };
    let diff = selector.explain_diff(&w.labels, |k, _| format!("`{k}` is not set"));
    let where_ = if diff.is_empty() {
        String::new()
    } else {
        format!(", where {}", diff.join(", "))
    };
    format!(
        "; nearest workload {} {}/{}{where_}",
        w.kind, w.namespace, w.name
    )
}
