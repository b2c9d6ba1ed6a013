//! # KR210: StatefulSet serviceName names no headless Service
//!
//! ## What it checks
//! That a StatefulSet's `spec.serviceName` names a Service in its namespace, and that this
//! Service is headless (`clusterIP: None`). A Service that exists but is not headless is a
//! **warning**.
//!
//! ## Why it matters
//! The governing Service gives each replica its stable DNS name
//! (`web-0.nginx.shop.svc.cluster.local`). Without it those names never resolve, and
//! clustered software (databases, Kafka, ZooKeeper) cannot find its peers. A non-headless
//! Service gives one virtual IP instead of per-pod records.
//!
//! ## Example
//! ```yaml
//! kind: StatefulSet
//! spec:
//!   serviceName: mysql-headles     # KR210: did you mean `mysql-headless`?
//! ```
//!
//! ## How to fix
//! Define the headless Service (`clusterIP: None`, selecting the StatefulSet's pods) or
//! fix the name.

use crate::checks::{Context, Rule};
use crate::checks::support::fix;
use crate::inventory::did_you_mean;
use crate::diagnostic::{Diagnostic, Severity};

pub const RULE: Rule = Rule {
    code: "KR210",
    severity: Severity::Error,
    summary: "StatefulSet `serviceName` names no (headless) Service",
    run,
};

fn run(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for workload in &ctx.inv.workloads {
        let Some((name, span)) = &workload.service_name else {
            continue;
        };
        let object = ctx.inv.object(workload.object);
        match ctx.inv.service_named(&workload.namespace, name) {
            None => out.push(
                RULE.on(
                    object,
                    *span,
                    format!(
                        "{} names Service `{name}` as its `serviceName`, but no such Service exists in namespace `{}`{}",
                        object.display(),
                        workload.namespace,
                        did_you_mean(name, ctx.inv.names("Service", &workload.namespace))
                    ),
                )
                .with_help("define a headless Service (`clusterIP: None`) selecting the StatefulSet's pods, or fix the name")
                .with_fix(fix::rename(ctx, object, *span, name, ctx.inv.names("Service", &workload.namespace))),
            ),
            Some(id) if !ctx.inv.service(id).headless => {
                let svc = ctx.inv.object(ctx.inv.service(id).object);
                out.push(
                    RULE.on(
                        object,
                        *span,
                        format!(
                            "{} is governed by Service `{name}`, which is not headless, so its pods get no stable DNS names",
                            object.display()
                        ),
                    )
                    .with_severity(Severity::Warning)
                    .with_related_object(svc, "the Service; set `clusterIP: None`")
                    .with_help("set `clusterIP: None` on the governing Service (or add a headless one)"),
                );
            }
            Some(_) => {}
        }
    }
}
