//! `kroute trace`: every path a request for one host (and optionally port and path) takes
//! through the routing graph, hop by hop, or where and why it breaks.
//!
//! Entry points, in the order paths are listed: Istio Gateway servers (`istio`), Gateway
//! API listeners (`gateway_api`), Kubernetes Ingress rules (`ingress`), Knative hosts
//! through Knative's gateways (`knative`), then the mesh
//! (VirtualServices bound to `mesh`) and in-cluster Services. Every path ends in
//! `backend`, which follows a Service to the workloads whose pods serve it. Routes that
//! claim the host but never attach to an entry point are listed last, with why.

mod backend;
mod gateway_api;
mod ingress;
mod istio;
mod knative;
mod request;
mod suggest;

pub use request::Request;

use crate::graph::{Problem, RoutingGraph, ServiceHost, Vertex};
use crate::inventory::{Inventory, IstioGatewayId, ServiceId, WorkloadId};
use crate::manifest::ObjectId;
use crate::source::FileId;
use crate::yaml::Span;

/// How a path enters the cluster.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entry {
    /// An Istio Gateway server.
    IstioGateway,
    /// A Gateway API listener.
    GatewayApi,
    /// A Kubernetes Ingress rule.
    Ingress,
    /// Knative's Istio gateway, routed by the VirtualServices net-istio writes.
    Knative,
    /// A VirtualService applied by the sidecars (`mesh`).
    Mesh,
    /// An in-cluster host resolved directly to a Service, ServiceEntry or Knative Service.
    Cluster,
    /// A route that claims the host but is attached to no entry point.
    Unattached,
}

impl Entry {
    pub fn key(self) -> &'static str {
        match self {
            Entry::IstioGateway => "istio-gateway",
            Entry::GatewayApi => "gateway-api",
            Entry::Ingress => "ingress",
            Entry::Knative => "knative",
            Entry::Mesh => "mesh",
            Entry::Cluster => "cluster",
            Entry::Unattached => "unattached",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Entry::IstioGateway => "Istio Gateway",
            Entry::GatewayApi => "Gateway API",
            Entry::Ingress => "Ingress",
            Entry::Knative => "Knative (net-istio)",
            Entry::Mesh => "mesh (sidecars)",
            Entry::Cluster => "in-cluster host",
            Entry::Unattached => "route not attached to any entry point",
        }
    }
}

/// A finding on a hop that does not stop the request (a warning-level rule, or an object
/// the platform is expected to provide).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    pub problem: Problem,
    pub message: String,
}

/// One object a request passes through.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hop {
    /// The graph vertex, when the hop is one (a non-Service backend is not).
    pub vertex: Option<Vertex>,
    /// API group of the object (`""` for the core group).
    pub group: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
    /// The Service port the request uses.
    pub port: Option<i64>,
    /// What the request goes through: `server 80 HTTP, host shop.example.com`, `rule
    /// http[0] (prefix /cart)`, `port 7070 (grpc) → targetPort grpc`.
    pub detail: String,
    /// The field that decides this hop (server host, route rule, Service port, container
    /// port), or the object.
    pub file: FileId,
    pub span: Span,
    pub notes: Vec<Note>,
}

/// Where and why a path stops short of a workload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Break {
    /// What is wrong, when a rule reports it (an unmatched path is no rule's finding: the
    /// proxy answers 404).
    pub problem: Option<Problem>,
    pub reason: String,
    pub file: FileId,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TracePath {
    pub entry: Entry,
    pub hops: Vec<Hop>,
    /// What else the request must match for this path to be taken (headers, or a path
    /// when the request gave none).
    pub conditions: Vec<String>,
    pub broken: Option<Break>,
}

impl TracePath {
    pub fn complete(&self) -> bool {
        self.broken.is_none()
    }
}

/// A host some entry point accepts: what `trace` lists when nothing accepts the request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AcceptedHost {
    pub host: String,
    pub port: Option<i64>,
    /// The object that accepts it, e.g. `Gateway shop/shop-gateway`.
    pub by: String,
}

#[derive(Clone, Debug)]
pub struct Trace {
    pub request: Request,
    pub paths: Vec<TracePath>,
    /// Filled only when no path exists: the accepted hosts, nearest first.
    pub accepted: Vec<AcceptedHost>,
}

impl Trace {
    pub fn complete(&self) -> usize {
        self.paths.iter().filter(|p| p.complete()).count()
    }
}

/// Traces `request` through the graph; `default_namespace` resolves a short host name
/// (`cart` → `cart.<ns>.svc.cluster.local`).
pub fn trace(
    inv: &Inventory,
    graph: &RoutingGraph,
    request: &Request,
    default_namespace: &str,
) -> Trace {
    let cx = Cx {
        inv,
        graph,
        req: request,
        cluster_host: cluster_host(inv, &request.host, default_namespace),
    };
    let mut paths = istio::gateways(&cx);
    paths.extend(gateway_api::listeners(&cx));
    paths.extend(ingress::rules(&cx));
    paths.extend(knative::paths(&cx));
    paths.extend(istio::mesh(&cx));
    paths.extend(istio::unattached(&cx, &paths));
    paths.extend(gateway_api::unattached(&cx));
    let accepted = if paths.is_empty() {
        suggest::accepted(&cx)
    } else {
        Vec::new()
    };
    Trace {
        request: request.clone(),
        paths,
        accepted,
    }
}

/// The request host as an in-cluster FQDN, when it reads as a Service name: `cart`,
/// `cart.shop.svc[.cluster.local]`, or `cart.shop` when that Service exists.
fn cluster_host(inv: &Inventory, host: &str, default_namespace: &str) -> Option<String> {
    let parsed = ServiceHost::parse(host, default_namespace)?;
    match parsed.form {
        crate::graph::HostForm::NameNamespace
            if inv.service_named(&parsed.namespace, &parsed.name).is_none() =>
        {
            None
        }
        _ => Some(parsed.fqdn()),
    }
}

/// What every tracer reads.
pub(super) struct Cx<'a> {
    pub inv: &'a Inventory,
    pub graph: &'a RoutingGraph,
    pub req: &'a Request,
    /// The request host as an in-cluster FQDN, if it is one.
    pub cluster_host: Option<String>,
}

impl Cx<'_> {
    /// The host routes and Services are matched against: the in-cluster FQDN when the
    /// request names a Service, the host as given otherwise.
    pub fn host(&self) -> &str {
        self.cluster_host.as_deref().unwrap_or(&self.req.host)
    }

    /// `, on Deployment istio-system/istio-ingressgateway` (and how many more): where
    /// Istio Gateway `gateway` runs.
    pub fn on_pods(&self, gateway: IstioGatewayId) -> String {
        let pods = self.graph.gateway_pods(gateway);
        let Some(first) = pods.first() else {
            return String::new();
        };
        let w = self.inv.workload(*first);
        let more = match pods.len() {
            1 => String::new(),
            n => format!(" and {} more", n - 1),
        };
        format!(", on {} {}/{}{more}", w.kind, w.namespace, w.name)
    }

    pub fn object_hop(&self, id: ObjectId, detail: String, file: FileId, span: Span) -> Hop {
        let obj = self.inv.object(id);
        Hop {
            vertex: Some(Vertex::Object(id)),
            group: obj.group.to_string(),
            kind: obj.kind.to_string(),
            namespace: obj.namespace.to_string(),
            name: obj.name.to_string(),
            port: None,
            detail,
            file,
            span,
            notes: Vec::new(),
        }
    }

    pub fn service_hop(&self, id: ServiceId, port: Option<i64>, detail: String, span: Span) -> Hop {
        let svc = self.inv.service(id);
        let obj = self.inv.object(svc.object);
        Hop {
            vertex: Some(Vertex::Service(id)),
            group: String::new(),
            kind: "Service".to_string(),
            namespace: svc.namespace.clone(),
            name: svc.name.clone(),
            port,
            detail,
            file: obj.file,
            span,
            notes: Vec::new(),
        }
    }

    pub fn workload_hop(&self, id: WorkloadId, detail: String, span: Option<Span>) -> Hop {
        let w = self.inv.workload(id);
        let obj = self.inv.object(w.object);
        Hop {
            vertex: Some(Vertex::Workload(id)),
            group: obj.group.to_string(),
            kind: w.kind.clone(),
            namespace: w.namespace.clone(),
            name: w.name.clone(),
            port: None,
            detail,
            file: obj.file,
            span: span.unwrap_or_else(|| obj.name_span()),
            notes: Vec::new(),
        }
    }
}

/// A path being built: hops so far and the conditions met on the way.
#[derive(Clone, Debug)]
pub(super) struct Walk {
    entry: Entry,
    hops: Vec<Hop>,
    conditions: Vec<String>,
}

impl Walk {
    pub fn new(entry: Entry) -> Walk {
        Walk {
            entry,
            hops: Vec::new(),
            conditions: Vec::new(),
        }
    }

    /// This walk followed by `hop`.
    pub fn with(&self, hop: Hop) -> Walk {
        let mut next = self.clone();
        next.hops.push(hop);
        next
    }

    /// This walk, taken only when `condition` holds.
    pub fn when(mut self, condition: Option<String>) -> Walk {
        self.conditions.extend(condition);
        self
    }

    pub fn done(self) -> TracePath {
        TracePath {
            entry: self.entry,
            hops: self.hops,
            conditions: self.conditions,
            broken: None,
        }
    }

    pub fn broken(
        self,
        problem: Option<Problem>,
        reason: String,
        file: FileId,
        span: Span,
    ) -> TracePath {
        self.stopped(Break {
            problem,
            reason,
            file,
            span,
        })
    }

    /// This walk, stopped short of a workload by `at`.
    pub fn stopped(self, at: Break) -> TracePath {
        TracePath {
            entry: self.entry,
            hops: self.hops,
            conditions: self.conditions,
            broken: Some(at),
        }
    }
}
