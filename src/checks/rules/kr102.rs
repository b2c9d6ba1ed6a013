//! # KR102: unknown field
//!
//! ## What it checks
//! That every field of an object is one its schema has (see KR101 for where schemas come
//! from). The finding points at the key and names the nearest known field:
//! `spec.template.spec.contaners: unknown field (did you mean containers?)`. Fields under a
//! schema that keeps unknown fields (`x-kubernetes-preserve-unknown-fields`) or maps any
//! name to a value (labels, annotations, `data`) are never unknown.
//!
//! An **error** by default (strict, as `kubectl apply --validate=strict` is); a **warning**
//! with `--no-strict`.
//!
//! ## Why it matters
//! A misspelt field is silently dropped (or the apply is refused, with strict field
//! validation): `contaners:` leaves the pod without its containers, `specc:` leaves the
//! object without its spec, and nothing says so until traffic fails.
//!
//! ## Example
//! ```yaml
//! apiVersion: apps/v1
//! kind: Deployment
//! metadata: {name: web}
//! spec:
//!   selector: {matchLabels: {app: web}}
//!   template:
//!     metadata: {labels: {app: web}}
//!     spec:
//!       contaners:          # KR102: did you mean containers?
//!       - name: web
//!         image: nginx
//! ```
//!
//! ## How to fix
//! Correct the name (`containers:`), move the field where it belongs, or remove it.

use crate::checks::{report_schema_findings, Context, Rule};
use crate::diagnostic::{Diagnostic, Severity};
use crate::schema::Kind;

pub const RULE: Rule = Rule {
    code: "KR102",
    severity: Severity::Error,
    summary: "unknown field (a warning with --no-strict)",
    run,
};

fn run(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let severity = if ctx.schema.strict {
        RULE.severity
    } else {
        Severity::Warning
    };
    report_schema_findings(ctx, &RULE, Kind::UnknownField, severity, out);
}
