//! # KR205: HPA or PDB target does not exist or selects nothing
//!
//! ## What it checks
//! - A HorizontalPodAutoscaler's `scaleTargetRef` names an object of that kind (and API
//!   group) in the HPA's namespace.
//! - A PodDisruptionBudget's `selector` matches the pods of at least one workload of its
//!   namespace. An empty selector (`{}`) selects every pod; a missing one selects none.
//!
//! ## Why it matters
//! An HPA whose target is missing never scales anything and only reports
//! `FailedGetScale` events. A PDB that selects nothing protects nothing: a node drain can
//! take every replica down at once.
//!
//! ## Example
//! ```yaml
//! kind: HorizontalPodAutoscaler
//! spec:
//!   scaleTargetRef:
//!     apiVersion: apps/v1
//!     kind: Deployment
//!     name: frontned          # KR205: did you mean `frontend`?
//! ```
//!
//! ## How to fix
//! Name an existing workload (the diagnostic suggests the closest), or fix the PDB
//! selector to match the pod template labels.

use crate::checks::{selects_nothing, Context, Rule};
use crate::checks::support::fix;
use crate::inventory::did_you_mean;
use crate::diagnostic::{Diagnostic, Severity};

pub const RULE: Rule = Rule {
    code: "KR205",
    severity: Severity::Error,
    summary: "HPA / PDB target does not exist or selects nothing",
    run,
};

fn run(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for hpa in &ctx.inv.hpas {
        let found = ctx
            .inv
            .find(&hpa.kind, &hpa.namespace, &hpa.name)
            .any(|o| hpa.group.is_empty() || o.group == hpa.group);
        if found {
            continue;
        }
        let object = ctx.inv.object(hpa.object);
        // A workload of that name but another kind or API group is the likeliest mistake.
        let hint = ctx
            .inv
            .workloads
            .iter()
            .filter(|w| w.namespace == hpa.namespace && w.name == hpa.name)
            .map(|w| ctx.inv.object(w.object))
            .next()
            .map_or_else(
                || did_you_mean(&hpa.name, ctx.inv.names(&hpa.kind, &hpa.namespace)),
                |w| {
                    format!(
                        "; {} exists (`apiVersion: {}`, `kind: {}`)",
                        w.display(),
                        w.api_version,
                        w.kind
                    )
                },
            );
        out.push(
            RULE.on(
                object,
                hpa.span,
                format!(
                    "{} scales {} `{}`, which does not exist in namespace `{}`{hint}",
                    object.display(),
                    hpa.kind,
                    hpa.name,
                    hpa.namespace,
                ),
            )
            .with_help("point `scaleTargetRef` at an existing workload (kind, apiVersion and name must all match)")
            .with_fix(fix::rename(
                ctx,
                object,
                hpa.span,
                &hpa.name,
                ctx.inv.names(&hpa.kind, &hpa.namespace),
            )),
        );
    }
    for pdb in &ctx.inv.pdbs {
        let object = ctx.inv.object(pdb.object);
        let Some(selector) = &pdb.selector else {
            out.push(
                RULE.on(
                    object,
                    pdb.span,
                    format!("{} has no selector, so it protects no pods", object.display()),
                )
                .with_help("add `spec.selector.matchLabels` with the labels of the pods to protect"),
            );
            continue;
        };
        if !ctx.inv.select(&pdb.namespace, selector).is_empty() {
            continue;
        }
        out.push(selects_nothing(ctx, &RULE, object, &pdb.namespace, selector));
    }
}
