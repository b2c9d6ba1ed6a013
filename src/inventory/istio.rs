//! Istio networking and security objects, in every served version (`v1`, `v1beta1`,
//! `v1alpha3`: the fields kroute reads are the same).

use super::exact;
use super::selector::Selector;
use crate::manifest::Labels;
use crate::manifest::{Object, ObjectId};
use crate::yaml::{Node, Span};

/// A string with the span it was read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spanned {
    pub value: String,
    pub span: Span,
}

impl Spanned {
    pub fn of(node: &Node) -> Option<Spanned> {
        Some(Spanned {
            value: node.as_str()?.to_string(),
            span: node.span,
        })
    }
}

fn strings(node: Option<&Node>) -> Vec<Spanned> {
    exact(
        node.and_then(Node::as_seq)
            .unwrap_or(&[])
            .iter()
            .filter_map(Spanned::of)
            .collect(),
    )
}

/// `exportTo` of a VirtualService, DestinationRule or ServiceEntry: `*` (everywhere, also
/// when absent), `.` (own namespace) or namespace names.
#[derive(Clone, Debug, Default)]
pub struct ExportTo {
    pub entries: Vec<Spanned>,
}

/// Annotation that sets a Service's `exportTo`.
const EXPORT_TO_ANNOTATION: &str = "networking.istio.io/exportTo";

impl ExportTo {
    fn read(spec: Option<&Node>) -> ExportTo {
        ExportTo {
            entries: strings(spec.and_then(|s| s.get("exportTo"))),
        }
    }

    /// The `exportTo` a Service declares with the comma-separated annotation
    /// `networking.istio.io/exportTo`; each entry spans the annotation's value.
    pub fn from_annotation(object: &Object) -> ExportTo {
        let Some(node) = object
            .root
            .at(&["metadata", "annotations", EXPORT_TO_ANNOTATION])
        else {
            return ExportTo::default();
        };
        let entries = node
            .as_str()
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(|v| Spanned {
                value: v.to_string(),
                span: node.span,
            })
            .collect();
        ExportTo { entries }
    }

    /// Whether an object in `own` namespace is visible from `namespace`.
    pub fn visible_from(&self, own: &str, namespace: &str) -> bool {
        self.entries.is_empty()
            || self.entries.iter().any(|e| match e.value.as_str() {
                "*" => true,
                "." => own == namespace,
                ns => ns == namespace,
            })
    }
}

/// Which namespaces' VirtualServices a Gateway server host admits (`ns/host`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HostNamespace {
    /// No prefix or `*/`.
    Any,
    /// `./`: the Gateway's own namespace.
    Own,
    Named(String),
}

#[derive(Clone, Debug)]
pub struct ServerHost {
    pub namespace: HostNamespace,
    pub host: String,
    pub span: Span,
}

impl ServerHost {
    /// Whether a VirtualService in `vs_namespace` may bind through this host, for a Gateway
    /// in `gateway_namespace`.
    pub fn admits_namespace(&self, gateway_namespace: &str, vs_namespace: &str) -> bool {
        match &self.namespace {
            HostNamespace::Any => true,
            HostNamespace::Own => gateway_namespace == vs_namespace,
            HostNamespace::Named(ns) => ns == vs_namespace,
        }
    }
}

#[derive(Clone, Debug)]
pub struct GatewayServer {
    pub port: i64,
    pub port_name: Option<String>,
    pub protocol: String,
    /// Span of `port.number` (of `port`, or of the server, when absent).
    pub port_span: Span,
    pub hosts: Vec<ServerHost>,
    pub tls_mode: Option<String>,
    pub credential_name: Option<Spanned>,
    /// `tls.credentialNames` (several certificates for one server, e.g. RSA and ECDSA).
    pub credential_names: Vec<Spanned>,
    /// `tls.caCertCredentialName`: where the CA for client certificates comes from instead.
    pub ca_cert_credential_name: Option<Spanned>,
    /// `bind`: the address the listener binds to; servers with different binds never share
    /// a listener.
    pub bind: Option<String>,
    pub span: Span,
}

/// `networking.istio.io` Gateway.
#[derive(Clone, Debug)]
pub struct IstioGateway {
    pub object: ObjectId,
    pub namespace: String,
    pub name: String,
    /// `spec.selector`; `None` when absent (Istio then applies the Gateway to every gateway
    /// workload).
    pub selector: Option<Selector>,
    pub servers: Vec<GatewayServer>,
}

impl IstioGateway {
    pub fn from_object(object: &Object) -> IstioGateway {
        let spec = object.spec();
        let servers = spec
            .map(|s| s.seq_at("servers"))
            .unwrap_or(&[])
            .iter()
            .map(|server| {
                let port = server.get("port");
                GatewayServer {
                    port: port
                        .and_then(|p| p.get("number"))
                        .and_then(Node::as_i64)
                        .unwrap_or(0),
                    port_name: port.and_then(|p| p.str_at("name")).map(str::to_string),
                    protocol: port
                        .and_then(|p| p.str_at("protocol"))
                        .unwrap_or("")
                        .to_ascii_uppercase(),
                    port_span: port
                        .map(|p| p.get("number").unwrap_or(p))
                        .map_or(server.span, |n| n.span),
                    hosts: strings(server.get("hosts"))
                        .into_iter()
                        .map(|h| {
                            let (namespace, host) = match h.value.split_once('/') {
                                Some(("*", host)) => (HostNamespace::Any, host),
                                Some((".", host)) => (HostNamespace::Own, host),
                                Some((ns, host)) => (HostNamespace::Named(ns.to_string()), host),
                                None => (HostNamespace::Any, h.value.as_str()),
                            };
                            ServerHost {
                                namespace,
                                host: host.to_ascii_lowercase(),
                                span: h.span,
                            }
                        })
                        .collect(),
                    tls_mode: server
                        .at(&["tls", "mode"])
                        .and_then(Node::as_str)
                        .map(str::to_string),
                    credential_name: server.at(&["tls", "credentialName"]).and_then(Spanned::of),
                    credential_names: strings(server.at(&["tls", "credentialNames"])),
                    ca_cert_credential_name: server
                        .at(&["tls", "caCertCredentialName"])
                        .and_then(Spanned::of),
                    bind: server
                        .str_at("bind")
                        .filter(|b| !b.is_empty())
                        .map(str::to_string),
                    span: server.span,
                }
            })
            .collect();
        IstioGateway {
            object: object.id,
            namespace: object.namespace.to_string(),
            name: object.name.to_string(),
            selector: spec
                .and_then(|s| s.get("selector"))
                .filter(|n| !n.is_null())
                .map(Selector::from_map),
            servers,
        }
    }
}

impl IstioGateway {
    /// `host:port` of every server host, as messages list what a Gateway accepts.
    pub fn accepted_hosts(&self) -> Vec<String> {
        self.servers
            .iter()
            .flat_map(|s| {
                s.hosts
                    .iter()
                    .map(move |h| format!("{}:{}", h.host, s.port))
            })
            .collect()
    }
}

/// What a VirtualService `gateways` entry names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GatewayTarget {
    /// The reserved `mesh`: the sidecars of the mesh.
    Mesh,
    Named {
        namespace: String,
        name: String,
    },
}

#[derive(Clone, Debug)]
pub struct GatewayRef {
    pub raw: String,
    pub span: Span,
    pub target: GatewayTarget,
}

impl GatewayRef {
    /// Reads `ns/name` (`./name` for the VirtualService's namespace), `name` (the
    /// VirtualService's namespace), `mesh`, and the legacy dotted form, which Istio reads as
    /// `name.ns[.anything]` (`name.ns.svc.cluster.local`).
    pub fn parse(raw: &Spanned, own_namespace: &str) -> GatewayRef {
        let value = raw.value.as_str();
        let target = if value == "mesh" {
            GatewayTarget::Mesh
        } else if let Some((ns, name)) = value.split_once('/') {
            GatewayTarget::Named {
                namespace: if ns == "." { own_namespace } else { ns }.to_string(),
                name: name.to_string(),
            }
        } else if let Some((name, rest)) = value.split_once('.') {
            let ns = rest.split('.').next().unwrap_or(rest);
            GatewayTarget::Named {
                namespace: ns.to_string(),
                name: name.to_string(),
            }
        } else {
            GatewayTarget::Named {
                namespace: own_namespace.to_string(),
                name: value.to_string(),
            }
        };
        GatewayRef {
            raw: raw.value.clone(),
            span: raw.span,
            target,
        }
    }
}

/// One `route[]` / `route` destination of a VirtualService rule.
#[derive(Clone, Debug)]
pub struct Destination {
    pub host: Spanned,
    pub port: Option<i64>,
    pub port_span: Option<Span>,
    pub subset: Option<Spanned>,
    pub weight: Option<i64>,
    /// Span of `weight`, when set.
    pub weight_span: Option<Span>,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RouteProtocol {
    Http,
    Tls,
    Tcp,
}

impl RouteProtocol {
    pub fn key(self) -> &'static str {
        match self {
            RouteProtocol::Http => "http",
            RouteProtocol::Tls => "tls",
            RouteProtocol::Tcp => "tcp",
        }
    }
}

/// A URI match of an HTTP route: `prefix`, `exact` or `regex`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UriMatch {
    Prefix(String),
    Exact(String),
    Regex(String),
}

#[derive(Clone, Debug, Default)]
pub struct RouteMatch {
    pub uri: Option<UriMatch>,
    pub port: Option<i64>,
    /// Per-match `gateways`, which override the VirtualService's for this rule.
    pub gateways: Vec<Spanned>,
    /// True when the match also tests something besides the URI and port (headers, query
    /// parameters, method, authority, scheme, source labels or namespace, SNI hosts, …).
    pub narrowed: bool,
}

/// One rule of `http`, `tls` or `tcp`.
#[derive(Clone, Debug)]
pub struct VsRoute {
    pub protocol: RouteProtocol,
    pub index: usize,
    pub name: Option<String>,
    pub matches: Vec<RouteMatch>,
    pub destinations: Vec<Destination>,
    /// Where an HTTP rule copies its requests: `mirror`, then each `mirrors[].destination`.
    /// The copies' answers are dropped, so they are no part of a request's path.
    pub mirrors: Vec<Destination>,
    /// `route[]` entries, then mirrors, that name no destination host (no `destination`, or
    /// no `host` or an empty one in it): where the host is missing, and whether it is a
    /// mirror. Istio's validation rejects the VirtualService.
    pub hostless: Vec<(Span, bool)>,
    /// `rewrite.authority` of an HTTP rule.
    pub rewrite_authority: Option<Spanned>,
    /// True for an HTTP rule answered without a destination (`redirect`, `directResponse`).
    pub answers_itself: bool,
    pub span: Span,
}

/// `networking.istio.io` VirtualService.
#[derive(Clone, Debug)]
pub struct VirtualService {
    pub object: ObjectId,
    pub namespace: String,
    pub name: String,
    pub hosts: Vec<Spanned>,
    /// `spec.gateways`; empty means `mesh`.
    pub gateways: Vec<GatewayRef>,
    pub export_to: ExportTo,
    pub routes: Vec<VsRoute>,
}

impl VirtualService {
    pub fn from_object(object: &Object) -> VirtualService {
        let spec = object.spec();
        let mut routes = Vec::new();
        for protocol in [RouteProtocol::Http, RouteProtocol::Tls, RouteProtocol::Tcp] {
            let rules = spec.map(|s| s.seq_at(protocol.key())).unwrap_or(&[]);
            for (index, rule) in rules.iter().enumerate() {
                routes.push(read_route(protocol, index, rule));
            }
        }
        VirtualService {
            object: object.id,
            namespace: object.namespace.to_string(),
            name: object.name.to_string(),
            hosts: strings(spec.and_then(|s| s.get("hosts"))),
            gateways: strings(spec.and_then(|s| s.get("gateways")))
                .iter()
                .map(|g| GatewayRef::parse(g, &object.namespace))
                .collect(),
            export_to: ExportTo::read(spec),
            routes: exact(routes),
        }
    }

    /// Whether the VirtualService applies to the mesh's sidecars (no `gateways`, or `mesh`).
    pub fn binds_mesh(&self) -> bool {
        self.gateways.is_empty()
            || self
                .gateways
                .iter()
                .any(|g| g.target == GatewayTarget::Mesh)
    }
}

fn read_route(protocol: RouteProtocol, index: usize, rule: &Node) -> VsRoute {
    let matches = rule
        .seq_at("match")
        .iter()
        .map(|m| RouteMatch {
            uri: m.get("uri").and_then(|u| {
                let (kind, value) = u
                    .as_map()?
                    .first()
                    .map(|e| (e.key.as_str(), e.value.as_str()))?;
                let value = value?.to_string();
                match kind? {
                    "prefix" => Some(UriMatch::Prefix(value)),
                    "exact" => Some(UriMatch::Exact(value)),
                    "regex" => Some(UriMatch::Regex(value)),
                    _ => None,
                }
            }),
            port: m.get("port").and_then(Node::as_i64),
            gateways: strings(m.get("gateways")),
            narrowed: m.as_map().is_some_and(|entries| {
                entries.iter().any(|e| {
                    !matches!(
                        e.key.as_str(),
                        Some("uri" | "port" | "gateways" | "name" | "ignoreUriCase")
                    )
                })
            }),
        })
        .collect();
    let destinations = rule
        .seq_at("route")
        .iter()
        .filter_map(|r| read_destination(r.get("destination")?, r))
        .collect();
    let mirrors = rule
        .get("mirror")
        .and_then(|m| read_destination(m, m))
        .into_iter()
        .chain(
            rule.seq_at("mirrors")
                .iter()
                .filter_map(|m| read_destination(m.get("destination")?, m)),
        )
        .collect();
    let routes = rule
        .seq_at("route")
        .iter()
        .map(|r| (r.get("destination"), r, false));
    let mirror = rule.get("mirror").map(|m| (Some(m), m, true));
    let listed_mirrors = rule
        .seq_at("mirrors")
        .iter()
        .map(|m| (m.get("destination"), m, true));
    let hostless = routes
        .chain(mirror)
        .chain(listed_mirrors)
        .filter_map(|(dest, entry, is_mirror)| Some((hostless_at(dest, entry)?, is_mirror)))
        .collect();
    VsRoute {
        protocol,
        index,
        name: rule.str_at("name").map(str::to_string),
        matches,
        destinations: exact(destinations),
        mirrors: exact(mirrors),
        hostless: exact(hostless),
        rewrite_authority: rule.at(&["rewrite", "authority"]).and_then(Spanned::of),
        answers_itself: rule.get("redirect").is_some() || rule.get("directResponse").is_some(),
        span: rule.span,
    }
}

/// Where a destination `dest` of `entry` lacks its host: at `dest` when it has no
/// non-empty `host`, at `entry` when there is no `dest`; `None` when the host is there.
fn hostless_at(dest: Option<&Node>, entry: &Node) -> Option<Span> {
    let Some(dest) = dest.filter(|d| !d.is_null()) else {
        return Some(entry.span);
    };
    let host = dest.get("host").and_then(Node::as_str);
    host.is_none_or(|h| h.trim().is_empty())
        .then_some(dest.span)
}

/// The `destination` node `dest` of `entry` (a `route[]` entry with its `weight`, or a
/// mirror).
fn read_destination(dest: &Node, entry: &Node) -> Option<Destination> {
    let port = dest.at(&["port", "number"]);
    Some(Destination {
        // An empty host is no destination (KR317 reports it), not a host to resolve.
        host: Spanned::of(dest.get("host")?).filter(|h| !h.value.trim().is_empty())?,
        port: port.and_then(Node::as_i64),
        port_span: port.map(|p| p.span),
        subset: dest.get("subset").and_then(Spanned::of),
        weight: entry.get("weight").and_then(Node::as_i64),
        weight_span: entry.get("weight").map(|w| w.span),
        span: entry.span,
    })
}

#[derive(Clone, Debug)]
pub struct Subset {
    pub name: String,
    pub labels: Labels,
    pub span: Span,
    pub labels_span: Span,
}

/// `networking.istio.io` DestinationRule.
#[derive(Clone, Debug)]
pub struct DestinationRule {
    pub object: ObjectId,
    pub namespace: String,
    pub host: Spanned,
    pub subsets: Vec<Subset>,
    pub export_to: ExportTo,
}

impl DestinationRule {
    pub fn from_object(object: &Object) -> Option<DestinationRule> {
        let spec = object.spec()?;
        Some(DestinationRule {
            object: object.id,
            namespace: object.namespace.to_string(),
            host: Spanned::of(spec.get("host")?)?,
            subsets: exact(
                spec.seq_at("subsets")
                    .iter()
                    .filter_map(|s| {
                        let labels = s.get("labels");
                        Some(Subset {
                            name: s.str_at("name")?.to_string(),
                            labels: labels.map(Labels::of).unwrap_or_default(),
                            span: s.span,
                            labels_span: labels.map_or(s.span, |l| l.span),
                        })
                    })
                    .collect(),
            ),
            export_to: ExportTo::read(Some(spec)),
        })
    }
}

/// One entry of a ServiceEntry's `endpoints`.
#[derive(Clone, Debug)]
pub struct EntryEndpoint {
    pub address: Option<String>,
    pub labels: Labels,
    /// Span of `labels` (of the entry when absent).
    pub labels_span: Span,
}

/// `networking.istio.io` ServiceEntry.
#[derive(Clone, Debug)]
pub struct ServiceEntry {
    pub object: ObjectId,
    pub namespace: String,
    pub hosts: Vec<Spanned>,
    /// `(number, name)` of each port.
    pub ports: Vec<(i64, Option<String>)>,
    pub export_to: ExportTo,
    pub workload_selector: Option<Selector>,
    pub endpoints: Vec<EntryEndpoint>,
}

impl ServiceEntry {
    pub fn from_object(object: &Object) -> ServiceEntry {
        let spec = object.spec();
        ServiceEntry {
            object: object.id,
            namespace: object.namespace.to_string(),
            hosts: strings(spec.and_then(|s| s.get("hosts")))
                .into_iter()
                .map(|mut h| {
                    h.value.make_ascii_lowercase();
                    h
                })
                .collect(),
            ports: spec
                .map(|s| s.seq_at("ports"))
                .unwrap_or(&[])
                .iter()
                .filter_map(|p| {
                    Some((
                        p.get("number")?.as_i64()?,
                        p.str_at("name").map(str::to_string),
                    ))
                })
                .collect(),
            export_to: ExportTo::read(spec),
            workload_selector: spec
                .and_then(|s| s.at(&["workloadSelector", "labels"]))
                .map(Selector::from_map),
            endpoints: spec
                .map(|s| s.seq_at("endpoints"))
                .unwrap_or(&[])
                .iter()
                .map(|e| {
                    let labels = e.get("labels");
                    EntryEndpoint {
                        address: e.str_at("address").map(str::to_string),
                        labels: labels.map(Labels::of).unwrap_or_default(),
                        labels_span: labels.map_or(e.span, |l| l.span),
                    }
                })
                .collect(),
        }
    }
}

/// The workload selector of a Sidecar (`workloadSelector.labels`) or of an
/// AuthorizationPolicy / PeerAuthentication / RequestAuthentication (`selector.matchLabels`).
#[derive(Clone, Debug)]
pub struct WorkloadPolicy {
    pub object: ObjectId,
    pub namespace: String,
    pub kind: String,
    /// `None`: the policy applies to the whole namespace (or mesh), which is never empty.
    pub selector: Option<Selector>,
}

impl WorkloadPolicy {
    pub fn from_object(object: &Object) -> WorkloadPolicy {
        let spec = object.spec();
        let node = if object.kind == "Sidecar" {
            spec.and_then(|s| s.at(&["workloadSelector", "labels"]))
        } else {
            spec.and_then(|s| s.at(&["selector", "matchLabels"]))
        };
        WorkloadPolicy {
            object: object.id,
            namespace: object.namespace.to_string(),
            kind: object.kind.to_string(),
            selector: node.map(Selector::from_map).filter(|s| !s.is_empty()),
        }
    }
}

#[cfg(test)]
mod gateway_ref_tests {
    use super::*;

    fn target(raw: &str) -> GatewayTarget {
        let spanned = Spanned {
            value: raw.to_string(),
            span: Span::default(),
        };
        GatewayRef::parse(&spanned, "shop").target
    }

    fn named(namespace: &str, name: &str) -> GatewayTarget {
        GatewayTarget::Named {
            namespace: namespace.to_string(),
            name: name.to_string(),
        }
    }

    #[test]
    fn reads_every_form_istio_accepts() {
        assert_eq!(target("mesh"), GatewayTarget::Mesh);
        assert_eq!(target("public"), named("shop", "public"));
        assert_eq!(
            target("istio-system/public"),
            named("istio-system", "public")
        );
        assert_eq!(target("./public"), named("shop", "public"));
        assert_eq!(
            target("public.istio-system.svc.cluster.local"),
            named("istio-system", "public")
        );
        assert_eq!(
            target("public.istio-system"),
            named("istio-system", "public")
        );
    }
}
