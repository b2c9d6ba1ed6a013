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

use std::collections::{HashMap, HashSet};

use crate::checks::{Context, Rule};
use crate::graph::{istio_fqdn, HostForm, HostTarget, KnativeHost, ServiceHost};
use crate::inventory::istio::{RouteProtocol, Spanned};
use crate::inventory::knative::{DEFAULT_LOCAL_GATEWAY_SERVICE, SERVING};
use crate::inventory::{Inventory, VirtualService};
use crate::manifest::{Object, ObjectId};
use crate::diagnostic::{Diagnostic, Severity};

pub const RULE: Rule = Rule {
    code: "KR406",
    severity: Severity::Warning,
    summary: "VirtualService routes to a Knative Service without a `rewrite.authority` Knative serves, or to Knative-managed revision Services",
    run,
};

/// Label Knative puts on the VirtualServices net-istio generates.
const KNATIVE_INGRESS_LABEL: &str = "networking.internal.knative.dev/ingress";

/// Whether a VirtualService was written by Knative itself.
pub fn knative_generated(object: &Object) -> bool {
    object.labels.contains_key(KNATIVE_INGRESS_LABEL)
        || object.labels.contains_key("serving.knative.dev/route")
}

/// The cluster-local name an authority stands for (`N.S`, `N.S.svc`, `N.S.svc.cluster.local`
/// → the FQDN), if it has that shape.
pub fn cluster_local_form(authority: &str) -> Option<ServiceHost> {
    ServiceHost::parse(authority, "").filter(|h| h.form != HostForm::Short)
}

/// What a route destination of a user VirtualService reaches, Knative-wise.
#[derive(Clone, Debug)]
pub enum Reach {
    /// A Knative Service/Route host (its Route Service or a tag Service).
    Knative(ObjectId),
    LocalGateway,
    IngressGateway,
    /// `<revision>` or `<revision>-private` of a Knative Service/Configuration.
    Revision {
        owner: ObjectId,
        revision: String,
        private: bool,
    },
}

/// Classifies destinations by Knative role; built once per run.
pub struct KnativeReach {
    local_services: HashSet<String>,
    ingress_services: HashSet<String>,
    /// (namespace, revision name) → owner.
    revisions: HashMap<(String, String), ObjectId>,
    /// (namespace, name) of Knative Services/Configurations, for generated revision names.
    configurations: HashMap<(String, String), ObjectId>,
    /// Namespaces with a Knative Service or Route.
    namespaces: HashSet<String>,
    pub local_gateways: HashSet<String>,
}

impl KnativeReach {
    pub fn build(inv: &Inventory) -> KnativeReach {
        let (local, external) = inv.knative_config.gateways();
        let mut revisions = HashMap::new();
        let mut configurations = HashMap::new();
        for serving in &inv.serving {
            if serving.kind != "Route" {
                configurations.insert(
                    (serving.namespace.clone(), serving.name.clone()),
                    serving.object,
                );
                if let Some(byo) = &serving.revision_name {
                    revisions.insert(
                        (serving.namespace.clone(), byo.value.clone()),
                        serving.object,
                    );
                }
            }
        }
        for object in inv
            .objects
            .iter()
            .filter(|o| o.group == SERVING && o.kind == "Revision")
        {
            revisions.insert((object.namespace.clone(), object.name.clone()), object.id);
        }
        KnativeReach {
            local_gateways: local.iter().map(|(g, _)| g.clone()).collect(),
            local_services: local.into_iter().map(|(_, s)| s).collect(),
            ingress_services: external.into_iter().map(|(_, s)| s).collect(),
            revisions,
            configurations,
            namespaces: inv
                .serving
                .iter()
                .filter(|s| s.kind != "Configuration")
                .map(|s| s.namespace.clone())
                .collect(),
        }
    }

    /// Whether any Knative Service or Route lives in `namespace`.
    pub fn knows(&self, namespace: &str) -> bool {
        self.namespaces.contains(namespace)
    }

    pub fn classify(&self, targets: &[HostTarget], fqdn: &str) -> Option<Reach> {
        if let Some(HostTarget::KnativeService(id)) = targets
            .iter()
            .find(|t| matches!(t, HostTarget::KnativeService(_)))
        {
            return Some(Reach::Knative(*id));
        }
        if self.local_services.contains(fqdn) {
            return Some(Reach::LocalGateway);
        }
        if self.ingress_services.contains(fqdn) {
            return Some(Reach::IngressGateway);
        }
        let host = ServiceHost::parse(fqdn, "")?;
        if host.form != HostForm::Qualified {
            return None;
        }
        let (name, private) = match host.name.strip_suffix("-private") {
            Some(rev) => (rev, true),
            None => (host.name.as_str(), false),
        };
        let ns = host.namespace.clone();
        let owner = self
            .revisions
            .get(&(ns.clone(), name.to_string()))
            .copied()
            .or_else(|| {
                // Generated names: `<configuration>-00001`.
                let (base, digits) = name.rsplit_once('-')?;
                (digits.len() == 5 && digits.bytes().all(|b| b.is_ascii_digit()))
                    .then(|| self.configurations.get(&(ns, base.to_string())).copied())
                    .flatten()
            })?;
        Some(Reach::Revision {
            owner,
            revision: name.to_string(),
            private,
        })
    }

    /// The Knative host (cluster-local when `local`, else external) that serves `authority`.
    pub fn served<'h>(
        &self,
        graph_hosts: &'h [KnativeHost],
        authority: &str,
        local: bool,
    ) -> Option<&'h KnativeHost> {
        let authority = authority.trim_end_matches('.').to_ascii_lowercase();
        if local {
            let fqdn = cluster_local_form(&authority)?.fqdn();
            graph_hosts.iter().find(|h| !h.external && h.host == fqdn)
        } else {
            graph_hosts
                .iter()
                .find(|h| h.external && h.serves(&authority))
        }
    }
}

fn run(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    if ctx.inv.serving.is_empty()
        && !ctx.inv.virtual_services.iter().any(|vs| {
            vs.routes
                .iter()
                .flat_map(|r| &r.destinations)
                .any(|d| d.host.value.starts_with("knative-local-gateway."))
        })
    {
        return;
    }
    let reach = KnativeReach::build(ctx.inv);
    let khosts = &ctx.graph.knative_hosts;
    for vs in &ctx.inv.virtual_services {
        let object = ctx.inv.object(vs.object);
        if knative_generated(object) {
            continue;
        }
        check_hosts(ctx, &reach, vs, object, out);
        for route in &vs.routes {
            for dest in &route.destinations {
                let fqdn = istio_fqdn(&dest.host.value, &vs.namespace);
                let targets = ctx.graph.hosts.resolve(&fqdn);
                let Some(kind) = reach.classify(&targets, &fqdn) else {
                    continue;
                };
                if let Reach::Revision {
                    owner,
                    revision,
                    private,
                } = &kind
                {
                    let owner_object = ctx.inv.object(*owner);
                    let (what, why) = if *private {
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
                    out.push(
                        RULE.on(
                            object,
                            dest.host.span,
                            format!(
                                "{} routes to {what} managed by Knative for {}: {why}",
                                object.display(),
                                owner_object.display()
                            ),
                        )
                        .with_related(owner_object.file, owner_object.name_span(), "the Knative object that owns the revision")
                        .with_help(format!(
                            "route to `{}.{}.svc.cluster.local` with `rewrite.authority` set to it; pin a revision with a `spec.traffic` tag instead",
                            owner_object.name, owner_object.namespace
                        )),
                    );
                    continue;
                }
                if route.protocol != RouteProtocol::Http {
                    continue;
                }
                check_authority(
                    ctx,
                    &reach,
                    khosts,
                    vs,
                    object,
                    route.rewrite_authority.as_ref(),
                    dest,
                    &kind,
                    out,
                );
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn check_authority(
    ctx: &Context<'_>,
    reach: &KnativeReach,
    khosts: &[KnativeHost],
    vs: &VirtualService,
    object: &Object,
    authority: Option<&Spanned>,
    dest: &crate::inventory::istio::Destination,
    kind: &Reach,
    out: &mut Vec<Diagnostic>,
) {
    let (via, local) = match kind {
        Reach::Knative(id) => {
            let o = ctx.inv.object(*id);
            (
                format!(
                    "{}, which Knative serves through its local gateway",
                    o.display()
                ),
                true,
            )
        }
        Reach::LocalGateway => ("Knative's local gateway".to_string(), true),
        Reach::IngressGateway => ("the Knative ingress gateway".to_string(), false),
        Reach::Revision { .. } => return,
    };
    let suggestion = |kind: &Reach| match kind {
        Reach::Knative(id) => {
            let o = ctx.inv.object(*id);
            format!("{}.{}.svc.cluster.local", o.name, o.namespace)
        }
        _ => "<name>.<namespace>.svc.cluster.local".to_string(),
    };
    let related = |d: Diagnostic, kind: &Reach| match kind {
        Reach::Knative(id) => {
            let o = ctx.inv.object(*id);
            d.with_related(o.file, o.name_span(), "the Knative Service")
        }
        _ => d,
    };
    let Some(authority) = authority else {
        if !local {
            return; // the ingress gateway also serves non-Knative hosts
        }
        // Without a rewrite the authority is the VirtualService's own host.
        let own_hosts_served = !vs.hosts.is_empty()
            && vs.hosts.iter().all(|h| {
                reach
                    .served(khosts, &istio_fqdn(&h.value, &vs.namespace), true)
                    .is_some()
            });
        if own_hosts_served {
            return;
        }
        let hosts: Vec<String> = vs.hosts.iter().map(|h| format!("`{}`", h.value)).collect();
        out.push(related(
            RULE.on(
                object,
                dest.host.span,
                format!(
                    "{} routes `{}` to {via}, without `rewrite.authority`: the request keeps the host {}, which matches no Knative route, and gets 404",
                    object.display(),
                    dest.host.value,
                    if hosts.is_empty() { "it was sent with".to_string() } else { hosts.join(", ") }
                ),
            )
            .with_help(format!(
                "add `rewrite: {{authority: {}}}` to this rule (or use a DomainMapping for a custom domain)",
                suggestion(kind)
            )),
            kind,
        ));
        return;
    };
    let value = authority.value.trim_end_matches('.').to_ascii_lowercase();
    if reach.served(khosts, &value, local).is_some() {
        return;
    }
    if !local {
        // The ingress gateway: only judge authorities that name a Knative Service.
        if ctx.inv.domain_mappings.iter().any(|m| m.domain == value) {
            return;
        }
        if let Some(host) = reach.served(khosts, &value, true) {
            let o = ctx.inv.object(host.object);
            let external = khosts
                .iter()
                .find(|h| h.external && h.object == host.object && h.tag == host.tag);
            let fix = match external {
                Some(h) if !h.domain_unknown => format!("set the authority to its external host `{}`, or route to `{DEFAULT_LOCAL_GATEWAY_SERVICE}`", h.host),
                _ => format!("route to `{DEFAULT_LOCAL_GATEWAY_SERVICE}` instead, which serves cluster-local hosts"),
            };
            out.push(
                RULE.on(
                    object,
                    authority.span,
                    format!(
                        "{} rewrites the authority to `{}`, the cluster-local host of {}, but sends it to {via}, which only serves external hosts: 404",
                        object.display(),
                        authority.value,
                        o.display()
                    ),
                )
                .with_related(o.file, o.name_span(), "the Knative Service")
                .with_help(fix),
            );
            return;
        }
        // `N.S.<domain>` of a cluster-local Knative Service: it has no external host.
        let mut labels = value.split('.');
        let (Some(name), Some(ns)) = (labels.next(), labels.next()) else {
            return;
        };
        if let Some(serving) = ctx.inv.serving.iter().find(|s| {
            s.kind != "Configuration" && s.cluster_local && s.name == name && s.namespace == ns
        }) {
            let o = ctx.inv.object(serving.object);
            out.push(
                RULE.on(
                    object,
                    authority.span,
                    format!(
                        "{} rewrites the authority to `{}` and sends it to {via}, but {} is cluster-local and has no external host: 404",
                        object.display(),
                        authority.value,
                        o.display()
                    ),
                )
                .with_related(o.file, o.name_span(), "labelled cluster-local")
                .with_help(format!(
                    "route to `{DEFAULT_LOCAL_GATEWAY_SERVICE}` with `rewrite.authority: {name}.{ns}.svc.cluster.local`"
                )),
            );
        }
        return;
    }
    // Local gateway (directly or through the Knative Service's ExternalName alias).
    let problem = match cluster_local_form(&value) {
        Some(host) if !reach.knows(&host.namespace) => return, // defined elsewhere
        Some(host) => {
            let known: Vec<&str> = ctx
                .inv
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
        None => match khosts.iter().find(|h| h.external && h.serves(&value)) {
            Some(h) => format!(
                "that is the external host of {}, and the local gateway only serves cluster-local hosts",
                ctx.inv.object(h.object).display()
            ),
            None => "the local gateway only serves cluster-local hosts (`<name>.<namespace>.svc.cluster.local`)".to_string(),
        },
    };
    out.push(related(
        RULE.on(
            object,
            authority.span,
            format!(
                "{} rewrites the authority to `{}` and sends it to {via}, which answers 404: {problem}",
                object.display(),
                authority.value
            ),
        )
        .with_help(format!(
            "set `rewrite.authority` to the cluster-local host of the Knative Service, e.g. `{}`",
            suggestion(kind)
        )),
        kind,
    ));
}

/// VirtualService hosts that are hosts Knative serves itself.
fn check_hosts(
    ctx: &Context<'_>,
    reach: &KnativeReach,
    vs: &VirtualService,
    object: &Object,
    out: &mut Vec<Diagnostic>,
) {
    let khosts = &ctx.graph.knative_hosts;
    for host in &vs.hosts {
        if host.value.contains('*') {
            continue;
        }
        let fqdn = istio_fqdn(&host.value, &vs.namespace);
        // External hosts count only when the domain is known: a guessed domain would
        // turn every `name.namespace.anything` host into a conflict.
        let found = reach.served(khosts, &fqdn, true).or_else(|| {
            khosts
                .iter()
                .find(|h| h.external && !h.domain_unknown && h.host == fqdn)
        });
        let Some(k) = found else {
            continue;
        };
        let o = ctx.inv.object(k.object);
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
