//! # KR305: destination subset not defined by a DestinationRule
//!
//! ## What it checks
//! That every route destination (and HTTP mirror) of a VirtualService that names a
//! `subset` finds it in a
//! DestinationRule for the destination host that the VirtualService's namespace can see:
//!
//! - a DestinationRule applies to a host when its `host` (a short name resolves in the
//!   DestinationRule's namespace) is the destination's host, or a wildcard covering it;
//!   as in Istio, the most specific match wins, so an exact DestinationRule without the
//!   subset hides a wildcard one that has it;
//! - DestinationRules whose `exportTo` does not include the VirtualService's namespace are
//!   not visible (the diagnostic says when one of those defines the subset).
//!
//! Destinations whose host resolves nowhere and that no DestinationRule mentions are left
//! to KR303. Matches `istioctl analyze` IST0101 (ReferencedResourceNotFound,
//! "host+subset in destinationrule").
//!
//! ## Why it matters
//! A subset names a cluster Istio builds from a DestinationRule. Without it the route
//! points at a cluster that does not exist and every matching request fails with `503`
//! (`NR`/`NC`), typically right after a canary rollout renames a subset.
//!
//! ## Example
//! ```yaml
//! apiVersion: networking.istio.io/v1
//! kind: DestinationRule
//! metadata: {name: reviews}
//! spec:
//!   host: reviews
//!   subsets:
//!   - {name: v1, labels: {version: v1}}
//! ---
//! apiVersion: networking.istio.io/v1
//! kind: VirtualService
//! metadata: {name: reviews}
//! spec:
//!   hosts: [reviews]
//!   http:
//!   - route:
//!     - destination: {host: reviews, subset: v2}   # KR305: only v1 is defined
//! ```
//!
//! ## How to fix
//! Add the subset to the DestinationRule (with the pod labels of that version), or route
//! to a subset it defines; check that the DestinationRule's `host` and `exportTo` cover the
//! destination.

use crate::checks::support::fix;
use crate::checks::{Context, Rule};
use crate::diagnostic::{Diagnostic, Severity};
use crate::graph::{istio_fqdn, DestinationRules, Resolved};
use crate::inventory::{DestinationRule, Spanned, VirtualService};

pub const RULE: Rule = Rule {
    code: "KR305",
    severity: Severity::Error,
    summary: "destination subset not defined by any DestinationRule for that host (IST0101)",
    run,
};

fn run(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    if !ctx
        .inv
        .virtual_services
        .iter()
        .flat_map(|vs| &vs.routes)
        .flat_map(|r| r.destinations.iter().chain(&r.mirrors))
        .any(|d| d.subset.is_some())
    {
        return;
    }
    let rules = ctx.graph.destination_rules(ctx.inv);
    for (v, vs) in ctx.inv.virtual_services_by_id() {
        for resolved in ctx.graph.all_destinations(v, vs) {
            let subset = resolved.dest.subset.as_ref();
            let Some(subset) = subset.filter(|s| !s.value.is_empty()) else {
                continue;
            };
            out.extend(undefined_subset(ctx, &rules, vs, subset, resolved));
        }
    }
}

/// The diagnostic for `subset` of a destination of `vs` (to `host`) when no DestinationRule
/// that applies to the host, as the VirtualService sees it, defines it.
fn undefined_subset(
    ctx: &Context<'_>,
    rules: &DestinationRules<'_>,
    vs: &VirtualService,
    subset: &Spanned,
    resolved: Resolved<'_>,
) -> Option<Diagnostic> {
    let host = resolved.host;
    let fqdn = &host.fqdn;
    let defines = |dr: &DestinationRule| dr.subsets.iter().any(|s| s.name == subset.value);
    let visible = rules.for_host(fqdn, Some(&vs.namespace));
    if visible.iter().any(|dr| defines(dr)) {
        return None;
    }
    let all = rules.for_host(fqdn, None);
    if all.is_empty() && host.targets.is_empty() {
        return None; // KR303: the host itself is missing.
    }
    let undefined = Undefined {
        vs,
        subset,
        fqdn,
        lead: format!(
            "{} {} subset `{}` of host `{fqdn}`",
            ctx.inv.object(vs.object).display(),
            if resolved.mirror {
                "mirrors to"
            } else {
                "routes to"
            },
            subset.value
        ),
    };
    let hidden = all
        .iter()
        .find(|dr| !visible.iter().any(|v| v.object == dr.object) && defines(dr));
    Some(match (hidden, visible.first()) {
        (Some(dr), _) => undefined.hidden_by_export(ctx, dr),
        (None, Some(dr)) => undefined.not_in_rule(ctx, rules, dr, &visible),
        (None, None) => undefined.no_rule(ctx),
    })
}

/// A subset no DestinationRule visible from the VirtualService defines.
struct Undefined<'a> {
    vs: &'a VirtualService,
    subset: &'a Spanned,
    fqdn: &'a str,
    /// `VirtualService a/b routes to subset `x` of host `h``.
    lead: String,
}

impl Undefined<'_> {
    /// A DestinationRule defines the subset, but its `exportTo` hides it.
    fn hidden_by_export(&self, ctx: &Context<'_>, dr: &DestinationRule) -> Diagnostic {
        let (vs, subset, lead) = (self.vs, self.subset, &self.lead);
        let dr_object = ctx.inv.object(dr.object);
        RULE.on(
            ctx.inv.object(vs.object),
            subset.span,
            format!(
                "{lead}, but {}, which defines it, is not exported to namespace `{}`",
                dr_object.display(),
                vs.namespace
            ),
        )
        .with_related_object(dr_object, "defines the subset, but `exportTo` hides it")
        .with_help(format!(
            "add `{}` to the DestinationRule's `exportTo`, or define the subset in a DestinationRule visible from it",
            vs.namespace
        ))
    }

    /// The DestinationRules for the host (`dr` the first of `visible`) define other subsets;
    /// a less specific one may define it, shadowed by them.
    fn not_in_rule(
        &self,
        ctx: &Context<'_>,
        rules: &DestinationRules<'_>,
        dr: &DestinationRule,
        visible: &[&DestinationRule],
    ) -> Diagnostic {
        let (vs, subset, fqdn, lead) = (self.vs, self.subset, self.fqdn, &self.lead);
        let dr_object = ctx.inv.object(dr.object);
        let names: Vec<&str> = visible
            .iter()
            .flat_map(|d| &d.subsets)
            .map(|s| s.name.as_str())
            .collect();
        let defines = if names.is_empty() {
            "defines no subsets".to_string()
        } else {
            format!(
                "only defines {}",
                names
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let shadowed = rules.matching(fqdn, &vs.namespace).into_iter().find(|d| {
            !visible.iter().any(|v| v.object == d.object)
                && d.subsets.iter().any(|s| s.name == subset.value)
        });
        let shadow_note = shadowed.map_or_else(String::new, |d| {
            format!(
                "; {} defines it for `{}`, but the most specific host wins",
                ctx.inv.object(d.object).display(),
                d.host.value
            )
        });
        // A subset a typo away from one the rule defines; not when a shadowed rule defines
        // it as written (the host, not the name, is what is wrong then).
        let rename = shadowed.is_none().then(|| {
            let vs_object = ctx.inv.object(vs.object);
            fix::rename(ctx, vs_object, subset.span, &subset.value, names.iter().copied())
        });
        let diagnostic = RULE
            .on(
                ctx.inv.object(vs.object),
                subset.span,
                format!(
                    "{lead}, but {} (host `{}`) {defines}{shadow_note}",
                    dr_object.display(),
                    dr.host.value,
                ),
            )
            .with_related(dr_object.file, dr.host.span, "the DestinationRule for this host")
            .with_fix(rename.flatten());
        match shadowed {
            Some(d) => diagnostic.with_related(
                ctx.inv.object(d.object).file,
                d.host.span,
                "defines the subset, but for a less specific host",
            ),
            None => diagnostic,
        }
        .with_help("add the subset (with the labels of the pods it stands for) to the DestinationRule, or route to a subset it defines")
    }

    /// No DestinationRule applies to the host; one with the same short host in another
    /// namespace is the usual cause: its short name resolved in its own namespace.
    fn no_rule(&self, ctx: &Context<'_>) -> Diagnostic {
        let (vs, subset, fqdn, lead) = (self.vs, self.subset, self.fqdn, &self.lead);
        let diagnostic = RULE.on(
            ctx.inv.object(vs.object),
            subset.span,
            format!("{lead}, but no DestinationRule applies to that host"),
        );
        let label = fqdn.split('.').next().unwrap_or_default();
        let near = ctx.inv.destination_rules.iter().find(|dr| {
            dr.namespace != vs.namespace
                && !dr.host.value.contains('.')
                && dr.host.value.eq_ignore_ascii_case(label)
        });
        let diagnostic = match near {
            Some(dr) => diagnostic.with_related(
                ctx.inv.object(dr.object).file,
                dr.host.span,
                format!(
                    "this DestinationRule's `host: {}` means `{}` in its namespace `{}`",
                    dr.host.value,
                    istio_fqdn(&dr.host.value, &dr.namespace),
                    dr.namespace
                ),
            ),
            None => diagnostic,
        };
        diagnostic.with_help(format!(
            "add a DestinationRule with `host: {fqdn}` that defines subset `{}` (a short `host` in a DestinationRule resolves in the DestinationRule's own namespace)",
            subset.value
        ))
    }
}
