//! # KR308: Gateway selector matches no gateway workload
//!
//! ## What it checks
//! That the `spec.selector` of every Istio `Gateway` (`networking.istio.io`) matches the
//! pod-template labels of at least one workload in the input, in **any** namespace: a
//! Gateway selects its gateway proxies wherever they run (usually `istio-system` or a
//! dedicated gateway namespace), unlike a Service. A Gateway without a selector (or with
//! `selector: {}`) applies to every gateway proxy and is not checked. Matches
//! `istioctl analyze` IST0101 (ReferencedResourceNotFound, "selector").
//!
//! The Istio ingress gateway is often installed by the platform (istioctl, Helm), outside
//! the repository being checked. kroute does not guess it exists: check together with the
//! gateway's Deployment, or a stub of it (a Deployment with the gateway's pod labels), or
//! suppress the finding on the Gateway with the annotation `kroute.dev/ignore: KR308`.
//! That is also why the finding is a **warning** where IST0101 is an error: istioctl sees
//! the cluster's gateway pods, kroute only the repository's.
//!
//! ## Why it matters
//! No proxy loads a Gateway whose selector matches no gateway pod: its servers never open,
//! and every VirtualService bound to it is dead. A label typo (`istio: ingress-gateway`)
//! or a gateway installed with another label (`istio: ingress`, `app: my-gateway`) is
//! enough.
//!
//! ## Example
//! ```yaml
//! apiVersion: networking.istio.io/v1
//! kind: Gateway
//! metadata: {name: public, namespace: shop}
//! spec:
//!   selector:
//!     istio: ingress-gateway     # KR308: the gateway pods are labelled istio: ingressgateway
//!   servers:
//!   - port: {number: 80, name: http, protocol: HTTP}
//!     hosts: [shop.example.com]
//! ```
//!
//! ## How to fix
//! Make the selector match the labels of the gateway Deployment's pod template (the
//! diagnostic names the nearest workload and the labels that differ), and include that
//! Deployment, or a stub of it, in what kroute checks.

use crate::checks::{Context, Rule};
use crate::inventory::{describe_labels, nearest, Selector, Workload};
use crate::platform::{advice, Wanted};
use crate::diagnostic::{Diagnostic, Severity};

pub const RULE: Rule = Rule {
    code: "KR308",
    // `trace` does not stop at such a Gateway (its proxies may come from the platform): a
    // finding that does not break the request is not an error.
    severity: Severity::Warning,
    summary: "Gateway selector matches no gateway workload (IST0101)",
    run,
};

const STUB_HELP: &str = "if the platform installs the gateway, check together with its Deployment (or a stub Deployment carrying the gateway's pod labels), or suppress with the annotation `kroute.dev/ignore: KR308`";

fn run(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (g, gateway) in ctx.inv.istio_gateways_by_id() {
        let Some(selector) = &gateway.selector else {
            continue;
        };
        if selector.is_empty() || !ctx.graph.gateway_pods(g).is_empty() {
            continue;
        }
        let object = ctx.inv.object(gateway.object);
        let platform = advice(Wanted::Pods {
            namespace: None,
            selector,
        });
        let near = nearest_workload(ctx, selector);
        // Point at the first selector label the nearest workload lacks.
        let span = selector.mismatch_span(&object.root, near.map(|w| &w.labels));
        let diagnostic = RULE.on(
            object,
            span,
            format!(
                "{} selects no gateway workload: no pod template in any namespace has labels {}",
                object.display(),
                selector.describe()
            ),
        );
        let diagnostic = match near {
            Some(w) => {
                let diff = selector.explain_diff(&w.labels, |k, want| {
                    format!("no `{k}` label (the selector wants `{want}`)")
                });
                let what = if diff.is_empty() {
                    format!("has labels {}", describe_labels(&w.labels))
                } else {
                    crate::source::listed(diff)
                };
                let w_object = ctx.inv.object(w.object);
                diagnostic
                    .with_related(
                        w_object.file,
                        w.labels_span,
                        format!("nearest workload {}: {what}", w_object.display()),
                    )
                    .with_help(platform.unwrap_or_else(|| {
                        format!("make the selector match the gateway pods' labels; {STUB_HELP}")
                    }))
            }
            None => diagnostic.with_help(platform.unwrap_or_else(|| {
                format!("no workload in the input carries labels like these; {STUB_HELP}")
            })),
        };
        out.push(diagnostic);
    }
}

/// The workload of any namespace whose labels come closest to the selector's: one with a
/// selected label, or a value a typo away. Scans every workload, so only used on failures.
fn nearest_workload<'a>(ctx: &'a Context<'_>, selector: &Selector) -> Option<&'a Workload> {
    ctx.inv
        .workloads
        .iter()
        .map(|w| {
            let score: usize = selector
                .labels
                .iter()
                .map(|(k, v)| match w.labels.get(k) {
                    Some(x) if x == v => 2,
                    Some(x) if nearest(v, [x]).is_some() => 2,
                    Some(_) => 1,
                    None => 0,
                })
                .sum();
            (w, score)
        })
        .filter(|(_, score)| *score > 1)
        .max_by_key(|(w, score)| (*score, std::cmp::Reverse(w.labels.len())))
        .map(|(w, _)| w)
}
