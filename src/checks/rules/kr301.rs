//! # KR301: VirtualService names a Gateway that does not exist
//!
//! ## What it checks
//! That every entry of a VirtualService's `spec.gateways`, and of the per-rule
//! `http[].match[].gateways`, names a Gateway in the input. Entries are read the way Istio
//! reads them:
//!
//! - `ns/name` is the Gateway `name` in namespace `ns` (`./name`: the VirtualService's own
//!   namespace);
//! - a plain `name` is a Gateway of the VirtualService's **own** namespace, never one of
//!   `istio-system`;
//! - the legacy dotted form `name.ns.svc.cluster.local` (or `name.ns`) is `ns/name`;
//! - `mesh` is reserved for the sidecars of the mesh and always fine.
//!
//! A Gateway API `Gateway` of that namespace and name also counts (Istio lets a
//! VirtualService attach to one). Matches `istioctl analyze` IST0101
//! (ReferencedResourceNotFound, "gateway").
//!
//! ## Why it matters
//! Istio silently ignores a VirtualService for a Gateway that does not exist: no gateway
//! proxy gets its routes, and requests for its hosts get `404` from the gateway.
//!
//! ## Example
//! ```yaml
//! apiVersion: networking.istio.io/v1
//! kind: VirtualService
//! metadata: {name: shop, namespace: shop}
//! spec:
//!   hosts: [shop.example.com]
//!   gateways:
//!   - shop-gateway          # KR301: the Gateway is istio-system/shop-gateway
//!   http:
//!   - route:
//!     - destination: {host: frontend}
//! ```
//!
//! ## How to fix
//! Name the Gateway as `<namespace>/<name>` when it lives in another namespace, fix the
//! typo (the diagnostic suggests the closest Gateway), or add the Gateway. When the platform
//! provides the Gateway outside your repository, check together with its manifest (or a
//! stub of it), or suppress with the annotation `kroute.dev/ignore: KR301`.

use crate::checks::support::namespace::outside_input;
use crate::checks::{Context, Rule};
use crate::graph::{Broken, EdgeKind, Vertex};
use crate::inventory::did_you_mean;
use crate::inventory::istio::{GatewayRef, GatewayTarget};
use crate::manifest::Object;
use crate::platform::{advice, Wanted};
use crate::diagnostic::{Diagnostic, Severity};
use crate::yaml::Span;

pub const RULE: Rule = Rule {
    code: "KR301",
    severity: Severity::Error,
    summary: "VirtualService names a Gateway that does not exist (IST0101)",
    run,
};

fn run(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for edge in ctx.graph.edges_of(EdgeKind::RouteGateway) {
        let (Err(Broken::NoGateway { namespace, name }), Vertex::Object(from)) =
            (&edge.to, edge.from)
        else {
            continue;
        };
        if ctx.graph.api_gateway(namespace, name).is_some() {
            continue;
        }
        let vs = ctx.inv.object(from);
        let diagnostic = missing_gateway(ctx, vs, edge.span, namespace, name, "is bound to");
        out.push(outside_input(ctx, namespace, diagnostic));
    }
    // Per-rule `match[].gateways` are not edges of the graph: they only narrow where a rule
    // of an already bound VirtualService applies, but a name there must exist all the same.
    for vs in &ctx.inv.virtual_services {
        let top: Vec<&GatewayTarget> = vs.gateways.iter().map(|g| &g.target).collect();
        for route in &vs.routes {
            for m in &route.matches {
                for raw in &m.gateways {
                    let gref = GatewayRef::parse(raw, &vs.namespace);
                    let GatewayTarget::Named { namespace, name } = &gref.target else {
                        continue;
                    };
                    // Already reported at the top-level entry.
                    if top.contains(&&gref.target)
                        || ctx.graph.istio_gateway(namespace, name).is_some()
                        || ctx.graph.api_gateway(namespace, name).is_some()
                    {
                        continue;
                    }
                    let object = ctx.inv.object(vs.object);
                    let verb = "applies a rule to";
                    let diagnostic = missing_gateway(ctx, object, gref.span, namespace, name, verb);
                    out.push(outside_input(ctx, namespace, diagnostic));
                }
            }
        }
    }
}

fn missing_gateway(
    ctx: &Context<'_>,
    vs: &Object,
    span: Span,
    namespace: &str,
    name: &str,
    verb: &str,
) -> Diagnostic {
    // The usual cause: a short name for a Gateway that lives in another namespace.
    let elsewhere = ctx
        .inv
        .istio_gateways
        .iter()
        .filter(|g| g.name == name && g.namespace != namespace)
        .min_by(|a, b| a.namespace.cmp(&b.namespace));
    let hint = if name.eq_ignore_ascii_case("mesh") {
        "; the reserved name for the mesh's sidecars is lowercase `mesh`".to_string()
    } else if let Some(g) = elsewhere {
        format!(
            "; a Gateway `{name}` exists in namespace `{}`: write `{}/{name}`",
            g.namespace, g.namespace
        )
    } else {
        did_you_mean(name, ctx.inv.names("Gateway", namespace))
    };
    let diagnostic = RULE.on(
        vs,
        span,
        format!(
            "{} {verb} Gateway `{namespace}/{name}`, which does not exist{hint}",
            vs.display()
        ),
    );
    match elsewhere {
        Some(g) => diagnostic
            .with_related_object(
                ctx.inv.object(g.object),
                format!("Gateway {}/{name}", g.namespace),
            )
            .with_help(format!(
                "a gateway name without a namespace means the VirtualService's own namespace (`{}`): write `<namespace>/<name>`",
                vs.namespace
            )),
        None => diagnostic.with_help(
            advice(Wanted::Object {
                kind: "Gateway",
                namespace,
                name,
            })
            .unwrap_or_else(|| {
                "name an existing Gateway as `<namespace>/<name>` (or `mesh` for sidecars); if the platform provides this Gateway, check together with its manifest or a stub of it, or suppress with `kroute.dev/ignore: KR301`".to_string()
            }),
        ),
    }
}
