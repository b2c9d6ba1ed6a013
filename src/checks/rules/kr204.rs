//! # KR204: Ingress backend Service or port does not exist
//!
//! ## What it checks
//! That every backend of an Ingress (each rule path and the default backend, in both the
//! `networking.k8s.io/v1` and the legacy `serviceName`/`servicePort` shape) names a Service
//! of the Ingress's namespace, and a port that Service has: a number must be one of its
//! `port`s, a name one of its port names.
//!
//! ## Why it matters
//! The ingress controller answers 503 (or its default backend's 404) for every request to a
//! missing backend; the Ingress itself is accepted without complaint.
//!
//! ## Example
//! ```yaml
//! kind: Ingress
//! spec:
//!   rules:
//!   - http:
//!       paths:
//!       - path: /
//!         pathType: Prefix
//!         backend:
//!           service:
//!             name: frontend
//!             port: {number: 8080}   # KR204: Service frontend only has port 80
//! ```
//!
//! ## How to fix
//! Point the backend at an existing Service and one of its ports (the diagnostic names the
//! closest Service and lists the ports it has).

use crate::checks::{missing_service, Context, Rule};
use crate::graph::{Broken, EdgeKind, Vertex};
use crate::diagnostic::{Diagnostic, Severity};

pub const RULE: Rule = Rule {
    code: "KR204",
    severity: Severity::Error,
    summary: "Ingress backend Service (or its port) does not exist",
    run,
};

fn run(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for edge in ctx.graph.edges_of(EdgeKind::IngressBackend) {
        let (Err(broken), Vertex::Object(from)) = (edge.target(), edge.from) else {
            continue;
        };
        let ingress = ctx.inv.object(from);
        let help = match broken {
            Broken::NoService { .. } => "name a Service of the Ingress's namespace (an Ingress cannot route across namespaces)",
            _ => "use one of the Service's `port` numbers or port names",
        };
        out.extend(
            missing_service(ctx, &RULE, ingress, edge.span, broken).map(|d| d.or_help(help)),
        );
    }
}
