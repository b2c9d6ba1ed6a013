//! # KR412: Knative name too long once Knative adds its suffixes
//!
//! ## What it checks
//! The names Knative derives from a Knative Service, Configuration or Route
//! (`serving.knative.dev`) and their 63-character limits:
//!
//! - the object's own name is a DNS-1035 label (lowercase letters, digits and `-`,
//!   starting with a letter, at most 63 characters): it becomes a host label and a
//!   Kubernetes Service name ("invalid value … metadata.name");
//! - a bring-your-own revision name (`spec.template.metadata.name`) is a DNS-1035 label;
//! - generated revision names `<name>-00001` longer than 63 characters (warning): Knative
//!   shortens them with a hash, so the revision names and the `<revision>-private`
//!   Services are no longer predictable;
//! - the tag host label: `tag-template` of `config-network` (default
//!   `{{.Tag}}-{{.Name}}`) must yield a label of at most 63 characters: it names the
//!   tag's Kubernetes Service and the first label of its hosts;
//! - each external host (the `domain-template` of `config-network`, default
//!   `{{.Name}}.{{.Namespace}}.{{.Domain}}`, with the `config-domain` default domain when
//!   present): every label at most 63 characters and, when the domain is known, the
//!   whole name at most 253. A template such as `{{.Name}}-{{.Namespace}}.{{.Domain}}`
//!   puts name and namespace in one label.
//!
//! ## Why it matters
//! The webhook refuses an invalid name; a host that is not a valid domain name is refused
//! later by the Route reconciler, so the Route (and the Service) never becomes ready and
//! the tag or the whole Service is unreachable, with only a status condition to say why.
//!
//! ## Example
//! ```yaml
//! apiVersion: serving.knative.dev/v1
//! kind: Service
//! metadata: {name: recommendation-engine-for-the-storefront-checkout-page}
//! spec:
//!   traffic:
//!   - latestRevision: true
//!     percent: 100
//!     tag: candidate-release    # KR412: `candidate-release-recommendation-…` is 72 characters
//! ```
//!
//! ## How to fix
//! Shorten the Service name or the tag (or the namespace, with templates that join them),
//! or change `tag-template` / `domain-template` in `config-network` so that each label
//! stays within 63 characters.

use crate::checks::{Context, Rule};
use crate::graph::{expand_template, hosts_of};
use crate::inventory::knative::SERVING;
use crate::diagnostic::{Diagnostic, Severity};
use crate::yaml::Span;

pub const RULE: Rule = Rule {
    code: "KR412",
    severity: Severity::Error,
    summary:
        "Knative name too long once Knative adds its suffixes (revision names, DNS labels of 63)",
    run,
};

/// A DNS-1035 label: a lowercase letter first, then letters, digits and `-`, alphanumeric
/// last, at most 63 characters.
pub fn is_dns1035_label(s: &str) -> bool {
    s.len() <= 63
        && s.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.ends_with('-')
}

/// Why `s` is not a DNS-1035 label, for messages.
fn label_problem(s: &str) -> String {
    if s.len() > 63 {
        format!("{} characters, more than 63", s.len())
    } else if s.is_empty() {
        "empty".to_string()
    } else if !s.bytes().next().is_some_and(|b| b.is_ascii_lowercase()) {
        "it must start with a lowercase letter".to_string()
    } else if s.ends_with('-') {
        "it must not end with `-`".to_string()
    } else {
        "only lowercase letters, digits and `-` are allowed".to_string()
    }
}

fn run(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for object in &ctx.inv.objects {
        if object.group == SERVING
            && matches!(
                object.kind.as_str(),
                "Service" | "Configuration" | "Route" | "Revision"
            )
            && !object.generated_name
            && !is_dns1035_label(&object.name)
        {
            out.push(
                RULE.on(
                    object,
                    object.name_span(),
                    format!(
                        "name `{}` of {} is not a DNS-1035 label ({}): Knative uses it as a host label and a Service name",
                        object.name,
                        object.display(),
                        label_problem(&object.name)
                    ),
                )
                .with_help("use at most 63 lowercase letters, digits and `-`, starting with a letter"),
            );
        }
    }
    let config = &ctx.inv.knative_config;
    let network = config.object("config-network");
    let with_network = |d: Diagnostic, key: &str| match network {
        Some(id) if config.get("config-network", key).is_some() => {
            d.with_related_object(ctx.inv.object(id), format!("`{key}` is set here"))
        }
        _ => d,
    };
    for serving in &ctx.inv.serving {
        let object = ctx.inv.object(serving.object);
        if !is_dns1035_label(&serving.name) {
            continue; // reported above; derived names would repeat it
        }
        if serving.kind != "Route" {
            match &serving.revision_name {
                Some(byo) if !is_dns1035_label(&byo.value) => out.push(
                    RULE.on(
                        object,
                        byo.span,
                        format!(
                            "revision name `{}` of {} is not a DNS-1035 label ({})",
                            byo.value,
                            object.display(),
                            label_problem(&byo.value)
                        ),
                    )
                    .with_help("use `<service name>-<suffix>` of at most 63 lowercase letters, digits and `-`"),
                ),
                Some(_) => {}
                None if serving.name.len() + 6 > 63 => out.push(
                    RULE.on(
                        object,
                        object.name_span(),
                        format!(
                            "revision names of {} would be `{}-00001` ({} characters, more than 63): Knative shortens them with a hash, so revision and `<revision>-private` Service names are unpredictable",
                            object.display(),
                            serving.name,
                            serving.name.len() + 6
                        ),
                    )
                    .with_severity(Severity::Warning)
                    .with_help("keep the name at most 57 characters, or set `spec.template.metadata.name`"),
                ),
                None => {}
            }
        }
        if serving.kind == "Configuration" {
            continue;
        }
        // Tag names: the tag Service and the first label of the tag hosts.
        let mut reported_tags: Vec<&str> = Vec::new();
        for tag in serving.tags() {
            let label = expand_template(
                config.tag_template(),
                &serving.name,
                &serving.namespace,
                "",
                &tag.value,
            );
            if label.len() > 63 && !label.contains('.') {
                reported_tags.push(&tag.value);
                out.push(with_network(
                    RULE.on(
                        object,
                        tag.span,
                        format!(
                            "tag `{}` of {} makes the name `{label}` ({} characters, more than 63): its Service and host cannot be created",
                            tag.value,
                            object.display(),
                            label.len()
                        ),
                    )
                    .with_help(format!(
                        "shorten the tag or the name to at most 63 characters together with the template `{}`",
                        config.tag_template()
                    )),
                    "tag-template",
                ));
            }
        }
        // Every label of every host, and the total of known external hosts.
        for host in hosts_of(ctx.inv, serving) {
            if host
                .tag
                .as_deref()
                .is_some_and(|t| reported_tags.contains(&t))
            {
                continue;
            }
            let span: Span = host
                .tag
                .as_ref()
                .and_then(|t| serving.tags().find(|s| &s.value == t))
                .map_or(object.name_span(), |t| t.span);
            let long = host.host.split('.').find(|l| l.len() > 63);
            if let Some(label) = long {
                let shown = if host.domain_unknown {
                    format!("{}<domain>", host.host)
                } else {
                    host.host.clone()
                };
                out.push(with_network(
                    RULE.on(
                        object,
                        span,
                        format!(
                            "host `{shown}` of {} has the label `{label}` of {} characters, more than 63: the Route cannot serve it",
                            object.display(),
                            label.len()
                        ),
                    )
                    .with_help(format!(
                        "shorten the name, namespace or tag, or change `domain-template` (now `{}`) in `config-network`",
                        config.domain_template()
                    )),
                    "domain-template",
                ));
            } else if !host.domain_unknown && host.host.len() > 253 {
                out.push(with_network(
                    RULE.on(
                        object,
                        span,
                        format!(
                            "host `{}` of {} is {} characters long, more than 253",
                            host.host,
                            object.display(),
                            host.host.len()
                        ),
                    )
                    .with_help("shorten the name, namespace, tag or domain"),
                    "domain-template",
                ));
            }
        }
    }
}
