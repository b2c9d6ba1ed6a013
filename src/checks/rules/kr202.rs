//! # KR202: Service targetPort not exposed by the selected pods
//!
//! ## What it checks
//! For every port of a Service that selects pods, that its `targetPort` (which defaults to
//! `port`) is exposed by the pods:
//!
//! - a **named** `targetPort` must be the `name` of a container port of at least one
//!   selected workload;
//! - a **numeric** `targetPort` should be a `containerPort` of at least one selected
//!   workload, when those workloads declare any ports at all. Declaring container ports is
//!   optional in Kubernetes and a process may listen on a port it does not declare, so this
//!   case is **info** ("the pods declare 8080; nothing says 9091 listens"); pods that
//!   declare no ports are not checked, nor Istio gateway pods on a port one of their
//!   Gateways has a server on (they listen on those).
//!
//! ## Why it matters
//! A named target that no container defines gives the Service no endpoints for that port.
//! A number that matches none of the declared ports is almost always a typo or a port
//! changed on one side only: traffic is sent to a port nothing listens on.
//!
//! ## Example
//! ```yaml
//! kind: Service
//! spec:
//!   ports:
//!   - port: 80
//!     targetPort: http-web     # KR202: the container port is named `http`
//! ```
//!
//! ## How to fix
//! Use a port name or number the container declares (the diagnostic lists them), or
//! declare the port on the container.

use crate::checks::{Context, Rule};
use crate::diagnostic::{Diagnostic, Severity};
use crate::inventory::{PortRef, Service, ServiceId, ServicePort, Workload};

pub const RULE: Rule = Rule {
    code: "KR202",
    severity: Severity::Error,
    summary: "Service targetPort (name or number) not exposed by the selected pods",
    run,
};

fn run(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (i, svc) in ctx.inv.services.iter().enumerate() {
        let id = ServiceId(u32::try_from(i).unwrap_or(u32::MAX));
        let pods: Vec<&Workload> = ctx
            .graph
            .service_pods(id)
            .iter()
            .map(|w| ctx.inv.workload(*w))
            .collect();
        let Some(first) = pods.first() else {
            continue;
        };
        let declared = declared_ports(&pods);
        for port in &svc.ports {
            if pods.iter().any(|w| w.exposes(&port.target)) {
                continue;
            }
            let diagnostic = match &port.target {
                PortRef::Name(_) => not_exposed(ctx, svc, port, &declared),
                // A process may listen on a port it does not declare: only worth knowing.
                PortRef::Number(_) if declared.is_empty() => continue,
                PortRef::Number(n) if gateway_listens(ctx, id, *n) => continue,
                PortRef::Number(n) => undeclared_number(ctx, svc, port, *n, &declared),
            };
            out.push(diagnostic.with_related(
                ctx.inv.object(first.object).file,
                first
                    .containers
                    .iter()
                    .find(|c| !c.ports.is_empty())
                    .or(first.containers.first())
                    .map_or(first.labels_span, |c| c.span),
                format!("pods of {}", ctx.inv.object(first.object).display()),
            ));
        }
    }
}

/// The container ports the pods declare, once each: `8080 (http)`.
fn declared_ports(pods: &[&Workload]) -> Vec<String> {
    let mut declared: Vec<String> = Vec::new();
    for p in pods.iter().flat_map(|w| w.ports()) {
        let shown = match &p.name {
            Some(n) => format!("{} ({n})", p.port),
            None => p.port.to_string(),
        };
        if !declared.contains(&shown) {
            declared.push(shown);
        }
    }
    declared
}

/// A named target no container declares: the Service has no endpoints on that port.
fn not_exposed(
    ctx: &Context<'_>,
    svc: &Service,
    port: &ServicePort,
    declared: &[String],
) -> Diagnostic {
    let exposed = if declared.is_empty() {
        "no ports".to_string()
    } else {
        declared.join(", ")
    };
    RULE.on(
        ctx.inv.object(svc.object),
        port.target_span,
        format!(
            "Service {}/{} port {} targets port {}, which the selected pods do not expose (they expose {exposed})",
            svc.namespace, svc.name, port.port, port.target
        ),
    )
    .with_help("set `targetPort` to a port the container declares, or declare the port the process listens on under the container's `ports`")
}

/// A numeric target none of the declared ports is: likely a typo, possibly a port the
/// process listens on without declaring it.
fn undeclared_number(
    ctx: &Context<'_>,
    svc: &Service,
    port: &ServicePort,
    number: i64,
    declared: &[String],
) -> Diagnostic {
    RULE.on(
        ctx.inv.object(svc.object),
        port.target_span,
        format!(
            "Service {}/{} port {} targets port {number}, which the selected pods do not declare: the pods declare {}; nothing says {number} listens",
            svc.namespace,
            svc.name,
            port.port,
            declared.join(", ")
        ),
    )
    .with_severity(Severity::Info)
    .with_help("if the process listens on that port, declare it under the container's `ports`; otherwise set `targetPort` to a declared port")
}

/// Whether an Istio gateway pod of Service `id` listens on `port`: one of its Gateways has
/// a server there, declared or not.
fn gateway_listens(ctx: &Context<'_>, id: ServiceId, port: i64) -> bool {
    let pods = ctx.graph.service_pods(id);
    pods.iter().any(|w| ctx.graph.gateway_listens(ctx.inv, *w, port))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::support::testing::run_rule;

    /// Knative's local gateway Service targets port 8081 of Istio's ingress gateway pods,
    /// which declare 8080: they listen on 8081 because a Gateway has a server there.
    const LOCAL_GATEWAY: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata: {name: edge-gateway, namespace: edge}
spec:
  selector: {matchLabels: {istio: edge}}
  template:
    metadata: {labels: {istio: edge}}
    spec:
      containers:
      - {name: istio-proxy, image: istio/proxyv2, ports: [{containerPort: 8080}]}
---
apiVersion: v1
kind: Service
metadata: {name: edge-local, namespace: edge}
spec:
  selector: {istio: edge}
  ports: [{name: http2, port: 80, targetPort: 8081}]
";

    #[test]
    fn gateway_pods_listen_on_their_gateways_server_ports() {
        assert_eq!(run_rule(&RULE, LOCAL_GATEWAY).len(), 1);
        let gateway = "---\napiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: local, namespace: knative-serving}\nspec:\n  selector: {istio: edge}\n  servers: [{port: {number: 8081, name: http, protocol: HTTP}, hosts: ['*']}]\n";
        assert!(run_rule(&RULE, &format!("{LOCAL_GATEWAY}{gateway}")).is_empty());
    }
}
