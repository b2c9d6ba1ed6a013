//! # KR002: duplicate mapping key
//!
//! ## What it checks
//! That no mapping in a manifest has the same key twice.
//!
//! ## Why it matters
//! YAML forbids duplicate keys, but many tools keep the *last* value silently, others the
//! first, and the API server rejects the object. Either way one of the two values is lost,
//! usually the one the author just added (a second `labels:` block, two `ports:` lists).
//!
//! ## Example
//! ```yaml
//! metadata:
//!   labels:
//!     app: web
//!   labels:          # KR002: the first `labels` is shadowed
//!     tier: frontend
//! ```
//!
//! ## How to fix
//! Merge the two entries into one. kroute keeps the first value for its own analysis and
//! names the line of the first definition.

use crate::checks::{report_load_issues, Context, Rule};
use crate::manifest::LoadIssueKind;
use crate::diagnostic::{Diagnostic, Severity};

pub const RULE: Rule = Rule {
    code: "KR002",
    severity: Severity::Error,
    summary: "duplicate mapping key",
    run,
};

fn run(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    report_load_issues(
        ctx,
        &RULE,
        |k| (*k == LoadIssueKind::DuplicateKey).then_some(RULE.severity),
        "merge the two entries into one; kroute analysed the first value",
        out,
    );
}
