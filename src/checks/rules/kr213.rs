//! # KR213: Service port protocol is not TCP, UDP or SCTP
//!
//! ## What it checks
//! That the `protocol` of every Service port is one of `TCP`, `UDP` and `SCTP`, written in
//! capitals, as the API server's validation demands (it answers `Unsupported value` with
//! the supported values otherwise). An absent or empty `protocol` means `TCP`.
//!
//! ## Why it matters
//! `kubectl apply` refuses the whole Service: nothing reaches its pods by that name. The
//! usual causes are a lowercase `tcp`, or an application protocol (`HTTP`, `gRPC`) written
//! where the transport goes; the application protocol belongs in `appProtocol` (or in the
//! port name, for Istio).
//!
//! ## Example
//! ```yaml
//! ports:
//! - name: http
//!   port: 80
//!   protocol: HTTP     # KR213: the transport is TCP; HTTP goes to `appProtocol`
//! ```
//!
//! ## How to fix
//! ```yaml
//! ports:
//! - name: http
//!   port: 80
//!   protocol: TCP
//!   appProtocol: http
//! ```

use crate::checks::{Context, Rule};
use crate::diagnostic::{Diagnostic, Severity};

pub const RULE: Rule = Rule {
    code: "KR213",
    severity: Severity::Error,
    summary: "Service port `protocol` is not `TCP`, `UDP` or `SCTP` (the API server rejects it)",
    run,
};

/// The transports the API server accepts for a Service port, exactly so written.
const PROTOCOLS: &[&str] = &["TCP", "UDP", "SCTP"];

fn run(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for svc in &ctx.inv.services {
        let object = ctx.inv.object(svc.object);
        for port in &svc.ports {
            let Some(span) = port.protocol_span else {
                continue;
            };
            let protocol = port.protocol.as_str();
            if PROTOCOLS.contains(&protocol) {
                continue;
            }
            out.push(
                RULE.on(
                    object,
                    span,
                    format!(
                        "protocol `{protocol}` of port {} of {} is not one the API server accepts: `TCP`, `UDP` or `SCTP`",
                        port.port,
                        object.display()
                    ),
                )
                .with_help(help(protocol)),
            );
        }
    }
}

/// The fix for `protocol`: its capitals when it is a transport in lowercase, `TCP` with
/// an `appProtocol` when it names an application protocol.
fn help(protocol: &str) -> String {
    let upper = protocol.to_ascii_uppercase();
    if PROTOCOLS.contains(&upper.as_str()) {
        format!("write `{upper}`: the value is case-sensitive")
    } else {
        format!(
            "set `protocol: TCP` (or leave it out) and put the application protocol in `appProtocol: {}`",
            protocol.to_ascii_lowercase()
        )
    }
}
