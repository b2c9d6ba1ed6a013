//! The common end of every path: a Service, its port, and the workloads whose pods it
//! selects (narrowed by an Istio subset), down to the container port that answers.

use super::{Break, Cx, Note, TracePath, Walk};
use crate::graph::{Broken, EdgeKind, Problem};
use crate::inventory::{
    describe_labels, Labels, PortRef, Selector, Service, ServiceId, ServicePort, Workload,
    WorkloadId,
};
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
    pub labels: Labels,
    /// The DestinationRule that defines it, as `DestinationRule ns/name`.
    pub defined_by: String,
    pub file: FileId,
    pub span: Span,
}

impl Subset {
    /// `subset v1 (version=v1, DestinationRule shop/cart)`.
    fn describe(&self) -> String {
        format!(
            "subset {} ({}, {})",
            self.name,
            describe_labels(&self.labels),
            self.defined_by
        )
    }

    /// Whether the pods of workload `w` carry the subset's labels.
    fn selects(&self, w: &Workload) -> bool {
        self.labels.iter().all(|(k, v)| w.labels.get(k) == Some(v))
    }

    /// Why the subset leads nowhere although Service `id` selects pods.
    fn matches_none(&self, cx: &Cx<'_>, id: ServiceId) -> Break {
        let svc = cx.inv.service(id);
        Break {
            problem: Some(Problem::SubsetMatchesNoPods),
            reason: format!(
                "subset `{}` ({}) matches none of the pods Service {}/{} selects",
                self.name,
                describe_labels(&self.labels),
                svc.namespace,
                svc.name
            ),
            file: self.file,
            span: self.span,
        }
    }
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
    /// Where a reference broken as `broken` stops the path, and why; a problem when a rule
    /// reports it.
    fn stop(&self, broken: Broken, reason: String) -> Break {
        Break {
            problem: self.edge.map(|kind| Problem::Edge(kind, broken)),
            reason,
            file: self.file,
            span: self.span,
        }
    }
}

/// The paths from `walk` through Service `id`, one per workload that serves it.
pub(super) fn service(
    cx: &Cx<'_>,
    walk: &Walk,
    id: ServiceId,
    port: PortChoice<'_>,
    extra: Vec<String>,
    subset: Option<&Subset>,
    at: Referrer,
) -> Vec<TracePath> {
    let svc = cx.inv.service(id);
    let obj = cx.inv.object(svc.object);
    let chosen = match chosen_port(cx, id, port, at) {
        Ok(chosen) => chosen,
        Err(stop) => return vec![walk.clone().stopped(stop)],
    };
    let endpoints = endpoints(cx, svc);
    let mut detail = vec![port_detail(svc, chosen)];
    detail.extend(extra);
    detail.extend(subset.map(Subset::describe));
    if let Endpoints::Elsewhere(how) = &endpoints {
        detail.push(how.clone());
    }
    let span = chosen.map_or_else(|| obj.name_span(), |p| p.span);
    let hop = cx.service_hop(id, chosen.map(|p| p.port), detail.join(", "), span);
    let walk = walk.with(hop);
    match endpoints {
        Endpoints::Selected(selector) => {
            pod_paths(cx, &walk, id, selector, subset, chosen.map(|p| &p.target))
        }
        Endpoints::Elsewhere(_) => vec![walk.done()],
    }
}

/// The Service port that `choice` picks (`None`: the request may use any of them), or why
/// the path stops: the Service has no such port, or the reference must name one.
fn chosen_port<'a>(
    cx: &Cx<'a>,
    id: ServiceId,
    choice: PortChoice<'_>,
    at: Referrer,
) -> Result<Option<&'a ServicePort>, Break> {
    let svc = cx.inv.service(id);
    let display = format!("Service {}/{}", svc.namespace, svc.name);
    let wanted = match choice {
        PortChoice::Number(n) | PortChoice::Any(Some(n)) => PortRef::Number(n),
        PortChoice::Ref(r) => r.clone(),
        PortChoice::Unspecified if svc.ports.len() > 1 => {
            return Err(at.stop(
                Broken::PortRequired { service: id },
                format!(
                    "no port is named, and {display} has several ({})",
                    svc.describe_ports()
                ),
            ))
        }
        // With a single port, that one; with none, any.
        PortChoice::Unspecified | PortChoice::Any(None) => {
            return Ok(match svc.ports.as_slice() {
                [only] => Some(only),
                _ => None,
            })
        }
    };
    if let Some(found) = svc.port(&wanted) {
        return Ok(Some(found));
    }
    let reason = format!(
        "{display} has no port {wanted} (it has {})",
        svc.describe_ports()
    );
    Err(match choice {
        // An in-cluster request is no reference to point at: it stops at the Service.
        PortChoice::Any(_) => {
            let obj = cx.inv.object(svc.object);
            Break {
                problem: None,
                reason,
                file: obj.file,
                span: obj.name_span(),
            }
        }
        _ => at.stop(
            Broken::NoPort {
                service: id,
                port: wanted,
            },
            reason,
        ),
    })
}

/// `port 80 (http) → targetPort 8080`, or `ports 80 (http), 443` when none is chosen.
fn port_detail(svc: &Service, chosen: Option<&ServicePort>) -> String {
    match chosen {
        Some(p) => {
            let name = p
                .name
                .as_deref()
                .map_or(String::new(), |n| format!(" ({n})"));
            format!("port {}{name} → targetPort {}", p.port, target(&p.target))
        }
        None => format!("ports {}", svc.describe_ports()),
    }
}

/// Where a Service's endpoints come from.
enum Endpoints<'a> {
    /// The pods its selector matches, which the trace follows.
    Selected(&'a Selector),
    /// Somewhere the trace does not follow: an external name, or endpoints written by hand
    /// or by a controller.
    Elsewhere(String),
}

fn endpoints<'a>(cx: &Cx<'_>, svc: &'a Service) -> Endpoints<'a> {
    if svc.type_ == "ExternalName" {
        let external = cx
            .inv
            .object(svc.object)
            .spec()
            .and_then(|s| s.str_at("externalName"))
            .unwrap_or("(no externalName)");
        return Endpoints::Elsewhere(format!("ExternalName → {external}"));
    }
    match &svc.selector {
        Some(selector) => Endpoints::Selected(selector),
        None if cx.inv.has_endpoints(&svc.namespace, &svc.name) => Endpoints::Elsewhere(
            "no selector: endpoints from the Endpoints/EndpointSlice in the input".to_string(),
        ),
        None => Endpoints::Elsewhere(
            "no selector: endpoints are managed outside kroute's input".to_string(),
        ),
    }
}

/// The paths from `walk` (ending at Service `id`) into each workload whose pods its
/// `selector`, narrowed by `subset`, matches; or why there is none.
fn pod_paths(
    cx: &Cx<'_>,
    walk: &Walk,
    id: ServiceId,
    selector: &Selector,
    subset: Option<&Subset>,
    target: Option<&PortRef>,
) -> Vec<TracePath> {
    let all = cx.graph.service_pods(id);
    let pods: Vec<WorkloadId> = all
        .iter()
        .copied()
        .filter(|w| subset.is_none_or(|s| s.selects(cx.inv.workload(*w))))
        .collect();
    if pods.is_empty() {
        let stop = match subset {
            Some(s) if !all.is_empty() => s.matches_none(cx, id),
            _ => selects_none(cx, id, selector),
        };
        return vec![walk.clone().stopped(stop)];
    }
    pods.into_iter()
        .map(|w| workload(cx, walk, w, target))
        .collect()
}

/// Why Service `id` leads nowhere: its `selector` matches no workload (no problem when a
/// mesh sends its traffic elsewhere, which kroute does not follow).
fn selects_none(cx: &Cx<'_>, id: ServiceId, selector: &Selector) -> Break {
    let svc = cx.inv.service(id);
    let routed = cx.graph.routed_elsewhere(id).map(|o| cx.inv.object(o));
    Break {
        problem: routed.is_none().then_some(Problem::NoServicePods),
        reason: format!(
            "Service {}/{} selects no pods: no workload in namespace `{}` has labels {}{}",
            svc.namespace,
            svc.name,
            svc.namespace,
            selector.describe(),
            routed.map_or_else(
                || nearest(cx, &svc.namespace, selector),
                |o| format!("; {} sends its traffic to other Services", o.display())
            )
        ),
        file: cx.inv.object(svc.object).file,
        span: selector.span,
    }
}

/// The hop into one workload, checking that a container exposes the target port.
fn workload(cx: &Cx<'_>, walk: &Walk, id: WorkloadId, target: Option<&PortRef>) -> TracePath {
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
        (None, PortRef::Number(n)) if cx.graph.gateway_listens(cx.inv, id, *n) => {
            let hop = cx.workload_hop(id, format!("port {n} (a server of its Gateways)"), None);
            walk.with(hop).done()
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
fn nearest(cx: &Cx<'_>, namespace: &str, selector: &Selector) -> String {
    let Some(w) = cx.inv.nearest_workload(namespace, selector) else {
        return String::new();
    };
    let diff = selector.explain_diff(&w.labels, |k, _| format!("`{k}` is not set"));
    let where_ = if diff.is_empty() {
        String::new()
    } else {
        format!(", where {}", crate::source::listed(diff))
    };
    format!(
        "; nearest workload {} {}/{}{where_}",
        w.kind, w.namespace, w.name
    )
}
