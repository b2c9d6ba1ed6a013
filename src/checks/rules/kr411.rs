//! # KR411: DomainMapping `ref` does not exist or cannot be mapped
//!
//! ## What it checks
//! For every DomainMapping (`serving.knative.dev/v1beta1`):
//!
//! - its name, which is the domain it maps, is a fully-qualified domain name (at least two
//!   DNS labels of at most 63 characters, 253 in all) outside the cluster domain (not
//!   ending in `.cluster.local`);
//! - `spec.ref.namespace`, when written, is the DomainMapping's own namespace;
//! - `spec.ref` names a kind a DomainMapping can point at: a Knative Service or Route
//!   (`serving.knative.dev`) or a core `v1` Service;
//! - the object it names exists in the DomainMapping's namespace (a `v1` Service ref is
//!   also satisfied by a Knative Service of that name).
//!
//! ## Why it matters
//! The webhook rejects a malformed domain or a cross-namespace ref. Otherwise the
//! DomainMapping is accepted, but never becomes ready: Knative must resolve the ref to the
//! address `<name>.<namespace>.svc.cluster.local` of an addressable object of the same
//! namespace, and reports the ref as not found or not addressable (a Broker or Channel
//! has an address of another shape). Requests for the custom domain get 404 from the
//! ingress.
//!
//! ## Example
//! ```yaml
//! apiVersion: serving.knative.dev/v1beta1
//! kind: DomainMapping
//! metadata: {name: shop.example.com, namespace: shop}
//! spec:
//!   ref:
//!     apiVersion: serving.knative.dev/v1
//!     kind: Service
//!     name: storefornt   # KR411: no Knative Service `storefornt`; did you mean `storefront`?
//! ```
//!
//! ## How to fix
//! Name a Knative Service, Route or Service of the DomainMapping's namespace (create the
//! DomainMapping in the namespace of its target), and use the public domain as its name.

use crate::checks::support::knative::RefChecker;
use crate::checks::{Context, Rule};
use crate::graph::{resolve_ref, CLUSTER_DOMAIN};
use crate::inventory::knative::{DomainMapping, KRef, SERVING};
use crate::manifest::Object;
use crate::diagnostic::{Diagnostic, Severity};
use crate::manifest::names::is_dns1123_label;

pub const RULE: Rule = Rule {
    code: "KR411",
    severity: Severity::Error,
    summary: "DomainMapping `ref` does not exist, is in another namespace or is not addressable",
    run,
};

/// Why `domain` cannot be a DomainMapping's name, if it cannot.
fn domain_problem(domain: &str) -> Option<String> {
    let cluster_suffix = format!(".{CLUSTER_DOMAIN}");
    if domain.ends_with(&cluster_suffix) || domain == CLUSTER_DOMAIN {
        return Some(format!(
            "is in the cluster domain `{CLUSTER_DOMAIN}`; a DomainMapping maps a public domain"
        ));
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2 {
        return Some("is not a fully-qualified domain name (it needs at least two labels, like `app.example.com`)".to_string());
    }
    if domain.len() > 253 {
        return Some(format!("is {} characters long, more than 253", domain.len()));
    }
    if let Some(bad) = labels.iter().find(|l| !is_dns1123_label(l)) {
        return Some(format!(
            "has `{bad}`, which is not a DNS label (lowercase letters, digits and `-`, at most 63)"
        ));
    }
    None
}

fn run(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let refs = RefChecker::new(ctx);
    for mapping in &ctx.inv.domain_mappings {
        let object = ctx.inv.object(mapping.object);
        if let Some(problem) = domain_problem(&mapping.domain) {
            out.push(
                RULE.on(
                    object,
                    object.name_span(),
                    format!("DomainMapping `{}` {problem}", mapping.domain),
                )
                .with_help("name the DomainMapping after the public domain it serves, e.g. `shop.example.com`"),
            );
        }
        if let Some(r) = &mapping.reference {
            out.extend(check_ref(ctx, &refs, object, mapping, r));
        }
    }
}

/// The `ref`: in the DomainMapping's namespace, of a kind it can map, and existing.
fn check_ref(
    ctx: &Context<'_>,
    refs: &RefChecker<'_>,
    object: &Object,
    mapping: &DomainMapping,
    r: &KRef,
) -> Option<Diagnostic> {
    if r.namespace != mapping.namespace {
        return Some(
            RULE.on(
                object,
                r.namespace_span.unwrap_or(r.span),
                format!(
                    "{} refers to {} `{}` in namespace `{}`, but a DomainMapping can only map an object of its own namespace `{}`",
                    object.display(),
                    r.kind,
                    r.name,
                    r.namespace,
                    mapping.namespace
                ),
            )
            .with_help(format!(
                "create the DomainMapping in namespace `{}`, next to its target",
                r.namespace
            )),
        );
    }
    if r.kind.is_empty() || r.name.is_empty() {
        return None; // incomplete ref: a schema problem
    }
    let addressable = matches!(
        (r.group.as_str(), r.kind.as_str()),
        (SERVING, "Service" | "Route") | ("", "Service")
    );
    if !addressable {
        let api = if r.api_version.is_empty() { &r.group } else { &r.api_version };
        return Some(
            RULE.on(
                object,
                r.kind_span.unwrap_or(r.span),
                format!(
                    "{} maps {} `{}` (`{api}`), but a DomainMapping can only point at a Knative Service, a Knative Route or a core Service",
                    object.display(),
                    r.kind,
                    r.name
                ),
            )
            .with_help("point the DomainMapping at the Knative Service (or Route, or Service) that serves the domain"),
        );
    }
    if resolve_ref(ctx.inv, r).is_some() {
        return None;
    }
    Some(
        refs.missing(&RULE, object, "ref", r)
            .with_help("name a Knative Service, Route or Service of the DomainMapping's namespace, or create it"),
    )
}

#[cfg(test)]
mod tests {
    use super::domain_problem;

    #[test]
    fn domains_must_be_public_fqdns() {
        assert!(domain_problem("shop.example.com").is_none());
        assert!(domain_problem("localhost").is_some());
        assert!(domain_problem("hello.default.svc.cluster.local").is_some());
        assert!(domain_problem("Shop.example.com").is_some());
        assert!(domain_problem("a..b").is_some());
    }
}
