//! # KR412: Knative name too long once Knative adds its suffixes
//!
//! ## What it checks
//! The names Knative derives from a Knative Service, Configuration or Route
//! (`serving.knative.dev`) and their 63-character limits:
//!
//! - the object's own name is a DNS-1035 label (lowercase letters, digits and `-`,
//!   starting with a letter, at most 63 characters): it becomes a host label and a
//!   Kubernetes Service name ("invalid value … metadata.name");
//! - a bring-your-own revision name (`spec.template.metadata.name`) is a DNS-1035 label
//!   ("not a DNS 1035 label"); an empty name is no name;
//! - a revision `spec.template.metadata.generateName` is a DNS-1035 label prefix (a
//!   trailing `-` is fine: "not a DNS 1035 label prefix");
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
use crate::inventory::knative::{KnativeConfig, SERVING};
use crate::inventory::Serving;
use crate::manifest::Object;
use crate::diagnostic::{Diagnostic, Severity};
use crate::manifest::names::{dns1035_label_problem, is_dns1035_label};
use crate::yaml::Span;

pub const RULE: Rule = Rule {
    code: "KR412",
    severity: Severity::Error,
    summary:
        "Knative name too long once Knative adds its suffixes (revision names, DNS labels of 63)",
    run,
};

fn run(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for object in &ctx.inv.objects {
        if object.group == SERVING
            && matches!(
                object.kind.as_str(),
                "Service" | "Configuration" | "Route" | "Revision"
            )
            && !object.generated_name
        {
            out.extend(object_name(object));
        }
    }
    let network = Network::new(ctx);
    for serving in &ctx.inv.serving {
        let object = ctx.inv.object(serving.object);
        if !is_dns1035_label(&serving.name) {
            continue; // reported above; derived names would repeat it
        }
        if serving.kind != "Route" {
            out.extend(revision_name(serving, object));
            out.extend(revision_generate_name(serving, object));
        }
        if serving.kind == "Configuration" {
            continue;
        }
        let reported_tags = tag_labels(&network, serving, object, out);
        host_labels(&network, serving, object, &reported_tags, out);
    }
}

/// The object's own name, which Knative uses as a host label and a Service name.
fn object_name(object: &Object) -> Option<Diagnostic> {
    let problem = dns1035_label_problem(&object.name)?;
    Some(
        RULE.on(
            object,
            object.name_span(),
            format!(
                "name `{}` of {} is not a DNS-1035 label ({problem}): Knative uses it as a host label and a Service name",
                object.name,
                object.display(),
            ),
        )
        .with_help("use at most 63 lowercase letters, digits and `-`, starting with a letter"),
    )
}

/// The bring-your-own revision name, or the generated `<name>-00001` when it is too long.
fn revision_name(serving: &Serving, object: &Object) -> Option<Diagnostic> {
    if let Some(byo) = &serving.revision_name {
        let problem = dns1035_label_problem(&byo.value)?;
        return Some(
            RULE.on(
                object,
                byo.span,
                format!(
                    "revision name `{}` of {} is not a DNS-1035 label ({problem})",
                    byo.value,
                    object.display(),
                ),
            )
            .with_help("use `<service name>-<suffix>` of at most 63 lowercase letters, digits and `-`"),
        );
    }
    let generated = serving.name.len() + GENERATED_SUFFIX.len();
    (generated > 63).then(|| {
        RULE.on(
            object,
            object.name_span(),
            format!(
                "revision names of {} would be `{}{GENERATED_SUFFIX}` ({generated} characters, more than 63): Knative shortens them with a hash, so revision and `<revision>-private` Service names are unpredictable",
                object.display(),
                serving.name,
            ),
        )
        .with_severity(Severity::Warning)
        .with_help("keep the name at most 57 characters, or set `spec.template.metadata.name`")
    })
}

/// The template's `generateName`, a DNS-1035 label once the cluster appends its random
/// suffix: Kubernetes checks the prefix with a trailing `-` standing for a letter.
fn revision_generate_name(serving: &Serving, object: &Object) -> Option<Diagnostic> {
    let prefix = serving.revision_generate_name.as_ref()?;
    let value = &prefix.value;
    let masked = match value.strip_suffix('-') {
        Some(stem) if !stem.is_empty() => format!("{stem}a"),
        _ => value.clone(),
    };
    let problem = dns1035_label_problem(&masked)?;
    Some(
        RULE.on(
            object,
            prefix.span,
            format!(
                "revision `generateName` `{value}` of {} is not a DNS-1035 label prefix: {problem} (webhook: not a DNS 1035 label prefix)",
                object.display(),
            ),
        )
        .with_help("use at most 63 lowercase letters, digits and `-`, starting with a letter, e.g. `<service name>-`"),
    )
}

/// The suffix of the first generated revision name.
const GENERATED_SUFFIX: &str = "-00001";

/// `config-network`, which the tag and host templates come from.
struct Network<'a> {
    ctx: &'a Context<'a>,
    config: &'a KnativeConfig,
}

impl<'a> Network<'a> {
    fn new(ctx: &'a Context<'a>) -> Network<'a> {
        Network {
            ctx,
            config: &ctx.inv.knative_config,
        }
    }

    /// `diagnostic`, pointing also at `config-network` when it sets `key`.
    fn related(&self, diagnostic: Diagnostic, key: &str) -> Diagnostic {
        match self.config.object("config-network") {
            Some(id) if self.config.get("config-network", key).is_some() => diagnostic
                .with_related_object(self.ctx.inv.object(id), format!("`{key}` is set here")),
            _ => diagnostic,
        }
    }
}

/// Tag names: the tag Service and the first label of the tag hosts. Returns the tags
/// reported, whose hosts need no second finding.
fn tag_labels<'s>(
    network: &Network<'_>,
    serving: &'s Serving,
    object: &Object,
    out: &mut Vec<Diagnostic>,
) -> Vec<&'s str> {
    let template = network.config.tag_template();
    let mut reported = Vec::new();
    for tag in serving.tags() {
        let label = expand_template(template, &serving.name, &serving.namespace, "", &tag.value);
        if label.len() <= 63 || label.contains('.') {
            continue;
        }
        reported.push(tag.value.as_str());
        out.push(network.related(
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
                "shorten the tag or the name to at most 63 characters together with the template `{template}`"
            )),
            "tag-template",
        ));
    }
    reported
}

/// Every label of every host, and the total of known external hosts.
fn host_labels(
    network: &Network<'_>,
    serving: &Serving,
    object: &Object,
    reported_tags: &[&str],
    out: &mut Vec<Diagnostic>,
) {
    for host in hosts_of(network.ctx.inv, serving) {
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
        let diagnostic = if let Some(label) = host.host.split('.').find(|l| l.len() > 63) {
            let shown = if host.domain_unknown {
                format!("{}<domain>", host.host)
            } else {
                host.host.clone()
            };
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
                network.config.domain_template()
            ))
        } else if !host.domain_unknown && host.host.len() > 253 {
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
            .with_help("shorten the name, namespace, tag or domain")
        } else {
            continue;
        };
        out.push(network.related(diagnostic, "domain-template"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::support::testing::run_rule;

    fn findings(generate_name: &str) -> usize {
        let yaml = format!("apiVersion: serving.knative.dev/v1\nkind: Configuration\nmetadata: {{name: c}}\nspec:\n  template:\n    metadata: {{generateName: \"{generate_name}\"}}\n    spec:\n      containers: [{{image: app}}]\n");
        run_rule(&RULE, &yaml).len()
    }

    #[test]
    fn a_generate_name_may_end_with_a_dash_that_stands_for_a_letter() {
        assert_eq!(findings("c-"), 0);
        assert_eq!(findings(&format!("{}-", "c".repeat(62))), 0);
        assert_eq!(findings(""), 0);
        assert_eq!(findings("-"), 1);
        assert_eq!(findings(&format!("{}-", "c".repeat(63))), 1);
        assert_eq!(findings("c_"), 1);
    }
}
