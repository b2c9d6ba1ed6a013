//! # KR316: Gateway port not exposed by the Services of the gateway workload
//!
//! ## What it checks
//! For every Istio `Gateway` that selects gateway pods in the input, that each server port
//! number is exposed by a Service selecting those pods: it must equal a TCP Service `port`
//! or that port's `targetPort` (a named `targetPort` is resolved through the pods'
//! container ports). Istio accepts both: a server on the Service port listens on the
//! matching `targetPort`, and a server on the `targetPort` is used as is. With several
//! Services or several gateway workloads, any of them exposing the port is enough — the
//! same reading as `istioctl analyze` IST0162 (GatewayPortNotDefinedOnService).
//!
//! Gateways that select no pods in the input are KR308's business and not checked. When
//! pods are selected but **no Service in the input selects them**, kroute cannot compare
//! ports and reports that once per Gateway at **info** severity (a gateway with no Service
//! can only be reached on the pods' own addresses).
//!
//! ## Why it matters
//! The gateway proxy only receives traffic the load balancer Service forwards. A server on a
//! port the Service does not expose is configured, shows up in `istioctl proxy-config`, and
//! is never reached from outside: clients time out or get connection refused.
//!
//! ## Example
//! ```yaml
//! kind: Gateway
//! spec:
//!   selector: {istio: ingressgateway}
//!   servers:
//!   - port: {number: 8443, name: https-admin, protocol: HTTPS}   # KR316
//! ---
//! kind: Service
//! metadata: {name: istio-ingressgateway}
//! spec:
//!   selector: {istio: ingressgateway}
//!   ports:
//!   - {name: http2, port: 80, targetPort: 8080}
//!   - {name: https, port: 443, targetPort: 8443}   # 8443 is a targetPort: accepted
//! ```
//!
//! ## How to fix
//! Add the port to the gateway's Service (for example in the `service.ports` of the Istio
//! gateway Helm chart), or use a port the Service already exposes.

use std::collections::BTreeSet;

use crate::checks::{Context, Rule};
use crate::diagnostic::{Diagnostic, Severity};
use crate::inventory::istio::GatewayServer;
use crate::inventory::{IstioGateway, PortRef, Service, ServiceId, Workload};
use crate::manifest::Object;

pub const RULE: Rule = Rule {
    code: "KR316",
    severity: Severity::Warning,
    summary: "Gateway port not exposed by the Services of the gateway workload (IST0162)",
    run,
};

fn run(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (g, gateway) in ctx.inv.istio_gateways_by_id() {
        let pods = ctx.graph.gateway_pods(g);
        let Some(first_pod) = pods.first() else {
            continue;
        };
        let services: BTreeSet<ServiceId> = pods
            .iter()
            .flat_map(|w| ctx.graph.workload_services(*w).iter().copied())
            .collect();
        let Some(first) = services.first() else {
            out.push(no_service(ctx, gateway, ctx.inv.workload(*first_pod)));
            continue;
        };
        let exposed = exposed_ports(ctx, &services);
        let object = ctx.inv.object(gateway.object);
        let service = ctx.inv.object(ctx.inv.service(*first).object);
        for server in &gateway.servers {
            if server.port > 0 && !exposed.contains(&server.port) {
                out.push(not_exposed(ctx, object, server, &services, service));
            }
        }
    }
}

/// No Service selects the gateway pods (`w` the first of them): nothing to check against.
fn no_service(ctx: &Context<'_>, gateway: &IstioGateway, w: &Workload) -> Diagnostic {
    let object = ctx.inv.object(gateway.object);
    let selector_span = gateway.selector.as_ref().map_or(object.span(), |s| s.span);
    let ports: Vec<String> = gateway
        .servers
        .iter()
        .filter(|s| s.port > 0)
        .map(|s| s.port.to_string())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let ports = match ports.len() {
        1 => format!("port {} is", ports.join("")),
        _ => format!("ports {} are", ports.join(", ")),
    };
    RULE.on(
        object,
        selector_span,
        format!(
            "no Service in the input selects the gateway pods of {} ({} {}/{}), so kroute cannot check that {ports} exposed",
            object.display(),
            w.kind,
            w.namespace,
            w.name,
        ),
    )
    .with_severity(Severity::Info)
    .with_related_object(ctx.inv.object(w.object), "the gateway workload")
    .with_help("define the gateway's Service (type LoadBalancer or NodePort) with these ports, or check together with the file that defines it")
}

/// Every TCP port of the Services and its target, named targets resolved on the pods.
fn exposed_ports(ctx: &Context<'_>, services: &BTreeSet<ServiceId>) -> BTreeSet<i64> {
    let mut exposed = BTreeSet::new();
    for id in services {
        let svc = ctx.inv.service(*id);
        for port in svc.ports.iter().filter(|p| p.protocol == "TCP") {
            exposed.insert(port.port);
            match &port.target {
                PortRef::Number(n) => {
                    exposed.insert(*n);
                }
                PortRef::Name(name) => exposed.extend(
                    ctx.graph
                        .service_pods(*id)
                        .iter()
                        .flat_map(|w| ctx.inv.workload(*w).ports())
                        .filter(|p| p.name.as_deref() == Some(name.as_str()))
                        .map(|p| p.port),
                ),
            }
        }
    }
    exposed
}

/// A server of Gateway `object` listens on a port no Service of its pods exposes;
/// `service` is the first of them.
fn not_exposed(
    ctx: &Context<'_>,
    object: &Object,
    server: &GatewayServer,
    services: &BTreeSet<ServiceId>,
    service: &Object,
) -> Diagnostic {
    let listed: Vec<String> = services
        .iter()
        .map(|id| describe_ports(ctx.inv.service(*id)))
        .collect();
    RULE.on(
        object,
        server.port_span,
        format!(
            "{} listens on port {} but no Service of its gateway pods exposes it ({}): traffic never reaches this server",
            object.display(),
            server.port,
            listed.join("; ")
        ),
    )
    .with_related_object(service, "the gateway's Service")
    .with_help(format!(
        "add port {} to the gateway's Service, or use a port it already exposes",
        server.port
    ))
}

/// `Service ns/name has 80 → 8080, 443 → https, 53 (UDP)`.
fn describe_ports(svc: &Service) -> String {
    let ports: Vec<String> = svc
        .ports
        .iter()
        .map(|p| {
            let port = match &p.target {
                PortRef::Number(n) if *n != p.port => format!("{} → {n}", p.port),
                PortRef::Name(name) => format!("{} → {name}", p.port),
                _ => p.port.to_string(),
            };
            if p.protocol == "TCP" {
                port
            } else {
                format!("{port} ({})", p.protocol)
            }
        })
        .collect();
    format!(
        "Service {}/{} has {}",
        svc.namespace,
        svc.name,
        if ports.is_empty() {
            "no ports".to_string()
        } else {
            ports.join(", ")
        }
    )
}
