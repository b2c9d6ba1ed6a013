//! # KR209: workload selector does not match its own pod template
//!
//! ## What it checks
//! That the `spec.selector` of a Deployment, StatefulSet, DaemonSet, ReplicaSet,
//! ReplicationController, OpenShift DeploymentConfig or Argo Rollout, and of a Job with
//! `manualSelector: true`, matches the labels of its own pod template
//! (`spec.template.metadata.labels`): every `matchLabels` pair and every
//! `matchExpressions` requirement, exactly as Kubernetes evaluates them. An empty selector
//! (`selector: {}`) of a Deployment, StatefulSet, DaemonSet, ReplicaSet or Rollout is
//! reported too. A Rollout's `workloadRef` borrows the template of a Deployment,
//! ReplicaSet or PodTemplate: its own selector must match that template's labels (an empty
//! or missing one is allowed then: the Rollout borrows the Deployment's).
//!
//! Jobs without `manualSelector` are not checked (the API server writes their selector),
//! nor is a ReplicationController or DeploymentConfig without a selector (it defaults to
//! the template's labels). A missing selector is a schema problem, not this rule's.
//!
//! ## Why it matters
//! The API server rejects the object (`` `selector` does not match template `labels` ``,
//! `empty selector is invalid`): `kubectl apply` fails, and nothing is deployed. A
//! controller may only own pods its selector matches, so there is no way around it. The
//! Argo Rollouts controller applies the same validation to a Rollout and marks it
//! `InvalidSpec` instead of rolling it out.
//!
//! ## Example
//! ```yaml
//! apiVersion: apps/v1
//! kind: Deployment
//! metadata: {name: web}
//! spec:
//!   selector:
//!     matchLabels: {app: web-frontend}   # KR209: the template is labelled app: web
//!   template:
//!     metadata:
//!       labels: {app: web}
//! ```
//!
//! ## How to fix
//! Make the selector and the template labels agree. The selector of a Deployment,
//! StatefulSet or DaemonSet cannot be changed once created: if the object is already
//! deployed, change the template labels (adding labels is fine, the selector only needs a
//! subset of them).

use crate::checks::{Context, Rule};
use crate::diagnostic::{Diagnostic, Severity};
use crate::inventory::{describe_labels, Labels, Selector, Workload, WorkloadRef};
use crate::manifest::Object;
use crate::yaml::Span;

pub const RULE: Rule = Rule {
    code: "KR209",
    severity: Severity::Error,
    summary: "workload `spec.selector` does not match its own pod template labels",
    run,
};

/// Kinds whose selector the API server requires and checks against the template; only an
/// empty selector of these is rejected as such.
const SELECTOR_REQUIRED: &[(&str, &str)] = &[
    ("apps", "Deployment"),
    ("apps", "StatefulSet"),
    ("apps", "DaemonSet"),
    ("apps", "ReplicaSet"),
    ("argoproj.io", "Rollout"),
];

/// Kinds whose selector the API server checks against the template (a Job's only when
/// manual: the inventory keeps no other), and defaults to the template's labels when empty.
const CHECKED: &[(&str, &str)] = &[
    ("", "ReplicationController"),
    ("apps.openshift.io", "DeploymentConfig"),
    ("batch", "Job"),
];

fn run(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for workload in &ctx.inv.workloads {
        let Some(selector) = &workload.selector else {
            continue;
        };
        let object = ctx.inv.object(workload.object);
        let kind = (object.group.as_str(), object.kind.as_str());
        // A Rollout borrowing a template may leave its selector to the template's owner.
        let required = SELECTOR_REQUIRED.contains(&kind) && WorkloadRef::of(object).is_none();
        if !SELECTOR_REQUIRED.contains(&kind) && !CHECKED.contains(&kind) {
            continue;
        }
        // A requirement with an operator Kubernetes does not know is a schema problem.
        if selector.exprs.iter().any(|r| r.op.is_none()) {
            continue;
        }
        if selector.is_empty() {
            if required {
                out.push(empty(ctx, workload, selector));
            }
            continue;
        }
        // The API server validates the template as written, before the controller labels
        // the pods.
        let labels = workload.template_labels();
        if !selector.matches(&labels) {
            out.push(mismatch(ctx, workload, &labels, selector));
        }
    }
}

fn empty(ctx: &Context<'_>, workload: &Workload, selector: &Selector) -> Diagnostic {
    let object = ctx.inv.object(workload.object);
    RULE.on(
        object,
        selector.span,
        format!(
            "{} has an empty `selector`, which {} rejects for a {}",
            object.display(),
            rejecter(object),
            object.kind
        ),
    )
    .with_related(object.file, workload.labels_span, labels_note(object))
    .with_help("select the pods by (some of) the template's labels under `matchLabels`")
}

fn mismatch(
    ctx: &Context<'_>,
    workload: &Workload,
    labels: &Labels,
    selector: &Selector,
) -> Diagnostic {
    let object = ctx.inv.object(workload.object);
    let diff = selector.explain_diff(labels, |k, want| {
        format!("no `{k}` label (the selector wants `{want}`)")
    });
    let why = if diff.is_empty() {
        format!(
            "its labels ({}) fail the selector's expressions",
            describe_labels(labels)
        )
    } else {
        diff.join(", ")
    };
    RULE.on(
        object,
        failing_span(object, selector, labels),
        format!(
            "{} selects pods {}, but its own pod template does not match: {why}; {} rejects it",
            object.display(),
            selector.describe(),
            rejecter(object)
        ),
    )
    .with_related(object.file, workload.labels_span, labels_note(object))
    .with_help("make the selector and the template labels agree; a deployed Deployment, StatefulSet or DaemonSet cannot change its selector, so change the template labels then")
}

/// What the related location at `labels_span` shows.
fn labels_note(object: &Object) -> &'static str {
    if WorkloadRef::of(object).is_some() {
        "the pod template it borrows, whose labels are compared"
    } else {
        "the pod template's labels"
    }
}

/// Who refuses `object` when its selector is wrong.
fn rejecter(object: &Object) -> &'static str {
    if object.group == "argoproj.io" {
        "the Argo Rollouts controller (`InvalidSpec`)"
    } else {
        "the API server"
    }
}

/// Where the selector fails the template: its first `matchLabels` pair the labels lack,
/// else its first `matchExpressions` requirement they fail.
fn failing_span(object: &Object, selector: &Selector, labels: &Labels) -> Span {
    if !selector.labels.iter().all(|(k, v)| labels.get(k) == Some(v)) {
        return selector.mismatch_span(&object.root, Some(labels));
    }
    let failing = selector.exprs.iter().position(|r| !r.matches(labels));
    failing
        .and_then(|i| {
            let node = object.root.find(selector.span)?;
            Some(node.seq_at("matchExpressions").get(i)?.span)
        })
        .unwrap_or(selector.span)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::support::testing::run_rule;

    fn deployment(selector: &str, labels: &str) -> String {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web}}\nspec:\n  selector: {selector}\n  template:\n    metadata: {{labels: {labels}}}\n    spec: {{containers: [{{name: c, image: x}}]}}\n"
        )
    }

    #[test]
    fn a_selector_needs_only_a_subset_of_the_labels() {
        let yaml = deployment("{matchLabels: {app: web}}", "{app: web, version: v1}");
        assert!(run_rule(&RULE, &yaml).is_empty());
    }

    #[test]
    fn expressions_count_as_kubernetes_evaluates_them() {
        let pass = deployment(
            "{matchExpressions: [{key: tier, operator: NotIn, values: [db]}]}",
            "{app: web}",
        );
        assert!(run_rule(&RULE, &pass).is_empty());
        let fail = deployment(
            "{matchExpressions: [{key: tier, operator: Exists}]}",
            "{app: web}",
        );
        assert_eq!(run_rule(&RULE, &fail).len(), 1);
    }

    #[test]
    fn jobs_are_checked_only_with_a_manual_selector() {
        let job = |manual: &str| {
            format!(
                "apiVersion: batch/v1\nkind: Job\nmetadata: {{name: j}}\nspec:\n  {manual}\n  selector: {{matchLabels: {{app: other}}}}\n  template:\n    metadata: {{labels: {{app: j}}}}\n    spec: {{restartPolicy: Never, containers: [{{name: c, image: x}}]}}\n"
            )
        };
        assert!(run_rule(&RULE, &job("parallelism: 1")).is_empty());
        assert_eq!(run_rule(&RULE, &job("manualSelector: true")).len(), 1);
    }

    #[test]
    fn a_replication_controller_selector_is_a_plain_map() {
        let rc = "apiVersion: v1\nkind: ReplicationController\nmetadata: {name: r}\nspec:\n  selector: {app: r}\n  template:\n    metadata: {labels: {app: r}}\n    spec: {containers: [{name: c, image: x}]}\n";
        assert!(run_rule(&RULE, rc).is_empty());
        assert_eq!(run_rule(&RULE, &rc.replace("{app: r}\n  t", "{app: s}\n  t")).len(), 1);
    }

    #[test]
    fn a_deployment_config_template_must_write_the_labels_its_selector_names() {
        let dc = |labels: &str| {
            format!(
                "apiVersion: apps.openshift.io/v1\nkind: DeploymentConfig\nmetadata: {{name: d}}\nspec:\n  selector: {{deploymentconfig: d}}\n  template:\n    metadata: {{labels: {labels}}}\n    spec: {{containers: [{{name: c, image: x}}]}}\n"
            )
        };
        // OpenShift labels the pods `deploymentconfig: d`, but validates the template first.
        assert_eq!(run_rule(&RULE, &dc("{app: d}")).len(), 1);
        assert!(run_rule(&RULE, &dc("{app: d, deploymentconfig: d}")).is_empty());
    }
}
