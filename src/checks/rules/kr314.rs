//! # KR314: workload selector of a mesh policy matches no pods
//!
//! ## What it checks
//! That the workload selector of every Istio `Sidecar` (`workloadSelector.labels`),
//! `AuthorizationPolicy`, `PeerAuthentication` and `RequestAuthentication`
//! (`selector.matchLabels`) matches the pod-template labels of at least one workload of its
//! namespace. A policy without a selector (or with an empty one) applies to the whole
//! namespace and is not checked; neither are policies attached with `targetRef(s)`.
//!
//! Policies in the Istio root namespace (`istio-system`, kroute's assumption for
//! `meshConfig.rootNamespace`) are mesh-wide: an `AuthorizationPolicy`,
//! `PeerAuthentication` or `RequestAuthentication` there with a selector applies to
//! matching pods of **every** namespace, so it is checked against all workloads. A `Sidecar`
//! with a `workloadSelector` only ever applies in its own namespace, also in the root one.
//!
//! Labels the platform adds to pods count: `serving.knative.dev/service`,
//! `/configuration` and `/revision` on Knative pods, and
//! `gateway.networking.k8s.io/gateway-name` (`istio.io/gateway-name`) on the gateway pods
//! Istio deploys for a Gateway API `Gateway` of the input.
//!
//! Matches `istioctl analyze` IST0127 (NoMatchingWorkloadsFound, AuthorizationPolicy) and
//! IST0101 (ReferencedResourceNotFound, Sidecar selector).
//!
//! ## Why it matters
//! A policy that selects nothing is silently inert: an `AuthorizationPolicy` meant to lock
//! down a workload leaves it open, a `PeerAuthentication` meant to enforce `STRICT` mTLS
//! enforces nothing, a `Sidecar` meant to trim a proxy's configuration trims nothing.
//!
//! ## Example
//! ```yaml
//! apiVersion: security.istio.io/v1
//! kind: AuthorizationPolicy
//! metadata: {name: payments-only-from-checkout, namespace: shop}
//! spec:
//!   selector:
//!     matchLabels: {app: payment}      # KR314: the pods are labelled app: payments
//!   action: ALLOW
//! ```
//!
//! ## How to fix
//! Make the selector and the pod template labels agree (the diagnostic names the nearest
//! workload and the labels that differ), or move the policy into the namespace of the pods
//! it is meant for.

use crate::checks::{selects_nothing, Context, Rule};
use crate::inventory::{LabelMap, Selector, WorkloadId};
use crate::diagnostic::{Diagnostic, Severity};

pub const RULE: Rule = Rule {
    code: "KR314",
    severity: Severity::Warning,
    summary: "workload selector of Sidecar / AuthorizationPolicy / PeerAuthentication / RequestAuthentication matches no pods (IST0127, IST0101)",
    run,
};

/// The namespace whose policies apply mesh-wide.
pub const ROOT_NAMESPACE: &str = "istio-system";

const GATEWAY_NAME_LABELS: &[&str] = &[
    "gateway.networking.k8s.io/gateway-name",
    "istio.io/gateway-name",
];

/// Whether `selector` matches pods the platform creates or labels itself: the gateway
/// pods of a Gateway API Gateway, or Knative pods with their `serving.knative.dev/*`
/// labels. `namespace` `None` means any namespace.
fn matches_platform_pods(ctx: &Context<'_>, namespace: Option<&str>, selector: &Selector) -> bool {
    let in_scope = |ns: &str| namespace.is_none_or(|n| n == ns);
    for key in GATEWAY_NAME_LABELS {
        if let Some(name) = selector.labels.get(key) {
            if ctx
                .inv
                .api_gateways
                .iter()
                .any(|g| g.name == name && in_scope(&g.namespace))
            {
                return true;
            }
        }
    }
    if !selector
        .labels
        .keys()
        .any(|k| k.starts_with("serving.knative.dev/"))
    {
        return false;
    }
    let candidates: Box<dyn Iterator<Item = WorkloadId>> = match namespace {
        Some(ns) => Box::new(ctx.inv.workloads_in(ns).iter().copied()),
        None => Box::new(
            (0..ctx.inv.workloads.len()).map(|i| WorkloadId(u32::try_from(i).unwrap_or(u32::MAX))),
        ),
    };
    candidates.map(|id| ctx.inv.workload(id)).any(|w| {
        let object = ctx.inv.object(w.object);
        if object.group != "serving.knative.dev" {
            return false;
        }
        let mut labels = w.labels.to_map();
        let mut add = |k: &str, v: &str| {
            labels.entry(k.to_string()).or_insert_with(|| v.to_string());
        };
        match object.kind.as_str() {
            "Service" => {
                add("serving.knative.dev/service", &w.name);
                add("serving.knative.dev/configuration", &w.name);
            }
            "Configuration" => add("serving.knative.dev/configuration", &w.name),
            "Revision" => add("serving.knative.dev/revision", &w.name),
            _ => {}
        }
        // Revision names (and the `app` label Knative defaults to them) are generated.
        let generated = |k: &str| {
            k == "serving.knative.dev/revision" && object.kind != "Revision"
                || k == "serving.knative.dev/revisionUID"
                || k == "app" && !w.labels.contains_key("app")
        };
        selector
            .labels
            .iter()
            .all(|(k, v)| generated(k) || labels.label(k) == Some(v))
    })
}

fn run(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for policy in &ctx.inv.workload_policies {
        let Some(selector) = &policy.selector else {
            continue;
        };
        let object = ctx.inv.object(policy.object);
        let mesh_wide = policy.kind != "Sidecar" && policy.namespace == ROOT_NAMESPACE;
        if mesh_wide {
            if !ctx.inv.select_anywhere(selector).is_empty()
                || matches_platform_pods(ctx, None, selector)
            {
                continue;
            }
            out.push(
                RULE.on(
                    object,
                    selector.span,
                    format!(
                        "{} is in the Istio root namespace, so its selector applies mesh-wide, but no workload in any namespace has labels {}",
                        object.display(),
                        selector.describe()
                    ),
                )
                .with_help("fix the selector so it matches the pod template labels of the workloads to protect, or check together with the files that define them"),
            );
            continue;
        }
        if !ctx.inv.select(&policy.namespace, selector).is_empty()
            || matches_platform_pods(ctx, Some(&policy.namespace), selector)
        {
            continue;
        }
        out.push(selects_nothing(ctx, &RULE, object, &policy.namespace, selector));
    }
}
