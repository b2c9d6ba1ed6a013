//! # KR003: document is not a Kubernetes object
//!
//! ## What it checks
//! That every YAML document has a string `apiVersion`, a string `kind` and a
//! `metadata.name` (or `metadata.generateName`). A `kind: List` (or `ServiceList`, …) is
//! read item by item.
//!
//! Documents that are plainly some other YAML (no `apiVersion` and no `kind`: a
//! docker-compose file, a CI workflow, Helm values, a kustomization) are reported at
//! **info** level and otherwise ignored. A document that has one of `apiVersion`/`kind` but
//! not the other, or no name, is a broken Kubernetes object and an **error**.
//!
//! ## Why it matters
//! An object without identity cannot be applied, and nothing can route to it.
//!
//! ## Example
//! ```yaml
//! apiVersion: v1
//! kind: Service
//! metadata:
//!   labels: {app: web}   # KR003: no name
//! ```
//!
//! ## How to fix
//! Add the missing `apiVersion`, `kind` or `metadata.name`; or keep files that are not
//! Kubernetes manifests out of the paths you check.

use crate::checks::{report_load_issues, Context, Rule};
use crate::manifest::LoadIssueKind;
use crate::diagnostic::{Diagnostic, Severity};

pub const RULE: Rule = Rule {
    code: "KR003",
    severity: Severity::Error,
    summary: "document is not a Kubernetes object (info for obvious non-Kubernetes YAML)",
    run,
};

fn run(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    report_load_issues(
        ctx,
        &RULE,
        |k| match k {
            LoadIssueKind::NotAnObject { obvious: true } => Some(Severity::Info),
            LoadIssueKind::NotAnObject { obvious: false } => Some(RULE.severity),
            _ => None,
        },
        "a Kubernetes object needs `apiVersion`, `kind` and `metadata.name`; leave other YAML out of the checked paths",
        out,
    );
}
