//! # KR104: deprecated or removed apiVersion
//!
//! ## What it checks
//! The apiVersion of every object against the Kubernetes deprecation guide (for the release
//! of `--kubernetes-version`): a version the release no longer serves is reported as
//! removed, one it still serves but deprecates as deprecated, each with its replacement and
//! the release that removes it (`batch/v1beta1 CronJob was removed in Kubernetes 1.25; use
//! batch/v1`). Also Istio's `v1alpha3` and `v1beta1` (and `security.istio.io/v1beta1`,
//! `telemetry.istio.io/v1alpha1`) of the kinds that have a `v1`, and the Gateway API
//! versions its CRDs no longer serve (`v1alpha2` Gateway, GatewayClass, HTTPRoute, GRPCRoute,
//! ReferenceGrant).
//!
//! ## Why it matters
//! A removed version fails to apply after a cluster upgrade; a deprecated one will. Tools
//! and docs move to the new version, and the old one's fields may differ.
//!
//! ## Example
//! ```yaml
//! apiVersion: extensions/v1beta1   # KR104: removed in Kubernetes 1.22; use networking.k8s.io/v1
//! kind: Ingress
//! metadata: {name: web}
//! ```
//!
//! ## How to fix
//! Change the apiVersion to the replacement, and adapt the fields the new version changed
//! (an Ingress backend is `service: {name, port: {number}}` in `networking.k8s.io/v1`).
//! Where the two versions have the same schema (Istio's `v1alpha3` and `v1beta1` and `v1`,
//! RBAC, CronJob `batch/v1beta1`, HPA `autoscaling/v2beta2`, …) changing the apiVersion is
//! the whole fix, and `kroute fix` makes it.

use crate::checks::support::fix;
use crate::checks::{report_schema_findings_with, Context, Rule};
use crate::diagnostic::{Applicability, Diagnostic, Fix, Severity};
use crate::schema::deprecated::same_schema_replacement;
use crate::schema::{Finding, Kind};

pub const RULE: Rule = Rule {
    code: "KR104",
    severity: Severity::Warning,
    summary: "deprecated or removed apiVersion, with its replacement",
    run,
};

fn run(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    report_schema_findings_with(ctx, &RULE, Kind::Deprecated, RULE.severity, |f| upgrade(ctx, f), out);
}

/// The apiVersion replaced by its successor, when the two have the same schema.
fn upgrade(ctx: &Context<'_>, finding: &Finding<'_>) -> Option<Fix> {
    let object = finding.object;
    let replacement = same_schema_replacement(&object.api_version, &object.kind)?;
    let edit = fix::rewrite(ctx, object, finding.span, |_| Some(replacement.to_string()))?;
    Some(Fix {
        applicability: Applicability::Safe,
        description: format!("replace `{}` with `{replacement}`", object.api_version),
        edits: vec![edit],
    })
}
