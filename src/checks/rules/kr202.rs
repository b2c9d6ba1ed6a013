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
//!   case is a **warning**; pods that declare no ports are not checked, nor Istio gateway
//!   pods on a port one of their Gateways has a server on (they listen on those).
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
use crate::inventory::{PortRef, ServiceId};
use crate::diagnostic::{Diagnostic, Severity};

pub const RULE: Rule = Rule {
    code: "KR202",
    severity: Severity::Error,
    summary: "Service targetPort (name or number) not exposed by the selected pods",
    run,
};

fn run(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (i, svc) in ctx.inv.services.iter().enumerate() {
        let id = ServiceId(u32::try_from(i).unwrap_or(u32::MAX));
        let pods: Vec<_> = ctx
            .graph
            .service_pods(id)
            .iter()
            .map(|w| ctx.inv.workload(*w))
            .collect();
        let Some(first) = pods.first() else {
            continue;
        };
        let declares_ports = pods.iter().any(|w| w.ports().next().is_some());
        for port in &svc.ports {
            if pods.iter().any(|w| w.exposes(&port.target)) {
                continue;
            }
            if matches!(port.target, PortRef::Number(_)) && !declares_ports {
                continue;
            }
            if let PortRef::Number(n) = port.target {
                let pods = ctx.graph.service_pods(id);
                if pods.iter().any(|w| ctx.graph.gateway_listens(ctx.inv, *w, n)) {
                    continue;
                }
            }
            let exposed: Vec<String> = pods
                .iter()
                .flat_map(|w| w.ports())
                .map(|p| match &p.name {
                    Some(n) => format!("{} ({n})", p.port),
                    None => p.port.to_string(),
                })
                .collect();
            let exposed = if exposed.is_empty() {
                "no ports".to_string()
            } else {
                exposed.join(", ")
            };
            let severity = match port.target {
                PortRef::Number(_) => Severity::Warning,
                PortRef::Name(_) => RULE.severity,
            };
            let object = ctx.inv.object(svc.object);
            let workload = ctx.inv.object(first.object);
            out.push(
                RULE.on(
                    object,
                    port.target_span,
                    format!(
                        "Service {}/{} port {} targets port {}, which the selected pods do not expose (they expose {exposed})",
                        svc.namespace, svc.name, port.port, port.target
                    ),
                )
                .with_severity(severity)
                .with_related(
                    workload.file,
                    first
                        .containers
                        .iter()
                        .find(|c| !c.ports.is_empty())
                        .or(first.containers.first())
                        .map_or(first.labels_span, |c| c.span),
                    format!("pods of {}", workload.display()),
                )
                .with_help("set `targetPort` to a port the container declares, or declare the port the process listens on under the container's `ports`"),
            );
        }
    }
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
