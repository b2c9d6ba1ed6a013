//! # KR408: Trigger subscriber does not exist
//!
//! ## What it checks
//! That the `spec.subscriber.ref` of every Trigger names an object of the input: same
//! `apiVersion` group, `kind` and `name`, in `ref.namespace` (default: the Trigger's own).
//! A `v1` `Service` ref is also satisfied by a Knative Service of that name, whose Route
//! Service carries the same name.
//!
//! It also warns when:
//!
//! - the ref names a core `v1` Service that has ports but no port 80: Knative resolves such
//!   a ref to `http://<name>.<namespace>.svc.cluster.local`, on port 80 whatever ports the
//!   Service declares;
//! - the subscriber is an absolute `uri` whose host is an in-cluster name
//!   (`name.ns.svc.cluster.local` or `name.ns.svc`) that no Service or Knative Service of
//!   the input provides, or names a port that Service lacks (only for namespaces the input
//!   knows about).
//!
//! Other subscribers (Subscription, Sequence steps, Parallel branches), replies, sinks and
//! dead-letter sinks are checked by KR410; the Trigger's Broker by KR409.
//!
//! ## Why it matters
//! The Trigger is accepted, but never becomes ready: its status says `SubscriberResolved`
//! false, "Unable to get the Subscriber's URI … not found", and every event the Broker
//! routes to it is dropped. A ref to a Service without port 80 resolves, yet delivery
//! fails with connection refused.
//!
//! ## Example
//! ```yaml
//! apiVersion: eventing.knative.dev/v1
//! kind: Trigger
//! metadata: {name: orders}
//! spec:
//!   broker: default
//!   subscriber:
//!     ref:
//!       apiVersion: serving.knative.dev/v1
//!       kind: Service
//!       name: order-handler   # KR408: no Knative Service `order-handler`
//! ```
//!
//! ## How to fix
//! Point `subscriber.ref` at an existing object, checking `apiVersion`, `kind` and `name`
//! (the diagnostic suggests the closest name and says when an object of that name exists
//! with another kind, apiVersion or namespace), or add the missing subscriber. For a plain
//! Service, expose port 80 (mapping it to the container's port with `targetPort`).

use crate::checks::support::knative::RefChecker;
use crate::checks::{Context, Rule};
use crate::inventory::knative::{is_trigger, DestinationRole};
use crate::diagnostic::{Diagnostic, Severity};

pub const RULE: Rule = Rule {
    code: "KR408",
    severity: Severity::Error,
    summary: "Trigger subscriber (`ref`) does not exist",
    run,
};

fn run(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let refs = RefChecker::new(ctx);
    for dest in &ctx.inv.event_destinations {
        let object = ctx.inv.object(dest.object);
        if is_trigger(object) && dest.role == DestinationRole::Subscriber {
            refs.check_destination(
                &RULE,
                dest,
                "create the subscriber, or point `subscriber.ref` at an existing object (apiVersion, kind and name must all match)",
                out,
            );
        }
    }
}

