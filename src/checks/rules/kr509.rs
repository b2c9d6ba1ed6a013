//! # KR509: conflicting listeners on one port
//!
//! ## What it checks
//! The listeners of each Gateway, followed by those of the ListenerSets it accepts (by
//! `namespace/name`, the spec's order after creation time, which manifests do not carry),
//! must be distinct:
//!
//! - **ProtocolConflict**: listeners on the same port must speak compatible protocols. HTTP,
//!   the TLS-based protocols (HTTPS and TLS, told apart by SNI) and TCP each need a port of
//!   their own; UDP may share a port number with any of them (another transport).
//! - **HostnameConflict**: two listeners on the same port with the same protocol (or HTTPS
//!   and TLS) must have different hostnames (no `hostname` counts as one value); two TCP
//!   or two UDP listeners cannot share a port at all.
//! - a **warning** for a TLS listener in `Terminate` mode and one in `Passthrough` mode on
//!   the same port: only implementations with mixed-termination support serve both
//!   (`TLSRouteListenerMixedTerminationNotSupported`: ProtocolConflict otherwise).
//!
//! Within one Gateway (or ListenerSet), the same port, protocol and hostname twice is
//! rejected by the API server ("Combination of port, protocol and hostname must be unique
//! for each listener"), and listeners with conflicting protocols are all refused. A
//! ListenerSet listener that conflicts with an earlier listener (the Gateway's own first) is
//! the one refused, as the conformance tests `ListenerSetProtocolConflict` and
//! `ListenerSetHostnameConflict` expect. Listeners of protocols the Gateway API does not
//! define are compared by port, protocol and hostname only.
//!
//! ## Why it matters
//! A conflicted listener is not accepted (`Accepted=False`, `Conflicted=True` with reason
//! `ProtocolConflict` or `HostnameConflict`): its port is not programmed for it, and the
//! routes attached to it serve nothing.
//!
//! ## Example
//! ```yaml
//! kind: Gateway
//! spec:
//!   listeners:
//!   - {name: web, port: 80, protocol: HTTP}
//!   - {name: raw, port: 80, protocol: TCP}    # KR509: port 80 already speaks HTTP
//! ```
//!
//! ## How to fix
//! Give each protocol its own port, and each listener sharing a port and protocol its own
//! `hostname`.

use std::collections::HashSet;

use crate::checks::support::gateway_api::describe_listener;
use crate::checks::{Context, Rule};
use crate::diagnostic::{Diagnostic, Severity};
use crate::inventory::gateway_api::Listener;
use crate::inventory::ApiGateway;

pub const RULE: Rule = Rule {
    code: "KR509",
    severity: Severity::Error,
    summary: "listeners on one port conflict: incompatible protocols, or the same hostname twice",
    run,
};

/// A listener with the Gateway or ListenerSet it belongs to.
type Owned<'i> = (&'i ApiGateway, &'i Listener);

fn run(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let mut merged_sets = HashSet::new();
    for (g, gateway) in ctx.inv.api_gateways.iter().enumerate() {
        let mut listeners: Vec<Owned<'_>> = gateway.listeners.iter().map(|l| (gateway, l)).collect();
        for &s in ctx.graph.listener_sets_of(g) {
            merged_sets.insert(s);
            if let Some(set) = ctx.inv.listener_sets.get(s) {
                listeners.extend(set.listeners.iter().map(|l| (set, l)));
            }
        }
        check(ctx, &listeners, out);
    }
    // A ListenerSet its Gateway does not accept (KR511) is still checked on its own.
    for (s, set) in ctx.inv.listener_sets.iter().enumerate() {
        if !merged_sets.contains(&s) {
            let listeners: Vec<Owned<'_>> = set.listeners.iter().map(|l| (set, l)).collect();
            check(ctx, &listeners, out);
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Conflict {
    Protocol,
    Hostname,
    /// TLS Terminate and Passthrough on one port.
    Mode,
}

/// Which protocols can share a port: the ones in one family are told apart by hostname.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Family {
    Http,
    Tls,
    Tcp,
    Udp,
}

fn family(protocol: &str) -> Option<Family> {
    Some(match protocol {
        "HTTP" => Family::Http,
        "HTTPS" | "TLS" => Family::Tls,
        "TCP" => Family::Tcp,
        "UDP" => Family::Udp,
        _ => return None,
    })
}

fn same_hostname(a: &Listener, b: &Listener) -> bool {
    let host = |l: &Listener| {
        l.hostname
            .as_ref()
            .map(|h| h.value.to_ascii_lowercase())
            .filter(|h| !h.is_empty())
    };
    host(a) == host(b)
}

fn conflict(a: &Listener, b: &Listener) -> Option<Conflict> {
    if a.port != b.port || a.port == 0 {
        return None;
    }
    match (family(&a.protocol), family(&b.protocol)) {
        (Some(Family::Udp), Some(fb)) | (Some(fb), Some(Family::Udp)) if fb != Family::Udp => None,
        (Some(fa), Some(fb)) if fa != fb => Some(Conflict::Protocol),
        (Some(_), Some(_)) if same_hostname(a, b) => Some(Conflict::Hostname),
        (Some(_), Some(_))
            if a.protocol == "TLS" && b.protocol == "TLS" && a.tls_mode() != b.tls_mode() =>
        {
            Some(Conflict::Mode)
        }
        // An implementation's own protocol: only an exact repeat is certainly a conflict.
        _ if a.protocol == b.protocol && same_hostname(a, b) => Some(Conflict::Hostname),
        _ => None,
    }
}

/// Reports each listener that conflicts with an earlier one, once, against the first.
fn check(ctx: &Context<'_>, listeners: &[Owned<'_>], out: &mut Vec<Diagnostic>) {
    for (j, &later) in listeners.iter().enumerate() {
        let found = listeners[..j]
            .iter()
            .find_map(|&earlier| Some((earlier, conflict(earlier.1, later.1)?)));
        if let Some((earlier, kind)) = found {
            out.push(report(ctx, earlier, later, kind));
        }
    }
}

fn report(ctx: &Context<'_>, earlier: Owned<'_>, later: Owned<'_>, kind: Conflict) -> Diagnostic {
    let (owner, listener) = later;
    let object = ctx.inv.object(owner.object);
    let first = ctx.inv.object(earlier.0.object);
    let one_object = std::ptr::eq(earlier.0, owner);
    let other = if one_object {
        format!("listener {}", describe_listener(earlier.1))
    } else {
        format!("listener {} of {}", describe_listener(earlier.1), first.display())
    };
    let (why, reason) = why(kind, earlier.1, listener);
    let outcome = outcome(kind, one_object, earlier.1, later);
    let span = match kind {
        Conflict::Hostname => listener.hostname.as_ref().map(|h| h.span),
        Conflict::Protocol | Conflict::Mode => listener.protocol_span,
    }
    .or(listener.port_span)
    .unwrap_or(listener.span);
    let severity = if kind == Conflict::Mode {
        Severity::Warning
    } else {
        RULE.severity
    };
    RULE.on(
        object,
        span,
        format!(
            "listener {} of {} conflicts with {other}: {why} (Conflicted=True, {reason}); {outcome}",
            describe_listener(listener),
            object.display()
        ),
    )
    .with_severity(severity)
    .with_related(first.file, earlier.1.span, "the earlier listener")
    .with_help(match kind {
        Conflict::Hostname => "give each listener sharing a port and protocol its own `hostname`, or move one to another port",
        Conflict::Protocol | Conflict::Mode => "give each protocol (and TLS mode) its own port",
    })
}

/// What the two listeners share, and the condition reason a controller gives.
fn why(kind: Conflict, earlier: &Listener, later: &Listener) -> (String, &'static str) {
    let port = later.port;
    match kind {
        Conflict::Protocol => (
            format!(
                "port {port} cannot serve both {} and {}",
                earlier.protocol, later.protocol
            ),
            "ProtocolConflict",
        ),
        Conflict::Hostname if later.hostname.is_none() => (
            format!("both take every hostname on port {port}"),
            "HostnameConflict",
        ),
        Conflict::Hostname => (
            format!("both take the same hostname on port {port}"),
            "HostnameConflict",
        ),
        Conflict::Mode => (
            format!("port {port} would both terminate TLS and pass it through"),
            "ProtocolConflict",
        ),
    }
}

/// What becomes of the listeners: within one object both are refused (or the object is,
/// by the API server's uniqueness rule); across objects the later one is.
fn outcome(kind: Conflict, one_object: bool, earlier: &Listener, later: Owned<'_>) -> String {
    match (kind, one_object) {
        (Conflict::Mode, _) => {
            "unless the implementation supports mixed TLS termination, both are refused"
                .to_string()
        }
        (Conflict::Hostname, true) if earlier.protocol == later.1.protocol => format!(
            "the API server rejects the {} (Combination of port, protocol and hostname must be unique for each listener)",
            later.0.kind
        ),
        (_, true) => "neither listener is accepted".to_string(),
        (_, false) => {
            "this listener is not accepted (the earlier one takes precedence)".to_string()
        }
    }
}
