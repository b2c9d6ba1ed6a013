//! Helpers the Knative rules (KR4xx) share.

use std::cell::OnceCell;
use std::collections::{HashMap, HashSet};

use crate::checks::support::namespace::outside_input;
use crate::checks::{Context, Rule};
use crate::diagnostic::{Diagnostic, Severity};
use crate::graph::{
    resolve_ref, HostForm, HostTarget, KnativeHost, RevisionHost, RoutingGraph, ServiceHost, Vertex,
};
use crate::inventory::knative::{DestinationRole, EventDestination, KRef, SERVING};
use crate::inventory::{did_you_mean, Inventory, Serving, Spanned};
use crate::manifest::{Object, ObjectId};

/// The Knative Services and Routes (the kinds with `spec.traffic`), with their objects.
pub fn traffic_owners<'a>(ctx: &'a Context<'_>) -> impl Iterator<Item = (&'a Serving, &'a Object)> {
    ctx.inv
        .serving
        .iter()
        .filter(|s| matches!(s.kind.as_str(), "Service" | "Route"))
        .map(|s| (s, ctx.inv.object(s.object)))
}

/// `Knative Service ns/name`, as messages name these objects.
pub fn knative_display(object: &Object) -> String {
    format!("Knative {}", object.display())
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
    Revision(RevisionHost),
}

/// Classifies destinations by Knative role, and finds the Knative host that serves an
/// authority; built once per run.
pub struct KnativeReach<'h> {
    local_services: HashSet<String>,
    ingress_services: HashSet<String>,
    /// Namespaces with a Knative Service or Route.
    namespaces: HashSet<String>,
    pub local_gateways: HashSet<String>,
    hosts: KnativeHostIndex<'h>,
}

impl<'h> KnativeReach<'h> {
    /// The gateways of `config-istio`, the namespaces Knative serves in and an index of the
    /// hosts of `graph`.
    pub fn build(inv: &Inventory, graph: &'h RoutingGraph) -> KnativeReach<'h> {
        let (local, external) = inv.knative_config.gateways();
        KnativeReach {
            local_gateways: local.iter().map(|(g, _)| g.clone()).collect(),
            local_services: local.into_iter().map(|(_, s)| s).collect(),
            ingress_services: external.into_iter().map(|(_, s)| s).collect(),
            namespaces: inv
                .serving
                .iter()
                .filter(|s| s.kind != "Configuration")
                .map(|s| s.namespace.clone())
                .collect(),
            hosts: KnativeHostIndex::new(&graph.knative_hosts),
        }
    }

    /// Whether any Knative Service or Route lives in `namespace`.
    pub fn knows(&self, namespace: &str) -> bool {
        self.namespaces.contains(namespace)
    }

    /// What destination `fqdn`, which resolves to `targets`, reaches; `None` when nothing
    /// Knative.
    pub fn classify(
        &self,
        graph: &RoutingGraph,
        targets: &[HostTarget],
        fqdn: &str,
    ) -> Option<Reach> {
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
        graph.revision(fqdn).map(Reach::Revision)
    }

    /// The Knative host (cluster-local when `local`, else external) that serves `authority`:
    /// the first in the graph's order.
    pub fn served(&self, authority: &str, local: bool) -> Option<&'h KnativeHost> {
        let authority = authority.trim_end_matches('.').to_ascii_lowercase();
        if local {
            let fqdn = cluster_local_form(&authority)?.fqdn();
            self.hosts.first(&self.hosts.local, &fqdn)
        } else {
            self.hosts.external_serving(&authority)
        }
    }

    /// The external host of a known domain that is exactly `host`.
    pub fn external_exact(&self, host: &str) -> Option<&'h KnativeHost> {
        self.hosts.first(&self.hosts.external, host)
    }

    /// The first external host of `object` for traffic tag `tag`.
    pub fn external_of(&self, object: ObjectId, tag: Option<&str>) -> Option<&'h KnativeHost> {
        let &i = self.hosts.external_by_owner.get(&(object, tag))?;
        self.hosts.all.get(i)
    }
}

/// The graph's Knative hosts by name, each map keeping the first host (in graph order) of
/// each key, so that a lookup answers what a scan of the list in order would, in time
/// independent of how many hosts there are.
struct KnativeHostIndex<'h> {
    all: &'h [KnativeHost],
    /// Cluster-local hosts.
    local: HashMap<&'h str, usize>,
    /// External hosts whose domain is known.
    external: HashMap<&'h str, usize>,
    /// External hosts whose domain is unknown, by the prefix they serve.
    prefixes: HashMap<&'h str, usize>,
    /// The distinct lengths of those prefixes, ascending.
    prefix_lengths: Vec<usize>,
    external_by_owner: HashMap<(ObjectId, Option<&'h str>), usize>,
}

impl<'h> KnativeHostIndex<'h> {
    fn new(all: &'h [KnativeHost]) -> KnativeHostIndex<'h> {
        let mut index = KnativeHostIndex {
            all,
            local: HashMap::new(),
            external: HashMap::new(),
            prefixes: HashMap::new(),
            prefix_lengths: Vec::new(),
            external_by_owner: HashMap::new(),
        };
        for (i, h) in all.iter().enumerate() {
            let map = match (h.external, h.domain_unknown) {
                (false, _) => &mut index.local,
                (true, false) => &mut index.external,
                (true, true) => &mut index.prefixes,
            };
            map.entry(h.host.as_str()).or_insert(i);
            if h.external {
                index
                    .external_by_owner
                    .entry((h.object, h.tag.as_deref()))
                    .or_insert(i);
            }
        }
        index.prefix_lengths = index.prefixes.keys().map(|p| p.len()).collect();
        index.prefix_lengths.sort_unstable();
        index.prefix_lengths.dedup();
        index
    }

    fn first(&self, map: &HashMap<&'h str, usize>, host: &str) -> Option<&'h KnativeHost> {
        map.get(host).and_then(|&i| self.all.get(i))
    }

    /// The first external host that serves `host` ([`KnativeHost::serves`]): an exact host,
    /// or a prefix of an unknown domain that `host` extends.
    fn external_serving(&self, host: &str) -> Option<&'h KnativeHost> {
        let exact = self.external.get(host).copied();
        let prefixed = self
            .prefix_lengths
            .iter()
            .take_while(|&&len| len < host.len())
            .filter_map(|&len| host.get(..len))
            .filter_map(|prefix| self.prefixes.get(prefix).copied());
        exact
            .into_iter()
            .chain(prefixed)
            .min()
            .and_then(|i| self.all.get(i))
    }
}

/// Whether an object of `kind` could be the target of an eventing or DomainMapping ref (an
/// addressable or a SinkBinding subject), so that naming it with another kind is a likely
/// mix-up worth mentioning.
fn plausible_target(kind: &str) -> bool {
    matches!(
        kind,
        "Service"
            | "Route"
            | "Broker"
            | "Sequence"
            | "Parallel"
            | "JobSink"
            | "IntegrationSink"
            | "Deployment"
            | "StatefulSet"
            | "DaemonSet"
            | "Job"
            | "CronJob"
    ) || kind.ends_with("Channel")
}

/// Checks Knative references for KR408, KR410 and KR411: existence with a helpful
/// explanation, the port-80 rule of core Services, and in-cluster `uri` hosts.
pub struct RefChecker<'a> {
    ctx: &'a Context<'a>,
    /// Objects by name, built on the first broken reference.
    by_name: OnceCell<HashMap<&'a str, Vec<ObjectId>>>,
}

impl<'a> RefChecker<'a> {
    /// A checker for the references of `ctx`'s input.
    pub fn new(ctx: &'a Context<'a>) -> RefChecker<'a> {
        RefChecker {
            ctx,
            by_name: OnceCell::new(),
        }
    }

    fn named(&self, name: &str) -> impl Iterator<Item = &'a Object> + '_ {
        let inv = self.ctx.inv;
        let index = self.by_name.get_or_init(|| {
            let mut index: HashMap<&'a str, Vec<ObjectId>> = HashMap::new();
            for object in &inv.objects {
                index
                    .entry(object.name.as_str())
                    .or_default()
                    .push(object.id);
            }
            index
        });
        index
            .get(name)
            .into_iter()
            .flatten()
            .map(move |id| inv.object(*id))
    }

    /// Whether `object` is what `r` asks for, by group and kind (a core `v1` Service ref also
    /// accepts a Knative Service).
    fn fits(r: &KRef, object: &Object) -> bool {
        object.kind == r.kind
            && ((r.group.is_empty() && object.kind == "Service" && object.group == SERVING)
                || object.group == r.group)
    }

    /// The diagnostic for `r` (in `field` of `object`) naming nothing: the closest name of
    /// that kind in the namespace, and objects of that name with another apiVersion, kind
    /// or namespace as related locations.
    pub fn missing(&self, rule: &Rule, object: &Object, field: &str, r: &KRef) -> Diagnostic {
        let inv = self.ctx.inv;
        let api = if r.api_version.is_empty() {
            r.group.clone()
        } else {
            r.api_version.clone()
        };
        let candidates: Vec<&str> = inv
            .names(&r.kind, &r.namespace)
            .filter(|name| {
                inv.find(&r.kind, &r.namespace, name)
                    .any(|o| Self::fits(r, o))
            })
            .collect();
        // Objects of that name that may be the one meant, most likely first.
        let mut near: Vec<(u8, &Object, String)> = Vec::new();
        for other in self.named(&r.name) {
            if other.id == object.id {
                continue;
            }
            let (rank, note) = if other.kind == r.kind && other.namespace == r.namespace {
                let note = format!(
                    "a {} `{}` exists with apiVersion `{}`, not `{api}`",
                    other.kind, other.name, other.api_version
                );
                (0, note)
            } else if Self::fits(r, other) {
                let note = format!(
                    "a {} `{}` exists in namespace `{}`, not `{}`",
                    other.kind, other.name, other.namespace, r.namespace
                );
                (1, note)
            } else if other.namespace == r.namespace && plausible_target(&other.kind) {
                let note = format!(
                    "`{}` in namespace `{}` is of kind {} (`{}`), not {}",
                    other.name, other.namespace, other.kind, other.api_version, r.kind
                );
                (2, note)
            } else {
                continue;
            };
            near.push((rank, other, note));
        }
        near.sort_by_key(|(rank, _, _)| *rank);
        let mut message = format!(
            "{} names {} `{}` (`{api}`) as its `{field}`, but there is none in namespace `{}`",
            object.display(),
            r.kind,
            r.name,
            r.namespace
        );
        match near.first() {
            Some((_, _, note)) => message.push_str(&format!("; {note}")),
            None => message.push_str(&did_you_mean(&r.name, candidates.iter().copied())),
        }
        let rename = near.is_empty().then(|| {
            super::fix::rename(
                self.ctx,
                object,
                r.name_span,
                &r.name,
                candidates.iter().copied(),
            )
        });
        let mut diagnostic = rule
            .on(object, r.name_span, message)
            .with_fix(rename.flatten());
        for (_, other, note) in near.into_iter().take(3) {
            diagnostic = diagnostic.with_related_object(other, note);
        }
        outside_input(self.ctx, &r.namespace, diagnostic)
    }

    /// Checks one eventing destination with `rule`: a missing `ref` target (error), a core
    /// Service without port 80 and an in-cluster `uri` host nothing provides (warnings).
    pub fn check_destination(
        &self,
        rule: &Rule,
        dest: &EventDestination,
        help: &str,
        out: &mut Vec<Diagnostic>,
    ) {
        let object = self.ctx.inv.object(dest.object);
        let field = dest.role.field();
        if let Some(r) = &dest.destination.reference {
            if r.kind.is_empty() || r.name.is_empty() {
                return; // incomplete ref: a schema problem, not a dangling one
            }
            match resolve_ref(self.ctx.inv, r) {
                None => out.push(self.missing(rule, object, field, r).with_help(help)),
                Some(Vertex::Service(id))
                    if !matches!(
                        dest.role,
                        DestinationRole::Subject | DestinationRole::Channel
                    ) =>
                {
                    out.extend(self.no_port_80(rule, object, field, id, r));
                }
                Some(_) => {}
            }
            // A relative `uri` next to a `ref` only adds a path.
            return;
        }
        if let Some(uri) = &dest.destination.uri {
            out.extend(self.uri_host(rule, object, field, uri));
        }
    }

    /// The warning for a `v1` Service ref whose Service has ports but not port 80.
    fn no_port_80(
        &self,
        rule: &Rule,
        object: &Object,
        field: &str,
        id: crate::inventory::ServiceId,
        r: &KRef,
    ) -> Option<Diagnostic> {
        let svc = self.ctx.inv.service(id);
        if svc.ports.is_empty() || svc.ports.iter().any(|p| p.port == 80) {
            return None;
        }
        Some(
            rule.on(
                object,
                r.name_span,
                format!(
                    "{} names Service {}/{} as its `{field}`, but it has no port 80 (it has {}): Knative sends events to `http://{}.{}.svc.cluster.local`, port 80",
                    object.display(),
                    svc.namespace,
                    svc.name,
                    svc.describe_ports(),
                    svc.name,
                    svc.namespace
                ),
            )
            .with_severity(Severity::Warning)
            .with_related_object(self.ctx.inv.object(svc.object), "the Service")
            .with_help("add a port 80 to the Service (with `targetPort` set to the container's port), or use a `uri` with the port"),
        )
    }

    /// The warning for an absolute `uri` naming an in-cluster host (`name.ns.svc[.cluster.local]`)
    /// that no Service provides, or a port it lacks.
    fn uri_host(
        &self,
        rule: &Rule,
        object: &Object,
        field: &str,
        uri: &Spanned,
    ) -> Option<Diagnostic> {
        let inv = self.ctx.inv;
        let target = InClusterUri::parse(&uri.value)?;
        if !inv.knows_namespace(&target.namespace) {
            return None;
        }
        let fqdn = format!("{}.{}.svc.cluster.local", target.name, target.namespace);
        let found = self.ctx.graph.hosts.resolve(&fqdn);
        let lead = format!(
            "{} has `{field}` URI `{}`, which",
            object.display(),
            uri.value
        );
        if found.is_empty() {
            if inv
                .find("Service", &target.namespace, &target.name)
                .next()
                .is_some()
            {
                return None;
            }
            return Some(
                rule.on(
                    object,
                    uri.span,
                    format!(
                        "{lead} names host `{fqdn}`, but there is no Service `{}` in namespace `{}`{}",
                        target.name,
                        target.namespace,
                        did_you_mean(&target.name, inv.names("Service", &target.namespace))
                    ),
                )
                .with_severity(Severity::Warning)
                .with_help("fix the host name, or add the Service (a `ref` instead of a `uri` lets kroute and Knative check it)"),
            );
        }
        let svc = found.iter().find_map(|t| match t {
            HostTarget::Service(id) => Some(inv.service(*id)),
            _ => None,
        })?;
        if svc.ports.is_empty() || svc.headless || svc.ports.iter().any(|p| p.port == target.port) {
            return None;
        }
        Some(
            rule.on(
                object,
                uri.span,
                format!(
                    "{lead} connects to port {}, but Service {}/{} has {}",
                    target.port,
                    svc.namespace,
                    svc.name,
                    svc.describe_ports()
                ),
            )
            .with_severity(Severity::Warning)
            .with_related_object(inv.object(svc.object), "the Service")
            .with_help(
                "use one of the Service's ports in the URI (without one, `http` means port 80)",
            ),
        )
    }
}

/// An absolute URI naming an in-cluster Service host.
#[derive(Debug, PartialEq, Eq)]
pub struct InClusterUri {
    pub name: String,
    pub namespace: String,
    /// The explicit port, else the scheme's (80 for `http`, 443 for `https`).
    pub port: i64,
}

impl InClusterUri {
    /// `http://name.ns.svc.cluster.local[:port][/path]` or `…//name.ns.svc…`; `None` for
    /// relative URIs and other hosts.
    pub fn parse(uri: &str) -> Option<InClusterUri> {
        let (scheme, rest) = uri.trim().split_once("://")?;
        let default_port = match scheme.to_ascii_lowercase().as_str() {
            "http" => 80,
            "https" => 443,
            _ => return None,
        };
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        let (host, port) = match authority.rsplit_once(':') {
            Some((host, port)) => (host, port.parse::<i64>().ok()?),
            None => (authority, default_port),
        };
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        let stem = host
            .strip_suffix(".svc.cluster.local")
            .or_else(|| host.strip_suffix(".svc"))?;
        let (name, namespace) = stem.split_once('.')?;
        if name.is_empty() || namespace.is_empty() || namespace.contains('.') {
            return None;
        }
        Some(InClusterUri {
            name: name.to_string(),
            namespace: namespace.to_string(),
            port,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(object: u32, host: &str, external: bool, domain_unknown: bool) -> KnativeHost {
        KnativeHost {
            object: ObjectId(object),
            tag: None,
            host: host.to_string(),
            external,
            domain_unknown,
        }
    }

    /// The index answers what a scan of the hosts in order answers: the first host that
    /// serves, exact or by prefix of an unknown domain.
    #[test]
    fn host_index_finds_the_first_host_a_scan_finds() {
        let hosts = [
            host(0, "a.ns.svc.cluster.local", false, false),
            host(1, "a.ns.", true, true),
            host(2, "a.ns.example.com", true, false),
            host(3, "a.", true, true),
            host(4, "a.ns.svc.cluster.local", false, false),
            host(5, "b.ns.example.com", true, false),
            host(6, "b.ns.", true, true),
        ];
        let index = KnativeHostIndex::new(&hosts);
        let scan = |h: &str| hosts.iter().position(|k| k.external && k.serves(h));
        let position = |k: Option<&KnativeHost>| k.map(|k| k.object.0 as usize);
        for wanted in [
            "a.ns.example.com",
            "a.ns.",
            "a.other",
            "b.ns.example.com",
            "b.ns.x",
            "c.ns.example.com",
            "",
        ] {
            assert_eq!(
                position(index.external_serving(wanted)),
                scan(wanted),
                "{wanted}"
            );
        }
        let local = index.first(&index.local, "a.ns.svc.cluster.local");
        assert_eq!(position(local), Some(0));
    }

    #[test]
    fn in_cluster_uris_parse() {
        let parsed = InClusterUri::parse("http://event-display.demo.svc.cluster.local/path");
        assert_eq!(
            parsed,
            Some(InClusterUri {
                name: "event-display".into(),
                namespace: "demo".into(),
                port: 80
            })
        );
        assert_eq!(
            InClusterUri::parse("https://a.b.svc:8443").map(|u| u.port),
            Some(8443)
        );
        assert_eq!(InClusterUri::parse("/relative"), None);
        assert_eq!(InClusterUri::parse("http://example.com/x"), None);
        assert_eq!(InClusterUri::parse("http://a.b.c.svc.cluster.local"), None);
    }
}
