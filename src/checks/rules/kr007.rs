//! # KR007: an ignore annotation on a pod template instead of the object
//!
//! ## What it checks
//! That `kroute.dev/ignore` and `kroute.dev/ignore-reason` are not written in the
//! annotations of a pod template (`spec.template.metadata.annotations` of a Deployment,
//! StatefulSet, Job, CronJob's job template, or the revision template of a Knative Service
//! or Configuration) rather than in the object's own top-level `metadata.annotations`.
//!
//! ## Why it matters
//! kroute reads the annotation on the object it reports about, never on its pod template:
//! there it suppresses nothing, and the finding it was written for keeps failing the
//! check. It also ends up on every pod (and on every Knative revision) for no reason.
//!
//! ## Example
//! ```yaml
//! apiVersion: apps/v1
//! kind: Deployment
//! metadata:
//!   name: web
//! spec:
//!   selector: {matchLabels: {app: web}}
//!   template:
//!     metadata:
//!       labels: {app: web}
//!       annotations:
//!         kroute.dev/ignore: KR207    # KR007: on the pod template
//!     spec:
//!       containers: [{name: web, image: web:1.0}]
//! ```
//!
//! ## How to fix
//! Move the annotations to the object's own metadata:
//! ```yaml
//! metadata:
//!   name: web
//!   annotations:
//!     kroute.dev/ignore: KR207
//!     kroute.dev/ignore-reason: the ConfigMap is created by the operator
//! ```

use crate::checks::{Context, Rule};
use crate::diagnostic::{Diagnostic, Severity, IGNORE_ANNOTATION, IGNORE_REASON_ANNOTATION};

pub const RULE: Rule = Rule {
    code: "KR007",
    severity: Severity::Warning,
    summary: "ignore annotation (`kroute.dev/ignore`) on a pod template instead of the object's own metadata",
    run,
};

fn run(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let input = ctx.inv.objects.iter().filter(|o| !ctx.inv.from_platform(o));
    for object in input {
        let Some(annotations) =
            ctx.inv.template_kinds.template(object).and_then(|t| t.at(&["metadata", "annotations"]))
        else {
            continue;
        };
        for (key, _, span) in annotations.string_pairs() {
            if key != IGNORE_ANNOTATION && key != IGNORE_REASON_ANNOTATION {
                continue;
            }
            out.push(
                RULE.on(
                    object,
                    span,
                    format!(
                        "`{key}` is on the pod template of {}, where kroute does not read it: it suppresses nothing",
                        object.display()
                    ),
                )
                .with_help(format!(
                    "move `{key}` to the {}'s own `metadata.annotations`",
                    object.kind
                )),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::checks::support::testing::run_rule;

    #[test]
    fn reports_ignore_annotations_in_templates_only() {
        let yaml = "apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata:\n  name: hello\n  annotations: {kroute.dev/ignore: KR404}\nspec:\n  template:\n    metadata:\n      annotations: {kroute.dev/ignore: KR405, kroute.dev/ignore-reason: x, autoscaling.knative.dev/min-scale: \"1\"}\n    spec:\n      containers: [{image: hello:1}]\n";
        let found = run_rule(&super::RULE, yaml);
        let messages: Vec<&str> = found.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert!(messages[0].starts_with("`kroute.dev/ignore` is on the pod template of Service"));
    }
}
