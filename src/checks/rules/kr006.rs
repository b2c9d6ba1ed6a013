//! # KR006: the same object defined twice
//!
//! ## What it checks
//! That no two documents of one scope define the same object: the same API group, kind,
//! namespace (after `--default-namespace` is applied) and name. The API version does not
//! matter: `networking.istio.io/v1` and `v1beta1` of one VirtualService are the same
//! object, and so are an `extensions/v1beta1` Ingress (or Deployment, DaemonSet,
//! ReplicaSet, NetworkPolicy) and the same kind under its current group.
//!
//! Twice in one file (or one stream) is an **error**: whatever applies it keeps only the
//! last. So is twice in two files that one kustomization builds together: `kustomize
//! build` refuses it. In two other files it is a **warning** naming both: they may be
//! alternatives that are never applied together (samples, versions of one route). Each
//! kustomization root is a scope of its own, so a base and its overlays, or two sibling
//! overlays, never collide; objects outside every kustomization form one more scope.
//!
//! References resolve to the first definition, except from the files in the directory of a
//! later one (where it is not), which mean that one: a samples directory gives each example
//! its own copy of a shared object. Every definition is still checked (up to eight of one
//! object): a mistake in the second one is reported too.
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
//! Delete one of them, rename it, or, for alternatives, put each in a kustomization of its
//! own (or check them separately).

use crate::checks::{report_load_issues, Context, Rule};
use crate::diagnostic::{Diagnostic, Severity};
use crate::manifest::LoadIssueKind;

pub const RULE: Rule = Rule {
    code: "KR006",
    severity: Severity::Error,
    summary: "the same object (group/kind/namespace/name) defined twice in one stream (in two files: warning)",
    run,
};

fn run(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    report_load_issues(
        ctx,
        &RULE,
        |k| match k {
            LoadIssueKind::DuplicateObject { same_stream: true, .. } => Some(RULE.severity),
            LoadIssueKind::DuplicateObject { .. } => Some(Severity::Warning),
            _ => None,
        },
        "remove or rename one of the definitions; references resolve to the first one (the files beside a later one use that one), and each is checked",
        out,
    );
}
