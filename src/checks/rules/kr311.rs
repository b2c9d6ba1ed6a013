//! # KR311: two VirtualServices for the same gateway claim the same host
//!
//! ## What it checks
//! That no two VirtualServices bound to the same gateway define the same host (short names
//! are expanded in each VirtualService's namespace, so `reviews` in `shop` and
//! `reviews.shop.svc.cluster.local` are the same host; wildcards only clash with the
//! identical wildcard, since the more specific name wins otherwise).
//!
//! - **Mesh** (no `gateways`, or `mesh`): any two such VirtualServices whose `exportTo`
//!   makes them visible in a common namespace conflict, whatever their routes, as in
//!   `istioctl analyze` IST0109 (ConflictingMeshGatewayVirtualServiceHosts).
//! - **A named Gateway**: Istio merges the VirtualServices of one host on a gateway, their
//!   rules in creation order. That is a supported way to split a large host, so only pairs
//!   whose rules **overlap** are reported: two HTTP rules overlap when their URI matches can
//!   accept the same path (no match or `prefix: /` accepts every path; regexes are compared
//!   by their literal prefix) on the same port, unless both rules also test headers, query
//!   parameters, method, authority or other conditions (then kroute assumes they were made
//!   disjoint on purpose). TCP and TLS rules overlap when their ports may coincide. Per-match
//!   `gateways` are honoured. A VirtualService whose `exportTo` hides it from the gateway's
//!   namespace is left to KR315.
//!
//! Reported once per pair, on the later VirtualService, with the earlier one as related
//! location. A **warning** where IST0109 is an error: one of the two VirtualServices still
//! routes the host, and Istio accepts both objects, so nothing fails to apply.
//!
//! ## Why it matters
//! Sidecars keep one VirtualService per host and drop the other: its routes, retries and
//! fault injection silently do nothing. On a gateway, both are merged by creation time, so
//! an early catch-all rule shadows every rule of the other VirtualService — and which one
//! is older differs between clusters, so the same manifests route differently.
//!
//! ## Example
//! ```yaml
//! kind: VirtualService
//! metadata: {name: shop, namespace: shop}
//! spec:
//!   hosts: [shop.example.com]
//!   gateways: [istio-system/public]
//!   http:
//!   - route: [{destination: {host: frontend}}]     # matches everything
//! ---
//! kind: VirtualService
//! metadata: {name: shop-api, namespace: shop}
//! spec:
//!   hosts: [shop.example.com]                      # KR311
//!   gateways: [istio-system/public]
//!   http:
//!   - match: [{uri: {prefix: /api}}]
//!     route: [{destination: {host: api}}]
//! ```
//!
//! ## How to fix
//! Merge the two VirtualServices into one, with the more specific rules first; or give each
//! its own host; or make their matches disjoint (distinct path prefixes, no catch-all).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::ops::Bound;

use crate::checks::support::istio::gateway_namespaces;
use crate::checks::{Context, Rule};
use crate::graph::istio_fqdn;
use crate::inventory::istio::{
    ExportTo, GatewayRef, GatewayTarget, RouteMatch, RouteProtocol, UriMatch, VsRoute,
};
use crate::inventory::{Spanned, VirtualService, VirtualServiceId};
use crate::diagnostic::{Diagnostic, Severity};

pub const RULE: Rule = Rule {
    code: "KR311",
    severity: Severity::Warning,
    summary: "two VirtualServices for the same gateway claim the same host (IST0109)",
    run,
};

/// The namespaces an `exportTo` makes an object visible in; `None` for every namespace.
fn visibility(export: &ExportTo, own: &str) -> Option<BTreeSet<String>> {
    if export.entries.is_empty() || export.entries.iter().any(|e| e.value == "*") {
        return None;
    }
    Some(
        export
            .entries
            .iter()
            .map(|e| match e.value.as_str() {
                "." => own.to_string(),
                ns => ns.to_string(),
            })
            .filter(|ns| ns != "~")
            .collect(),
    )
}

fn share_namespace(a: &VirtualService, b: &VirtualService) -> bool {
    match (
        visibility(&a.export_to, &a.namespace),
        visibility(&b.export_to, &b.namespace),
    ) {
        (None, None) => true,
        (None, Some(x)) | (Some(x), None) => !x.is_empty(),
        (Some(x), Some(y)) => !x.is_disjoint(&y),
    }
}

/// Whether a rule's match applies on gateway `target` (per-match `gateways` override the
/// VirtualService's).
fn match_applies(m: &RouteMatch, target: &GatewayTarget, namespace: &str) -> bool {
    m.gateways.is_empty()
        || m
            .gateways
            .iter()
            .any(|g| &GatewayRef::parse(g, namespace).target == target)
}

/// The matches of `route` that apply on `target`: `Some(vec![])` for a rule without
/// matches (it accepts everything), `None` when the rule does not apply there.
fn applicable<'a>(
    route: &'a VsRoute,
    target: &GatewayTarget,
    namespace: &str,
) -> Option<Vec<&'a RouteMatch>> {
    if route.matches.is_empty() {
        return Some(Vec::new());
    }
    let matches: Vec<&RouteMatch> = route
        .matches
        .iter()
        .filter(|m| match_applies(m, target, namespace))
        .collect();
    (!matches.is_empty()).then_some(matches)
}

/// The literal prefix of a regex (up to its first metacharacter).
fn regex_prefix(re: &str) -> String {
    let re = re.strip_prefix('^').unwrap_or(re);
    re.chars()
        .take_while(|c| !".*+?()[]{}|\\$^".contains(*c))
        .collect()
}

/// The set of paths a URI match accepts, as an exact path or a prefix.
enum Paths {
    Exact(String),
    Prefix(String),
}

fn paths(uri: Option<&UriMatch>) -> Paths {
    match uri {
        None => Paths::Prefix(String::new()),
        Some(UriMatch::Prefix(p)) => Paths::Prefix(p.clone()),
        Some(UriMatch::Exact(e)) => Paths::Exact(e.clone()),
        Some(UriMatch::Regex(r)) => Paths::Prefix(regex_prefix(r)),
    }
}

fn paths_overlap(a: &Paths, b: &Paths) -> bool {
    match (a, b) {
        (Paths::Exact(x), Paths::Exact(y)) => x == y,
        (Paths::Exact(e), Paths::Prefix(p)) | (Paths::Prefix(p), Paths::Exact(e)) => {
            e.starts_with(p.as_str())
        }
        (Paths::Prefix(x), Paths::Prefix(y)) => x.starts_with(y.as_str()) || y.starts_with(x.as_str()),
    }
}

fn matches_overlap(protocol: RouteProtocol, a: Option<&RouteMatch>, b: Option<&RouteMatch>) -> bool {
    let port = |m: Option<&RouteMatch>| m.and_then(|m| m.port);
    if let (Some(x), Some(y)) = (port(a), port(b)) {
        if x != y {
            return false;
        }
    }
    if protocol != RouteProtocol::Http {
        return true;
    }
    let narrowed = |m: Option<&RouteMatch>| m.is_some_and(|m| m.narrowed);
    if narrowed(a) && narrowed(b) {
        return false;
    }
    paths_overlap(
            &paths(a.and_then(|m| m.uri.as_ref())),
            &paths(b.and_then(|m| m.uri.as_ref())),
        )
}

fn describe(route: &VsRoute) -> String {
    let what = match route.matches.first().and_then(|m| m.uri.as_ref()) {
        _ if route.matches.is_empty() => "matches everything".to_string(),
        Some(UriMatch::Prefix(p)) if p == "/" => "matches every path".to_string(),
        Some(UriMatch::Prefix(p)) => format!("prefix `{p}`"),
        Some(UriMatch::Exact(e)) => format!("exact `{e}`"),
        Some(UriMatch::Regex(r)) => format!("regex `{r}`"),
        None => "matches every path".to_string(),
    };
    format!("{}[{}] ({what})", route.protocol.key(), route.index)
}

/// The first pair of rules of `a` and `b` that can take the same request on `target`.
fn overlap<'a>(
    a: &'a VirtualService,
    b: &'a VirtualService,
    target: &GatewayTarget,
) -> Option<(&'a VsRoute, &'a VsRoute)> {
    for ra in &a.routes {
        let Some(ma) = applicable(ra, target, &a.namespace) else {
            continue;
        };
        for rb in b.routes.iter().filter(|r| r.protocol == ra.protocol) {
            let Some(mb) = applicable(rb, target, &b.namespace) else {
                continue;
            };
            let xs: Vec<Option<&RouteMatch>> = if ma.is_empty() {
                vec![None]
            } else {
                ma.iter().map(|m| Some(*m)).collect()
            };
            let ys: Vec<Option<&RouteMatch>> = if mb.is_empty() {
                vec![None]
            } else {
                mb.iter().map(|m| Some(*m)).collect()
            };
            if xs
                .iter()
                .any(|x| ys.iter().any(|y| matches_overlap(ra.protocol, *x, *y)))
            {
                return Some((ra, rb));
            }
        }
    }
    None
}

/// A gateway a VirtualService binds: `None` for the mesh, else `(namespace, name)`.
type Gateway = Option<(String, String)>;

/// The VirtualServices that define a host, with that host, in input order.
type Claims<'a> = Vec<(VirtualServiceId, &'a Spanned)>;

fn run(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let mut reported: HashSet<(VirtualServiceId, VirtualServiceId)> = HashSet::new();
    for ((target, fqdn), claims) in &shared_hosts(ctx) {
        let mut earlier = Earlier::new(ctx, target);
        for (j, &later) in claims.iter().enumerate() {
            for i in earlier.candidates(later.0) {
                let earlier = claims[i];
                if earlier.0 == later.0 || reported.contains(&(earlier.0, later.0)) {
                    continue;
                }
                if let Some(diagnostic) = clash(ctx, target, fqdn, earlier, later) {
                    reported.insert((earlier.0, later.0));
                    out.push(diagnostic);
                }
            }
            earlier.add(j, later.0);
        }
    }
}

/// The earlier claims of a host on one gateway, indexed by the paths their rules accept
/// there, so that a later claim is compared only with those whose rules can overlap its
/// own: hundreds of VirtualServices sharing a wildcard host on one gateway, each with its
/// own path prefix, would otherwise cost a comparison of every pair.
struct Earlier<'a> {
    ctx: &'a Context<'a>,
    /// The gateway; `None` for the mesh, where every earlier claim is a candidate.
    target: Option<GatewayTarget>,
    /// Claims with a rule whose paths do not say what it accepts (TCP and TLS rules), or on
    /// the mesh: candidates for every later claim.
    any: Vec<usize>,
    /// Claims by the exact path or path prefix of each rule.
    by_path: BTreeMap<String, Vec<usize>>,
}

impl<'a> Earlier<'a> {
    fn new(ctx: &'a Context<'a>, target: &Gateway) -> Earlier<'a> {
        Earlier {
            ctx,
            target: target.as_ref().map(|(namespace, name)| GatewayTarget::Named {
                namespace: namespace.clone(),
                name: name.clone(),
            }),
            any: Vec::new(),
            by_path: BTreeMap::new(),
        }
    }

    /// The paths the rules of `v` that apply on the gateway accept (`paths_overlap` needs
    /// one to extend the other); `None` when a rule is not HTTP, or on the mesh.
    fn paths(&self, v: VirtualServiceId) -> Option<Vec<String>> {
        let target = self.target.as_ref()?;
        let vs = self.ctx.inv.virtual_service(v);
        let mut out = Vec::new();
        for route in &vs.routes {
            let Some(matches) = applicable(route, target, &vs.namespace) else {
                continue;
            };
            if route.protocol != RouteProtocol::Http {
                return None;
            }
            let uris: Vec<Option<&UriMatch>> = if matches.is_empty() {
                vec![None]
            } else {
                matches.iter().map(|m| m.uri.as_ref()).collect()
            };
            out.extend(uris.into_iter().map(|uri| match paths(uri) {
                Paths::Exact(p) | Paths::Prefix(p) => p,
            }));
        }
        Some(out)
    }

    fn add(&mut self, index: usize, v: VirtualServiceId) {
        match self.paths(v) {
            None => self.any.push(index),
            Some(paths) => {
                for path in paths {
                    self.by_path.entry(path).or_default().push(index);
                }
            }
        }
    }

    /// The earlier claims whose rules may overlap those of `v`, in claim order.
    fn candidates(&self, v: VirtualServiceId) -> Vec<usize> {
        let mut out = self.any.clone();
        match self.paths(v) {
            None => out.extend(self.by_path.values().flatten()),
            Some(paths) => {
                for path in &paths {
                    let shorter = (0..=path.len())
                        .filter_map(|end| path.get(..end))
                        .filter_map(|prefix| self.by_path.get(prefix));
                    let longer = self
                        .by_path
                        .range::<str, _>((Bound::Excluded(path.as_str()), Bound::Unbounded))
                        .take_while(|(p, _)| p.starts_with(path.as_str()))
                        .map(|(_, claims)| claims);
                    out.extend(shorter.chain(longer).flatten());
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// Every (gateway, host FQDN) that more than one VirtualService claims, sorted.
fn shared_hosts<'a>(ctx: &Context<'a>) -> Vec<((Gateway, String), Claims<'a>)> {
    let mut groups: HashMap<(Gateway, String), Claims<'a>> = HashMap::new();
    for (v, vs) in ctx.inv.virtual_services_by_id() {
        for target in gateways_of(vs) {
            if let Some((namespace, name)) = &target {
                // A VirtualService the gateway cannot see is KR315's business.
                let Some(g) = ctx.graph.istio_gateway(namespace, name) else {
                    continue;
                };
                if !gateway_namespaces(ctx, g)
                    .iter()
                    .any(|(ns, w)| w.is_none() || vs.export_to.visible_from(&vs.namespace, ns))
                {
                    continue;
                }
            }
            let mut seen = HashSet::new();
            for host in &vs.hosts {
                let fqdn = istio_fqdn(&host.value, &vs.namespace);
                if seen.insert(fqdn.clone()) {
                    groups
                        .entry((target.clone(), fqdn))
                        .or_default()
                        .push((v, host));
                }
            }
        }
    }
    let mut groups: Vec<_> = groups.into_iter().filter(|(_, m)| m.len() > 1).collect();
    groups.sort_by(|a, b| a.0.cmp(&b.0));
    groups
}

/// The gateways `vs` binds, each once and sorted: the mesh when it names none.
fn gateways_of(vs: &VirtualService) -> Vec<Gateway> {
    let mut targets: Vec<Gateway> = vs
        .gateways
        .iter()
        .map(|g| match &g.target {
            GatewayTarget::Mesh => None,
            GatewayTarget::Named { namespace, name } => Some((namespace.clone(), name.clone())),
        })
        .collect();
    if targets.is_empty() {
        targets.push(None);
    }
    targets.sort();
    targets.dedup();
    targets
}

/// The diagnostic for `later` claiming host `fqdn` on `target` that `earlier` claims too,
/// when that is a conflict there: in the mesh when both are visible in a common namespace,
/// on a gateway when their rules overlap.
fn clash(
    ctx: &Context<'_>,
    target: &Gateway,
    fqdn: &str,
    (vi, host_i): (VirtualServiceId, &Spanned),
    (vj, host_j): (VirtualServiceId, &Spanned),
) -> Option<Diagnostic> {
    let (a, b) = (ctx.inv.virtual_service(vi), ctx.inv.virtual_service(vj));
    let (oa, ob) = (ctx.inv.object(a.object), ctx.inv.object(b.object));
    if oa.key() == ob.key() {
        return None; // one object defined twice: KR006
    }
    let diagnostic = match target {
        None => {
            if !share_namespace(a, b) {
                return None;
            }
            RULE.on(
                ob,
                host_j.span,
                format!(
                    "{} and {} both define host `{fqdn}` for the mesh: sidecars use only one VirtualService per host and ignore the other's routes",
                    ob.display(),
                    oa.display()
                ),
            )
            .with_help("merge the two VirtualServices into one, or give each its own host")
        }
        Some((namespace, name)) => {
            let named = GatewayTarget::Named {
                namespace: namespace.clone(),
                name: name.clone(),
            };
            let (ra, rb) = overlap(a, b, &named)?;
            RULE.on(
                ob,
                host_j.span,
                format!(
                    "{} and {} both route host `{fqdn}` on Gateway {namespace}/{name} and their rules overlap (`{}` {} and `{}` {}): Istio merges them in creation order, so the older one's rule shadows the other's",
                    ob.display(),
                    oa.display(),
                    b.name,
                    describe(rb),
                    a.name,
                    describe(ra)
                ),
            )
            .with_help("merge them into one VirtualService with the specific rules first, or make their matches disjoint (distinct path prefixes, no catch-all rule)")
        }
    };
    Some(diagnostic.with_related(
        oa.file,
        host_i.span,
        format!("{} defines `{}` here", oa.display(), host_i.value),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prefix(p: &str) -> Paths {
        Paths::Prefix(p.to_string())
    }

    fn exact(e: &str) -> Paths {
        Paths::Exact(e.to_string())
    }

    #[test]
    fn paths_overlap_as_istio_matches_them() {
        assert!(paths_overlap(&prefix(""), &prefix("/api")));
        assert!(paths_overlap(&prefix("/api"), &prefix("/api/v1")));
        assert!(!paths_overlap(&prefix("/api"), &prefix("/web")));
        assert!(paths_overlap(&exact("/api/x"), &prefix("/api")));
        assert!(!paths_overlap(&exact("/"), &prefix("/web")));
        assert!(!paths_overlap(&exact("/a"), &exact("/b")));
    }

    #[test]
    fn regexes_compare_by_literal_prefix() {
        assert_eq!(regex_prefix("/api/v[0-9]+/.*"), "/api/v");
        assert_eq!(regex_prefix("^/static/.*"), "/static/");
        assert_eq!(regex_prefix("(?i)/api"), "");
    }
}
