//! # KR303: route destination host resolves to no service
//!
//! ## What it checks
//! That the `destination.host` of every `http`, `tls` and `tcp` route of a VirtualService,
//! and the host of every HTTP `mirror` and `mirrors[].destination`, names something in
//! Istio's service registry: a Kubernetes Service, a host of a
//! ServiceEntry (wildcard hosts included) or a Knative Service. Hosts are read exactly as
//! Istio reads them:
//!
//! - a short name (`reviews`) is `reviews.<namespace of the VirtualService>.svc.cluster.local`;
//! - anything with a dot is taken literally: `reviews.prod` and `reviews.prod.svc` are
//!   **not** expanded to `reviews.prod.svc.cluster.local` (DNS search domains play no part
//!   in Envoy's routing), so they only match a ServiceEntry host written that way.
//!
//! An external name (`api.example.com`) needs a ServiceEntry even when the mesh allows
//! any outbound traffic (`outboundTrafficPolicy: ALLOW_ANY`): that policy only covers
//! traffic no route claims, while a route destination must be a cluster Istio knows, and
//! Istio drops traffic to destinations found in neither Kubernetes nor a ServiceEntry.
//!
//! Services Knative creates for a Knative Service of the namespace (`<name>-00001`,
//! `<revision>-private`, `<tag>-<name>`) are not reported here (see KR406). Matches
//! `istioctl analyze` IST0101 (ReferencedResourceNotFound, "host").
//!
//! ## Why it matters
//! Envoy has no cluster for an unknown destination: every request the route matches fails
//! with `503` (`NC`, no cluster), although the VirtualService is accepted without complaint.
//!
//! ## Example
//! ```yaml
//! apiVersion: networking.istio.io/v1
//! kind: VirtualService
//! metadata: {name: reviews, namespace: bookinfo}
//! spec:
//!   hosts: [reviews]
//!   http:
//!   - route:
//!     - destination:
//!         host: reviewz          # KR303: no Service reviewz in bookinfo; did you mean reviews?
//!   - route:
//!     - destination:
//!         host: ratings.prod     # KR303: write ratings.prod.svc.cluster.local
//! ```
//!
//! ## How to fix
//! Fix the name (the diagnostic suggests the closest existing host), write a Service of
//! another namespace as `<name>.<namespace>.svc.cluster.local`, or declare an external host
//! with a ServiceEntry.

use std::collections::HashMap;

use crate::checks::support::istio::unknown_host;
use crate::checks::{Context, Rule};
use crate::graph::{Broken, EdgeKind, Vertex};
use crate::inventory::VirtualService;
use crate::manifest::ObjectId;
use crate::diagnostic::{Diagnostic, Severity};

pub const RULE: Rule = Rule {
    code: "KR303",
    severity: Severity::Error,
    summary: "route (or mirror) destination host resolves to no Service, Knative Service or ServiceEntry (IST0101)",
    run,
};

fn run(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let mut by_object: HashMap<ObjectId, &VirtualService> = HashMap::new();
    for edge in ctx.graph.edges_of(EdgeKind::RouteDestination) {
        let (Err(Broken::NoHost { host: fqdn }), Vertex::Object(from)) = (edge.target(), edge.from)
        else {
            continue;
        };
        if by_object.is_empty() {
            by_object = ctx
                .inv
                .virtual_services
                .iter()
                .map(|vs| (vs.object, vs))
                .collect();
        }
        let Some(vs) = by_object.get(&from) else {
            continue;
        };
        let routed = vs.routes.iter().flat_map(|r| &r.destinations);
        let mirrored = vs.routes.iter().flat_map(|r| &r.mirrors);
        let Some((raw, mirror)) = routed
            .map(|d| (d, false))
            .chain(mirrored.map(|d| (d, true)))
            .find(|(d, _)| d.host.span == edge.span)
            .map(|(d, mirror)| (d.host.value.as_str(), mirror))
        else {
            continue;
        };
        out.extend(diagnose(ctx, vs, raw, mirror, fqdn, edge.span));
    }
}

fn diagnose(
    ctx: &Context<'_>,
    vs: &VirtualService,
    raw: &str,
    mirror: bool,
    fqdn: &str,
    span: crate::yaml::Span,
) -> Option<Diagnostic> {
    let object = ctx.inv.object(vs.object);
    let verb = if mirror { "mirrors to" } else { "routes to" };
    let subject = format!("{} {verb}", object.display());
    let found = unknown_host(ctx, &subject, "VirtualService", raw, fqdn, &vs.namespace)?;
    Some(found.diagnostic(ctx, &RULE, object, span))
}
