//! # KR317: VirtualService route entry has no destination host
//!
//! ## What it checks
//! That every `route[]` entry of a VirtualService's `http`, `tls` and `tcp` rules, and every
//! `mirror` and `mirrors[]` entry of its HTTP rules, has a `destination` with a non-empty
//! `host`. Istio's validation rejects the VirtualService otherwise (its webhook answers
//! `destination is required`, or that the domain name is empty), so `kubectl apply` fails
//! and none of its rules take effect.
//!
//! ## Why it matters
//! A route entry without a host is usually a mistake of indentation (the `host` ended up
//! beside `destination` instead of under it) or a template that rendered an empty value.
//! The admission webhook refuses the whole VirtualService; where no webhook runs, the
//! entry routes nowhere.
//!
//! ## Example
//! ```yaml
//! http:
//! - route:
//!   - destination:
//!     host: reviews      # KR317: indented as a sibling of `destination`, not under it
//! ```
//!
//! ## How to fix
//! Put the host under `destination`:
//!
//! ```yaml
//! http:
//! - route:
//!   - destination:
//!       host: reviews
//! ```

use crate::checks::{Context, Rule};
use crate::diagnostic::{Diagnostic, Severity};
use crate::inventory::istio::VsRoute;

pub const RULE: Rule = Rule {
    code: "KR317",
    severity: Severity::Error,
    summary: "VirtualService route entry has no `destination.host` (Istio's validation rejects it)",
    run,
};

fn run(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for vs in &ctx.inv.virtual_services {
        let object = ctx.inv.object(vs.object);
        for route in &vs.routes {
            for &(span, mirror) in &route.hostless {
                let what = if mirror { "a mirror" } else { "a route entry" };
                out.push(
                    RULE.on(
                        object,
                        span,
                        format!(
                            "{what} of {} in {} names no destination host: Istio's validation rejects the VirtualService",
                            rule_name(route),
                            object.display()
                        ),
                    )
                    .with_help("give it `destination: {host: <service>}` (the host indented under `destination`)"),
                );
            }
        }
    }
}

/// `rule http[0]`, or `rule http[0] (`name`)` for a named rule.
fn rule_name(route: &VsRoute) -> String {
    match &route.name {
        Some(name) => format!("rule {}[{}] (`{name}`)", route.protocol.key(), route.index),
        None => format!("rule {}[{}]", route.protocol.key(), route.index),
    }
}
