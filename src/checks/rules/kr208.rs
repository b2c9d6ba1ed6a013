//! # KR208: Services selecting the same pods with conflicting ports
//!
//! ## What it checks
//! For every workload selected by two or more Services of its namespace:
//!
//! - two Services map the same container port (`targetPort`, by number or by the name of
//!   the container port) to **different** Service ports (Istio IST0137,
//!   DeploymentConflictingPorts);
//! - two Services use the same port number over the same transport with names (or
//!   `appProtocol`s) that declare **different** mesh protocols (`http-…` vs `tcp-…`;
//!   Istio IST0116, DeploymentAssociatedToMultipleServices).
//!
//! Deliberate difference from IST0116: Istio compares the Kubernetes `protocol` of the
//! ports, so it warns about one port number served over both TCP and UDP (DNS on 53 does
//! that, and it works); kroute compares the mesh protocol the ports declare, which is what
//! the sidecar cannot serve two ways.
//!
//! ## Why it matters
//! The mesh builds one listener per pod port. When two Services disagree about what that
//! port is, the sidecar configuration is ambiguous: one Service's traffic is handled with
//! the other's protocol or port, and routing rules silently stop applying.
//!
//! ## Example
//! ```yaml
//! kind: Service
//! metadata: {name: web}
//! spec:
//!   selector: {app: web}
//!   ports: [{name: http, port: 80, targetPort: 8080}]
//! ---
//! kind: Service
//! metadata: {name: web-admin}
//! spec:
//!   selector: {app: web}
//!   ports: [{name: http, port: 9000, targetPort: 8080}]   # KR208
//! ```
//!
//! ## How to fix
//! Give the Services the same port number for the same container port (and the same
//! protocol for the same port number), or merge them into one Service.

use std::collections::BTreeSet;

use crate::checks::support::kube::declared_protocol;
use crate::checks::{Context, Rule};
use crate::inventory::{PortRef, ServiceId};
use crate::diagnostic::{Diagnostic, Severity};

pub const RULE: Rule = Rule {
    code: "KR208",
    severity: Severity::Warning,
    summary: "two Services select overlapping pods with conflicting ports (IST0116, IST0137)",
    run,
};

fn run(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let mut reported: BTreeSet<(ServiceId, ServiceId, i64)> = BTreeSet::new();
    for (i, workload) in ctx.inv.workloads.iter().enumerate() {
        let services = ctx
            .graph
            .workload_services(crate::inventory::WorkloadId(u32::try_from(i).unwrap_or(u32::MAX)));
        for (a_pos, &a) in services.iter().enumerate() {
            for &b in &services[a_pos + 1..] {
                let (sa, sb) = (ctx.inv.service(a), ctx.inv.service(b));
                // A named target is the container port of that name: `grpc` and 7070 agree.
                let resolve = |t: &PortRef| match t {
                    PortRef::Number(n) => Some(*n),
                    PortRef::Name(name) => workload
                        .ports()
                        .find(|p| p.name.as_deref() == Some(name.as_str()))
                        .map(|p| p.port),
                };
                for pa in &sa.ports {
                    for pb in &sb.ports {
                        // The span is what to change on `b`: its target mapping, or its name.
                        let target_span = match &pb.target {
                            PortRef::Number(_) => pb.span,
                            PortRef::Name(_) => pb.target_span,
                        };
                        let same_target = pa.target == pb.target
                            || resolve(&pa.target).is_some_and(|n| resolve(&pb.target) == Some(n));
                        let conflict = if pa.protocol == pb.protocol
                            && same_target
                            && pa.port != pb.port
                        {
                            Some((target_span, format!(
                                "both send container port {} of {} {} to different Service ports ({} and {})",
                                pa.target,
                                workload.kind,
                                workload.name,
                                pa.port,
                                pb.port
                            )))
                        } else if pa.port == pb.port && pa.protocol == pb.protocol {
                            match (declared_protocol(pa), declared_protocol(pb)) {
                                (Some(x), Some(y)) if x != y => Some((
                                    pb.name_span.filter(|_| pb.app_protocol.is_none()).unwrap_or(pb.span),
                                    format!(
                                        "both use port {} but declare different protocols (`{x}` and `{y}`)",
                                        pa.port
                                    ),
                                )),
                                _ => None,
                            }
                        } else {
                            None
                        };
                        let Some((span, why)) = conflict else { continue };
                        if !reported.insert((a, b, pb.port)) {
                            continue;
                        }
                        let (oa, ob) = (ctx.inv.object(sa.object), ctx.inv.object(sb.object));
                        out.push(
                            RULE.on(
                                ob,
                                span,
                                format!(
                                    "Services {}/{} and {}/{} select the same pods and conflict: {why}",
                                    sa.namespace, sa.name, sb.namespace, sb.name
                                ),
                            )
                            .with_related(oa.file, pa.span, format!("port of {}", oa.display()))
                            .with_help("use the same Service port (and protocol) for the same container port, or merge the Services"),
                        );
                    }
                }
            }
        }
    }
}
