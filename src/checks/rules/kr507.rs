//! # KR507: route has no parentRefs
//!
//! ## What it checks
//! That every Gateway API route (`HTTPRoute`, `GRPCRoute`, `TLSRoute`, `TCPRoute`,
//! `UDPRoute`) has at least one entry in `spec.parentRefs`: a Gateway (or one of its
//! listeners) it attaches to, or a Service for a mesh (GAMMA) route. Entries kroute cannot
//! read (without `name`) are the schema's business, not this rule's.
//!
//! ## Why it matters
//! A route attaches only to the parents it names: without any, no Gateway and no mesh
//! proxy loads it, and its rules never route a request. The API server accepts it and its
//! status stays empty, so nothing says so.
//!
//! ## Example
//! ```yaml
//! apiVersion: gateway.networking.k8s.io/v1
//! kind: HTTPRoute
//! metadata: {name: storefront, namespace: shop}
//! spec:                                   # KR507: no parentRefs
//!   hostnames: [shop.example.com]
//!   rules:
//!   - backendRefs: [{name: storefront, port: 80}]
//! ```
//!
//! ## How to fix
//! Name the Gateway the route belongs to:
//!
//! ```yaml
//! spec:
//!   parentRefs:
//!   - {name: public, namespace: infra}
//! ```

use crate::checks::{Context, Rule};
use crate::diagnostic::{Diagnostic, Severity};

pub const RULE: Rule = Rule {
    code: "KR507",
    severity: Severity::Warning,
    summary: "route has no `parentRefs`: attached to nothing",
    run,
};

fn run(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for route in &ctx.inv.api_routes {
        if route.written_parents > 0 {
            continue;
        }
        let object = ctx.inv.object(route.object);
        let gateways: Vec<String> = ctx
            .inv
            .api_gateways
            .iter()
            .filter(|g| g.namespace == route.namespace)
            .map(|g| format!("`{}`", g.name))
            .collect();
        let help = if gateways.is_empty() {
            "add `parentRefs` naming the Gateway the route belongs to (with its `namespace` when it lives elsewhere), or a Service for a mesh route".to_string()
        } else {
            format!(
                "add `parentRefs` naming the Gateway the route belongs to (namespace `{}` has {})",
                route.namespace,
                gateways.join(", ")
            )
        };
        out.push(
            RULE.on(
                object,
                route.parents_span.unwrap_or_else(|| object.name_span()),
                format!(
                    "{} has no `parentRefs`: no Gateway and no mesh proxy loads it, so its rules route nothing",
                    object.display()
                ),
            )
            .with_help(help),
        );
    }
}
