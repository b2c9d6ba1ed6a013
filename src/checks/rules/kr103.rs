//! # KR103: no schema for this apiVersion and kind
//!
//! ## What it checks
//! That kroute has a schema for every apiVersion and kind of the input: embedded
//! (Kubernetes, Istio, Knative, Gateway API), from a `CustomResourceDefinition` in the input
//! or the context, or from `--schema-location`. It is reported once per apiVersion and kind,
//! on the first object, and also when a schema was found but cannot be used (it does not
//! compile), with the reason.
//!
//! ## Why it matters
//! The fields of these objects are not checked (KR101, KR102 stay silent on them): a typo
//! in a custom resource goes unnoticed.
//!
//! ## Example
//! ```yaml
//! apiVersion: example.com/v1
//! kind: Widget              # KR103: no schema for example.com/v1 Widget
//! metadata: {name: w}
//! ```
//!
//! ## How to fix
//! Give kroute the CRD: check it with the objects, pass it with `--context crds/`, or point
//! `--schema-location` at a directory of CRDs or JSON schemas (kubeconform's layouts work).

use crate::checks::{report_schema_findings, Context, Rule};
use crate::diagnostic::{Diagnostic, Severity};
use crate::schema::Kind;

pub const RULE: Rule = Rule {
    code: "KR103",
    severity: Severity::Info,
    summary: "no schema for this apiVersion/kind (once per kind)",
    run,
};

fn run(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    report_schema_findings(ctx, &RULE, Kind::NoSchema, RULE.severity, out);
}
