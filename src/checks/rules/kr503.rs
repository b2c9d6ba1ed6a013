//! # KR503: route backendRef Service or port does not exist
//!
//! ## What it checks
//! That every `backendRefs` entry of a Gateway API route that points at a Service (the
//! default: `group: ""`, `kind: Service`) names a Service of the backend's namespace (the
//! route's own unless `namespace` is set), and sets a `port` that Service has. The port is
//! required for a Service backend (the CRD's "Must have port for Service reference") and it
//! is the Service's `port`, not its `targetPort` or the container port.
//!
//! The `backendRef` of a `RequestMirror` filter (of a rule, or of one of its backendRefs)
//! is checked the same way: the copies of the requests go there.
//!
//! A backend with `weight: 0` receives no traffic, so a problem there is reported as a
//! **warning**: nothing breaks until someone shifts weight to it.
//!
//! Backends of other kinds (ServiceImport, implementation-specific kinds) are not checked.
//! A cross-namespace backendRef that no ReferenceGrant allows is KR504's, whose message
//! says when the Service or port is missing too.
//!
//! ## Why it matters
//! The route is accepted, but its status shows `ResolvedRefs=False` with reason
//! `BackendNotFound`, and the share of requests that would go to the missing backend gets a
//! 500 from the Gateway. A backendRef without `port` is rejected by the API server.
//!
//! ## Example
//! ```yaml
//! kind: HTTPRoute
//! spec:
//!   rules:
//!   - backendRefs:
//!     - name: store-v2       # KR503: no Service store-v2
//!       port: 8080
//!     - name: store
//!       port: 8080           # KR503: Service store has port 80 (targetPort 8080)
//! ```
//!
//! ## How to fix
//! Name an existing Service (the diagnostic suggests the closest name) and one of its
//! `port` numbers (the diagnostic lists them).

use crate::checks::support::gateway_api::{backend_edges, severity_for};
use crate::checks::{missing_service, Context, Rule};
use crate::graph::Broken;
use crate::inventory::{PortRef, Service, ServiceId, ServicePort};
use crate::diagnostic::{Diagnostic, Severity};

pub const RULE: Rule = Rule {
    code: "KR503",
    severity: Severity::Error,
    summary: "route backendRef Service or port does not exist",
    run,
};

/// The Service port whose `targetPort` is `wanted` (a number, or a name the selected pods
/// give that container port number).
fn port_targeting<'s>(
    ctx: &Context<'_>,
    sid: ServiceId,
    svc: &'s Service,
    wanted: i64,
) -> Option<&'s ServicePort> {
    svc.ports.iter().find(|p| {
        p.port != wanted
            && match &p.target {
                PortRef::Number(n) => *n == wanted,
                PortRef::Name(name) => ctx.graph.service_pods(sid).iter().any(|w| {
                    ctx.inv.workload(*w).containers.iter().any(|c| {
                        c.ports
                            .iter()
                            .any(|cp| cp.port == wanted && cp.name.as_deref() == Some(name))
                    })
                }),
            }
    })
}

fn port_help(ctx: &Context<'_>, sid: ServiceId, wanted: Option<i64>) -> String {
    let svc = ctx.inv.service(sid);
    if let Some((w, p)) = wanted.and_then(|w| Some((w, port_targeting(ctx, sid, svc, w)?))) {
        return format!(
            "{w} is where Service port {} sends traffic (its targetPort); a backendRef names the Service `port`, so use `port: {}`",
            p.port, p.port
        );
    }
    match svc.ports.as_slice() {
        [only] => format!("use `port: {}`, the Service's only port", only.port),
        [] => "the Service has no ports: add one to the Service".to_string(),
        _ => format!(
            "use one of the Service's `port` numbers: {}",
            svc.describe_ports()
        ),
    }
}

fn run(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for route in &ctx.inv.api_routes {
        let object = ctx.inv.object(route.object);
        for (backend, edge) in backend_edges(ctx.graph, route) {
            let Err(broken) = edge.target() else {
                continue;
            };
            let diagnostic = match broken {
                Broken::NoService { namespace, .. } => {
                    let help = if namespace == &route.namespace {
                        "name an existing Service of the route's namespace, or set `namespace` on the backendRef when the Service lives elsewhere (with a ReferenceGrant there)".to_string()
                    } else {
                        format!("name an existing Service of namespace `{namespace}`, or fix the backendRef's `namespace`")
                    };
                    missing_service(ctx, &RULE, object, edge.span, broken)
                        .map(|d| d.or_help(help))
                }
                Broken::NoPort { service, .. } => {
                    missing_service(ctx, &RULE, object, edge.span, broken)
                        .map(|d| d.with_help(port_help(ctx, *service, backend.port)))
                }
                Broken::PortRequired { service } => {
                    let svc = ctx.inv.service(*service);
                    Some(
                        RULE.on(
                            object,
                            edge.span,
                            format!(
                                "{} has a backendRef to Service {}/{} without `port`; a Service backend needs one (the Service has {})",
                                object.display(),
                                svc.namespace,
                                svc.name,
                                svc.describe_ports()
                            ),
                        )
                        .with_related_object(ctx.inv.object(svc.object), "the Service")
                        .with_help(port_help(ctx, *service, None)),
                    )
                }
                _ => None,
            };
            let Some(diagnostic) = diagnostic else {
                continue;
            };
            let diagnostic = if backend.mirror {
                let message = format!(
                    "{}; it is the backendRef of a `RequestMirror` filter, so the mirrored copies fail",
                    diagnostic.message
                );
                Diagnostic {
                    message,
                    ..diagnostic
                }
            } else {
                diagnostic
            };
            let severity = severity_for(backend, &RULE);
            let diagnostic = if severity == RULE.severity {
                diagnostic
            } else {
                let message = format!(
                    "{} (weight 0: it gets no traffic until its weight is raised)",
                    diagnostic.message
                );
                Diagnostic {
                    message,
                    ..diagnostic
                }
                .with_severity(severity)
            };
            out.push(diagnostic);
        }
    }
}
