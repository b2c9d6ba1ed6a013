//! # KR003: document is not a Kubernetes object
//!
//! ## What it checks
//! That every YAML document meant as a Kubernetes object has a string `apiVersion`, a
//! string `kind` and a `metadata.name` (or `metadata.generateName`). A `kind: List` (or
//! `ServiceList`, …) is read item by item. A document with `kind` but no `apiVersion`, with
//! `apiVersion` and `metadata` or `spec` but no `kind`, or with no name is a broken
//! Kubernetes object: an **error**.
//!
//! YAML and JSON of tools that sits next to manifests is not an error: Helm `Chart.yaml`
//! and values files, kustomizations, kind/k3d cluster configs, `IstioOperator` install
//! specs, skaffold, docker-compose, CI workflows (GitHub, GitLab), pre-commit, renovate and
//! dependabot configs, `package.json`, `tsconfig.json`, JSON 6902 patches, kubelet and
//! kubeadm configuration, … are recognised by their file name or content, skipped, and
//! counted in the summary (`(3 skipped)`, `summary.skipped` in JSON). Other YAML that is
//! plainly not a Kubernetes object (no `apiVersion` and no `kind`) is skipped too, with one
//! **info** per file, since it may have been meant as a manifest.
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
use crate::diagnostic::{Diagnostic, Severity};
use crate::manifest::LoadIssueKind;

pub const RULE: Rule = Rule {
    code: "KR003",
    severity: Severity::Error,
    summary: "document is not a Kubernetes object (tool and config files are skipped; info for other non-Kubernetes YAML)",
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
