//! # KR315: `exportTo` hides the destination from the namespace that routes to it
//!
//! ## What it checks
//! Istio applies a VirtualService in the proxies that use it — the gateway pods of the
//! Gateways it is bound to, or the sidecars of the mesh — and resolves its destinations
//! **from the namespace of those proxies**. kroute takes as the namespaces a VirtualService
//! is used from:
//!
//! - for each Gateway it is bound to (in `gateways`, or per-match `gateways`): the
//!   namespaces of the gateway pods the Gateway selects. A Gateway that selects no pods in
//!   the input is skipped: where its proxies run is unknown (the Gateway object often lives
//!   in an application namespace while the pods run in `istio-system`);
//! - for the mesh (no `gateways`, or `mesh`): its own namespace, and the namespaces its
//!   `exportTo` names explicitly (an export to `*` is not expanded to every namespace).
//!
//! It reports:
//!
//! 1. a VirtualService whose own `exportTo` hides it from the namespace of the gateway pods
//!    of a Gateway it is bound to (the gateway never sees it);
//! 2. a destination host that resolves only to ServiceEntries (`exportTo`) or Services
//!    (annotation `networking.istio.io/exportTo`) not exported to a namespace the route is
//!    used from;
//! 3. a destination `subset` defined only by DestinationRules for that host whose
//!    `exportTo` excludes such a namespace — typically a DestinationRule exported to `.`
//!    next to a VirtualService bound to a gateway in `istio-system`. (A subset hidden from
//!    the VirtualService's own namespace is reported by KR305 instead.)
//!
//! `exportTo` values: absent or `*` (everywhere), `.` (own namespace), `~` (nowhere), or
//! namespace names. Destinations that resolve to nothing (KR303) and subsets no
//! DestinationRule defines (KR305) are left to those rules. `istioctl analyze` reports the
//! second case as IST0101 (ReferencedResourceNotFound, `host`) when the destination is
//! hidden from the VirtualService's own namespace and its `exportTo` namespaces; it does not
//! look at the gateway pods' namespace.
//!
//! ## Why it matters
//! `exportTo` is invisible at the point of use: the VirtualService looks right, the
//! ServiceEntry looks right, and yet the proxy has no such host (`503 NR`, "no route"), no
//! such subset (`503 NC`), or never loads the routes at all. It typically appears when
//! someone locks an object down with `exportTo: ["."]` while it is routed to from a gateway
//! in `istio-system`.
//!
//! ## Example
//! ```yaml
//! kind: VirtualService
//! metadata: {name: storefront, namespace: shop}
//! spec:
//!   hosts: [shop.example.com]
//!   gateways: [istio-system/public]      # gateway pods in istio-system
//!   exportTo: ["."]                        # KR315: hidden from istio-system
//!   http:
//!   - route: [{destination: {host: frontend}}]
//! ```
//!
//! ## How to fix
//! Add the namespace named in the diagnostic to the `exportTo` of the object that hides
//! itself (or remove `exportTo` to export everywhere).

use std::collections::{BTreeMap, HashSet};

use crate::checks::support::istio::gateway_namespaces;
use crate::checks::{Context, Rule};
use crate::diagnostic::{Diagnostic, Severity};
use crate::graph::{DestinationHost, DestinationRules, HostTarget};
use crate::inventory::istio::{Destination, ExportTo, GatewayRef, GatewayTarget, VsRoute};
use crate::inventory::{DestinationRule, Spanned, VirtualService, VirtualServiceId};
use crate::manifest::Object;
use crate::yaml::Span;

pub const RULE: Rule = Rule {
    code: "KR315",
    severity: Severity::Error,
    summary: "`exportTo` hides the destination from the namespace that routes to it",
    run,
};

fn run(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let rules = ctx.graph.destination_rules(ctx.inv);
    for (v, vs) in ctx.inv.virtual_services_by_id() {
        hidden_from_gateways(ctx, vs, out);
        hidden_destinations(ctx, &rules, v, vs, out);
    }
}

/// Case 1: the VirtualService itself is hidden from a gateway it is bound to.
fn hidden_from_gateways(ctx: &Context<'_>, vs: &VirtualService, out: &mut Vec<Diagnostic>) {
    let object = ctx.inv.object(vs.object);
    for gref in &vs.gateways {
        let GatewayTarget::Named { namespace, name } = &gref.target else {
            continue;
        };
        let Some(g) = ctx.graph.istio_gateway(namespace, name) else {
            continue;
        };
        let proxies = gateway_namespaces(ctx, g);
        let hidden: Vec<_> = proxies
            .iter()
            .filter(|(ns, w)| w.is_some() && !vs.export_to.visible_from(&vs.namespace, ns))
            .collect();
        let (Some(&&(ns, Some(w))), Some(first)) = (hidden.first(), vs.export_to.entries.first())
        else {
            continue;
        };
        let gateway = ctx.inv.object(ctx.inv.istio_gateway(g).object);
        let runs = format!(
            "whose pods ({} {}/{}) run in namespace `{ns}`",
            w.kind, w.namespace, w.name
        );
        out.push(
            RULE.on(
                object,
                first.span,
                format!(
                    "{} is bound to {gateway_name} {runs}, but its exportTo ({}) hides it from that namespace: the gateway never applies its routes",
                    object.display(),
                    describe(&vs.export_to),
                    gateway_name = gateway.display(),
                ),
            )
            .with_related(object.file, gref.span, format!("bound to {} here", gateway.display()))
            .with_help(format!(
                "add `{ns}` to `exportTo` (or remove `exportTo` to export it everywhere)"
            )),
        );
    }
}

/// Cases 2 and 3: destinations and subsets hidden from the proxies that use the route,
/// each host and subset once. Destinations that resolve to nothing are KR303's.
fn hidden_destinations(
    ctx: &Context<'_>,
    rules: &DestinationRules<'_>,
    v: VirtualServiceId,
    vs: &VirtualService,
    out: &mut Vec<Diagnostic>,
) {
    let mut seen: HashSet<(String, Option<String>)> = HashSet::new();
    for (r, route) in vs.routes.iter().enumerate() {
        let users = route_users(ctx, vs, route);
        if users.is_empty() {
            continue;
        }
        for (dest, host) in route.destinations.iter().zip(ctx.graph.destinations(v, r)) {
            let key = (host.fqdn.clone(), dest.subset.as_ref().map(|s| s.value.clone()));
            if !seen.insert(key) || host.targets.is_empty() {
                continue;
            }
            match hidden_destination(ctx, vs, dest, host, &users) {
                Some(diagnostic) => out.push(diagnostic),
                None => out.extend(hidden_subset(ctx, rules, vs, dest, &host.fqdn, &users)),
            }
        }
    }
}

/// Case 2: a destination host whose every target is exported away from a namespace that
/// uses the route.
fn hidden_destination(
    ctx: &Context<'_>,
    vs: &VirtualService,
    dest: &Destination,
    host: &DestinationHost,
    users: &Users,
) -> Option<Diagnostic> {
    let exports: Vec<Option<Export<'_>>> =
        host.targets.iter().map(|t| export_of(ctx, t)).collect();
    let visible = |ns: &str| {
        exports.iter().any(|e| match e {
            None => true,
            Some(e) => e.export.visible_from(&e.owner.namespace, ns),
        })
    };
    let hidden: Vec<(&String, &String)> = users.iter().filter(|(ns, _)| !visible(ns)).collect();
    let (Some((ns, who)), Some(Some(export))) = (hidden.first(), exports.first()) else {
        return None;
    };
    let object = ctx.inv.object(vs.object);
    Some(
        RULE.on(
            object,
            dest.host.span,
            format!(
                "destination `{}` of {} resolves to {}, whose exportTo ({}) hides it from namespace `{ns}`, where {who} use this route{}",
                dest.host.value,
                object.display(),
                export.owner.display(),
                describe(export.export),
                more(&hidden)
            ),
        )
        .with_related(
            export.owner.file,
            export.span,
            format!("exportTo of {}", export.owner.display()),
        )
        .with_help(format!(
            "add `{ns}` to the exportTo of {} (or export it to `*`)",
            export.owner.display()
        )),
    )
}

/// Case 3: a subset defined only by DestinationRules exported away from a namespace that
/// uses the route (but visible from the VirtualService's own: else KR305 reports it).
fn hidden_subset(
    ctx: &Context<'_>,
    rules: &DestinationRules<'_>,
    vs: &VirtualService,
    dest: &Destination,
    fqdn: &str,
    users: &Users,
) -> Option<Diagnostic> {
    let subset = dest.subset.as_ref()?;
    let defining: Vec<&DestinationRule> = rules
        .covering(fqdn)
        .filter(|dr| dr.subsets.iter().any(|s| s.name == subset.value))
        .collect();
    let dr = defining.first()?;
    let seen_from = |ns: &str| {
        defining
            .iter()
            .any(|dr| dr.export_to.visible_from(&dr.namespace, ns))
    };
    if !seen_from(&vs.namespace) {
        return None;
    }
    let hidden: Vec<(&String, &String)> = users.iter().filter(|(ns, _)| !seen_from(ns)).collect();
    let (ns, who) = hidden.first()?;
    let object = ctx.inv.object(vs.object);
    let dr_object = ctx.inv.object(dr.object);
    let span = dr
        .export_to
        .entries
        .first()
        .map_or_else(|| dr_object.name_span(), |e| e.span);
    Some(
        RULE.on(
            object,
            subset.span,
            format!(
                "subset `{}` of `{}` is defined by {}, whose exportTo ({}) hides it from namespace `{ns}`, where {who} use this route{}",
                subset.value,
                dest.host.value,
                dr_object.display(),
                describe(&dr.export_to),
                more(&hidden)
            ),
        )
        .with_related(dr_object.file, span, format!("exportTo of {}", dr_object.display()))
        .with_help(format!(
            "add `{ns}` to the exportTo of {} (or export it to `*`)",
            dr_object.display()
        )),
    )
}

fn describe(export: &ExportTo) -> String {
    export
        .entries
        .iter()
        .map(|e| format!("`{}`", e.value))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Where a host target is exported, with the span of that declaration.
struct Export<'a> {
    owner: &'a Object,
    export: &'a ExportTo,
    span: Span,
}

/// The `exportTo` of a Service (annotation) or ServiceEntry; `None` when it exports
/// everywhere.
fn export_of<'a>(ctx: &'a Context<'_>, target: &HostTarget) -> Option<Export<'a>> {
    let (owner, export) = match target {
        HostTarget::Service(id) => {
            let svc = ctx.inv.service(*id);
            (svc.object, &svc.export_to)
        }
        HostTarget::ServiceEntry(i) => {
            let entry = ctx.inv.service_entries.get(*i)?;
            (entry.object, &entry.export_to)
        }
        HostTarget::KnativeService(_) => return None,
    };
    let first = export.entries.first()?;
    Some(Export {
        owner: ctx.inv.object(owner),
        export,
        span: first.span,
    })
}

/// Where the proxies that use a VirtualService run: namespace → who they are.
type Users = BTreeMap<String, String>;

/// Where the proxies that apply `route` of `vs` run.
fn route_users(ctx: &Context<'_>, vs: &VirtualService, route: &VsRoute) -> Users {
    let mut users = Users::new();
    for target in route_targets(vs, route) {
        users_of(ctx, vs, &target, &mut users);
    }
    users
}

/// The namespaces the proxies of `target` run in, for a VirtualService `vs` that they can
/// see.
fn users_of(ctx: &Context<'_>, vs: &VirtualService, target: &GatewayTarget, users: &mut Users) {
    match target {
        GatewayTarget::Mesh => {
            let own = vs.namespace.as_str();
            if vs.export_to.visible_from(own, own) {
                users
                    .entry(own.to_string())
                    .or_insert_with(|| format!("the sidecars of namespace `{own}`"));
            }
            for e in &vs.export_to.entries {
                if !matches!(e.value.as_str(), "*" | "." | "~") {
                    users
                        .entry(e.value.clone())
                        .or_insert_with(|| format!("the sidecars of namespace `{}`", e.value));
                }
            }
        }
        GatewayTarget::Named { namespace, name } => {
            let Some(g) = ctx.graph.istio_gateway(namespace, name) else {
                return;
            };
            for (ns, workload) in gateway_namespaces(ctx, g) {
                let Some(w) = workload else { continue };
                if !vs.export_to.visible_from(&vs.namespace, ns) {
                    continue;
                }
                users.entry(ns.to_string()).or_insert_with(|| {
                    format!(
                        "the pods of Gateway {namespace}/{name} ({} {}/{})",
                        w.kind, w.namespace, w.name
                    )
                });
            }
        }
    }
}

/// The gateways a rule applies on: its per-match `gateways` when every match has them,
/// else the VirtualService's (plus any per-match ones).
fn route_targets(vs: &VirtualService, route: &VsRoute) -> Vec<GatewayTarget> {
    let parse = |g: &Spanned| GatewayRef::parse(g, &vs.namespace).target;
    let per_match: Vec<GatewayTarget> = route
        .matches
        .iter()
        .flat_map(|m| m.gateways.iter().map(parse))
        .collect();
    let all_scoped = !route.matches.is_empty() && route.matches.iter().all(|m| !m.gateways.is_empty());
    let mut targets = per_match;
    if !all_scoped {
        if vs.gateways.is_empty() {
            targets.push(GatewayTarget::Mesh);
        } else {
            targets.extend(vs.gateways.iter().map(|g| g.target.clone()));
        }
    }
    targets
}

/// `` (also namespaces `a`, `b`)`` for further namespaces beyond the first.
fn more(hidden: &[(&String, &String)]) -> String {
    if hidden.len() < 2 {
        return String::new();
    }
    let rest: Vec<String> = hidden[1..].iter().map(|(ns, _)| format!("`{ns}`")).collect();
    format!(" (also hidden from {})", rest.join(", "))
}
