//! # KR212: workload reads a ConfigMap or Secret key that the object does not have
//!
//! ## What it checks
//! Every data key a pod template reads by name from a ConfigMap or Secret that the input
//! defines, against the keys of that object in the workload's namespace:
//!
//! - `env[].valueFrom.configMapKeyRef.key` and `env[].valueFrom.secretKeyRef.key`;
//! - `items[].key` of a `configMap` or `secret` volume, and of the `configMap` and `secret`
//!   sources of a `projected` volume.
//!
//! A ConfigMap's keys are those of its `data` and `binaryData`, a Secret's those of its
//! `data` and `stringData` (a SealedSecret's those of its `encryptedData`). When several
//! definitions of the object are in the input, a key any of them holds counts.
//!
//! Nothing is reported when the keys are not all in the input: objects made by a kustomize
//! `configMapGenerator` or `secretGenerator` (an `envs` file, a `behavior: merge` with a
//! base), Secrets that operators create (cert-manager, External Secrets, Vault, …),
//! service-account token Secrets, and empty objects, which something else fills. A missing
//! object is KR207's finding, not this rule's.
//!
//! A reference marked `optional: true` is an **info**: the pod starts, without the
//! variable or the file.
//!
//! kube-linter's `env-value-from` check reports the same mistake for environment
//! variables ("The container … is referring to an unknown key … in config map …"); kroute
//! also checks volume `items`, resolves names in the workload's namespace only, and reports
//! an optional reference as an info where kube-linter is silent: the variable or file the
//! container expects is still missing.
//!
//! ## Why it matters
//! The kubelet cannot build the container's environment: the pod stays in
//! `CreateContainerConfigError` (`couldn't find key DB_HOST in ConfigMap shop/app-config`).
//! A missing volume item keeps the pod in `ContainerCreating` (`configmap references
//! non-existent config key`).
//!
//! ## Example
//! ```yaml
//! kind: ConfigMap
//! metadata: {name: app-config}
//! data:
//!   database_url: postgres://db:5432/shop
//! ---
//! kind: Deployment
//! spec:
//!   template:
//!     spec:
//!       containers:
//!       - name: app
//!         env:
//!         - name: DATABASE_URL
//!           valueFrom:
//!             configMapKeyRef: {name: app-config, key: database-url}   # KR212
//! ```
//!
//! ## How to fix
//! Name a key the object has (the diagnostic suggests the closest), add the key to the
//! object, or mark the reference `optional: true` if the container can run without it.

use std::collections::BTreeSet;

use crate::checks::support::fix;
use crate::checks::{Context, Rule};
use crate::diagnostic::{Diagnostic, Severity};
use crate::inventory::{did_you_mean, DataKeys, PodRef, RefKind, Secrets, Spanned, Workload};
use crate::manifest::Object;

/// Keys the help lists; a larger object's are too many to read there.
const MAX_KEYS_LISTED: usize = 6;

pub const RULE: Rule = Rule {
    code: "KR212",
    severity: Severity::Error,
    summary: "workload reads a ConfigMap or Secret key that the object does not have (optional ref: info)",
    run,
};

fn run(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let secrets = Secrets::index(&ctx.inv.secrets);
    for workload in &ctx.inv.workloads {
        for r in workload.refs.iter().filter(|r| !r.keys.is_empty()) {
            let DataKeys::Known(keys) =
                ctx.inv
                    .data_keys(&secrets, r.kind, &workload.namespace, &r.name)
            else {
                continue;
            };
            let definition = definition(ctx, &secrets, workload, r);
            for key in r.keys.iter().filter(|k| !keys.contains(&k.value)) {
                out.push(missing_key(ctx, workload, r, key, &keys, definition));
            }
        }
    }
}

/// The object that defines what `r` names, for the related location.
fn definition<'a>(
    ctx: &'a Context<'_>,
    secrets: &Secrets<'_>,
    workload: &Workload,
    r: &PodRef,
) -> Option<&'a Object> {
    let ns = workload.namespace.as_str();
    match r.kind {
        RefKind::Secret => secrets.get(ns, &r.name).map(|s| ctx.inv.object(s.object)),
        kind => ctx.inv.find(kind.kind(), ns, &r.name).next(),
    }
}

fn missing_key(
    ctx: &Context<'_>,
    workload: &Workload,
    r: &PodRef,
    key: &Spanned,
    keys: &BTreeSet<String>,
    definition: Option<&Object>,
) -> Diagnostic {
    let object = ctx.inv.object(workload.object);
    let kind = r.kind.kind();
    let severity = if r.optional {
        Severity::Info
    } else {
        RULE.severity
    };
    let message = format!(
        "{} reads key `{}` of {kind} `{}` ({}), which has no such key{}{}",
        object.display(),
        key.value,
        r.name,
        r.via,
        if r.optional {
            " (marked optional, so the pod starts without it)"
        } else {
            ""
        },
        did_you_mean(&key.value, keys.iter().map(String::as_str)),
    );
    let rename = fix::rename(ctx, object, key.span, &key.value, keys.iter().map(String::as_str));
    let diagnostic = RULE
        .on(object, key.span, message)
        .with_severity(severity)
        .with_fix(rename);
    let diagnostic = match definition {
        Some(def) => diagnostic.with_related_object(def, format!("{} is defined here", def.display())),
        None => diagnostic,
    };
    let has = if keys.len() <= MAX_KEYS_LISTED {
        let listed: Vec<String> = keys.iter().map(|k| format!("`{k}`")).collect();
        listed.join(", ")
    } else {
        format!("{} keys", keys.len())
    };
    let help = if definition.is_some_and(|d| ctx.inv.from_platform(d)) {
        format!("use a key the {kind} has ({has}); the platform provides it, so its keys are fixed")
    } else {
        let optional = if r.optional {
            ""
        } else {
            ", or mark the reference `optional: true` if the container can run without it"
        };
        format!(
            "use a key the {kind} has ({has}) or add `{}` to it{optional}",
            key.value
        )
    };
    diagnostic.with_help(help)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::support::testing::run_rule;

    fn pod(namespace: &str, volume: &str) -> String {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: p, namespace: {namespace}}}\nspec:\n  containers: [{{name: c, image: x}}]\n  volumes:\n  - name: v\n    {volume}\n"
        )
    }

    #[test]
    fn keys_resolve_in_the_workload_namespace_only() {
        let config = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg, namespace: other}\ndata: {app.yaml: x}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg, namespace: shop}\ndata: {main.yaml: x}\n---\n";
        let volume = "configMap: {name: cfg, items: [{key: app.yaml, path: app.yaml}]}";
        let found = run_rule(&RULE, &format!("{config}{}", pod("shop", volume)));
        assert_eq!(found.len(), 1);
        assert!(run_rule(&RULE, &format!("{config}{}", pod("other", volume))).is_empty());
    }

    #[test]
    fn the_platform_config_map_keys_are_fixed() {
        let volume = "configMap: {name: kube-root-ca.crt, items: [{key: ca.cert, path: ca.crt}]}";
        let found = run_rule(&RULE, &pod("shop", volume));
        assert_eq!(found.len(), 1);
        assert!(found[0].message.contains("did you mean `ca.crt`?"));
        let help = found[0].help.as_deref().unwrap_or_default();
        assert!(help.contains("the platform provides it"), "{help}");
        let ok = "configMap: {name: kube-root-ca.crt, items: [{key: ca.crt, path: ca.crt}]}";
        assert!(run_rule(&RULE, &pod("shop", ok)).is_empty());
    }

    #[test]
    fn a_large_object_has_its_keys_counted_not_listed() {
        let data: Vec<String> = (0..10).map(|i| format!("k{i}: v")).collect();
        let yaml = format!(
            "apiVersion: v1\nkind: Secret\nmetadata: {{name: s, namespace: shop}}\nstringData: {{{}}}\n---\n{}",
            data.join(", "),
            pod("shop", "secret: {secretName: s, optional: true, items: [{key: k10, path: x}]}")
        );
        let found = run_rule(&RULE, &yaml);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].severity, Severity::Info);
        let help = found[0].help.as_deref().unwrap_or_default();
        assert!(help.contains("(10 keys)") && !help.contains("optional"), "{help}");
    }
}
