//! # KR203: Service port name does not follow the mesh naming convention
//!
//! ## What it checks
//! When the input uses Istio (any `*.istio.io` object, a namespace labelled
//! `istio-injection: enabled` or `istio.io/rev`, or pods with `sidecar.istio.io/*`
//! labels), that every named Service port without `appProtocol` is called
//! `<protocol>` or `<protocol>-<suffix>`, with protocol one of `grpc`, `grpc-web`, `http`,
//! `http2`, `https`, `mongo`, `mysql`, `redis`, `tcp`, `tls`, `udp`. Unnamed ports and
//! ports with `appProtocol` are not checked. Matches `istioctl analyze` IST0118, with its
//! exemptions: UDP ports, the well-known ports Istio treats as TCP whatever their name
//! (25, 53, 3306, 27017), Services in system namespaces (`kube-system`, `kube-public`,
//! `kube-node-lease`, `local-path-storage`) and Istio's own Services (an `istio` label, or
//! `release: istio`).
//!
//! The finding is **info**: the port still carries traffic, only without the mesh's
//! protocol features.
//!
//! ## Why it matters
//! Istio picks the protocol of a port from its name (or `appProtocol`). An unrecognised name
//! falls back to protocol sniffing or plain TCP, which silently disables HTTP routing rules,
//! retries and metrics for that port.
//!
//! ## Example
//! ```yaml
//! ports:
//! - name: web          # KR203: use `http-web` or set `appProtocol: http`
//!   port: 80
//! ```
//!
//! ## How to fix
//! Rename the port to `<protocol>[-suffix]`, or set `appProtocol`.

use crate::checks::support::kube::{protocol_of_name, MESH_PROTOCOLS};
use crate::checks::{Context, Rule};
use crate::diagnostic::{Diagnostic, Severity};
use crate::manifest::Object;

pub const RULE: Rule = Rule {
    code: "KR203",
    severity: Severity::Info,
    summary: "Service port name does not follow the `<protocol>[-suffix]` mesh convention (IST0118)",
    run,
};

/// Namespaces whose Services Istio's analyzer leaves alone.
const SYSTEM_NAMESPACES: &[&str] = &[
    "kube-system",
    "kube-public",
    "kube-node-lease",
    "local-path-storage",
];

/// Ports Istio treats as TCP whatever their name: SMTP, DNS, MySQL, MongoDB.
const WELL_KNOWN_PORTS: &[i64] = &[25, 53, 3306, 27017];

/// Whether Istio's analyzer skips the Service: a system namespace, or Istio's own.
fn exempt(object: &Object) -> bool {
    SYSTEM_NAMESPACES.contains(&object.namespace.as_str())
        || object.labels.contains_key("istio")
        || object.labels.get("release").is_some_and(|r| r == "istio")
}

/// A conventional name for a port called `name`: `grpcapi` → `grpc-api` when the name
/// starts with a protocol but lacks the dash, `http-<name>` otherwise.
fn suggested_name(name: &str) -> String {
    let lower = name.to_ascii_lowercase();
    MESH_PROTOCOLS
        .iter()
        .find_map(|p| {
            let rest = lower.strip_prefix(p)?.trim_start_matches(['-', '_', '.']);
            (!rest.is_empty()).then(|| format!("{p}-{rest}"))
        })
        .unwrap_or_else(|| format!("http-{lower}"))
}

fn run(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    if !ctx.inv.mesh {
        return;
    }
    for svc in &ctx.inv.services {
        let object = ctx.inv.object(svc.object);
        if exempt(object) {
            continue;
        }
        for port in &svc.ports {
            let (Some(name), Some(span)) = (&port.name, port.name_span) else {
                continue;
            };
            if port.app_protocol.is_some()
                || protocol_of_name(name).is_some()
                || port.protocol.eq_ignore_ascii_case("UDP")
                || WELL_KNOWN_PORTS.contains(&port.port)
            {
                continue;
            }
            out.push(
                RULE.on(
                    object,
                    span,
                    format!(
                        "port name `{name}` of Service {}/{} does not say its protocol, so the mesh treats port {} as unknown traffic",
                        svc.namespace, svc.name, port.port
                    ),
                )
                .with_help(format!(
                    "rename it `<protocol>[-suffix]` (e.g. `{}`) or set `appProtocol`",
                    suggested_name(name)
                )),
            );
        }
    }
}
