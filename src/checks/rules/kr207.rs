//! # KR207: workload references an undefined ConfigMap, Secret, ServiceAccount or PVC
//!
//! ## What it checks
//! Every by-name dependency of a pod template, against the objects of the workload's
//! namespace:
//!
//! - ConfigMaps: `configMap` and projected volumes, `env[].valueFrom.configMapKeyRef`,
//!   `envFrom[].configMapRef`;
//! - Secrets: `secret` and projected volumes, `secretKeyRef`, `envFrom[].secretRef`;
//! - ServiceAccounts: `serviceAccountName`;
//! - PersistentVolumeClaims: `persistentVolumeClaim.claimName`.
//!
//! What every namespace has is always known: its `default` ServiceAccount and its
//! `kube-root-ca.crt` ConfigMap. A missing reference marked `optional: true` is reported at
//! **info** level: the pod starts, without the data.
//!
//! ## Why it matters
//! The pod is created but never starts: `CreateContainerConfigError` for a missing
//! ConfigMap or Secret key source, a stuck `ContainerCreating` for a missing volume or
//! claim, and a rejected ReplicaSet for a missing ServiceAccount.
//!
//! ## Example
//! ```yaml
//! spec:
//!   template:
//!     spec:
//!       serviceAccountName: checkout-sa     # KR207 when no such ServiceAccount
//!       volumes:
//!       - name: config
//!         configMap: {name: checkout-config}
//! ```
//!
//! ## How to fix
//! Add the object to the manifests, fix the name, or mark the reference `optional: true`
//! if the pod can run without it. Secrets created outside the repository (sealed secrets,
//! external-secrets) can be suppressed with `kroute.dev/ignore: KR207` on the workload.

use crate::checks::{Context, Rule};
use crate::inventory::did_you_mean;
use crate::diagnostic::{Diagnostic, Severity};

pub const RULE: Rule = Rule {
    code: "KR207",
    severity: Severity::Error,
    summary: "workload references a ConfigMap, Secret, ServiceAccount or PVC that is not defined (optional refs: info)",
    run,
};

fn run(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for workload in &ctx.inv.workloads {
        for r in &workload.refs {
            let kind = r.kind.kind();
            if ctx.inv.defines(kind, &workload.namespace, &r.name) {
                continue;
            }
            let object = ctx.inv.object(workload.object);
            let severity = if r.optional {
                Severity::Info
            } else {
                RULE.severity
            };
            let optional = if r.optional {
                " (marked optional, so the pod starts without it)"
            } else {
                ""
            };
            out.push(
                RULE.on(
                    object,
                    r.span,
                    format!(
                        "{} uses {kind} `{}` ({}), which is not defined in namespace `{}`{optional}{}",
                        object.display(),
                        r.name,
                        r.via,
                        workload.namespace,
                        did_you_mean(&r.name, ctx.inv.names(kind, &workload.namespace)),
                    ),
                )
                .with_severity(severity)
                .with_help(format!(
                    "define the {kind} in namespace `{}`, fix the name, or suppress with `kroute.dev/ignore: KR207` if it is created outside these manifests",
                    workload.namespace
                )),
            );
        }
    }
}
