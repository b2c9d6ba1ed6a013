//! # KR004: Helm/Go template, not a rendered manifest
//!
//! ## What it checks
//! Whether a file contains Go-template actions (`{{ … }}`) in its YAML structure: a line
//! that starts with `{{`, or a value or list item written as `{{ … }}`. Text inside block
//! scalars (`|`, `>`) and quoted strings is not counted, since ConfigMaps legitimately carry
//! other tools' templates there.
//!
//! ## Why it matters
//! A template is not YAML until it is rendered: parsing it gives either a syntax error or,
//! worse, a different object than the one that will be applied. The file is skipped.
//!
//! ## Example
//! ```yaml
//! metadata:
//!   name: {{ .Values.name }}
//! ```
//!
//! ## How to fix
//! Render it first and check the output:
//! `helm template my-release ./chart | kroute check -`.

use crate::checks::{report_load_issues, Context, Rule};
use crate::manifest::LoadIssueKind;
use crate::diagnostic::{Diagnostic, Severity};

pub const RULE: Rule = Rule {
    code: "KR004",
    severity: Severity::Error,
    summary: "Helm/Go template, not a rendered manifest: render it first",
    run,
};

fn run(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    report_load_issues(
        ctx,
        &RULE,
        |k| (*k == LoadIssueKind::Template).then_some(RULE.severity),
        "render it first, e.g. `helm template RELEASE CHART | kroute check -`; the file was skipped",
        out,
    );
}
