//! # KR406: VirtualService routes to a Knative Service the way Knative does not serve
//!
//! ## What it checks
//! User-written Istio VirtualServices that send traffic to a Knative Service (or Route)
//! *N* of namespace *S*. With net-istio, every such request ends at a Knative gateway,
//! which picks the revision by the request's **authority** (Host header), so:
//!
//! - a destination `N` / `N.S.svc.cluster.local` or a tag Service `<tag>-N` (an
//!   ExternalName alias of the local gateway), or the local gateway Service
//!   `knative-local-gateway.istio-system.svc.cluster.local` (or one listed in
//!   `config-istio` `local-gateways`) needs `rewrite.authority` set to a cluster-local
//!   host Knative serves (`N.S.svc.cluster.local`, `N.S.svc`, `N.S`, or a tag host),
//!   unless the VirtualService's own hosts already are such hosts;
//! - a destination `istio-ingressgateway.istio-system.svc.cluster.local` (or a
//!   `config-istio` `external-gateways` Service) with a `rewrite.authority` naming a
//!   Knative Service must name the *external* host of a public one; cluster-local hosts
//!   are only served by the local gateway;
//! - destinations that are Services Knative manages for one revision, `<revision>` and
//!   `<revision>-private` (revisions `N-00001`…, bring-your-own revision names, Revision
//!   objects), are reported: they bypass the Route;
//! - VirtualService `hosts` that are hosts Knative itself serves (`N.S.svc.cluster.local`,
//!   the external host of N) conflict with the VirtualServices `N-ingress` / `N-mesh` that
//!   net-istio generates.
//!
//! Knative's own VirtualServices (labelled `networking.internal.knative.dev/ingress`) are
//! not checked. Authorities in namespaces without any Knative Service in the input are not
//! judged.
//!
//! ## Why it matters
//! The Knative gateway answers `404 Not Found` for an authority no Knative route matches:
//! a VirtualService that used to work against a Deployment stops working once the
//! workload becomes a Knative Service. `<revision>-private` has no endpoints while the
//! revision is scaled to zero (the activator is bypassed), both revision Services skip
//! traffic splitting and tags, and revision names change with every deployment. Two
//! VirtualServices for the same host merge unpredictably (IST0109).
//!
//! ## Example
//! ```yaml
//! apiVersion: networking.istio.io/v1
//! kind: VirtualService
//! metadata: {name: shop, namespace: web}
//! spec:
//!   hosts: [shop.example.com]
//!   gateways: [istio-system/public]
//!   http:
//!   - route:
//!     - destination:
//!         host: cart.web.svc.cluster.local   # KR406: a Knative Service; no rewrite.authority
//! ```
//!
//! ## How to fix
//! Add `rewrite: {authority: cart.web.svc.cluster.local}` to the rule and route to the
//! Knative Service (or to `knative-local-gateway.istio-system.svc.cluster.local`); route
//! to the Knative Service instead of its revisions (pin revisions with `spec.traffic`
//! tags); to publish a Knative Service under your own domain, use a `DomainMapping`
//! rather than a VirtualService.

use crate::inventory::knative::knative_generated;
use crate::checks::support::knative::{
    cluster_local_form, KnativeReach, Reach,
};
use crate::checks::{Context, Rule};
use crate::diagnostic::{Diagnostic, Severity};
use crate::graph::{istio_fqdn, RevisionHost};
use crate::inventory::istio::{Destination, RouteProtocol, Spanned};
use crate::inventory::knative::DEFAULT_LOCAL_GATEWAY_SERVICE;
use crate::inventory::VirtualService;
use crate::manifest::Object;

pub const RULE: Rule = Rule {
    code: "KR406",
    severity: Severity::Warning,
    summary: "VirtualService routes to a Knative Service without a `rewrite.authority` Knative serves, or to Knative-managed revision Services",
    run,
};

fn run(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    if ctx.inv.serving.is_empty() && !routes_to_local_gateway(ctx) {
        return;
    }
    let checker = Checker {
        ctx,
        reach: KnativeReach::build(ctx.inv, ctx.graph),
    };
    for (v, vs) in ctx.inv.virtual_services_by_id() {
        let object = ctx.inv.object(vs.object);
        if knative_generated(object) {
            continue;
        }
        checker.check_hosts(vs, object, out);
        for (r, route) in vs.routes.iter().enumerate() {
            for (dest, host) in route.destinations.iter().zip(ctx.graph.destinations(v, r)) {
                let Some(reach) = checker.reach.classify(ctx.graph, &host.targets, &host.fqdn)
                else {
                    continue;
                };
                let target = Target {
                    vs,
                    object,
                    dest,
                    authority: route.rewrite_authority.as_ref(),
                };
                match reach {
                    Reach::Revision(revision) => {
                        out.push(checker.revision_service(&target, &revision))
                    }
                    _ if route.protocol != RouteProtocol::Http => {}
                    _ => checker.check_authority(&target, &reach, out),
                }
            }
        }
    }
}

/// Whether a VirtualService sends traffic to Knative's local gateway by its usual name.
fn routes_to_local_gateway(ctx: &Context<'_>) -> bool {
    ctx.inv.virtual_services.iter().any(|vs| {
        vs.routes
            .iter()
            .flat_map(|r| &r.destinations)
            .any(|d| d.host.value.starts_with("knative-local-gateway."))
    })
}

/// A route destination of a user VirtualService that reaches Knative.
struct Target<'a> {
    vs: &'a VirtualService,
    object: &'a Object,
    dest: &'a Destination,
    /// The route's `rewrite.authority`.
    authority: Option<&'a Spanned>,
}

/// What the checks of one run share: the inventory, the Knative roles of destinations and
/// the hosts Knative serves.
struct Checker<'a> {
    ctx: &'a Context<'a>,
    reach: KnativeReach<'a>,
}

impl Checker<'_> {
    /// A destination that is the Service of one revision (`<revision>`, `<revision>-private`).
    fn revision_service(&self, t: &Target<'_>, host: &RevisionHost) -> Diagnostic {
        let (revision, private) = (host.revision.as_str(), host.private);
        let owner_object = self.ctx.inv.object(host.owner);
        let (what, why) = if private {
            (
                format!("`{revision}-private`, the private Service of revision `{revision}`"),
                "it bypasses the activator, so requests fail while the revision is scaled to zero, and the name changes with every new revision",
            )
        } else {
            (
                format!("`{revision}`, the Service of revision `{revision}`"),
                "it bypasses the Route's traffic split and tags, and the name changes with every new revision",
            )
        };
        RULE.on(
            t.object,
            t.dest.host.span,
            format!(
                "{} routes to {what} managed by Knative for {}: {why}",
                t.object.display(),
                owner_object.display()
            ),
        )
        .with_related(owner_object.file, owner_object.name_span(), "the Knative object that owns the revision")
        .with_help(format!(
            "route to `{}.{}.svc.cluster.local` with `rewrite.authority` set to it; pin a revision with a `spec.traffic` tag instead",
            owner_object.name, owner_object.namespace
        ))
    }

    /// The authority a request to a Knative Service, the local gateway or the ingress
    /// gateway carries must be a host that gateway serves.
    fn check_authority(&self, t: &Target<'_>, reach: &Reach, out: &mut Vec<Diagnostic>) {
        let Some((via, local)) = self.via(reach) else {
            return;
        };
        let Some(authority) = t.authority else {
            // The ingress gateway also serves non-Knative hosts.
            if local {
                out.extend(self.missing_rewrite(t, reach, &via));
            }
            return;
        };
        let value = authority.value.trim_end_matches('.').to_ascii_lowercase();
        if self.reach.served(&value, local).is_some() {
            return;
        }
        if local {
            out.extend(self.unserved_local(t, reach, &via, authority, &value));
        } else {
            out.extend(self.unserved_external(t, &via, authority, &value));
        }
    }

    /// What a destination reaches, for messages, and whether that is the local gateway.
    fn via(&self, reach: &Reach) -> Option<(String, bool)> {
        Some(match reach {
            Reach::Knative(id) => (
                format!(
                    "{}, which Knative serves through its local gateway",
                    self.ctx.inv.object(*id).display()
                ),
                true,
            ),
            Reach::LocalGateway => ("Knative's local gateway".to_string(), true),
            Reach::IngressGateway => ("the Knative ingress gateway".to_string(), false),
            Reach::Revision(_) => return None,
        })
    }

    /// The cluster-local host to suggest as the authority.
    fn suggestion(&self, reach: &Reach) -> String {
        match reach {
            Reach::Knative(id) => {
                let o = self.ctx.inv.object(*id);
                format!("{}.{}.svc.cluster.local", o.name, o.namespace)
            }
            _ => "<name>.<namespace>.svc.cluster.local".to_string(),
        }
    }

    /// `d`, pointing at the Knative Service the destination names, if it names one.
    fn related(&self, d: Diagnostic, reach: &Reach) -> Diagnostic {
        match reach {
            Reach::Knative(id) => {
                let o = self.ctx.inv.object(*id);
                d.with_related(o.file, o.name_span(), "the Knative Service")
            }
            _ => d,
        }
    }

    /// No `rewrite.authority` towards the local gateway: the request keeps the
    /// VirtualService's own host, fine only when Knative serves that host.
    fn missing_rewrite(&self, t: &Target<'_>, reach: &Reach, via: &str) -> Option<Diagnostic> {
        let vs = t.vs;
        let own_hosts_served = !vs.hosts.is_empty()
            && vs.hosts.iter().all(|h| {
                self.reach
                    .served(&istio_fqdn(&h.value, &vs.namespace), true)
                    .is_some()
            });
        if own_hosts_served {
            return None;
        }
        let hosts: Vec<String> = vs.hosts.iter().map(|h| format!("`{}`", h.value)).collect();
        Some(self.related(
            RULE.on(
                t.object,
                t.dest.host.span,
                format!(
                    "{} routes `{}` to {via}, without `rewrite.authority`: the request keeps the host {}, which matches no Knative route, and gets 404",
                    t.object.display(),
                    t.dest.host.value,
                    if hosts.is_empty() { "it was sent with".to_string() } else { hosts.join(", ") }
                ),
            )
            .with_help(format!(
                "add `rewrite: {{authority: {}}}` to this rule (or use a DomainMapping for a custom domain)",
                self.suggestion(reach)
            )),
            reach,
        ))
    }

    /// An authority the ingress gateway does not serve. Only authorities that name a
    /// Knative Service are judged: the cluster-local host of one, or the would-be external
    /// host `N.S.<domain>` of a cluster-local one.
    fn unserved_external(
        &self,
        t: &Target<'_>,
        via: &str,
        authority: &Spanned,
        value: &str,
    ) -> Option<Diagnostic> {
        let inv = self.ctx.inv;
        if inv.domain_mappings.iter().any(|m| m.domain == value) {
            return None;
        }
        if let Some(host) = self.reach.served(value, true) {
            let o = inv.object(host.object);
            let external = self.reach.external_of(host.object, host.tag.as_deref());
            let fix = match external {
                Some(h) if !h.domain_unknown => format!("set the authority to its external host `{}`, or route to `{DEFAULT_LOCAL_GATEWAY_SERVICE}`", h.host),
                _ => format!("route to `{DEFAULT_LOCAL_GATEWAY_SERVICE}` instead, which serves cluster-local hosts"),
            };
            return Some(
                RULE.on(
                    t.object,
                    authority.span,
                    format!(
                        "{} rewrites the authority to `{}`, the cluster-local host of {}, but sends it to {via}, which only serves external hosts: 404",
                        t.object.display(),
                        authority.value,
                        o.display()
                    ),
                )
                .with_related(o.file, o.name_span(), "the Knative Service")
                .with_help(fix),
            );
        }
        let mut labels = value.split('.');
        let (name, ns) = (labels.next()?, labels.next()?);
        let serving = inv.serving.iter().find(|s| {
            s.kind != "Configuration" && s.cluster_local && s.name == name && s.namespace == ns
        })?;
        let o = inv.object(serving.object);
        Some(
            RULE.on(
                t.object,
                authority.span,
                format!(
                    "{} rewrites the authority to `{}` and sends it to {via}, but {} is cluster-local and has no external host: 404",
                    t.object.display(),
                    authority.value,
                    o.display()
                ),
            )
            .with_related(o.file, o.name_span(), "labelled cluster-local")
            .with_help(format!(
                "route to `{DEFAULT_LOCAL_GATEWAY_SERVICE}` with `rewrite.authority: {name}.{ns}.svc.cluster.local`"
            )),
        )
    }

    /// An authority the local gateway (reached directly or through the Knative Service's
    /// ExternalName alias) does not serve.
    fn unserved_local(
        &self,
        t: &Target<'_>,
        reach: &Reach,
        via: &str,
        authority: &Spanned,
        value: &str,
    ) -> Option<Diagnostic> {
        let inv = self.ctx.inv;
        let problem = match cluster_local_form(value) {
            Some(host) if !self.reach.knows(&host.namespace) => return None, // defined elsewhere
            Some(host) => {
                let known: Vec<&str> = inv
                    .serving
                    .iter()
                    .filter(|s| s.kind != "Configuration" && s.namespace == host.namespace)
                    .map(|s| s.name.as_str())
                    .collect();
                format!(
                    "no Knative Service or Route `{}` exists in namespace `{}`{}",
                    host.name,
                    host.namespace,
                    crate::inventory::did_you_mean(&host.name, known)
                )
            }
            None => match self.reach.served(value, false) {
                Some(h) => format!(
                    "that is the external host of {}, and the local gateway only serves cluster-local hosts",
                    inv.object(h.object).display()
                ),
                None => "the local gateway only serves cluster-local hosts (`<name>.<namespace>.svc.cluster.local`)".to_string(),
            },
        };
        Some(self.related(
            RULE.on(
                t.object,
                authority.span,
                format!(
                    "{} rewrites the authority to `{}` and sends it to {via}, which answers 404: {problem}",
                    t.object.display(),
                    authority.value
                ),
            )
            .with_help(format!(
                "set `rewrite.authority` to the cluster-local host of the Knative Service, e.g. `{}`",
                self.suggestion(reach)
            )),
            reach,
        ))
    }

    /// VirtualService hosts that are hosts Knative serves itself.
    fn check_hosts(&self, vs: &VirtualService, object: &Object, out: &mut Vec<Diagnostic>) {
        for host in &vs.hosts {
            if host.value.contains('*') {
                continue;
            }
            let fqdn = istio_fqdn(&host.value, &vs.namespace);
            // External hosts count only when the domain is known: a guessed domain would
            // turn every `name.namespace.anything` host into a conflict.
            let found = self
                .reach
                .served(&fqdn, true)
                .or_else(|| self.reach.external_exact(&fqdn));
            let Some(k) = found else {
                continue;
            };
            let o = self.ctx.inv.object(k.object);
            let generated = if k.external { "-ingress" } else { "-mesh" };
            out.push(
                RULE.on(
                    object,
                    host.span,
                    format!(
                        "host `{}` of {} is a host Knative serves for {}: it conflicts with the VirtualService `{}{generated}` that Knative generates for it",
                        host.value,
                        object.display(),
                        o.display(),
                        o.name
                    ),
                )
                .with_related(o.file, o.name_span(), "Knative serves this host")
                .with_help("use a host of your own (a DomainMapping publishes a Knative Service under a custom domain), and let Knative route its own hosts"),
            );
        }
    }
}
