//! # KR307: DestinationRule subset selects no pods
//!
//! ## What it checks
//! For every DestinationRule whose host is a Kubernetes Service with a selector (or a
//! ServiceEntry with a `workloadSelector`), that each subset's `labels` match at least one
//! of the pods behind it: pods the Service selects **and** that carry every label of the
//! subset. Endpoints of a ServiceEntry's `endpoints` list count by their `labels` too.
//!
//! Not checked: wildcard hosts, Knative Services, selectorless Services, Services that
//! select no pods at all (KR201 reports those), and labels only known at run time, which
//! are ignored when matching: labels controllers add (`pod-template-hash`,
//! `controller-revision-hash`, `statefulset.kubernetes.io/pod-name`,
//! `apps.kubernetes.io/pod-index`), labels Istio adds (`topology.kubernetes.io/*`,
//! `topology.istio.io/*`, `kubernetes.io/hostname`, `security.istio.io/tlsMode`,
//! `service.istio.io/canonical-*`) and Knative's (`serving.knative.dev/*`). Matches
//! `istioctl analyze` IST0173 (DestinationRuleSubsetNotSelectPods).
//!
//! A subset wanting a locality label Istio sets (`topology.kubernetes.io/region`,
//! `topology.kubernetes.io/zone`, `topology.istio.io/subzone`) with an empty value never
//! matches, whatever the pods: Istio gives an endpoint these labels only with a value (as
//! IST0173 reports it).
//!
//! A **warning** when a VirtualService routes (or mirrors) to the subset; **info** when
//! none does: an unused subset sends no request anywhere, yet (often a version not
//! deployed yet, as in samples that define every version up front). Deliberate difference
//! from IST0173, an error for every subset: istioctl sees the pods running in a cluster,
//! kroute sees a repository, whose pods for a subset may be deployed from elsewhere.
//!
//! ## Why it matters
//! A subset without pods is an empty cluster: every request routed to it fails with
//! `503 UH` (no healthy upstream). It typically happens when a Deployment's `version`
//! label changes and the DestinationRule is not updated.
//!
//! ## Example
//! ```yaml
//! apiVersion: networking.istio.io/v1
//! kind: DestinationRule
//! metadata: {name: reviews}
//! spec:
//!   host: reviews
//!   subsets:
//!   - name: v3
//!     labels: {version: v3}    # KR307: the reviews pods are labelled v1 and v2
//! ```
//!
//! ## How to fix
//! Make the subset's labels match the pod template labels of the version it stands for
//! (the diagnostic lists the values the Service's pods have), or remove the subset.

use std::collections::HashSet;

use crate::checks::{Context, Rule};
use crate::graph::{istio_fqdn, HostTarget};
use crate::inventory::istio::Subset;
use crate::inventory::{
    describe_labels, did_you_mean, DestinationRule, LabelSpan, Labels, WorkloadId,
};
use crate::diagnostic::{Diagnostic, Severity};
use crate::manifest::ObjectId;
use crate::yaml::Span;

pub const RULE: Rule = Rule {
    code: "KR307",
    severity: Severity::Warning,
    summary: "DestinationRule subset a route uses matches no pods of the host's Service (IST0173; unused subsets: info)",
    run,
};

/// Label keys (or prefixes, ending in `/`) that pods or endpoints only get at run time.
const RUNTIME_LABELS: &[&str] = &[
    "pod-template-hash",
    "controller-revision-hash",
    "statefulset.kubernetes.io/pod-name",
    "apps.kubernetes.io/pod-index",
    "kubernetes.io/hostname",
    "topology.kubernetes.io/",
    "topology.istio.io/",
    "security.istio.io/tlsMode",
    "service.istio.io/",
    "serving.knative.dev/",
];

fn runtime_label(key: &str) -> bool {
    RUNTIME_LABELS
        .iter()
        .any(|r| key == *r || (r.ends_with('/') && key.starts_with(r)))
}

/// The pods (or endpoints) behind a host: what they are called and their labels.
struct Backend {
    /// `Service shop/reviews`
    what: String,
    members: Vec<Member>,
}

struct Member {
    name: String,
    labels: Labels,
    file: crate::source::FileId,
    span: Span,
}

/// The subsets some VirtualService destination or mirror uses: `(DestinationRule, subset)`.
fn used_subsets<'a>(ctx: &'a Context<'_>) -> HashSet<(ObjectId, &'a str)> {
    let rules = ctx.graph.destination_rules(ctx.inv);
    let mut used = HashSet::new();
    for (v, vs) in ctx.inv.virtual_services_by_id() {
        for resolved in ctx.graph.all_destinations(v, vs) {
            let Some(subset) = &resolved.dest.subset else {
                continue;
            };
            for dr in rules.for_host(&resolved.host.fqdn, Some(&vs.namespace)) {
                used.insert((dr.object, subset.value.as_str()));
            }
        }
    }
    used
}

/// The locality labels Istio gives endpoints, only ever with a value.
const LOCALITY_LABELS: &[&str] = &[
    "topology.kubernetes.io/region",
    "topology.kubernetes.io/zone",
    "topology.istio.io/subzone",
];

/// The locality label a subset wants empty, which no endpoint ever has.
fn empty_locality_label(subset: &Subset) -> Option<&str> {
    LOCALITY_LABELS
        .iter()
        .copied()
        .find(|k| subset.labels.get(k).is_some_and(str::is_empty))
}

fn run(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let mut used = None;
    let mut judge = |dr: &DestinationRule, subset: &Subset, diagnostic: Diagnostic| {
        let used = used.get_or_insert_with(|| used_subsets(ctx));
        if used.contains(&(dr.object, subset.name.as_str())) {
            diagnostic
        } else {
            unused(diagnostic)
        }
    };
    for dr in &ctx.inv.destination_rules {
        for subset in &dr.subsets {
            if let Some(key) = empty_locality_label(subset) {
                out.push(judge(dr, subset, never_matches(ctx, dr, subset, key)));
            }
        }
        if dr.subsets.is_empty() || dr.host.value.contains('*') {
            continue;
        }
        let fqdn = istio_fqdn(&dr.host.value, &dr.namespace);
        let targets = ctx.graph.hosts.resolve(&fqdn);
        if targets
            .iter()
            .any(|t| matches!(t, HostTarget::KnativeService(_)))
        {
            continue;
        }
        let Some(backend) = targets.first().and_then(|t| backend(ctx, *t)) else {
            continue;
        };
        for subset in &dr.subsets {
            let wanted: Vec<(&str, &str)> = subset
                .labels
                .iter()
                .filter(|(k, _)| !runtime_label(k))
                .collect();
            if wanted.is_empty()
                || empty_locality_label(subset).is_some()
                || backend
                    .members
                    .iter()
                    .any(|m| wanted.iter().all(|(k, v)| m.labels.get(k) == Some(*v)))
            {
                continue;
            }
            out.push(judge(dr, subset, diagnose(ctx, dr, subset, &wanted, &backend)));
        }
    }
}

/// A subset wanting locality label `key` empty: Istio labels an endpoint with its locality
/// only when the node has a value for it, so the subset never matches an endpoint.
fn never_matches(ctx: &Context<'_>, dr: &DestinationRule, subset: &Subset, key: &str) -> Diagnostic {
    let object = ctx.inv.object(dr.object);
    let span = LabelSpan::find(&object.root, subset.labels_span, key)
        .map_or(subset.labels_span, |l| l.at(true));
    RULE.on(
        object,
        span,
        format!(
            "subset `{}` of {} wants `{key}` empty, which no endpoint ever has: Istio labels endpoints with their locality only when it has a value",
            subset.name,
            object.display()
        ),
    )
    .with_help(format!(
        "give `{key}` the value of the locality the subset stands for (e.g. `us-east1`), or remove the label"
    ))
}

/// `diagnostic` about a subset no route uses: worth knowing, not yet a failing request.
fn unused(diagnostic: Diagnostic) -> Diagnostic {
    Diagnostic {
        message: format!(
            "{} (no VirtualService routes to this subset yet)",
            diagnostic.message
        ),
        ..diagnostic
    }
    .with_severity(Severity::Info)
}

fn diagnose(
    ctx: &Context<'_>,
    dr: &DestinationRule,
    subset: &Subset,
    wanted: &[(&str, &str)],
    backend: &Backend,
) -> Diagnostic {
    let object = ctx.inv.object(dr.object);
    let shown: Labels = wanted.iter().copied().collect();
    // The values the pods do have for each wanted key, and the closest one.
    let mut have = Vec::new();
    for (k, v) in wanted {
        let mut values: Vec<&str> = backend
            .members
            .iter()
            .filter_map(|m| m.labels.get(k))
            .collect();
        values.sort_unstable();
        values.dedup();
        if values.is_empty() {
            let keys = backend.members.iter().flat_map(|m| m.labels.keys());
            have.push(format!("none has a `{k}` label{}", did_you_mean(k, keys)));
        } else if !values.contains(v) {
            have.push(format!(
                "`{k}` is {}",
                values
                    .iter()
                    .map(|x| format!("`{x}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
            ));
        }
    }
    if have.is_empty() {
        have.push("no single one carries all of these labels".to_string());
    }
    // The member sharing most wanted labels explains the difference best.
    let nearest = backend.members.iter().max_by_key(|m| {
        (
            wanted
                .iter()
                .filter(|(k, v)| m.labels.get(k) == Some(*v))
                .count(),
            std::cmp::Reverse(m.name.clone()),
        )
    });
    // Point at the label no pod has: its key when no pod has the key, else its value. The
    // spans are those of the first subset of that name, where a duplicate name points.
    let named = dr.subsets.iter().find(|s| s.name == subset.name);
    let span = wanted
        .iter()
        .find(|(k, v)| !backend.members.iter().any(|m| m.labels.get(k) == Some(*v)))
        .and_then(|(k, _)| {
            let key_known = backend.members.iter().any(|m| m.labels.contains_key(k));
            Some(LabelSpan::find(&object.root, named?.labels_span, k)?.at(key_known))
        })
        .unwrap_or(subset.labels_span);
    let diagnostic = RULE.on(
        object,
        span,
        format!(
            "subset `{}` of {} selects none of the pods of {}: it wants {}, but among those pods {}",
            subset.name,
            object.display(),
            backend.what,
            describe_labels(&shown),
            have.join("; ")
        ),
    );
    let diagnostic = match nearest {
        Some(m) => diagnostic.with_related(
            m.file,
            m.span,
            format!("{} has labels {}", m.name, describe_labels(&m.labels)),
        ),
        None => diagnostic,
    };
    diagnostic.with_help(
        "make the subset's labels match the pod template labels of the version it stands for, or remove the subset",
    )
}

fn backend(ctx: &Context<'_>, target: HostTarget) -> Option<Backend> {
    let member = |w: &WorkloadId| {
        let w = ctx.inv.workload(*w);
        Member {
            name: ctx.inv.object(w.object).display(),
            labels: w.labels.clone(),
            file: ctx.inv.object(w.object).file,
            span: w.labels_span,
        }
    };
    let backend = match target {
        HostTarget::Service(id) => {
            let svc = ctx.inv.service(id);
            svc.selector.as_ref()?;
            Backend {
                what: format!("Service {}/{}", svc.namespace, svc.name),
                members: ctx.graph.service_pods(id).iter().map(member).collect(),
            }
        }
        HostTarget::ServiceEntry(i) => {
            let se = ctx.inv.service_entries.get(i)?;
            let object = ctx.inv.object(se.object);
            let mut members: Vec<Member> = se
                .workload_selector
                .as_ref()
                .map(|s| ctx.inv.select(&se.namespace, s))
                .unwrap_or_default()
                .iter()
                .map(member)
                .collect();
            if se.workload_selector.is_none() {
                members.extend(se.endpoints.iter().enumerate().map(|(n, e)| Member {
                    name: format!(
                        "endpoint {}",
                        e.address.clone().unwrap_or_else(|| n.to_string())
                    ),
                    labels: e.labels.clone(),
                    file: object.file,
                    span: e.labels_span,
                }));
            }
            Backend {
                what: object.display(),
                members,
            }
        }
        HostTarget::KnativeService(_) => return None,
    };
    (!backend.members.is_empty()).then_some(backend)
}
