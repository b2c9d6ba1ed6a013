//! # KR004: Helm/Go template that does not parse as YAML: render it first
//!
//! ## What it checks
//! Whether a document is a Go template (Helm) rather than YAML that Kubernetes reads:
//! it does not parse as YAML and has template actions (`{{ … }}`) in its structure (a line
//! that starts with `{{`, or a value or list item written as `{{ … }}`), or it parses only
//! because an unquoted `{{ … }}` reads as a mapping used as a key, which Kubernetes refuses.
//! The report points at the document's first template action; the other documents of the
//! file are still checked.
//!
//! A document that parses is a manifest, whatever its strings hold: `{{ … }}` inside a
//! quoted or block scalar is data (Grafana dashboards, Argo and Kyverno expressions,
//! templates of other tools in a ConfigMap), as in the output of `helm template` or
//! `kubectl kustomize`.
//!
//! A Helm chart directory (`Chart.yaml` beside `templates/`) is reported once, at
//! **info** level on its `Chart.yaml`, with the command that renders it; the files under
//! its `templates/` are template sources and are not read, even one that looks rendered.
//!
//! ## Why it matters
//! A template is not a manifest until it is rendered: parsing it gives either a syntax
//! error or, worse, a different object than the one that will be applied. `kubectl apply`
//! refuses such a document.
//!
//! ## Example
//! ```yaml
//! metadata:
//!   name: {{ .Values.name }}
//! ```
//!
//! ## How to fix
//! Render it first and check the output:
//! `helm template my-release ./chart | kroute check -`. If `{{ … }}` is meant as text for
//! another tool (an Argo or Kyverno expression), quote the value:
//! `linkerd.io/inject: "{{args.linkerd-enabled}}"`.

use crate::checks::{report_load_issues, Context, Rule};
use crate::diagnostic::{Diagnostic, Severity};
use crate::manifest::LoadIssueKind;

pub const RULE: Rule = Rule {
    code: "KR004",
    severity: Severity::Error,
    summary: "Helm/Go template that does not parse as YAML: render it first (a chart: info)",
    run,
};

fn run(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    report_load_issues(
        ctx,
        &RULE,
        |k| (*k == LoadIssueKind::Template).then_some(RULE.severity),
        "render it first, e.g. `helm template RELEASE CHART | kroute check -`, or quote `{{ … }}` meant as text; the other documents of the file were still checked",
        out,
    );
    for issue in ctx.issues {
        if let LoadIssueKind::HelmChart { render } = &issue.kind {
            let help = format!(
                "render it: `{render}` (with `-f VALUES.yaml` for the values you deploy with)"
            );
            out.push(
                Diagnostic::new(RULE.code, Severity::Info, issue.file, issue.span, &issue.message)
                    .with_help(help),
            );
        }
    }
}
