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
//! `kube-root-ca.crt` ConfigMap. Objects that other objects produce count as defined: the
//! ConfigMaps and Secrets of a kustomize `configMapGenerator` or `secretGenerator` of the
//! same kustomization scope (a rendered name with kustomize's hash suffix,
//! `app-config-5f7k9h2c6t`, matches the generator `app-config`), and the Secrets of
//! cert-manager Certificates (`spec.secretName`), SealedSecrets, ExternalSecrets
//! (`spec.target.name`), Vault Secrets Operator secrets, 1Password items and
//! SecretProviderClasses.
//!
//! A missing ConfigMap, ServiceAccount or PVC is an **error**. A missing **Secret is an
//! info**: Secrets are usually kept out of the repository on purpose; `--strict-secrets`
//! makes it an error. A missing reference marked `optional: true` is an info too: the pod
//! starts, without the data.
//!
//! Each missing object is one finding, at its first reference; the other references to it
//! (a Secret named by eight containers) are listed as related locations.
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
//! if the pod can run without it. Objects created outside the repository can be
//! suppressed with `kroute.dev/ignore: KR207` on the workload, or checked together with a
//! stub of them (`--context`).

use std::collections::HashMap;

use crate::checks::support::fix;
use crate::checks::support::secrets::missing_secret;
use crate::checks::{Context, Rule};
use crate::diagnostic::fix::substitute;
use crate::diagnostic::{Applicability, Diagnostic, Fix, Severity};
use crate::inventory::{did_you_mean, sole_typo_of, PodRef, RefKind, Secrets, Workload};
use crate::manifest::kustomize::{is_generated, without_hash_suffix};

pub const RULE: Rule = Rule {
    code: "KR207",
    severity: Severity::Error,
    summary: "workload references a ConfigMap, Secret, ServiceAccount or PVC that is not defined (a Secret or an optional ref: info)",
    run,
};

/// The references to one missing object, from workloads that all do, or all do not,
/// suppress KR207.
struct Missing<'a> {
    refs: Vec<(&'a Workload, &'a PodRef)>,
}

fn run(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let secrets = Secrets::index(&ctx.inv.secrets);
    let mut groups: Vec<Missing<'_>> = Vec::new();
    let mut by_target: HashMap<(RefKind, &str, &str, bool), usize> = HashMap::new();
    for workload in &ctx.inv.workloads {
        for r in &workload.refs {
            if defined(ctx, &secrets, workload, r) {
                continue;
            }
            let object = ctx.inv.object(workload.object);
            let suppressed = RULE.on(object, r.span, String::new()).suppressed.is_some();
            let key = (r.kind, workload.namespace.as_str(), r.name.as_str(), suppressed);
            let group = *by_target.entry(key).or_insert_with(|| {
                groups.push(Missing { refs: Vec::new() });
                groups.len() - 1
            });
            groups[group].refs.push((workload, r));
        }
    }
    out.extend(groups.iter().map(|g| g.diagnostic(ctx)));
}

/// Whether the object `r` names exists in the workload's namespace, or something there
/// produces it.
fn defined(ctx: &Context<'_>, secrets: &Secrets<'_>, workload: &Workload, r: &PodRef) -> bool {
    let ns = workload.namespace.as_str();
    match r.kind {
        RefKind::Secret => secrets.get(ns, &r.name).is_some(),
        RefKind::ConfigMap => {
            ctx.inv.defines("ConfigMap", ns, &r.name)
                || without_hash_suffix(&r.name)
                    .is_some_and(|base| ctx.inv.find("ConfigMap", ns, base).any(is_generated))
        }
        kind => ctx.inv.defines(kind.kind(), ns, &r.name),
    }
}

impl Missing<'_> {
    fn diagnostic(&self, ctx: &Context<'_>) -> Diagnostic {
        let (workload, first) = self.refs[0];
        let object = ctx.inv.object(workload.object);
        let kind = first.kind.kind();
        let ns = &workload.namespace;
        let optional = self.refs.iter().all(|(_, r)| r.optional);
        let severity = if optional { Severity::Info } else { RULE.severity };
        let (severity, secret_note) = match first.kind {
            RefKind::Secret => missing_secret(ctx, severity),
            _ => (severity, ""),
        };
        let others = match self.refs.len() - 1 {
            0 => String::new(),
            1 => "; 1 other reference to it is listed below".to_string(),
            n => format!("; {n} other references to it are listed below"),
        };
        let message = format!(
            "{} uses {kind} `{}` ({}), which is not defined in namespace `{ns}`{}{others}{}",
            object.display(),
            first.name,
            first.via,
            if optional {
                " (marked optional, so the pod starts without it)"
            } else {
                ""
            },
            did_you_mean(&first.name, ctx.inv.names(kind, ns)),
        );
        let diagnostic = self.refs[1..].iter().fold(
            RULE.on(object, first.span, message).with_severity(severity),
            |d, (w, r)| {
                let other = ctx.inv.object(w.object);
                d.with_related(other.file, r.span, format!("{} also uses it ({})", other.display(), r.via))
            },
        );
        diagnostic
            .with_help(format!(
                "define the {kind} in namespace `{ns}`, fix the name, or suppress with `kroute.dev/ignore: KR207` if it is created outside these manifests{secret_note}"
            ))
            .with_fix(self.rename(ctx, kind))
    }

    /// Every reference renamed to the object of `kind` the name is a typo of.
    fn rename(&self, ctx: &Context<'_>, kind: &str) -> Option<Fix> {
        let (workload, first) = self.refs[0];
        let meant = sole_typo_of(&first.name, ctx.inv.names(kind, &workload.namespace))?;
        let edits = self
            .refs
            .iter()
            .map(|(w, r)| {
                fix::rewrite(ctx, ctx.inv.object(w.object), r.span, |value| {
                    substitute(value, &r.name, meant)
                })
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Fix {
            applicability: Applicability::Safe,
            description: format!("replace `{}` with `{meant}`", first.name),
            edits,
        })
    }
}
