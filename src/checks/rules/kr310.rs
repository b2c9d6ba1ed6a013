//! # KR310: two Gateways claim the same host on the same workload and port
//!
//! ## What it checks
//! For every gateway workload (the pods an Istio `Gateway` selects, in any namespace) and
//! port number, that no two **different** Gateways list the same host on a server for that
//! port. Hosts are compared by name, case-insensitively, after dropping the namespace
//! prefix (`shop/a.example.com` and `*/a.example.com` are the same name for the proxy).
//! Servers with different `bind` addresses get separate listeners and never conflict.
//!
//! Only identical names conflict, as in Istio's own duplicate check: `*.example.com` and
//! `a.example.com`, or `*` and `a.example.com`, become separate SNI filter chains / virtual
//! hosts and the more specific one wins. (`istioctl analyze` compares the entries as
//! written, namespace prefix included; kroute compares the names the proxy sees.) When a
//! Gateway selects no workload in the input (the gateway Deployment is provided by the
//! platform), Gateways with the very same selector are taken to share their pods.
//!
//! Each later Gateway is reported once per earlier Gateway it clashes with (on its first
//! clashing host, the others listed), with the first claimant as related location.
//! Matches `istioctl analyze` IST0145 (ConflictingGateways).
//!
//! ## Why it matters
//! The proxy builds one listener per port from every Gateway that selects it. For TLS
//! servers, two filter chains with the same SNI name would make Envoy reject the listener,
//! so Istio skips one of the servers entirely (its certificate and routes vanish); for plain
//! HTTP the two Gateways' routes for that host are merged in an order you do not control.
//!
//! ## Example
//! ```yaml
//! kind: Gateway
//! metadata: {name: shop, namespace: shop}
//! spec:
//!   selector: {istio: ingressgateway}
//!   servers:
//!   - port: {number: 443, name: https, protocol: HTTPS}
//!     hosts: [shop.example.com]
//!     tls: {mode: SIMPLE, credentialName: shop-cert}
//! ---
//! kind: Gateway
//! metadata: {name: shop-canary, namespace: shop}
//! spec:
//!   selector: {istio: ingressgateway}
//!   servers:
//!   - port: {number: 443, name: https, protocol: HTTPS}
//!     hosts: [shop.example.com]      # KR310: already claimed by Gateway shop/shop
//!     tls: {mode: SIMPLE, credentialName: shop-canary-cert}
//! ```
//!
//! ## How to fix
//! Serve each host from one Gateway per gateway workload and port: merge the servers into
//! one Gateway, use distinct hostnames, or split traffic in the VirtualService instead.

use std::collections::{BTreeMap, HashMap};

use crate::checks::{Context, Rule};
use crate::inventory::{IstioGatewayId, WorkloadId};
use crate::diagnostic::{Diagnostic, Severity};
use crate::yaml::Span;

pub const RULE: Rule = Rule {
    code: "KR310",
    severity: Severity::Error,
    summary: "two Gateways on the same workload and port claim the same host (IST0145)",
    run,
};

/// What a Gateway's servers run on: a selected workload, or (when none is in the input)
/// its selector.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Target {
    Workload(WorkloadId),
    Selector(String),
}

/// Where servers share a listener: (target, port, bind).
type Listener<'a> = (Target, i64, Option<&'a str>);

/// The servers (gateway, index in its `servers`) on each listener, in input order.
type Groups<'a> = Vec<(Listener<'a>, Vec<(IstioGatewayId, usize)>)>;

struct Conflict<'a> {
    port: i64,
    host: &'a str,
    span: Span,
    earlier_span: Span,
    target: Target,
    tls: bool,
}

/// Whether two Gateways are one object defined twice (KR006's business).
fn same_object(ctx: &Context<'_>, a: IstioGatewayId, b: IstioGatewayId) -> bool {
    let object = |g| ctx.inv.object(ctx.inv.istio_gateway(g).object);
    object(a).key() == object(b).key()
}

fn run(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let groups = group_servers(ctx);
    for ((earlier, later), conflicts) in conflicts(ctx, &groups) {
        out.extend(report(ctx, earlier, later, conflicts));
    }
}

/// The servers of every Gateway by listener, the listeners sorted.
fn group_servers<'a>(ctx: &Context<'a>) -> Groups<'a> {
    let mut groups: HashMap<Listener<'a>, Vec<(IstioGatewayId, usize)>> = HashMap::new();
    for (g, gateway) in ctx.inv.istio_gateways_by_id() {
        let pods = ctx.graph.gateway_pods(g);
        let targets: Vec<Target> = if pods.is_empty() {
            match &gateway.selector {
                Some(sel) if !sel.is_empty() => vec![Target::Selector(sel.describe())],
                _ => Vec::new(),
            }
        } else {
            pods.iter().map(|w| Target::Workload(*w)).collect()
        };
        for target in targets {
            for (s, server) in gateway.servers.iter().enumerate() {
                if server.port <= 0 {
                    continue;
                }
                groups
                    .entry((target.clone(), server.port, server.bind.as_deref()))
                    .or_default()
                    .push((g, s));
            }
        }
    }
    let mut groups: Groups<'a> = groups.into_iter().collect();
    groups.sort();
    groups
}

/// What each (earlier gateway, later gateway) pair both claim on one listener.
fn conflicts<'a>(
    ctx: &Context<'a>,
    groups: &Groups<'a>,
) -> BTreeMap<(IstioGatewayId, IstioGatewayId), Vec<Conflict<'a>>> {
    let mut pairs: BTreeMap<(IstioGatewayId, IstioGatewayId), Vec<Conflict<'a>>> = BTreeMap::new();
    for ((target, port, _), servers) in groups {
        let mut first: HashMap<&str, (IstioGatewayId, Span)> = HashMap::new();
        for &(g, s) in servers {
            let server = &ctx.inv.istio_gateway(g).servers[s];
            let tls = server.tls_mode.is_some() || server.credential_name.is_some();
            for host in &server.hosts {
                match first.get(host.host.as_str()) {
                    Some(&(earlier, earlier_span))
                        if earlier != g && !same_object(ctx, earlier, g) =>
                    {
                        let conflicts = pairs.entry((earlier, g)).or_default();
                        if !conflicts
                            .iter()
                            .any(|c| c.port == *port && c.host == host.host)
                        {
                            conflicts.push(Conflict {
                                port: *port,
                                host: &host.host,
                                span: host.span,
                                earlier_span,
                                target: target.clone(),
                                tls,
                            });
                        }
                    }
                    Some(_) => {}
                    None => {
                        first.insert(&host.host, (g, host.span));
                    }
                }
            }
        }
    }
    pairs
}

/// The diagnostic for Gateway `later` claiming hosts `earlier` claims too.
fn report(
    ctx: &Context<'_>,
    earlier: IstioGatewayId,
    later: IstioGatewayId,
    mut conflicts: Vec<Conflict<'_>>,
) -> Option<Diagnostic> {
    conflicts.sort_by_key(|c| c.span);
    let c = conflicts.first()?;
    let (a, b) = (ctx.inv.istio_gateway(earlier), ctx.inv.istio_gateway(later));
    let (oa, ob) = (ctx.inv.object(a.object), ctx.inv.object(b.object));
    let on = match &c.target {
        Target::Workload(w) => {
            let w = ctx.inv.workload(*w);
            format!("gateway workload {} {}/{}", w.kind, w.namespace, w.name)
        }
        Target::Selector(sel) => {
            format!("gateway pods with the same selector ({sel})")
        }
    };
    let more = match conflicts.len() {
        1 => String::new(),
        n => {
            let rest: Vec<String> = conflicts[1..]
                .iter()
                .map(|c| format!("`{}` on port {}", c.host, c.port))
                .collect();
            format!(" (also {}; {n} hosts in all)", rest.join(", "))
        }
    };
    Some(
        RULE.on(
            ob,
            c.span,
            format!(
                "{} and {} both claim host `{}` on port {} of the same {on}{more}: {}",
                ob.display(),
                oa.display(),
                c.host,
                c.port,
                if c.tls {
                    "the proxy cannot have two TLS filter chains for one name, so Istio keeps only one of the two servers (and its certificate)"
                } else {
                    "the proxy merges the routes of both Gateways for that host in no defined order"
                }
            ),
        )
        .with_related(oa.file, c.earlier_span, format!("{} claims `{}` here", oa.display(), c.host))
        .with_help("serve each host from one Gateway per gateway workload and port: merge the servers into one Gateway, or use distinct hostnames"),
    )
}
