//! # KR410: event sink, reply or other eventing reference does not exist
//!
//! ## What it checks
//! Every Knative eventing reference other than a Trigger's subscriber (KR408) and its
//! Broker (KR409) must name an object of the input, with the same `apiVersion` group,
//! `kind` and `name`, in `ref.namespace` (default: the referring object's own):
//!
//! - the `spec.sink.ref` of every source (PingSource, ApiServerSource, ContainerSource,
//!   KafkaSource, …) and SinkBinding;
//! - a SinkBinding's `spec.subject` when it names its subject (`subject.name`; subjects
//!   chosen by `selector` are not checked);
//! - a Subscription's `spec.channel`, `spec.subscriber.ref` and `spec.reply.ref`;
//! - the steps of a Sequence and the `subscriber`, `filter` and `reply` of a Parallel's
//!   branches, and their `reply`;
//! - `delivery.deadLetterSink.ref` of Triggers, Brokers, Channels and Subscriptions.
//!
//! A `v1` `Service` ref is also satisfied by a Knative Service of that name. As in KR408, a
//! ref to a core Service with ports but no port 80 is a warning (Knative always delivers
//! to `http://<name>.<namespace>.svc.cluster.local`, port 80), and so is an absolute `uri`
//! naming an in-cluster host (`name.ns.svc.cluster.local`) that no Service provides, or a
//! port it lacks.
//!
//! ## Why it matters
//! The referring object is accepted but never becomes ready: a source reports
//! `SinkProvided` false ("… not found"), a Subscription cannot resolve its subscriber or
//! reply, a SinkBinding never injects `K_SINK` into its subject. Events are dropped
//! without any error where they are produced. A sink Service without port 80 resolves,
//! but every delivery is refused.
//!
//! ## Example
//! ```yaml
//! apiVersion: sources.knative.dev/v1
//! kind: PingSource
//! metadata: {name: heartbeat}
//! spec:
//!   schedule: "*/1 * * * *"
//!   sink:
//!     ref:
//!       apiVersion: eventing.knative.dev/v1
//!       kind: Broker
//!       name: defualt   # KR410: no Broker `defualt`; did you mean `default`?
//! ```
//!
//! ## How to fix
//! Point the reference at an existing object, checking `apiVersion`, `kind` and `name`
//! (the diagnostic suggests the closest name and says when an object of that name exists
//! with another kind, apiVersion or namespace), or add the missing object. For a plain
//! Service sink, expose port 80 (with `targetPort` set to the container's port).

use crate::checks::support::knative::RefChecker;
use crate::checks::{Context, Rule};
use crate::inventory::knative::{is_trigger, DestinationRole};
use crate::diagnostic::{Diagnostic, Severity};

pub const RULE: Rule = Rule {
    code: "KR410",
    severity: Severity::Error,
    summary: "Source / SinkBinding / Subscription sink `ref` (or reply, channel, dead-letter sink, subject) does not exist",
    run,
};

fn run(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let refs = RefChecker::new(ctx);
    for dest in &ctx.inv.event_destinations {
        let object = ctx.inv.object(dest.object);
        if is_trigger(object) && dest.role == DestinationRole::Subscriber {
            continue; // KR408
        }
        let help = match dest.role {
            DestinationRole::Sink => "create the sink, or point `sink.ref` at an existing object (apiVersion, kind and name must all match)",
            DestinationRole::Subscriber => "create the subscriber, or point the `ref` at an existing object (apiVersion, kind and name must all match)",
            DestinationRole::Reply => "create the reply target, or point `reply.ref` at an existing object (apiVersion, kind and name must all match)",
            DestinationRole::DeadLetterSink => "create the dead-letter sink, or point `deadLetterSink.ref` at an existing object; without it, failed events are lost",
            DestinationRole::Channel => "create the Channel, or name an existing one (`messaging.knative.dev/v1` Channel or InMemoryChannel)",
            DestinationRole::Subject => "name an existing workload as the subject (apiVersion, kind and name must all match), or select it with `subject.selector`",
        };
        refs.check_destination(&RULE, dest, help, out);
    }
}
