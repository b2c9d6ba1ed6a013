//! # KR201: Service selector matches no workload
//!
//! ## What it checks
//! That the `spec.selector` of every Service matches the pod-template labels of at least
//! one workload (Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet,
//! ReplicationController, Job, CronJob, OpenShift DeploymentConfig, Argo Rollout with the
//! pods its canary experiments relabel and the template its `workloadRef` borrows, Knative
//! Service/Configuration) in the Service's namespace. Every selector label
//! must match (`app: web` and `tier: frontend` both), exactly as Kubernetes does.
//!
//! Selectorless Services (no selector, or `selector: {}`) are not checked: their endpoints
//! come from Endpoints/EndpointSlice objects or an `externalName`. Nor are routing roots,
//! Services whose traffic a mesh sends to other Services: the apex (`spec.service`) of an
//! SMI TrafficSplit, and the parent Service of a Gateway API mesh (GAMMA) route, unless
//! that route or split also sends traffic to the Service itself.
//!
//! ## Why it matters
//! A Service that selects nothing has no endpoints: every request to it fails
//! (`503 no healthy upstream` behind Istio, connection refused otherwise), and nothing in
//! `kubectl apply` says so.
//!
//! ## Example
//! ```yaml
//! kind: Service
//! metadata: {name: details}
//! spec:
//!   selector: {app: detail}      # KR201: the pods are labelled app: details
//! ---
//! kind: Deployment
//! metadata: {name: details}
//! spec:
//!   template:
//!     metadata:
//!       labels: {app: details}
//! ```
//!
//! ## How to fix
//! Make the selector and the pod template labels agree. The diagnostic names the nearest
//! workload and the labels that differ. Istio users: `istioctl analyze` reports selector
//! problems as IST0101 only for Istio resources, not for Services.

use crate::checks::{selects_nothing, Context, Rule};
use crate::inventory::ServiceId;
use crate::diagnostic::{Diagnostic, Severity};

pub const RULE: Rule = Rule {
    code: "KR201",
    severity: Severity::Error,
    summary: "Service selector matches no workload in its namespace",
    run,
};

fn run(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (i, svc) in ctx.inv.services.iter().enumerate() {
        let Some(selector) = &svc.selector else {
            continue;
        };
        let id = ServiceId(u32::try_from(i).unwrap_or(u32::MAX));
        if svc.type_ == "ExternalName"
            || !ctx.graph.service_pods(id).is_empty()
            || ctx.graph.routed_elsewhere(id).is_some()
        {
            continue;
        }
        let object = ctx.inv.object(svc.object);
        out.push(selects_nothing(ctx, &RULE, object, &svc.namespace, selector));
    }
}
