//! # KR510: listener allowedRoutes.kinds lists a route kind its protocol cannot carry
//!
//! ## What it checks
//! Every `allowedRoutes.kinds` entry of a Gateway or ListenerSet listener names a route
//! kind of the Gateway API group (`gateway.networking.k8s.io`, the default) that the
//! listener's protocol carries:
//!
//! | protocol | route kinds |
//! |---|---|
//! | HTTP, HTTPS | HTTPRoute, GRPCRoute |
//! | TLS (`mode: Passthrough`) | TLSRoute |
//! | TLS (`mode: Terminate`) | TLSRoute, TCPRoute |
//! | TCP | TCPRoute |
//! | UDP | UDPRoute |
//!
//! TCPRoute on a terminating TLS listener is not in the spec's table, but implementations
//! serve it (Envoy Gateway), so kroute accepts it there; on a passthrough listener the
//! conformance suite refuses it. A kind of that group that is not a route (a typo,
//! `kind: HttpRoute`) is reported too. Kinds
//! of other groups are an implementation's own and are not checked, and neither are
//! listeners of a protocol the Gateway API does not define (`example.com/protocol`).
//!
//! ## Why it matters
//! The listener's status shows `ResolvedRefs=False` with reason `InvalidRouteKinds`, and
//! the kind is left out of its `supportedKinds` (the Gateway API conformance tests
//! `GatewayInvalidRouteKind` and `TLSRouteListenerPassthroughSupportedKinds`): no route of
//! that kind ever attaches (KR505 reports the routes that try). When no listed kind is
//! valid, the listener serves nothing at all.
//!
//! ## Example
//! ```yaml
//! kind: Gateway
//! spec:
//!   listeners:
//!   - name: web
//!     port: 80
//!     protocol: HTTP
//!     allowedRoutes:
//!       kinds:
//!       - kind: HTTPRoute
//!       - kind: TCPRoute     # KR510: an HTTP listener carries HTTPRoute and GRPCRoute
//! ```
//!
//! ## How to fix
//! List only kinds the protocol carries, or add a listener of the right protocol (a `TCP`
//! listener on its own port for TCPRoutes).

use crate::checks::support::gateway_api::{describe_listener, listener_owners};
use crate::checks::{Context, Rule};
use crate::diagnostic::{Diagnostic, Severity};
use crate::inventory::gateway_api::{Listener, RouteKind, GROUP, ROUTE_KINDS};
use crate::inventory::{did_you_mean, ApiGateway};

pub const RULE: Rule = Rule {
    code: "KR510",
    severity: Severity::Error,
    summary: "listener allowedRoutes.kinds lists a route kind its protocol cannot carry",
    run,
};

fn run(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for owner in listener_owners(ctx.inv) {
        for listener in &owner.listeners {
            let Some(carried) = listener.protocol_kinds() else {
                continue;
            };
            let invalid: Vec<&RouteKind> = listener
                .allowed_kinds
                .iter()
                .filter(|k| {
                    (k.group == GROUP || k.group.is_empty())
                        && !listener.carries(&k.group, &k.kind.value)
                })
                .collect();
            let none_left = invalid.len() == listener.allowed_kinds.len();
            for kind in invalid {
                out.push(invalid_kind(ctx, owner, listener, kind, carried, none_left));
            }
        }
    }
}

fn invalid_kind(
    ctx: &Context<'_>,
    owner: &ApiGateway,
    listener: &Listener,
    kind: &RouteKind,
    carried: &[&str],
    none_left: bool,
) -> Diagnostic {
    let object = ctx.inv.object(owner.object);
    let name = kind.kind.value.as_str();
    let carriers = format!(
        "{} {} listener{} carries {}",
        article(&listener.protocol),
        listener.protocol,
        mode(listener),
        carried.join(" and ")
    );
    let (what, help) = if kind.group.is_empty() {
        (
            format!("{name} of the core group (`group: \"\"`), which has no route kinds"),
            format!("remove `group: \"\"`: route kinds are of group `{GROUP}`, the default"),
        )
    } else if ROUTE_KINDS.contains(&name) {
        (
            format!(
                "{name}, which {} {} listener{} cannot carry",
                article(&listener.protocol),
                listener.protocol,
                mode(listener)
            ),
            format!("{carriers}: list those, or route {name}s through a listener of a protocol that carries them"),
        )
    } else {
        (
            format!("{name}, which is not a Gateway API route kind{}", route_kind_hint(name)),
            format!("{carriers}: list those"),
        )
    };
    let consequence = if none_left {
        "; no listed kind is valid, so the listener admits no routes at all"
    } else {
        ""
    };
    RULE.on(
        object,
        kind.kind.span,
        format!(
            "allowedRoutes.kinds of listener {} of {} lists {what} (ResolvedRefs=False, InvalidRouteKinds){consequence}",
            describe_listener(listener),
            object.display()
        ),
    )
    .with_help(help)
}

/// The route kind `name` was probably meant to be (kinds are case-sensitive).
fn route_kind_hint(name: &str) -> String {
    match ROUTE_KINDS.iter().find(|k| k.eq_ignore_ascii_case(name)) {
        Some(kind) => format!("; did you mean `{kind}`?"),
        None => did_you_mean(name, ROUTE_KINDS.iter().copied()),
    }
}

/// `an` before HTTP and HTTPS, `a` before the others.
fn article(protocol: &str) -> &'static str {
    if protocol.starts_with('H') {
        "an"
    } else {
        "a"
    }
}

/// ` in Passthrough mode`, for a TLS listener, whose mode decides its kinds.
fn mode(listener: &Listener) -> String {
    if listener.protocol == "TLS" {
        format!(" in {} mode", listener.tls_mode())
    } else {
        String::new()
    }
}
