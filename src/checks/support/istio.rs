//! Helpers the Istio rules (KR3xx) share.

use std::collections::BTreeSet;

use crate::checks::support::fix;
use crate::checks::support::namespace::outside_input;
use crate::checks::{Context, Rule};
use crate::diagnostic::{Applicability, Diagnostic};
use crate::graph::{HostForm, HostTarget, ServiceHost, CLUSTER_DOMAIN};
use crate::inventory::{nearest, sole_typo_of, IstioGatewayId, Workload};
use crate::manifest::{Object, ObjectId};
use crate::platform::{advice, Wanted};
use crate::yaml::Span;

/// The namespaces the proxies of Istio Gateway `g` run in: those of the workloads it
/// selects (first workload of each namespace alongside), or, when the input has none, the
/// Gateway's own namespace with no workload.
pub fn gateway_namespaces<'a>(
    ctx: &'a Context<'_>,
    g: IstioGatewayId,
) -> Vec<(&'a str, Option<&'a Workload>)> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for w in ctx.graph.gateway_pods(g) {
        let w = ctx.inv.workload(*w);
        if seen.insert(w.namespace.as_str()) {
            out.push((w.namespace.as_str(), Some(w)));
        }
    }
    if out.is_empty() {
        out.push((ctx.inv.istio_gateway(g).namespace.as_str(), None));
    }
    out
}

/// Why a host names nothing, as [`unknown_host`] explains it.
pub struct UnknownHost {
    pub message: String,
    pub help: String,
    /// The object the host was probably meant to name.
    pub related: Option<(ObjectId, String)>,
    /// The namespace a Service-shaped host names.
    pub namespace: Option<String>,
    /// What to replace in the host, with what, and how certainly: a typo of a Service's
    /// name, or a partial name Istio takes literally.
    pub replace: Option<(String, String, Applicability)>,
}

impl UnknownHost {
    /// The diagnostic of `rule` on `object` at `span`, with the probable target related.
    pub fn diagnostic(
        self,
        ctx: &Context<'_>,
        rule: &Rule,
        object: &Object,
        span: Span,
    ) -> Diagnostic {
        let fix = self
            .replace
            .and_then(|(old, new, how)| fix::set(ctx, object, span, &old, &new, how));
        let d = rule
            .on(object, span, self.message)
            .with_help(self.help)
            .with_fix(fix);
        let d = match self.related {
            Some((id, note)) => d.with_related_object(ctx.inv.object(id), note),
            None => d,
        };
        match &self.namespace {
            Some(namespace) => outside_input(ctx, namespace, d),
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
    let question = Question {
        subject,
        kind,
        raw,
        fqdn,
    };
    // `name.ns` is also what an external domain looks like: a Service name only when the
    // Service exists.
    let parsed = ServiceHost::parse(raw, from_namespace).filter(|p| {
        p.form != HostForm::NameNamespace || ctx.inv.defines("Service", &p.namespace, &p.name)
    });
    let Some(parsed) = parsed else {
        return Some(question.external(ctx));
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
                namespace: None,
                replace: Some((raw.to_string(), parsed.fqdn(), Applicability::Safe)),
            });
        }
    }
    Some(question.no_service(ctx, &parsed))
}

/// A host [`unknown_host`] explains, and how the message starts.
struct Question<'a> {
    subject: &'a str,
    kind: &'a str,
    raw: &'a str,
    fqdn: &'a str,
}

impl Question<'_> {
    /// An external name (or a wildcard, or an address): only a ServiceEntry makes it known
    /// to the mesh.
    fn external(&self, ctx: &Context<'_>) -> UnknownHost {
        let Question {
            subject,
            kind,
            raw,
            fqdn,
        } = *self;
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
                (
                    id,
                    format!("{} provides `{}`", o.display(), near.unwrap_or_default()),
                )
            });
        UnknownHost {
            message: format!(
                "{subject} host `{raw}`, which no ServiceEntry declares and no Service provides{hint}"
            ),
            help: format!(
                "Istio only knows external hosts a ServiceEntry declares (outboundTrafficPolicy ALLOW_ANY does not change that for a {kind}): add a ServiceEntry for `{raw}` with its ports, or name an existing Service"
            ),
            related,
            namespace: None,
            replace: None,
        }
    }

    /// A Service-shaped host naming no Service: the likeliest intent is a Service of that
    /// name in another namespace, or a typo.
    fn no_service(&self, ctx: &Context<'_>, parsed: &ServiceHost) -> UnknownHost {
        let Question {
            subject,
            kind,
            raw,
            fqdn,
        } = *self;
        let (name, ns) = (parsed.name.as_str(), parsed.namespace.as_str());
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
            None => suggestion.map_or_else(String::new, |c| format!("; did you mean `{c}`?")),
        };
        let help = match elsewhere {
            Some(other) => format!(
                "write `{name}.{other}.svc.{CLUSTER_DOMAIN}` to reach the Service of namespace `{other}`"
            ),
            None => advice(Wanted::Object {
                kind: "Service",
                namespace: ns,
                name,
            })
            .unwrap_or_else(|| format!(
                "name an existing Service (a short name resolves in the {kind}'s namespace), or check together with the files that define the Service"
            )),
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
        UnknownHost {
            message: format!(
                "{subject} host {shown}, but no Service or Knative Service `{name}` exists in namespace `{ns}` and no ServiceEntry declares that host{hint}"
            ),
            help,
            related,
            namespace: Some(ns.to_string()),
            replace: sole_typo_of(name, ctx.inv.names("Service", ns))
                .filter(|_| elsewhere.is_none())
                .map(|meant| (name.to_string(), meant.to_string(), Applicability::Safe)),
        }
    }
}

/// Whether `name` is a Service Knative creates for a Knative Service of `namespace`:
/// `<ksvc>-<revision suffix>`, `<revision>-private`, or a tag host `<tag>-<ksvc>`.
fn knative_managed(ctx: &Context<'_>, namespace: &str, name: &str) -> bool {
    ctx.inv.names("Service", namespace).any(|ksvc| {
        ksvc != name
            && (name.starts_with(&format!("{ksvc}-")) || name.ends_with(&format!("-{ksvc}")))
            && ctx
                .inv
                .find("Service", namespace, ksvc)
                .any(|o| o.group == "serving.knative.dev")
    })
}
