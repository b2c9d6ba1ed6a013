//! # KR502: route hostnames do not intersect the listener's hostname
//!
//! ## What it checks
//! That a route's `hostnames` leave it something to serve on the Gateway (or ListenerSet)
//! listeners it attaches to. A listener without `hostname` accepts every route hostname, and a route
//! without `hostnames` takes the listener's. When both are set, they must intersect: equal
//! names, a wildcard covering the other name (`*.example.com` covers `a.example.com` and
//! `a.b.example.com`, never `example.com` itself), or two wildcards of which one ends with
//! the other.
//!
//! - **error**: no hostname of the route intersects the hostname of any listener the
//!   parentRef selects (after `sectionName`, `port` and `allowedRoutes`).
//! - **warning**: the route is attached, but some of its hostnames intersect none of the
//!   listeners it is attached to: those hostnames are silently ignored.
//!
//! ## Why it matters
//! A route whose hostnames all miss the listener is not attached: its status shows
//! `Accepted=False` with reason `NoMatchingListenerHostname`, and requests for its hosts
//! get the Gateway's 404. Non-matching hostnames of an accepted route are dropped without
//! any condition, so the host someone expects to work simply 404s.
//!
//! ## Example
//! ```yaml
//! kind: Gateway
//! metadata: {name: public, namespace: infra}
//! spec:
//!   listeners:
//!   - name: https
//!     hostname: "*.shop.example.com"
//!     port: 443
//!     protocol: HTTPS
//! ---
//! kind: HTTPRoute
//! metadata: {name: store, namespace: infra}
//! spec:
//!   parentRefs: [{name: public}]
//!   hostnames: ["shop.example.com"]   # KR502: *.shop.example.com does not cover shop.example.com
//! ```
//!
//! ## How to fix
//! Use route hostnames the listener accepts (the diagnostic lists the listener hostnames),
//! widen or remove the listener's `hostname`, or add a listener for the other names. A
//! wildcard `*.example.com` does not match the bare `example.com`: list both.

use crate::checks::support::gateway_api::{
    attachments_by_route, describe_listener, parent_edges, parent_gateway,
};
use crate::checks::{Context, Rule};
use crate::graph::{admits, listener_accepts, section_listeners, Broken};
use crate::inventory::gateway_api::{ApiRoute, ListenerOwner, ParentRef};
use crate::diagnostic::{Diagnostic, Severity};

pub const RULE: Rule = Rule {
    code: "KR502",
    severity: Severity::Error,
    summary: "route hostnames do not intersect the listener's hostname",
    run,
};

fn quoted(names: impl IntoIterator<Item = impl AsRef<str>>) -> String {
    names
        .into_iter()
        .map(|n| format!("`{}`", n.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn run(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    // Attachments by route, so the partial check reads each route's own in one pass.
    let attached = attachments_by_route(ctx);
    for (r, route) in ctx.inv.api_routes.iter().enumerate() {
        for (parent, edge) in parent_edges(ctx.graph, route) {
            if let Err(Broken::NoHostname { .. }) = edge.target() {
                out.extend(no_hostname(ctx, route, parent));
            }
        }
        if let Some(list) = attached.get(r).filter(|l| !l.is_empty()) {
            out.extend(ignored_hostnames(ctx, route, list));
        }
    }
}

/// The error: the listeners the parentRef selects and admits it all have hostnames that
/// none of the route's intersect.
fn no_hostname(ctx: &Context<'_>, route: &ApiRoute, parent: &ParentRef) -> Option<Diagnostic> {
    let gateway = parent_gateway(ctx, parent)?;
    let first = route.hostnames.first()?;
    let listeners: Vec<_> = section_listeners(gateway, parent)
        .into_iter()
        .filter_map(|i| gateway.listeners.get(i))
        .filter(|l| admits(ctx.inv, gateway, l, route).is_ok())
        .collect();
    let object = ctx.inv.object(route.object);
    let gateway_object = ctx.inv.object(gateway.object);
    let listener_hosts: Vec<String> = listeners
        .iter()
        .filter_map(|l| {
            l.hostname
                .as_ref()
                .map(|h| format!("`{}` on `{}`", h.value, l.name.value))
        })
        .collect();
    let (plural, verb) = if route.hostnames.len() == 1 {
        ("", "matches")
    } else {
        ("s", "match")
    };
    let mut diagnostic = RULE.on(
        object,
        first.span,
        format!(
            "{} hostname{plural} {} {verb} none of the listener hostnames of {} {}/{} ({}): the route is not accepted (Accepted=False, NoMatchingListenerHostname)",
            object.display(),
            quoted(route.hostnames.iter().map(|h| &h.value)),
            gateway.kind,
            gateway.namespace,
            gateway.name,
            listener_hosts.join(", ")
        ),
    );
    for l in &listeners {
        if let Some(h) = &l.hostname {
            diagnostic = diagnostic.with_related(
                gateway_object.file,
                h.span,
                format!(
                    "listener `{}` (port {}) accepts only `{}`",
                    l.name.value, l.port, h.value
                ),
            );
        }
    }
    let example = listeners
        .iter()
        .filter_map(|l| l.hostname.as_ref())
        .map(|h| h.value.as_str())
        .next()
        .unwrap_or_default();
    let bare = example.strip_prefix("*.").filter(|base| {
        route
            .hostnames
            .iter()
            .any(|h| h.value.eq_ignore_ascii_case(base))
    });
    let help = match bare {
        Some(base) => format!(
            "`{example}` matches subdomains of `{base}`, never `{base}` itself: add a listener with `hostname: {base}` (or without hostname), or route a subdomain"
        ),
        None => format!(
            "use hostnames the listener accepts (e.g. one under `{example}`), change or remove the listener's `hostname`, or drop `hostnames` from the route to take the listener's"
        ),
    };
    Some(diagnostic.with_help(help))
}

/// The warning: an attached route's hostnames that no listener it is attached to accepts.
fn ignored_hostnames(
    ctx: &Context<'_>,
    route: &ApiRoute,
    attached: &[(ListenerOwner, usize)],
) -> Vec<Diagnostic> {
    let listeners: Vec<_> = attached
        .iter()
        .filter_map(|(g, l)| {
            let gateway = ctx.inv.listener_owner(*g);
            Some((gateway, gateway.listeners.get(*l)?))
        })
        .collect();
    let ignored: Vec<_> = route
        .hostnames
        .iter()
        .filter(|h| !listeners.iter().any(|(_, l)| listener_accepts(l, &h.value)))
        .collect();
    if ignored.is_empty() {
        return Vec::new();
    }
    let object = ctx.inv.object(route.object);
    let served: Vec<&str> = route
        .hostnames
        .iter()
        .filter(|h| !ignored.iter().any(|i| std::ptr::eq(*i, *h)))
        .map(|h| h.value.as_str())
        .collect();
    let accepted: Vec<String> = listeners
        .iter()
        .filter_map(|(g, l)| {
            l.hostname.as_ref().map(|h| {
                format!(
                    "`{}` ({}/{} listener `{}`)",
                    h.value, g.namespace, g.name, l.name.value
                )
            })
        })
        .collect();
    ignored
        .into_iter()
        .map(|h| {
            let mut diagnostic = RULE
                .on(
                    object,
                    h.span,
                    format!(
                        "{} hostname `{}` matches none of the listeners it is attached to, which accept {}: the Gateway ignores it, so requests for it get 404 (the route serves only {})",
                        object.display(),
                        h.value,
                        accepted.join(", "),
                        quoted(&served)
                    ),
                )
                .with_severity(Severity::Warning);
            for (g, l) in &listeners {
                if let Some(lh) = &l.hostname {
                    diagnostic = diagnostic.with_related(
                        ctx.inv.object(g.object).file,
                        lh.span,
                        format!("listener {}", describe_listener(l)),
                    );
                }
            }
            diagnostic.with_help(
                "remove the hostname from the route, or attach the route to a listener that accepts it",
            )
        })
        .collect()
}
