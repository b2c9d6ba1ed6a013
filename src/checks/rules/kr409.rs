//! # KR409: Trigger names a Broker that does not exist
//!
//! ## What it checks
//! That the `spec.broker` of every Trigger names a Broker (`eventing.knative.dev`) in the
//! Trigger's own namespace: a Trigger cannot name a Broker of another namespace with
//! `broker` (the diagnostic says when one of that name exists elsewhere).
//!
//! The finding is only *info* when it may be the input that is incomplete rather than the
//! reference wrong:
//!
//! - the input has no Broker at all (the Brokers are likely managed elsewhere; check with
//!   `--context` or declare them as external objects);
//! - the Trigger names `broker: default` and asks for it to be created, with the
//!   `eventing.knative.dev/injection: enabled` annotation on the Trigger or label on its
//!   Namespace (Knative's sugar controller then creates Broker `default`, if it is
//!   configured to).
//!
//! ## Why it matters
//! The Trigger is accepted, but stays not ready with reason `BrokerDoesNotExist` and never
//! receives an event. Brokers are no longer created automatically for a namespace, so a
//! Trigger copied from an older guide that relied on a `default` Broker silently does
//! nothing.
//!
//! ## Example
//! ```yaml
//! apiVersion: eventing.knative.dev/v1
//! kind: Broker
//! metadata: {name: default, namespace: shop}
//! ---
//! apiVersion: eventing.knative.dev/v1
//! kind: Trigger
//! metadata: {name: orders, namespace: shop}
//! spec:
//!   broker: defualt   # KR409: no Broker `defualt` in `shop`; did you mean `default`?
//!   subscriber:
//!     ref: {apiVersion: serving.knative.dev/v1, kind: Service, name: order-handler}
//! ```
//!
//! ## How to fix
//! Name a Broker of the Trigger's namespace, or create the Broker (a `Broker` object, or
//! the injection annotation with the sugar controller enabled).

use crate::checks::support::fix;
use crate::checks::{Context, Rule};
use crate::graph::{Broken, EdgeKind, Vertex};
use crate::inventory::did_you_mean;
use crate::manifest::Object;
use crate::diagnostic::{Diagnostic, Severity};

pub const RULE: Rule = Rule {
    code: "KR409",
    severity: Severity::Error,
    summary: "Trigger names a Broker that does not exist",
    run,
};

const INJECTION: &str = "eventing.knative.dev/injection";

fn is_broker(object: &Object) -> bool {
    object.group == "eventing.knative.dev" && object.kind == "Broker"
}

fn run(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let mut brokers: Option<Vec<&Object>> = None;
    for edge in ctx.graph.edges_of(EdgeKind::TriggerBroker) {
        let (Err(Broken::NoObject { namespace, name, .. }), Vertex::Object(from)) =
            (edge.target(), edge.from)
        else {
            continue;
        };
        let trigger = ctx.inv.object(from);
        let brokers = brokers.get_or_insert_with(|| {
            ctx.inv.objects.iter().filter(|o| is_broker(o)).collect()
        });
        let elsewhere = brokers
            .iter()
            .find(|b| b.name == *name && b.namespace != *namespace);
        let candidates = ctx
            .inv
            .names("Broker", namespace)
            .filter(|n| ctx.inv.find("Broker", namespace, n).any(is_broker));
        let injected = name == "default"
            && (trigger.annotations.get(INJECTION) == Some("enabled")
                || ctx
                    .inv
                    .namespace_labels(namespace)
                    .and_then(|l| l.get(INJECTION))
                    == Some("enabled"));
        let mut message = format!(
            "{} names Broker `{name}`, which does not exist in namespace `{namespace}`",
            trigger.display()
        );
        let (severity, help) = if injected {
            message.push_str(" (it asks for the `default` Broker to be created by injection)");
            (
                Severity::Info,
                format!("injection only creates Broker `default` when Knative's sugar controller is configured for it (`config-sugar`); add a Broker `default` in `{namespace}` to be independent of it"),
            )
        } else if brokers.is_empty() {
            message.push_str(" (the input defines no Broker at all)");
            (
                Severity::Info,
                "if the Broker is managed elsewhere, check together with its manifest (`--context`) or declare it as an external object; otherwise create it".to_string(),
            )
        } else if let Some(other) = elsewhere {
            message.push_str(&format!(
                "; a Broker `{name}` exists in namespace `{}`, but `broker` only names Brokers of the Trigger's namespace",
                other.namespace
            ));
            (
                Severity::Error,
                format!("move the Trigger into namespace `{}`, or create a Broker in `{namespace}`", other.namespace),
            )
        } else {
            message.push_str(&did_you_mean(name, candidates));
            (
                Severity::Error,
                format!("name a Broker of namespace `{namespace}`, or create Broker `{name}` there"),
            )
        };
        let rename = (elsewhere.is_none() && severity == Severity::Error)
            .then(|| fix::rename(ctx, trigger, edge.span, name, ctx.inv.names("Broker", namespace)))
            .flatten();
        let mut diagnostic = RULE
            .on(trigger, edge.span, message)
            .with_severity(severity)
            .with_help(help)
            .with_fix(rename);
        if let (Some(other), false) = (elsewhere, injected) {
            diagnostic = diagnostic.with_related_object(other, "a Broker of that name, in another namespace");
        }
        out.push(diagnostic);
    }
}
