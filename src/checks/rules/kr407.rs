//! # KR407: cluster-local Knative Service exposed, or visibility label misplaced or without effect
//!
//! ## What it checks
//! Knative Services and Routes labelled `networking.knative.dev/visibility: cluster-local`
//! get no external host. This rule reports what defeats or misses that label:
//!
//! - an Istio VirtualService bound to a gateway other than `mesh` and Knative's local
//!   gateway (`knative-serving/knative-local-gateway`, or a `config-istio`
//!   `local-gateways` entry) whose HTTP route reaches a cluster-local Knative Service: as
//!   destination (`N`, `N.S.svc.cluster.local`, a tag Service) or through the local
//!   gateway Service with `rewrite.authority` set to its cluster-local host;
//! - a Gateway API route attached to a Gateway whose `backendRef` is the Service of a
//!   cluster-local Knative Service;
//! - an Ingress backend that is the Service of a cluster-local Knative Service;
//! - a DomainMapping whose `ref` is a cluster-local Knative Service (info: it is the
//!   documented way to publish a private Knative Service under a custom domain);
//! - the label `serving.knative.dev/visibility` (ignored since Knative 0.20) or an
//!   unprefixed `visibility` label on a Knative Service or Route, and a
//!   `networking.knative.dev/visibility` label whose value is not `cluster-local`: none of
//!   them has any effect;
//! - `networking.knative.dev/visibility` written where Knative does not read it: as an
//!   annotation of the revision template (`spec.template.metadata.annotations`) of a
//!   Service or Configuration, which the webhook refuses (error: `invalid key name
//!   "networking.knative.dev/visibility"`; of the `networking.knative.dev/` annotations it
//!   accepts only the ingress and certificate class, TLS and HTTP options there), as a
//!   label of the revision template (it labels the revisions, not the Route), or as an
//!   annotation of the Service or Route itself: both accepted and without effect.
//!
//! ## Why it matters
//! Whoever labelled the Service cluster-local meant it to be private; a gateway route
//! around the label publishes it anyway, without Knative's knowledge. Conversely a
//! misspelt label leaves a Service meant to be private on the public ingress gateway.
//!
//! ## Example
//! ```yaml
//! apiVersion: serving.knative.dev/v1
//! kind: Service
//! metadata:
//!   name: billing
//!   labels:
//!     serving.knative.dev/visibility: cluster-local   # KR407: no effect
//! ```
//!
//! ## How to fix
//! Use the label `networking.knative.dev/visibility: cluster-local`. To expose a private
//! Knative Service deliberately, use a DomainMapping (and suppress the info finding with
//! `kroute.dev/ignore: KR407`), or remove the label if the Service should be public.

use std::collections::HashMap;

use crate::checks::support::knative::{KnativeReach, Reach};
use crate::inventory::knative::knative_generated;
use crate::checks::{Context, Rule};
use crate::diagnostic::{Diagnostic, Severity};
use crate::inventory::istio::{GatewayTarget, RouteProtocol};
use crate::inventory::knative::{label_span, Annotations, SERVING, VISIBILITY_LABEL};
use crate::inventory::{Serving, VirtualService, VirtualServiceId};
use crate::manifest::{Object, ObjectId};
use crate::yaml::Span;

pub const RULE: Rule = Rule {
    code: "KR407",
    severity: Severity::Warning,
    summary: "cluster-local Knative Service routed from an external gateway or Ingress, or visibility label misplaced or without effect",
    run,
};

const LEGACY_LABELS: [&str; 2] = ["serving.knative.dev/visibility", "visibility"];

fn run(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    check_labels(ctx, out);
    let Some(private) = Private::of(ctx) else {
        return;
    };
    let reach = KnativeReach::build(ctx.inv, ctx.graph);
    for (v, vs) in ctx.inv.virtual_services_by_id() {
        through_istio(&private, &reach, v, vs, out);
    }
    through_gateway_api(&private, out);
    through_ingresses(&private, out);
    through_domain_mappings(&private, out);
}

/// `networking.knative.dev/visibility` on the revision template: as an annotation the
/// webhook refuses it (it accepts only a few `networking.knative.dev/` annotations there),
/// as a label it reaches the revisions, not the Route, and has no effect.
fn misplaced_on_template(object: &Object, out: &mut Vec<Diagnostic>) {
    let help = if object.kind == "Configuration" {
        format!("label the Route or Service that serves this Configuration instead: `{VISIBILITY_LABEL}: cluster-local` in its own `metadata.labels`")
    } else {
        format!("move it to the Service's own `metadata.labels`: `{VISIBILITY_LABEL}: cluster-local`")
    };
    if let Some(annotation) = Annotations::of_template(object).first(&[VISIBILITY_LABEL]) {
        out.push(
            RULE.on(
                object,
                annotation.key_span,
                format!(
                    "annotation `{VISIBILITY_LABEL}` on the revision template of {} is refused by the webhook (invalid key name {VISIBILITY_LABEL:?}: spec.template.metadata.annotations); visibility is a label of the Service or Route",
                    object.display()
                ),
            )
            .with_severity(Severity::Error)
            .with_help(help.clone()),
        );
    }
    if let Some(label) = Annotations::of_template_labels(object).first(&[VISIBILITY_LABEL]) {
        out.push(
            RULE.on(
                object,
                label.key_span,
                format!(
                    "label `{VISIBILITY_LABEL}: {}` on the revision template of {} has no effect: Knative reads it from the labels of the Service or Route, not of its revisions",
                    label.value,
                    object.display()
                ),
            )
            .with_help(help),
        );
    }
}

/// `networking.knative.dev/visibility` as an annotation of the Service or Route itself: the
/// webhook accepts it, and nothing reads it.
fn misplaced_as_annotation(object: &Object) -> Option<Diagnostic> {
    let annotation = *Annotations::of_object(object).first(&[VISIBILITY_LABEL])?;
    Some(
        RULE.on(
            object,
            annotation.key_span,
            format!(
                "annotation `{VISIBILITY_LABEL}: {}` on {} has no effect: visibility is a label",
                annotation.value,
                object.display()
            ),
        )
        .with_help(format!(
            "move it from `metadata.annotations` to `metadata.labels`: `{VISIBILITY_LABEL}: cluster-local`"
        )),
    )
}

/// The cluster-local Knative Services and Routes of the input.
struct Private<'a> {
    ctx: &'a Context<'a>,
    by_name: HashMap<(&'a str, &'a str), &'a Serving>,
    by_id: HashMap<ObjectId, &'a Serving>,
}

impl<'a> Private<'a> {
    /// `None` when there is none.
    fn of(ctx: &'a Context<'a>) -> Option<Private<'a>> {
        let by_name: HashMap<(&str, &str), &Serving> = ctx
            .inv
            .serving
            .iter()
            .filter(|s| s.kind != "Configuration" && s.cluster_local)
            .map(|s| ((s.namespace.as_str(), s.name.as_str()), s))
            .collect();
        if by_name.is_empty() {
            return None;
        }
        let by_id = by_name.values().map(|s| (s.object, *s)).collect();
        Some(Private {
            ctx,
            by_name,
            by_id,
        })
    }

    fn named(&self, namespace: &str, name: &str) -> Option<&'a Serving> {
        self.by_name.get(&(namespace, name)).copied()
    }

    /// The finding: `from` exposes `serving` `how`.
    fn exposed(&self, from: &Object, span: Span, serving: &Serving, how: String) -> Diagnostic {
        let target = self.ctx.inv.object(serving.object);
        RULE.on(
            from,
            span,
            format!(
                "{} exposes {}, which is labelled `{VISIBILITY_LABEL}: cluster-local`, {how}",
                from.display(),
                target.display()
            ),
        )
        .with_related(
            target.file,
            label_span(target, VISIBILITY_LABEL),
            "labelled cluster-local here",
        )
    }
}

/// A user VirtualService bound to an external gateway whose HTTP routes reach a
/// cluster-local Knative Service.
fn through_istio(
    private: &Private<'_>,
    reach: &KnativeReach<'_>,
    v: VirtualServiceId,
    vs: &VirtualService,
    out: &mut Vec<Diagnostic>,
) {
    let ctx = private.ctx;
    let object = ctx.inv.object(vs.object);
    if knative_generated(object) {
        return;
    }
    let Some(gateway) = vs.gateways.iter().find_map(|g| match &g.target {
        GatewayTarget::Named { namespace, name }
            if !reach
                .local_gateways
                .contains(&format!("{namespace}/{name}")) =>
        {
            Some(format!("{namespace}/{name}"))
        }
        _ => None,
    }) else {
        return;
    };
    for (r, route) in vs.routes.iter().enumerate() {
        if route.protocol != RouteProtocol::Http {
            continue;
        }
        for (dest, host) in route.destinations.iter().zip(ctx.graph.destinations(v, r)) {
            let (fqdn, targets) = (&host.fqdn, &host.targets);
            let authority_target = route.rewrite_authority.as_ref().and_then(|a| {
                reach
                    .served(&a.value, true)
                    .and_then(|h| private.by_id.get(&h.object).copied())
                    .map(|s| (s, a.span))
            });
            let hit = match reach.classify(ctx.graph, targets, fqdn) {
                Some(Reach::Knative(id)) => match route.rewrite_authority {
                    Some(_) => authority_target,
                    None => private.by_id.get(&id).map(|s| (*s, dest.host.span)),
                },
                Some(Reach::LocalGateway) => authority_target,
                _ => None,
            };
            if let Some((serving, span)) = hit {
                out.push(
                    private
                        .exposed(object, span, serving, format!("through gateway `{gateway}`"))
                        .with_help("remove the route, or, if the Service is meant to be public, remove the cluster-local label; a DomainMapping is the documented way to publish a private Knative Service under a custom domain"),
                );
            }
        }
    }
}

/// Gateway API routes attached to a Gateway whose backend is a cluster-local Knative
/// Service.
fn through_gateway_api(private: &Private<'_>, out: &mut Vec<Diagnostic>) {
    let inv = private.ctx.inv;
    for route in &inv.api_routes {
        let Some(parent) = route
            .parents
            .iter()
            .find(|p| p.kind == "Gateway" && p.group == "gateway.networking.k8s.io")
        else {
            continue;
        };
        let object = inv.object(route.object);
        for backend in route.rules.iter().flat_map(|r| &r.backends) {
            if !backend.group.is_empty() || backend.kind != "Service" {
                continue;
            }
            if let Some(serving) = private.named(&backend.namespace, &backend.name) {
                out.push(
                    private
                        .exposed(
                            object,
                            backend.name_span,
                            serving,
                            format!("through Gateway {}/{}", parent.namespace, parent.name),
                        )
                        .with_help("remove the backendRef, or remove the cluster-local label if the Service is meant to be public (use a DomainMapping for a custom domain)"),
                );
            }
        }
    }
}

/// Ingress backends that are cluster-local Knative Services.
fn through_ingresses(private: &Private<'_>, out: &mut Vec<Diagnostic>) {
    let inv = private.ctx.inv;
    for ingress in &inv.ingresses {
        let object = inv.object(ingress.object);
        for backend in &ingress.backends {
            if let Some(serving) = private.named(&ingress.namespace, &backend.service) {
                out.push(
                    private
                        .exposed(object, backend.service_span, serving, "through an Ingress".to_string())
                        .with_help("remove the backend, or remove the cluster-local label if the Service is meant to be public (use a DomainMapping for a custom domain)"),
                );
            }
        }
    }
}

/// DomainMappings of cluster-local Knative Services: the documented way, reported as info.
fn through_domain_mappings(private: &Private<'_>, out: &mut Vec<Diagnostic>) {
    let inv = private.ctx.inv;
    for mapping in &inv.domain_mappings {
        let Some(r) = &mapping.reference else {
            continue;
        };
        let is_knative = r.group == SERVING || (r.group.is_empty() && r.kind == "Service");
        if !is_knative {
            continue;
        }
        if let Some(serving) = private.named(&r.namespace, &r.name) {
            let object = inv.object(mapping.object);
            out.push(
                private
                    .exposed(
                        object,
                        r.name_span,
                        serving,
                        format!("under the domain `{}`", mapping.domain),
                    )
                    .with_severity(Severity::Info)
                    .with_help("this is the documented way to publish a private Knative Service; suppress with `kroute.dev/ignore: KR407` if intended"),
            );
        }
    }
}

/// Visibility labels that do nothing.
fn check_labels(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for object in &ctx.inv.objects {
        if object.group != SERVING {
            continue;
        }
        if matches!(object.kind.as_str(), "Service" | "Configuration") {
            misplaced_on_template(object, out);
        }
        if !matches!(object.kind.as_str(), "Service" | "Route") {
            continue;
        }
        out.extend(misplaced_as_annotation(object));
        let proper = object.labels.get(VISIBILITY_LABEL);
        for legacy in LEGACY_LABELS {
            let Some(value) = object.labels.get(legacy) else {
                continue;
            };
            let note = if proper.is_some_and(|v| v == "cluster-local") {
                format!(" (`{VISIBILITY_LABEL}` is set too and decides)")
            } else if value == "cluster-local" {
                ", so the Service is public".to_string()
            } else {
                String::new()
            };
            out.push(
                RULE.on(
                    object,
                    label_span(object, legacy),
                    format!(
                        "label `{legacy}: {value}` on {} has no effect: Knative only reads `{VISIBILITY_LABEL}`{note}",
                        object.display()
                    ),
                )
                .with_help(format!(
                    "replace it with `{VISIBILITY_LABEL}: cluster-local` (or remove it)"
                )),
            );
        }
        if let Some(value) = proper.filter(|v| *v != "cluster-local") {
            out.push(
                RULE.on(
                    object,
                    label_span(object, VISIBILITY_LABEL),
                    format!(
                        "label `{VISIBILITY_LABEL}: {value}` on {} has no effect: the only value Knative recognises is `cluster-local`",
                        object.display()
                    ),
                )
                .with_help("remove the label for a public Service, or set it to `cluster-local`"),
            );
        }
    }
}
