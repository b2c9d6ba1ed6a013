//! # KR303: route destination host resolves to no service
//!
//! ## What it checks
//! That the `destination.host` of every `http`, `tls` and `tcp` route of a VirtualService
//! names something in Istio's service registry: a Kubernetes Service, a host of a
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

use crate::checks::{Context, Rule};
use crate::graph::{Broken, EdgeKind, HostForm, HostTarget, ServiceHost, Vertex, CLUSTER_DOMAIN};
use crate::inventory::{nearest, VirtualService};
use crate::manifest::ObjectId;
use crate::diagnostic::{Diagnostic, Severity};

pub const RULE: Rule = Rule {
    code: "KR303",
    severity: Severity::Error,
    summary: "route destination host resolves to no Service, Knative Service or ServiceEntry (IST0101)",
    run,
};

fn run(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let mut by_object: HashMap<ObjectId, &VirtualService> = HashMap::new();
    for edge in ctx.graph.edges_of(EdgeKind::RouteDestination) {
        let (Err(Broken::NoHost { host: fqdn }), Vertex::Object(from)) = (&edge.to, edge.from)
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
        let Some(raw) = vs
            .routes
            .iter()
            .flat_map(|r| &r.destinations)
            .find(|d| d.host.span == edge.span)
            .map(|d| d.host.value.as_str())
        else {
            continue;
        };
        out.extend(diagnose(ctx, vs, raw, fqdn, edge.span));
    }
}

fn diagnose(
    ctx: &Context<'_>,
    vs: &VirtualService,
    raw: &str,
    fqdn: &str,
    span: crate::yaml::Span,
) -> Option<Diagnostic> {
    let object = ctx.inv.object(vs.object);
    let subject = format!("{} routes to", object.display());
    let found = unknown_host(ctx, &subject, "VirtualService", raw, fqdn, &vs.namespace)?;
    Some(found.diagnostic(ctx, &RULE, object, span))
}

/// Why a host names nothing, as [`unknown_host`] explains it.
pub struct UnknownHost {
    pub message: String,
    pub help: String,
    /// The object the host was probably meant to name.
    pub related: Option<(ObjectId, String)>,
}

impl UnknownHost {
    pub fn diagnostic(
        self,
        ctx: &Context<'_>,
        rule: &Rule,
        object: &crate::manifest::Object,
        span: crate::yaml::Span,
    ) -> Diagnostic {
        let d = rule.on(object, span, self.message).with_help(self.help);
        match self.related {
            Some((id, note)) => d.with_related_object(ctx.inv.object(id), note),
            None => d,
        }
    }
}

/// Explains why `raw` (an Istio host written in an object of `kind` in `from_namespace`,
/// `fqdn` once resolved) names nothing, the message starting with `subject`
/// ("VirtualService a/b routes to"). `None` for names Knative creates at run time.
pub fn unknown_host(
    ctx: &Context<'_>,
    subject: &str,
    kind: &str,
    raw: &str,
    fqdn: &str,
    from_namespace: &str,
) -> Option<UnknownHost> {
    // `name.ns` is also what an external domain looks like: a Service name only when the
    // Service exists.
    let parsed = ServiceHost::parse(raw, from_namespace).filter(|p| {
        p.form != HostForm::NameNamespace || ctx.inv.defines("Service", &p.namespace, &p.name)
    });
    let Some(parsed) = parsed else {
        // An external name (or a wildcard, or an address): only a ServiceEntry makes it
        // known to the mesh.
        let candidates = ctx
            .graph
            .hosts
            .names()
            .filter(|n| !n.ends_with(&format!(".svc.{CLUSTER_DOMAIN}")));
        let near = nearest(fqdn, candidates);
        let hint = near.map_or_else(String::new, |c| format!("; did you mean `{c}`?"));
        let related = near
            .and_then(|c| ctx.graph.hosts.resolve(c).first().copied())
            .and_then(|t| match t {
                HostTarget::ServiceEntry(i) => ctx.inv.service_entries.get(i).map(|se| se.object),
                HostTarget::Service(id) => Some(ctx.inv.service(id).object),
                HostTarget::KnativeService(id) => Some(id),
            })
            .map(|id| {
                let o = ctx.inv.object(id);
                (id, format!("{} provides `{}`", o.display(), near.unwrap_or_default()))
            });
        return Some(UnknownHost {
            message: format!("{subject} host `{raw}`, which no ServiceEntry declares and no Service provides{hint}"),
            help: format!(
                "Istio only knows external hosts a ServiceEntry declares (outboundTrafficPolicy ALLOW_ANY does not change that for a {kind}): add a ServiceEntry for `{raw}` with its ports, or name an existing Service"
            ),
            related,
        });
    };
    let (name, ns) = (parsed.name.as_str(), parsed.namespace.as_str());
    if knative_managed(ctx, ns, name) {
        return None;
    }
    // `name.ns` and `name.ns.svc` are literal for Istio, even when the Service exists.
    if parsed.form != HostForm::Short {
        if let Some(svc) = ctx.inv.find("Service", ns, name).next() {
            return Some(UnknownHost {
                message: format!(
                    "{subject} host `{raw}`, which Istio takes literally: no ServiceEntry declares it, and Service {ns}/{name} is `{}`",
                    parsed.fqdn()
                ),
                help: format!(
                    "write the full name `{}`: Istio does not expand partial names",
                    parsed.fqdn()
                ),
                related: Some((svc.id, format!("Service {ns}/{name}"))),
            });
        }
    }
    let shown = if parsed.form == HostForm::Short {
        format!("`{raw}` ({fqdn})")
    } else {
        format!("`{raw}`")
    };
    // A Service of that name in another namespace is the likeliest intent.
    let elsewhere_svc = ctx
        .inv
        .services
        .iter()
        .filter(|s| s.name == name && s.namespace != ns)
        .min_by(|a, b| a.namespace.cmp(&b.namespace));
    let elsewhere = elsewhere_svc.map(|s| s.namespace.as_str());
    let suggestion = nearest(name, ctx.inv.names("Service", ns));
    let hint = match elsewhere {
        Some(other) if parsed.form == HostForm::Short => format!(
            "; Service `{name}` exists in namespace `{other}`, but a short host means the {kind}'s own namespace `{ns}`"
        ),
        Some(other) => format!("; Service `{name}` exists in namespace `{other}`"),
        None => suggestion.map_or_else(
            || {
                if ctx.inv.knows_namespace(ns) {
                    String::new()
                } else {
                    format!("; nothing in the input is in namespace `{ns}`")
                }
            },
            |c| format!("; did you mean `{c}`?"),
        ),
    };
    let help = match elsewhere {
        Some(other) => format!(
            "write `{name}.{other}.svc.{CLUSTER_DOMAIN}` to reach the Service of namespace `{other}`"
        ),
        None => format!(
            "name an existing Service (a short name resolves in the {kind}'s namespace), or check together with the files that define the Service"
        ),
    };
    let related = match (elsewhere_svc, suggestion) {
        (Some(svc), _) => Some((svc.object, format!("Service {}/{name}", svc.namespace))),
        (None, Some(c)) => ctx
            .inv
            .find("Service", ns, c)
            .next()
            .map(|o| (o.id, format!("{} {ns}/{c}", o.kind))),
        (None, None) => None,
    };
    Some(UnknownHost {
        message: format!(
            "{subject} host {shown}, but no Service or Knative Service `{name}` exists in namespace `{ns}` and no ServiceEntry declares that host{hint}"
        ),
        help,
        related,
    })
}

/// Whether `name` is a Service Knative creates for a Knative Service of `namespace`:
/// `<ksvc>-<revision suffix>`, `<revision>-private`, or a tag host `<tag>-<ksvc>`.
pub fn knative_managed(ctx: &Context<'_>, namespace: &str, name: &str) -> bool {
    ctx.inv.names("Service", namespace).any(|ksvc| {
        ksvc != name
            && (name.starts_with(&format!("{ksvc}-")) || name.ends_with(&format!("-{ksvc}")))
            && ctx
                .inv
                .find("Service", namespace, ksvc)
                .any(|o| o.group == "serving.knative.dev")
    })
}
