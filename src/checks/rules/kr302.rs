//! # KR302: VirtualService host not accepted by the Gateways it is bound to
//!
//! ## What it checks
//! For every VirtualService bound to Istio Gateways that exist (KR301 reports the missing
//! ones), that its `hosts` and the hosts of those Gateways' `servers` meet:
//!
//! - each Gateway named in `spec.gateways` must accept at least one of the VirtualService's
//!   hosts (reported at the `gateways` entry);
//! - when the VirtualService is not also bound to `mesh`, each of its hosts must be accepted
//!   by at least one of its Gateways (reported at the host).
//!
//! A `gateways` entry may also name a Gateway API `Gateway` (Istio attaches the
//! VirtualService to it); that Gateway must accept at least one of the hosts: a listener
//! accepts the hosts its `hostname` meets, and every host when it has no `hostname`.
//!
//! A server host accepts a VirtualService host when the two names intersect (`*` and
//! `*.example.com` wildcards; a short VirtualService host means
//! `name.<namespace>.svc.cluster.local`) **and** its namespace part admits the
//! VirtualService's namespace: `ns/host` only admits VirtualServices of `ns`, `./host` only
//! those of the Gateway's namespace, `*/host` and a plain `host` admit every namespace.
//! Matches `istioctl analyze` IST0132 (VirtualServiceHostNotFoundInGateway), a warning
//! there; kroute reports an error because the route can never be used.
//!
//! ## Why it matters
//! The gateway proxy only builds routes for the hosts its servers accept. A VirtualService
//! host outside them is dead: requests for it get `404` from the gateway, and nothing else
//! complains.
//!
//! ## Example
//! ```yaml
//! apiVersion: networking.istio.io/v1
//! kind: Gateway
//! metadata: {name: public, namespace: istio-system}
//! spec:
//!   selector: {istio: ingressgateway}
//!   servers:
//!   - port: {number: 80, name: http, protocol: HTTP}
//!     hosts: ["shop/*.example.com"]
//! ---
//! apiVersion: networking.istio.io/v1
//! kind: VirtualService
//! metadata: {name: api, namespace: api}
//! spec:
//!   hosts: [api.example.org]        # KR302: the Gateway serves *.example.com,
//!   gateways: [istio-system/public] #        and only to VirtualServices of `shop`
//! ```
//!
//! ## How to fix
//! Make a VirtualService host and a server host meet: fix the host name, add the host to a
//! server of the Gateway, or widen the server's `ns/host` namespace part (the diagnostic
//! names the server host that would match but excludes the VirtualService's namespace).

use std::collections::HashMap;

use crate::checks::{Context, Rule};
use crate::graph::{istio_fqdn, wildcard, Binding};
use crate::inventory::gateway_api::Listener;
use crate::inventory::istio::{GatewayTarget, HostNamespace, ServerHost};
use crate::inventory::{IstioGateway, IstioGatewayId, VirtualService, VirtualServiceId};
use crate::diagnostic::{Diagnostic, Severity};

pub const RULE: Rule = Rule {
    code: "KR302",
    severity: Severity::Error,
    summary: "VirtualService host is not accepted by any server of its Gateways (IST0132)",
    run,
};

fn run(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let mut bindings: HashMap<VirtualServiceId, Vec<&Binding>> = HashMap::new();
    for b in &ctx.graph.bindings {
        bindings.entry(b.virtual_service).or_default().push(b);
    }
    for (v, vs) in ctx.inv.virtual_services_by_id() {
        if vs.hosts.is_empty() {
            continue;
        }
        let bound = bindings.get(&v).map_or(&[][..], Vec::as_slice);
        let mut gateways: Vec<IstioGatewayId> = Vec::new();
        let mut all_known = true;
        for gref in &vs.gateways {
            let GatewayTarget::Named { namespace, name } = &gref.target else {
                continue;
            };
            let Some(g) = ctx.graph.istio_gateway(namespace, name) else {
                all_known = false;
                if let Some(api) = ctx.graph.api_gateway(namespace, name) {
                    out.extend(api_gateway_accepts_none(ctx, vs, api, gref.span));
                }
                continue;
            };
            if gateways.contains(&g) {
                continue;
            }
            gateways.push(g);
            if !bound.iter().any(|b| b.gateway == g) {
                out.push(gateway_accepts_none(ctx, vs, g, gref.span));
            }
        }
        // Per host: only when every Gateway is known (a missing one may be the host's), the
        // mesh does not take the host, and the VirtualService binds somewhere at all (else
        // every Gateway was reported above).
        if !all_known || gateways.is_empty() || vs.binds_mesh() || bound.is_empty() {
            continue;
        }
        for (h, host) in vs.hosts.iter().enumerate() {
            if bound.iter().any(|b| b.host == h) {
                continue;
            }
            let fqdn = istio_fqdn(&host.value, &vs.namespace);
            let mut why = Vec::new();
            let mut related = None;
            for &g in &gateways {
                let gateway = ctx.inv.istio_gateway(g);
                why.push(format!(
                    "{}/{} serves {}",
                    gateway.namespace,
                    gateway.name,
                    server_hosts(gateway)
                ));
                if related.is_none() {
                    related = excluded_by_namespace(gateway, &fqdn, &vs.namespace)
                        .map(|sh| (gateway, sh));
                }
            }
            let object = ctx.inv.object(vs.object);
            let mut d = RULE.on(
                object,
                host.span,
                format!(
                    "host `{}` of {} is accepted by none of its Gateways: {}",
                    host.value,
                    object.display(),
                    why.join("; ")
                ),
            );
            d = match related {
                Some((gateway, sh)) => d
                    .with_related(
                        ctx.inv.object(gateway.object).file,
                        sh.span,
                        scoping_note(gateway, sh, &vs.namespace),
                    )
                    .with_help(format!(
                        "this server host would match, but its namespace part excludes namespace `{}`: widen it, or move the VirtualService",
                        vs.namespace
                    )),
                None => match gateways.first() {
                    Some(&g) => with_server_hosts(ctx, d, ctx.inv.istio_gateway(g)),
                    None => d,
                }
                .with_help(
                    "remove the host, add it to a server of one of the Gateways, or bind the VirtualService to `mesh` as well if the host is meant for in-mesh traffic",
                ),
            };
            out.push(d);
        }
    }
}

/// The diagnostic for Gateway `g` accepting none of `vs`'s hosts, at the `gateways` entry.
fn gateway_accepts_none(
    ctx: &Context<'_>,
    vs: &VirtualService,
    g: IstioGatewayId,
    span: crate::yaml::Span,
) -> Diagnostic {
    let gateway = ctx.inv.istio_gateway(g);
    let object = ctx.inv.object(vs.object);
    let hosts = host_list(vs);
    let excluded = vs.hosts.iter().find_map(|h| {
        excluded_by_namespace(gateway, &istio_fqdn(&h.value, &vs.namespace), &vs.namespace)
    });
    let message = format!(
        "Gateway {}/{} accepts none of the hosts of {} ({hosts}): it serves {}",
        gateway.namespace,
        gateway.name,
        object.display(),
        server_hosts(gateway)
    );
    let gw_object = ctx.inv.object(gateway.object);
    match excluded {
        Some(sh) => RULE
            .on(
                object,
                span,
                format!(
                    "{message}; `{}` only admits VirtualServices of {}",
                    written(sh),
                    admitted(gateway, sh)
                ),
            )
            .with_related(gw_object.file, sh.span, scoping_note(gateway, sh, &vs.namespace))
            .with_help(format!(
                "widen the server host's namespace part (e.g. `*/{}`) or move the VirtualService into an admitted namespace",
                sh.host
            )),
        None => with_server_hosts(ctx, RULE.on(object, span, message), gateway).with_help(
                "make a VirtualService host and a Gateway server host meet: fix the host name, or add it to a server of the Gateway",
            ),
    }
}

/// The diagnostic for Gateway API Gateway `api` (by index) accepting none of `vs`'s hosts:
/// a listener accepts a host when its `hostname` meets it, and every host when it has none.
fn api_gateway_accepts_none(
    ctx: &Context<'_>,
    vs: &VirtualService,
    api: usize,
    span: crate::yaml::Span,
) -> Option<Diagnostic> {
    let gateway = ctx.inv.api_gateways.get(api)?;
    let accepts = |listener: &Listener| match listener.hostname.as_ref().filter(|h| !h.value.is_empty()) {
        None => true,
        Some(h) => vs
            .hosts
            .iter()
            .any(|host| wildcard::intersect(&h.value, &istio_fqdn(&host.value, &vs.namespace))),
    };
    if gateway.listeners.is_empty() || gateway.listeners.iter().any(accepts) {
        return None;
    }
    let object = ctx.inv.object(vs.object);
    let mut hostnames: Vec<String> = Vec::new();
    for h in gateway.listeners.iter().filter_map(|l| l.hostname.as_ref()) {
        let w = format!("`{}`", h.value);
        if !hostnames.contains(&w) {
            hostnames.push(w);
        }
    }
    let gw_object = ctx.inv.object(gateway.object);
    let d = RULE.on(
        object,
        span,
        format!(
            "Gateway API Gateway {}/{} accepts none of the hosts of {} ({}): its listeners accept {}",
            gateway.namespace,
            gateway.name,
            object.display(),
            host_list(vs),
            hostnames.join(", ")
        ),
    );
    let d = match gateway.listeners.iter().find_map(|l| l.hostname.as_ref()) {
        Some(h) => d.with_related(
            gw_object.file,
            h.span,
            format!("the listener hostnames of Gateway {}/{}", gateway.namespace, gateway.name),
        ),
        None => d,
    };
    Some(d.with_help(
        "make a VirtualService host and a listener `hostname` meet: fix the host name, or add a listener for it (a listener without `hostname` accepts every host)",
    ))
}

/// `` `a.example.com`, `b.example.com` ``: the hosts of a VirtualService.
fn host_list(vs: &VirtualService) -> String {
    vs.hosts
        .iter()
        .map(|h| format!("`{}`", h.value))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Adds the Gateway's first server host as a related location.
fn with_server_hosts(ctx: &Context<'_>, d: Diagnostic, gateway: &IstioGateway) -> Diagnostic {
    let object = ctx.inv.object(gateway.object);
    let note = format!("the hosts of Gateway {}/{}", gateway.namespace, gateway.name);
    match gateway.servers.iter().flat_map(|s| &s.hosts).next() {
        Some(sh) => d.with_related(object.file, sh.span, note),
        None => d.with_related_object(object, note),
    }
}

/// A server host of `gateway` whose name matches `fqdn` but whose namespace part keeps
/// VirtualServices of `vs_namespace` out.
fn excluded_by_namespace<'a>(
    gateway: &'a IstioGateway,
    fqdn: &str,
    vs_namespace: &str,
) -> Option<&'a ServerHost> {
    gateway.servers.iter().flat_map(|s| &s.hosts).find(|sh| {
        !sh.admits_namespace(&gateway.namespace, vs_namespace) && wildcard::intersect(&sh.host, fqdn)
    })
}

fn scoping_note(gateway: &IstioGateway, sh: &ServerHost, vs_namespace: &str) -> String {
    format!(
        "server host `{}` of Gateway {}/{} matches, but only admits VirtualServices of {}, not `{vs_namespace}`",
        written(sh),
        gateway.namespace,
        gateway.name,
        admitted(gateway, sh)
    )
}

fn admitted(gateway: &IstioGateway, sh: &ServerHost) -> String {
    match &sh.namespace {
        HostNamespace::Own => format!("the Gateway's namespace `{}`", gateway.namespace),
        HostNamespace::Named(ns) => format!("namespace `{ns}`"),
        HostNamespace::Any => "every namespace".to_string(),
    }
}

/// A server host as written: `host`, `./host` or `ns/host`.
fn written(sh: &ServerHost) -> String {
    match &sh.namespace {
        HostNamespace::Any => sh.host.clone(),
        HostNamespace::Own => format!("./{}", sh.host),
        HostNamespace::Named(ns) => format!("{ns}/{}", sh.host),
    }
}

/// `` `a.example.com`, `shop/*.example.org` `` or `no host at all`.
fn server_hosts(gateway: &IstioGateway) -> String {
    let mut hosts: Vec<String> = Vec::new();
    for sh in gateway.servers.iter().flat_map(|s| &s.hosts) {
        let w = format!("`{}`", written(sh));
        if !hosts.contains(&w) {
            hosts.push(w);
        }
    }
    if hosts.is_empty() {
        "no host at all".to_string()
    } else {
        hosts.join(", ")
    }
}
