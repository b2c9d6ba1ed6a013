//! # KR309: Gateway server accepts every host
//!
//! ## What it checks
//! That no server of an Istio `Gateway` lists the catch-all host `*` (written `*` or
//! `*/*`). A host scoped to a namespace (`./*`, `shop/*`) is not reported: it still answers
//! every hostname, but only VirtualServices of that namespace can bind through it, which is
//! a deliberate delegation. `istioctl analyze` has no matching message.
//!
//! ## Why it matters
//! A server for `*` answers requests (or TLS handshakes) for any `Host` header or SNI name
//! that reaches the load balancer, and lets a VirtualService in **any** namespace bind any
//! hostname through the gateway: one team's VirtualService for `*` or for another team's
//! domain silently takes over traffic. With TLS, every name is served with the same
//! certificate. Knative's own `knative-ingress-gateway` uses `*` by design; the warning
//! still applies there (suppress it with `kroute.dev/ignore: KR309` if that is intended).
//!
//! ## Example
//! ```yaml
//! apiVersion: networking.istio.io/v1
//! kind: Gateway
//! metadata: {name: public, namespace: istio-system}
//! spec:
//!   selector: {istio: ingressgateway}
//!   servers:
//!   - port: {number: 80, name: http, protocol: HTTP}
//!     hosts: ["*"]            # KR309
//! ```
//!
//! ## How to fix
//! List the hostnames the gateway really serves (the diagnostic suggests the hosts of the
//! VirtualServices bound through this server), optionally scoped to the namespace allowed
//! to bind them: `hosts: ["shop/shop.example.com"]`.

use std::collections::{BTreeSet, HashMap};

use crate::checks::{Context, Rule};
use crate::inventory::istio::HostNamespace;
use crate::inventory::IstioGatewayId;
use crate::diagnostic::{Diagnostic, Severity};

pub const RULE: Rule = Rule {
    code: "KR309",
    severity: Severity::Warning,
    summary: "Gateway server accepts every host (`*`, `*/*`)",
    run,
};

fn run(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    // VirtualService hosts bound through each (gateway, server, server host).
    let mut bound: HashMap<(IstioGatewayId, usize, usize), BTreeSet<&str>> = HashMap::new();
    for b in &ctx.graph.bindings {
        let Some(host) = ctx.inv.virtual_service(b.virtual_service).hosts.get(b.host) else {
            continue;
        };
        if !host.value.contains('*') {
            bound
                .entry((b.gateway, b.server, b.server_host))
                .or_default()
                .insert(host.value.as_str());
        }
    }
    for (g, gateway) in ctx.inv.istio_gateways_by_id() {
        let object = ctx.inv.object(gateway.object);
        for (s, server) in gateway.servers.iter().enumerate() {
            for (h, host) in server.hosts.iter().enumerate() {
                if host.host != "*" || host.namespace != HostNamespace::Any {
                    continue;
                }
                let passthrough = matches!(
                    server.tls_mode.as_deref(),
                    Some("PASSTHROUGH" | "AUTO_PASSTHROUGH")
                );
                let what = match server.protocol.as_str() {
                    _ if passthrough => "forwards TLS connections for any SNI name and ",
                    "HTTPS" | "TLS" => "completes a TLS handshake for any SNI name and ",
                    "HTTP" | "HTTP2" | "GRPC" | "GRPC-WEB" if server.tls_mode.is_none() => {
                        "answers requests for any Host header and "
                    }
                    "HTTP" | "HTTP2" | "GRPC" | "GRPC-WEB" => {
                        "completes a TLS handshake for any SNI name and "
                    }
                    _ => "",
                };
                let help = match bound.get(&(g, s, h)) {
                    Some(names) if !names.is_empty() => {
                        let list: Vec<String> =
                            names.iter().take(5).map(|n| format!("\"{n}\"")).collect();
                        format!(
                            "list the hostnames this server really serves, e.g. `hosts: [{}]` (the hosts of the VirtualServices bound to it), optionally scoped to a namespace (`ns/host`)",
                            list.join(", ")
                        )
                    }
                    _ => "list the hostnames this server really serves (e.g. `shop.example.com`), optionally scoped to the namespace allowed to bind them (`shop/shop.example.com`)".to_string(),
                };
                out.push(
                    RULE.on(
                        object,
                        host.span,
                        format!(
                            "server on port {} of {} accepts every host: it {what}lets a VirtualService in any namespace bind any hostname through it",
                            server.port,
                            object.display()
                        ),
                    )
                    .with_help(help),
                );
            }
        }
    }
}
