//! `kroute graph`: the routing graph as nodes and edges for display.
//!
//! Nodes are entry points (Istio Gateway server × host, Gateway API listener), routes
//! (VirtualService, HTTPRoute and the other route kinds, Ingress), Services,
//! ServiceEntries, Knative Services and workloads. Edges come from the graph's edges,
//! bindings and attachments; a broken edge points at a synthetic "missing" node and
//! carries its [`Problem`], which the report names by the code of the rule that reports it.
//! [`GraphView::focus`] keeps what is reachable from or to some nodes.

mod build;
mod focus;
mod labels;

pub use focus::Focus;

use crate::graph::Problem;
use crate::source::FileId;
use crate::yaml::Span;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NodeKind {
    Entry,
    Route,
    Service,
    ServiceEntry,
    KnativeService,
    Workload,
    /// Any other object an edge touches (Knative eventing objects, a Gateway API Gateway
    /// named as a mesh parent, …).
    Other,
    Missing,
}

impl NodeKind {
    pub fn key(self) -> &'static str {
        match self {
            NodeKind::Entry => "entry",
            NodeKind::Route => "route",
            NodeKind::Service => "service",
            NodeKind::ServiceEntry => "service-entry",
            NodeKind::KnativeService => "knative-service",
            NodeKind::Workload => "workload",
            NodeKind::Other => "object",
            NodeKind::Missing => "missing",
        }
    }
}

/// The object behind a node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resource {
    pub kind: String,
    pub namespace: String,
    pub name: String,
}

#[derive(Clone, Debug)]
pub struct ViewNode {
    /// Unique and stable across runs on the same input: `entry:istio:shop/gw:0:host`,
    /// `Service/shop/cart`, `missing:host x`.
    pub key: String,
    pub kind: NodeKind,
    /// First label line: `Service shop/cart`, `shop.example.com:80`.
    pub title: String,
    /// Further label lines: ports, hosts, the Gateway of an entry point.
    pub lines: Vec<String>,
    /// For grouping: the namespace of the object (none for missing nodes).
    pub namespace: Option<String>,
    pub resource: Option<Resource>,
    /// Host names the node answers for, for `--focus HOST`.
    pub hosts: Vec<String>,
    pub location: Option<(FileId, Span)>,
}

/// A broken edge's problem and reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EdgeBreak {
    pub problem: Problem,
    pub reason: String,
}

/// What one of the parallel edges merged into a [`ViewEdge`] goes through (`http[0] ·
/// :7070`), and its problem when it is broken.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabelPart {
    pub text: String,
    pub problem: Option<Problem>,
}

#[derive(Clone, Debug)]
pub struct ViewEdge {
    pub from: usize,
    pub to: usize,
    /// One part per parallel edge, in order.
    pub label: Vec<LabelPart>,
    pub broken: Option<EdgeBreak>,
    pub location: Option<(FileId, Span)>,
}

#[derive(Clone, Debug, Default)]
pub struct GraphView {
    pub nodes: Vec<ViewNode>,
    pub edges: Vec<ViewEdge>,
}

impl GraphView {
    pub fn build(
        inv: &crate::inventory::Inventory,
        graph: &crate::graph::RoutingGraph,
    ) -> GraphView {
        build::build(inv, graph)
    }
}
