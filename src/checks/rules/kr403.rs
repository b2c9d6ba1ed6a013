//! # KR403: Knative traffic tag duplicated or not a DNS label
//!
//! ## What it checks
//! The `tag` of every `spec.traffic` target of a Knative Service or Route:
//!
//! - it must be a DNS-1035 label: lowercase letters, digits and `-`, starting with a
//!   letter, not ending with `-` (webhook: `not a DNS 1035 label`);
//! - it must be unique within the list, even when both targets point at the same revision
//!   (webhook: `Multiple definitions for "…"`).
//!
//! An empty tag means "no tag". Length is KR412: the tag's host label (`<tag>-<name>` by
//! default) must fit in 63 characters, which a tag of more than 63 never does.
//!
//! ## Why it matters
//! A tag becomes a host name (`<tag>-<name>.<namespace>.<domain>`) and a Kubernetes Service
//! name; the webhook rejects the object when it cannot be one, or when two targets would
//! claim the same host.
//!
//! ## Example
//! ```yaml
//! apiVersion: serving.knative.dev/v1
//! kind: Service
//! metadata: {name: hello}
//! spec:
//!   template:
//!     spec:
//!       containers:
//!       - image: ghcr.io/example/hello:2.0
//!   traffic:
//!   - {revisionName: hello-v1, percent: 100, tag: current}
//!   - {latestRevision: true, percent: 0, tag: current}    # KR403: duplicate
//!   - {revisionName: hello-v0, percent: 0, tag: Old_V0}  # KR403: not a DNS label
//! ```
//!
//! ## How to fix
//! Give every tagged target its own lowercase tag (`candidate`, `v2`, `blue`); a tag cannot
//! start with a digit or contain `_` or `.`.

use std::collections::HashMap;

use crate::checks::support::knative::{knative_display, traffic_owners};
use crate::checks::{Context, Rule};
use crate::diagnostic::{Diagnostic, Severity};
use crate::manifest::names::is_dns1035_shape;
use crate::yaml::Span;

pub const RULE: Rule = Rule {
    code: "KR403",
    severity: Severity::Error,
    summary: "Knative traffic tag duplicated or not a valid DNS-1035 label",
    run,
};

/// A DNS-1035 label close to `tag`: lowercased, other characters as `-`, a leading `t`
/// when it starts with a digit.
fn sanitize(tag: &str) -> String {
    let mut s: String = tag
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, 'v');
    }
    let s = s.trim_matches('-');
    s.chars().take(63).collect::<String>().trim_end_matches('-').to_string()
}

fn run(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (serving, object) in traffic_owners(ctx) {
        let who = knative_display(object);
        let mut seen: HashMap<&str, Span> = HashMap::new();
        for tag in serving.tags().filter(|t| !t.value.is_empty()) {
            let value = tag.value.as_str();
            if !is_dns1035_shape(value) {
                let suggestion = sanitize(value);
                let hint = if is_dns1035_shape(&suggestion) {
                    format!("; e.g. `{suggestion}`")
                } else {
                    String::new()
                };
                out.push(
                    RULE.on(
                        object,
                        tag.span,
                        format!("traffic tag `{value}` of {who} is not a DNS-1035 label"),
                    )
                    .with_help(format!(
                        "a tag becomes part of a host name: use lowercase letters, digits and `-`, starting with a letter, at most 63 characters{hint}"
                    )),
                );
            }
            if let Some(first) = seen.get(value) {
                out.push(
                    RULE.on(
                        object,
                        tag.span,
                        format!(
                            "traffic tag `{value}` is defined twice in {who} (webhook: Multiple definitions for {value:?})"
                        ),
                    )
                    .with_related(object.file, *first, "first defined here")
                    .with_help("each tag names one host: rename one of the tags, or merge the two targets"),
                );
            } else {
                seen.insert(value, tag.span);
            }
        }
    }
}
