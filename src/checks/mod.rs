//! Checks stage: one file per rule under `rules/`, a registry, and the parallel runner.
//!
//! A rule's module doc comment is its user documentation: `kroute explain CODE` prints it,
//! so it says what the rule checks, why it matters, an example and the fix.

pub mod catalog;
mod registry;
pub mod support;

macro_rules! rules {
    ($($module:ident),* $(,)?) => {
        pub mod rules {
            $(pub mod $module;)*
        }
        pub(crate) static RULES: &[RuleEntry] = &[
            $(RuleEntry {
                rule: &rules::$module::RULE,
                module: stringify!($module),
                source: include_str!(concat!("rules/", stringify!($module), ".rs")),
            },)*
        ];
    };
}

// Every rule, ordered by code (tests/structure.rs checks it): adding a rule is one name here
// plus its file in `rules/`.
#[rustfmt::skip]
rules!(
    // Input
    kr001, kr002, kr003, kr004, kr005, kr006, kr007, kr008,
    // Schema
    kr101, kr102, kr103, kr104,
    // Kubernetes discovery
    kr201, kr202, kr203, kr204, kr205, kr206, kr207, kr208, kr209, kr210, kr211, kr212,
    kr213,
    // Istio
    kr301, kr302, kr303, kr304, kr305, kr306, kr307, kr308,
    kr309, kr310, kr311, kr312, kr313, kr314, kr315, kr316, kr317,
    // Knative
    kr401, kr402, kr403, kr404, kr405, kr406,
    kr407, kr408, kr409, kr410, kr411, kr412,
    // Gateway API
    kr501, kr502, kr503, kr504, kr505, kr506, kr507, kr508, kr509, kr510, kr511,
    // Policies
    kr601,
);

use rayon::prelude::*;

pub use registry::{registry, rule, RuleEntry};

use crate::diagnostic::{Diagnostic, Severity};
use crate::graph::RoutingGraph;
use crate::inventory::Inventory;
use crate::manifest::{LoadIssue, Object};
use crate::source::SourceMap;
use crate::yaml::Span;

/// What every rule reads.
pub struct Context<'a> {
    pub inv: &'a Inventory,
    pub graph: &'a RoutingGraph,
    /// Problems met while loading, for the KR0xx rules.
    pub issues: &'a [LoadIssue],
    /// The text of every input, for rules that point inside a scalar.
    pub sources: &'a SourceMap,
    /// A Secret that is referenced but not defined is an error (`--strict-secrets`), not an
    /// info: Secrets are usually kept out of the repository on purpose.
    pub strict_secrets: bool,
    /// What schema validation found, for the KR1xx rules.
    pub schema: &'a crate::schema::Report<'a>,
}

/// A rule: a stable code, its default severity, a one-line summary and the check itself.
pub struct Rule {
    pub code: &'static str,
    pub severity: Severity,
    pub summary: &'static str,
    pub run: fn(&Context<'_>, &mut Vec<Diagnostic>),
}

impl Rule {
    /// A diagnostic of this rule, at its default severity, about `object`.
    pub fn on(&self, object: &Object, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic::on(self.code, self.severity, object, span, message)
    }
}

/// Whether rule `code` is an input rule (KR0xx): it reports what loading found, whatever
/// the objects resolve to.
pub fn is_input_rule(code: &str) -> bool {
    code.starts_with("KR0")
}

/// Whether rule `code` judges an object by itself (the input rules, KR0xx, and the schema
/// rules, KR1xx): its findings hold whichever definition of another object references
/// resolve to, and other rules' findings inside a value it found unusable follow from it.
pub fn is_object_rule(code: &str) -> bool {
    code.starts_with("KR0") || code.starts_with("KR1")
}

/// Turns the schema findings of `kind` into diagnostics of `rule` at `severity`: the KR1xx
/// rules are found by the schema stage, and only reported here.
pub fn report_schema_findings(
    ctx: &Context<'_>,
    rule: &Rule,
    kind: crate::schema::Kind,
    severity: Severity,
    out: &mut Vec<Diagnostic>,
) {
    for finding in ctx.schema.findings.iter().filter(|f| f.kind == kind) {
        let diagnostic = Diagnostic::on(
            rule.code,
            severity,
            finding.object,
            finding.span,
            &finding.message,
        );
        out.push(diagnostic.with_help(&finding.help));
    }
}

/// Runs every registered rule in parallel. The result's order is the registry's order, then
/// each rule's own; callers sort for output.
pub fn run(ctx: &Context<'_>) -> Vec<Diagnostic> {
    registry()
        .par_iter()
        .flat_map_iter(|entry| {
            let mut out = Vec::new();
            (entry.rule.run)(ctx, &mut out);
            out
        })
        .collect()
}

/// Turns the load issues `wanted` selects into diagnostics of `rule`: the KR0xx rules are
/// found while loading, and only reported here.
pub fn report_load_issues(
    ctx: &Context<'_>,
    rule: &Rule,
    wanted: impl Fn(&crate::manifest::LoadIssueKind) -> Option<Severity>,
    help: &str,
    out: &mut Vec<Diagnostic>,
) {
    for issue in ctx.issues {
        let Some(severity) = wanted(&issue.kind) else {
            continue;
        };
        let diagnostic = match &issue.object {
            Some(object) => Diagnostic::on(rule.code, severity, object, issue.span, &issue.message),
            None => Diagnostic::new(rule.code, severity, issue.file, issue.span, &issue.message),
        };
        let diagnostic = match &issue.kind {
            crate::manifest::LoadIssueKind::DuplicateObject { first, .. } => {
                diagnostic.with_related_object(ctx.inv.object(*first), "first defined here")
            }
            _ => diagnostic,
        };
        out.push(diagnostic.with_help(help));
    }
}

/// The diagnostic for `object`'s `selector` matching no pods in `namespace`, explained by a
/// related location: pods with those labels in another namespace, or the nearest workload
/// of the namespace and the labels that differ.
pub fn selects_nothing(
    ctx: &Context<'_>,
    rule: &Rule,
    object: &Object,
    namespace: &str,
    selector: &crate::inventory::Selector,
) -> Diagnostic {
    selects_nothing_as(ctx, rule, object, namespace, selector, "selects no pods")
}

/// [`selects_nothing`] for a selector that is not the object's main one, with what it
/// selects said by `what` ("allows ingress from a peer that selects no pods").
pub fn selects_nothing_as(
    ctx: &Context<'_>,
    rule: &Rule,
    object: &Object,
    namespace: &str,
    selector: &crate::inventory::Selector,
    what: &str,
) -> Diagnostic {
    let diagnostic = rule.on(
        object,
        selector.span,
        format!(
            "{} {what}: no workload in namespace `{namespace}` has labels {}",
            object.display(),
            selector.describe()
        ),
    );
    if let Some(other) = ctx.inv.matches_elsewhere(namespace, selector).first() {
        let object = ctx.inv.object(other.object);
        return diagnostic
            .with_related(
                object.file,
                other.labels_span,
                format!(
                    "{} in namespace `{}` has these labels, but selectors only match pods of their own namespace",
                    object.display(),
                    other.namespace
                ),
            )
            .with_help(format!(
                "move one of the two into the same namespace (this one is in `{namespace}`)"
            ));
    }
    let platform = crate::platform::advice(crate::platform::Wanted::Pods {
        namespace: Some(namespace),
        selector,
    });
    let Some(nearest) = ctx.inv.nearest_workload(namespace, selector) else {
        return diagnostic.with_help(platform.unwrap_or_else(|| format!(
            "no workload in namespace `{namespace}` carries labels like these; fix the selector, or check together with the files that define the workloads"
        )));
    };
    let object = ctx.inv.object(nearest.object);
    let diff = selector.explain_diff(&nearest.labels, |k, want| {
        format!("no `{k}` label (selector wants `{want}`)")
    });
    let what = if diff.is_empty() {
        format!(
            "nearest workload {} has labels {}",
            object.display(),
            crate::inventory::describe_labels(&nearest.labels)
        )
    } else {
        format!(
            "nearest workload {}: {}",
            object.display(),
            crate::source::listed(diff)
        )
    };
    diagnostic
        .with_related(object.file, nearest.labels_span, what)
        .with_help(
            platform
                .unwrap_or_else(|| "make the selector and the pod template labels agree".into()),
        )
}

/// The diagnostic for a reference from `from` to a Service that is missing, or lacks the
/// port it names: "routes to Service `x`, which does not exist …; did you mean `y`?".
/// `None` for other kinds of broken edge.
pub fn missing_service(
    ctx: &Context<'_>,
    rule: &Rule,
    from: &Object,
    span: Span,
    broken: &crate::graph::Broken,
) -> Option<Diagnostic> {
    use crate::graph::Broken;
    match broken {
        Broken::NoService { namespace, name } => {
            let diagnostic = rule.on(
                from,
                span,
                format!(
                    "{} routes to Service `{name}`, which does not exist in namespace `{namespace}`{}",
                    from.display(),
                    crate::inventory::did_you_mean(name, ctx.inv.names("Service", namespace))
                ),
            );
            let diagnostic = support::operators::made_by_operator(name, diagnostic);
            Some(support::namespace::outside_input(
                ctx, namespace, diagnostic,
            ))
        }
        Broken::NoPort { service, port } => {
            let svc = ctx.inv.service(*service);
            Some(
                rule.on(
                    from,
                    span,
                    format!(
                        "{} routes to port {port} of Service {}/{}, which has {}",
                        from.display(),
                        svc.namespace,
                        svc.name,
                        svc.describe_ports()
                    ),
                )
                .with_related_object(ctx.inv.object(svc.object), "the Service"),
            )
        }
        _ => None,
    }
}
