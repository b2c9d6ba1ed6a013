//! # KR203: Service port name does not follow the mesh naming convention
//!
//! ## What it checks
//! When the input uses Istio (any `*.istio.io` object, a namespace labelled
//! `istio-injection: enabled` or `istio.io/rev`, or pods with `sidecar.istio.io/*`
//! labels), that every Service port tells the mesh its protocol, as `istioctl analyze`
//! IST0118 (PortNameIsNotUnderNamingConvention) checks it:
//!
//! - a port with `appProtocol` declares it there: a protocol below (`http`, `HTTP2`,
//!   `grpc-web`, …, or `<protocol>-<suffix>`) or one of Kubernetes' standard names
//!   `kubernetes.io/h2c`, `kubernetes.io/ws`, `kubernetes.io/wss`; Istio then ignores the
//!   name;
//! - any other port is named `<protocol>` or `<protocol>-<suffix>`, with protocol one of
//!   `grpc`, `grpc-web`, `http`, `http2`, `http_proxy`, `https`, `mongo`, `mysql`, `redis`,
//!   `tcp`, `tls`, `udp` (without case). An unnamed port declares nothing and is reported
//!   too.
//!
//! Istio's exemptions hold: UDP ports, the well-known ports Istio treats as TCP whatever
//! their name (25, 53, 3306, 27017), Services in system namespaces (`kube-system`,
//! `kube-public`, `kube-node-lease`, `local-path-storage`) and Istio's own Services (an
//! `istio` label, `release: istio`, or `gateway.istio.io/managed` naming one of Istio's
//! gateway controllers).
//!
//! The finding is **info**, as IST0118 is: the port still carries traffic, only without the
//! mesh's protocol features. An `ExternalName` Service gets its own finding, a **warning**
//! as Istio's IST0150 (ExternalNameServiceTypeInvalidPortName) is, for a port whose
//! protocol is not recognised and for a port named exactly `tcp`: the proxy may not forward
//! its TCP traffic to the external name at all.
//!
//! ## Why it matters
//! Istio picks the protocol of a port from its `appProtocol` or name. An unrecognised one
//! falls back to protocol sniffing or plain TCP, which silently disables HTTP routing rules,
//! retries and metrics for that port.
//!
//! ## Example
//! ```yaml
//! ports:
//! - name: web          # KR203: use `http-web` or set `appProtocol: http`
//!   port: 80
//! - port: 9090         # KR203: unnamed
//! - name: api
//!   port: 8080
//!   appProtocol: h2    # KR203: `h2` is no protocol Istio knows (`http2` or
//!                      #        `kubernetes.io/h2c` are)
//! ```
//!
//! ## How to fix
//! Rename the port to `<protocol>[-suffix]`, or set `appProtocol` to a protocol Istio
//! knows.

use crate::checks::support::kube::{mesh_protocol, MESH_PROTOCOLS};
use crate::checks::support::fix;
use crate::checks::{Context, Rule};
use crate::diagnostic::{Diagnostic, Severity};
use crate::inventory::{Service, ServicePort};
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

/// Values of `gateway.istio.io/managed` on the Services Istio's gateway controllers create.
const ISTIO_GATEWAY_CONTROLLERS: &[&str] = &[
    "istio.io-gateway-controller",
    "istio.io-mesh-controller",
    "istio.io-eastwest-controller",
];

/// Whether Istio's analyzer skips the Service: a system namespace, or Istio's own.
fn exempt(object: &Object) -> bool {
    SYSTEM_NAMESPACES.contains(&object.namespace.as_str())
        || object.labels.contains_key("istio")
        || object.labels.get("release").is_some_and(|r| r == "istio")
        || object
            .labels
            .get("gateway.istio.io/managed")
            .is_some_and(|c| ISTIO_GATEWAY_CONTROLLERS.contains(&c))
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
        let external = svc.type_ == "ExternalName";
        for port in &svc.ports {
            // Istio's IST0150 also catches `tcp` on an ExternalName Service, exactly so.
            let external_tcp = external && port.name.as_deref() == Some("tcp");
            if mesh_protocol(port).is_some() && !external_tcp {
                continue;
            }
            out.push(if external {
                external_name(object, svc, port)
            } else {
                undeclared(ctx, object, svc, port)
            });
        }
    }
}

/// `Service ns/name`, as messages name it.
fn service_name(svc: &Service) -> String {
    format!("Service {}/{}", svc.namespace, svc.name)
}

/// A port whose `appProtocol` or name declares no protocol the mesh knows.
fn undeclared(ctx: &Context<'_>, object: &Object, svc: &Service, port: &ServicePort) -> Diagnostic {
    let (n, svc_name) = (port.port, service_name(svc));
    if let (Some(app), Some(span)) = (&port.app_protocol, port.app_protocol_span) {
        return RULE
            .on(
                object,
                span,
                format!(
                    "appProtocol `{app}` of port {n} of {svc_name} is no protocol the mesh knows, so it treats the port as unknown traffic"
                ),
            )
            .with_help(
                "use a protocol Istio knows (`http`, `http2`, `grpc`, `tcp`, `tls`, …, or `kubernetes.io/h2c`, `kubernetes.io/ws`, `kubernetes.io/wss`)",
            );
    }
    match (&port.name, port.name_span) {
        (Some(name), Some(span)) => RULE
            .on(
                object,
                span,
                format!(
                    "port name `{name}` of {svc_name} does not say its protocol, so the mesh treats port {n} as unknown traffic"
                ),
            )
            .with_help(format!(
                "rename it `<protocol>[-suffix]` (e.g. `{}`) or set `appProtocol`",
                suggested_name(name)
            ))
            // Unsafe: the protocol is a guess, and references to the port by name follow.
            .with_fix(fix::unsafe_set(ctx, object, span, name, &suggested_name(name))),
        _ => RULE
            .on(
                object,
                port.span,
                format!(
                    "port {n} of {svc_name} has no name, so the mesh treats it as unknown traffic"
                ),
            )
            .with_help("name it `<protocol>[-suffix]` (e.g. `http` or `tcp-db`) or set `appProtocol`"),
    }
}

/// A port of an ExternalName Service the proxy may not forward (Istio's IST0150).
fn external_name(object: &Object, svc: &Service, port: &ServicePort) -> Diagnostic {
    let span = port
        .app_protocol_span
        .or(port.name_span)
        .unwrap_or(port.span);
    let what = match (&port.app_protocol, &port.name) {
        (Some(app), _) => format!("appProtocol `{app}`"),
        (None, Some(name)) => format!("name `{name}`"),
        (None, None) => "no name".to_string(),
    };
    RULE.on(
        object,
        span,
        format!(
            "port {} of ExternalName {} has {what}: the proxy may not forward TCP traffic for it to the external name correctly",
            port.port,
            service_name(svc)
        ),
    )
    .with_severity(Severity::Warning)
    .with_help("name the port after the protocol it carries (e.g. `https` or `tls-db`, not a bare `tcp`), or set `appProtocol`")
}
