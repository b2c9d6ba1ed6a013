//! # KR006: the same object defined twice
//!
//! ## What it checks
//! That no two documents define the same object: the same API group, kind, namespace (after
//! `--default-namespace` is applied) and name. The API version does not matter:
//! `networking.istio.io/v1` and `v1beta1` of one VirtualService are the same object, and so
//! are an `extensions/v1beta1` Ingress (or Deployment, DaemonSet, ReplicaSet,
//! NetworkPolicy) and the same kind under its current group.
//!
//! ## Why it matters
//! Applying both makes the last one win, silently: a route or a Service port quietly
//! disappears. It is often a copy-paste left over, or two overlays that both apply.
//!
//! ## Example
//! ```yaml
//! apiVersion: v1
//! kind: Service
//! metadata: {name: web}
//! ---
//! apiVersion: v1
//! kind: Service
//! metadata: {name: web}     # KR006
//! ```
//!
//! ## How to fix
//! Delete one of them, rename it, or check the alternatives separately. kroute keeps the
//! first definition for its analysis and names its location.

use crate::checks::{report_load_issues, Context, Rule};
use crate::manifest::LoadIssueKind;
use crate::diagnostic::{Diagnostic, Severity};

pub const RULE: Rule = Rule {
    code: "KR006",
    severity: Severity::Error,
    summary: "the same object (group/kind/namespace/name) defined twice",
    run,
};

fn run(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    report_load_issues(
        ctx,
        &RULE,
        |k| matches!(k, LoadIssueKind::DuplicateObject { .. }).then_some(RULE.severity),
        "remove or rename one of the definitions; kroute analysed the first one",
        out,
    );
}
