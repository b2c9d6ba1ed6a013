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

use crate::checks::{report_schema_findings, Context, Rule};
use crate::diagnostic::{Diagnostic, Severity};
use crate::schema::Kind;

pub const RULE: Rule = Rule {
    code: "KR104",
    severity: Severity::Warning,
    summary: "deprecated or removed apiVersion, with its replacement",
    run,
};

fn run(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    report_schema_findings(ctx, &RULE, Kind::Deprecated, RULE.severity, out);
}
