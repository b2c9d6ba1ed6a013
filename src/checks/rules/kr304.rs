//! # KR304: destination port missing on the target Service
//!
//! ## What it checks
//! For every route destination (and HTTP mirror) of a VirtualService whose host resolves (KR303 reports the
//! others) to a Kubernetes Service or a ServiceEntry:
//!
//! - a `port.number` must be one of the Service's `port`s (not a `targetPort`: the mesh
//!   routes to Service ports), or one of the ServiceEntry's `ports`;
//! - without a port, the target must have exactly one port. When it has several, Istio
//!   picks the port the request arrived on: at a gateway that is the gateway's own listener
//!   port (`80`, `443`, `8080`), which only works when the Service happens to have a port
//!   of that number, so this is an error for VirtualServices bound to a gateway. For
//!   VirtualServices that only apply to the mesh's sidecars the request keeps the Service
//!   port the client called, which usually works: a warning there, asking to make the
//!   target explicit (`istioctl analyze` reports both as errors), unless every `match`
//!   of the rule names a `port` of the target.
//!
//! Destinations resolving to a Knative Service are not checked (Knative serves on port 80
//! through its own gateway; see KR406). Matches `istioctl analyze` IST0112
//! (VirtualServiceDestinationPortSelectorRequired) and IST0101 ("host:port").
//!
//! ## Why it matters
//! A destination port the Service lacks names an Envoy cluster that does not exist: every
//! matching request fails with `503`. A missing port at a gateway does the same, unless the
//! Service happens to have a port numbered like the gateway's listener.
//!
//! ## Example
//! ```yaml
//! apiVersion: v1
//! kind: Service
//! metadata: {name: frontend}
//! spec:
//!   ports:
//!   - {name: http, port: 80, targetPort: 8080}
//!   - {name: grpc, port: 9090}
//! ---
//! apiVersion: networking.istio.io/v1
//! kind: VirtualService
//! spec:
//!   gateways: [istio-system/public]
//!   http:
//!   - route:
//!     - destination:
//!         host: frontend
//!         port: {number: 8080}   # KR304: the Service ports are 80 and 9090
//!   - route:
//!     - destination:
//!         host: frontend         # KR304: several ports, none chosen
//! ```
//!
//! ## How to fix
//! Use one of the Service's `port` numbers (the diagnostic lists them), and always set
//! `port.number` when the Service has more than one port.

use crate::checks::{Context, Rule};
use crate::graph::{HostTarget, Resolved, RoutingGraph};
use crate::inventory::istio::GatewayTarget;
use crate::inventory::{PortRef, VirtualService};
use crate::manifest::Object;
use crate::diagnostic::{Diagnostic, Severity};

pub const RULE: Rule = Rule {
    code: "KR304",
    severity: Severity::Error,
    summary: "destination port missing on the target Service, or omitted where it has several (IST0112)",
    run,
};

/// What a destination can be sent to: the object and its port numbers, described.
struct Target<'a> {
    object: &'a Object,
    what: String,
    ports: Vec<i64>,
    described: String,
    /// For a Service: `(port, pod port)` of each port whose `targetPort` is known as a
    /// number, to explain a destination that names the pod's port.
    pod_ports: Vec<(i64, i64)>,
}

fn run(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (v, vs) in ctx.inv.virtual_services_by_id() {
        for resolved in ctx.graph.all_destinations(v, vs) {
            let host = resolved.host;
            if host
                .targets
                .iter()
                .any(|t| matches!(t, HostTarget::KnativeService(_)))
            {
                continue;
            }
            let targets: Vec<Target<'_>> = host
                .targets
                .iter()
                .filter_map(|t| target(ctx, *t, &host.fqdn))
                .filter(|t| !t.ports.is_empty())
                .collect();
            let Some(first) = targets.first() else {
                continue;
            };
            out.extend(check(ctx, vs, resolved, first));
        }
    }
}

fn check(
    ctx: &Context<'_>,
    vs: &VirtualService,
    resolved: Resolved<'_>,
    first: &Target<'_>,
) -> Option<Diagnostic> {
    let Resolved {
        route, dest, host, ..
    } = resolved;
    let resolved_targets = host.targets.as_slice();
    let verb = if resolved.mirror { "mirrors to" } else { "routes to" };
    let object = ctx.inv.object(vs.object);
    match (dest.port, dest.port_span) {
        (Some(port), Some(span)) => {
            if !RoutingGraph::port_missing(ctx.inv, resolved_targets, dest) {
                return None;
            }
            let pod_port = first
                .pod_ports
                .iter()
                .find(|(_, pod)| *pod == port)
                .map_or_else(String::new, |(svc, _)| {
                    format!("; {port} is the pod port behind Service port {svc}: route to {svc}")
                });
            Some(
                RULE.on(
                    object,
                    span,
                    format!(
                        "{} {verb} port {port} of {}, which has {}{pod_port}",
                        object.display(),
                        first.what,
                        first.described
                    ),
                )
                .with_related_object(first.object, format!("the {} is here", first.object.kind))
                .with_help(
                    "use one of the target's `port` numbers (a Service's `targetPort` is the pod's port, not the one the mesh routes to)",
                ),
            )
        }
        _ => {
            if !RoutingGraph::port_ambiguous(ctx.inv, resolved_targets, vs, route, dest) {
                return None;
            }
            let at_gateway = vs.gateways.iter().any(|g| g.target != GatewayTarget::Mesh);
            let diagnostic = RULE.on(
                object,
                dest.host.span,
                format!(
                    "{} {verb} {} without a port, but it has several: {}",
                    object.display(),
                    first.what,
                    first.described
                ),
            );
            let diagnostic = if at_gateway {
                diagnostic.with_help(format!(
                    "set `port.number` on the destination: at a gateway Istio otherwise uses the gateway's listener port, which {} may not have",
                    first.what
                ))
            } else {
                diagnostic.with_severity(Severity::Warning).with_help(
                    "set `port.number` on the destination: sidecars otherwise keep the port each client called, so the route's target depends on the caller",
                )
            };
            Some(diagnostic.with_related_object(
                first.object,
                format!("the {} is here", first.object.kind),
            ))
        }
    }
}

fn target<'a>(ctx: &'a Context<'_>, t: HostTarget, fqdn: &str) -> Option<Target<'a>> {
    match t {
        HostTarget::Service(id) => {
            let svc = ctx.inv.service(id);
            let pod_ports = svc
                .ports
                .iter()
                .filter_map(|p| {
                    let pod = match &p.target {
                        PortRef::Number(n) => *n,
                        PortRef::Name(name) => ctx
                            .graph
                            .service_pods(id)
                            .iter()
                            .flat_map(|w| &ctx.inv.workload(*w).containers)
                            .flat_map(|c| &c.ports)
                            .find(|cp| cp.name.as_deref() == Some(name.as_str()))?
                            .port,
                    };
                    (pod != p.port).then_some((p.port, pod))
                })
                .collect();
            Some(Target {
                pod_ports,
                object: ctx.inv.object(svc.object),
                what: format!("Service {}/{}", svc.namespace, svc.name),
                ports: svc.ports.iter().map(|p| p.port).collect(),
                described: svc.describe_ports(),
            })
        }
        HostTarget::ServiceEntry(i) => {
            let se = ctx.inv.service_entries.get(i)?;
            let object = ctx.inv.object(se.object);
            let described = se
                .ports
                .iter()
                .map(|(n, name)| match name {
                    Some(name) => format!("{n} ({name})"),
                    None => n.to_string(),
                })
                .collect::<Vec<_>>()
                .join(", ");
            Some(Target {
                what: format!("ServiceEntry {}/{} (host `{fqdn}`)", se.namespace, object.name),
                object,
                ports: se.ports.iter().map(|(n, _)| *n).collect(),
                described,
                pod_ports: Vec::new(),
            })
        }
        HostTarget::KnativeService(_) => None,
    }
}
