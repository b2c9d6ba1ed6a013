//! Kubernetes Gateway API objects (`gateway.networking.k8s.io`, v1 and the beta/alpha
//! versions still served).

use super::istio::Spanned;
use super::selector::Selector;
use crate::manifest::{Object, ObjectId};
use crate::yaml::{Node, Span};

pub const GROUP: &str = "gateway.networking.k8s.io";

/// Route kinds kroute reads.
pub const ROUTE_KINDS: &[&str] = &["HTTPRoute", "GRPCRoute", "TLSRoute", "TCPRoute", "UDPRoute"];

/// `allowedRoutes.namespaces.from`.
#[derive(Clone, Debug)]
pub enum AllowedFrom {
    Same,
    All,
    /// Namespaces whose labels match; needs Namespace objects in the input to evaluate.
    Selector(Selector),
    /// A value Kubernetes does not accept: admits nothing.
    Invalid(String),
}

/// An `allowedRoutes.kinds` entry.
#[derive(Clone, Debug)]
pub struct RouteKind {
    /// Defaults to `gateway.networking.k8s.io`.
    pub group: String,
    pub kind: Spanned,
    pub span: Span,
}

/// A reference to an object by group, kind, namespace and name, defaults applied: a
/// listener's `tls.certificateRefs` entry, a ListenerSet's `spec.parentRef`.
#[derive(Clone, Debug)]
pub struct ObjectRef {
    pub group: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub span: Span,
    pub name_span: Span,
    /// Whether `namespace` was written (so it may differ from the referrer's).
    pub namespace_span: Option<Span>,
}

impl ObjectRef {
    /// The reference `node` makes from namespace `namespace`, with the `group` and `kind`
    /// its API defaults to.
    fn read(node: &Node, group: &str, kind: &str, namespace: &str) -> Option<ObjectRef> {
        let name = node.get("name")?;
        let ns = node.get("namespace");
        Some(ObjectRef {
            group: node.str_at("group").unwrap_or(group).to_string(),
            kind: node.str_at("kind").unwrap_or(kind).to_string(),
            namespace: ns.and_then(Node::as_str).unwrap_or(namespace).to_string(),
            name: name.as_str()?.to_string(),
            span: node.span,
            name_span: name.span,
            namespace_span: ns.map(|n| n.span),
        })
    }

    /// A core Secret, the one kind of certificateRef every implementation reads (Core
    /// support).
    pub fn is_secret(&self) -> bool {
        self.group.is_empty() && self.kind == "Secret"
    }
}

/// A listener's `tls`.
#[derive(Clone, Debug)]
pub struct ListenerTls {
    /// `Terminate` (the default) or `Passthrough`.
    pub mode: String,
    pub certificate_refs: Vec<ObjectRef>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Listener {
    pub name: Spanned,
    pub hostname: Option<Spanned>,
    pub port: i64,
    pub port_span: Option<Span>,
    pub protocol: String,
    pub protocol_span: Option<Span>,
    pub tls: Option<ListenerTls>,
    pub allowed_from: AllowedFrom,
    /// `allowedRoutes.kinds`; empty means the protocol's default kinds.
    pub allowed_kinds: Vec<RouteKind>,
    pub allowed_span: Span,
    pub span: Span,
}

impl Listener {
    /// The route kinds of the Gateway API group the listener's protocol carries, when the
    /// protocol is one the API defines (`None` for an implementation's own protocol).
    pub fn protocol_kinds(&self) -> Option<&'static [&'static str]> {
        Some(match self.protocol.as_str() {
            "HTTP" | "HTTPS" => &["HTTPRoute", "GRPCRoute"],
            // TCPRoute on a terminating TLS listener is an implementation's extension (Envoy
            // Gateway); the conformance suite refuses it on a passthrough one.
            "TLS" if self.tls_mode() == "Passthrough" => &["TLSRoute"],
            "TLS" => &["TLSRoute", "TCPRoute"],
            "TCP" => &["TCPRoute"],
            "UDP" => &["UDPRoute"],
            _ => return None,
        })
    }

    /// Whether the protocol carries `kind` (of the Gateway API group); an unknown protocol
    /// is given the benefit of the doubt.
    pub fn carries(&self, group: &str, kind: &str) -> bool {
        match self.protocol_kinds() {
            Some(kinds) => group == GROUP && kinds.contains(&kind),
            None => true,
        }
    }

    /// Route kinds this listener admits: those `allowedRoutes.kinds` lists (or the
    /// protocol's, when it lists none) that the protocol carries.
    pub fn admits_kind(&self, kind: &str) -> bool {
        if self.allowed_kinds.is_empty() {
            return self.carries(GROUP, kind);
        }
        self.allowed_kinds
            .iter()
            .any(|k| k.group == GROUP && k.kind.value == kind && self.carries(GROUP, kind))
    }

    /// `tls.mode`, `Terminate` when not written.
    pub fn tls_mode(&self) -> &str {
        self.tls.as_ref().map_or("Terminate", |t| t.mode.as_str())
    }

    fn from_node(l: &Node, namespace: &str) -> Option<Listener> {
        let allowed = l.get("allowedRoutes");
        let port = l.get("port");
        let protocol = l.get("protocol");
        Some(Listener {
            name: Spanned::of(l.get("name")?)?,
            hostname: l.get("hostname").and_then(Spanned::of),
            port: port.and_then(Node::as_i64).unwrap_or(0),
            port_span: port.map(|p| p.span),
            protocol: protocol.and_then(Node::as_str).unwrap_or("").to_string(),
            protocol_span: protocol.map(|p| p.span),
            tls: l.get("tls").map(|t| ListenerTls {
                mode: t.str_at("mode").unwrap_or("Terminate").to_string(),
                certificate_refs: t
                    .seq_at("certificateRefs")
                    .iter()
                    .filter_map(|c| ObjectRef::read(c, "", "Secret", namespace))
                    .collect(),
                span: t.span,
            }),
            allowed_from: allowed_from(allowed),
            allowed_kinds: allowed
                .map(|a| a.seq_at("kinds"))
                .unwrap_or(&[])
                .iter()
                .filter_map(|k| {
                    Some(RouteKind {
                        group: k.str_at("group").unwrap_or(GROUP).to_string(),
                        kind: k.get("kind").and_then(Spanned::of)?,
                        span: k.span,
                    })
                })
                .collect(),
            allowed_span: allowed.map_or(l.span, |a| a.span),
            span: l.span,
        })
    }
}

/// `allowedRoutes.namespaces.from` (and its `selector`).
fn allowed_from(allowed: Option<&Node>) -> AllowedFrom {
    let from = allowed.and_then(|a| a.at(&["namespaces", "from"]));
    match from.and_then(Node::as_str) {
        None | Some("Same") => AllowedFrom::Same,
        Some("All") => AllowedFrom::All,
        // Without `selector`, implementations select no namespace at all.
        Some("Selector") => match allowed
            .and_then(|a| a.at(&["namespaces", "selector"]))
            .filter(|n| !n.is_null())
        {
            Some(selector) => AllowedFrom::Selector(Selector::from_label_selector(selector)),
            None => AllowedFrom::Invalid("Selector` without `selector".to_string()),
        },
        Some(other) => AllowedFrom::Invalid(other.to_string()),
    }
}

/// The group of the experimental `XListenerSet`.
pub const X_GROUP: &str = "gateway.networking.x-k8s.io";

/// Whether `group`/`kind` is a ListenerSet (v1, or the experimental XListenerSet).
pub fn is_listener_set(group: &str, kind: &str) -> bool {
    matches!(
        (group, kind),
        (GROUP, "ListenerSet") | (X_GROUP, "XListenerSet")
    )
}

/// A set of listeners: a Gateway (by index into `Inventory::api_gateways`) or a ListenerSet
/// (into `Inventory::listener_sets`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ListenerOwner {
    Gateway(usize),
    ListenerSet(usize),
}

/// A `gateway.networking.k8s.io` Gateway, or a ListenerSet (`kind` says which): both are
/// sets of listeners routes attach to. A ListenerSet adds its listeners to the Gateway its
/// `parent` names.
#[derive(Clone, Debug)]
pub struct ApiGateway {
    pub object: ObjectId,
    pub group: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub class_name: Option<Spanned>,
    pub listeners: Vec<Listener>,
    /// A Gateway's `allowedListeners.namespaces`: which ListenerSets may add listeners
    /// (`None`, the default, admits none).
    pub allowed_listeners: Option<AllowedFrom>,
    pub allowed_listeners_span: Option<Span>,
    /// A ListenerSet's `spec.parentRef`.
    pub parent: Option<ObjectRef>,
    /// cert-manager's gateway-shim issues the certificates of a Gateway annotated with an
    /// issuer, creating the Secrets its listeners name.
    pub certificates_issued: bool,
}

impl ApiGateway {
    pub fn from_object(object: &Object) -> ApiGateway {
        let spec = object.spec();
        let ns = &object.namespace;
        let listeners_from = spec.and_then(|s| s.at(&["allowedListeners", "namespaces"]));
        let parent = spec
            .and_then(|s| s.get("parentRef"))
            .and_then(|p| ObjectRef::read(p, GROUP, "Gateway", ns));
        ApiGateway {
            object: object.id,
            group: object.group.to_string(),
            kind: object.kind.to_string(),
            namespace: object.namespace.to_string(),
            name: object.name.to_string(),
            class_name: spec
                .and_then(|s| s.get("gatewayClassName"))
                .and_then(Spanned::of),
            listeners: spec
                .map(|s| s.seq_at("listeners"))
                .unwrap_or(&[])
                .iter()
                .filter_map(|l| Listener::from_node(l, ns))
                .collect(),
            allowed_listeners: match listeners_from.and_then(|n| n.str_at("from")) {
                None | Some("None") => None,
                Some(_) => Some(allowed_from(spec.and_then(|s| s.get("allowedListeners")))),
            },
            allowed_listeners_span: listeners_from.map(|n| n.span),
            parent,
            certificates_issued: ["cert-manager.io/issuer", "cert-manager.io/cluster-issuer"]
                .iter()
                .any(|a| object.annotations.contains_key(a)),
        }
    }

    pub fn is_listener_set(&self) -> bool {
        is_listener_set(&self.group, &self.kind)
    }
}

/// A route's `parentRefs` entry, defaults applied.
#[derive(Clone, Debug)]
pub struct ParentRef {
    pub group: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub section_name: Option<Spanned>,
    pub port: Option<i64>,
    pub span: Span,
    pub name_span: Span,
    pub port_span: Option<Span>,
    /// Whether `namespace` was written (the CRD's distinctness rule compares it as written).
    pub namespace_span: Option<Span>,
}

impl ParentRef {
    /// A Gateway parent (the default).
    pub fn is_gateway(&self) -> bool {
        self.group == GROUP && self.kind == "Gateway"
    }

    /// A ListenerSet parent: the route attaches to the listeners of that ListenerSet.
    pub fn is_listener_set(&self) -> bool {
        is_listener_set(&self.group, &self.kind)
    }

    /// A mesh (GAMMA) parent: a core Service, its group written `""` or `core`.
    pub fn is_service(&self) -> bool {
        matches!(self.group.as_str(), "" | "core") && self.kind == "Service"
    }
}

/// A rule's `backendRefs` entry, defaults applied.
#[derive(Clone, Debug)]
pub struct BackendRef {
    pub group: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub port: Option<i64>,
    pub weight: i64,
    pub span: Span,
    pub name_span: Span,
    pub port_span: Option<Span>,
    /// Whether `namespace` was written (so it may differ from the route's).
    pub namespace_span: Option<Span>,
    /// True for the `backendRef` of a `RequestMirror` filter.
    pub mirror: bool,
}

impl BackendRef {
    pub fn is_service(&self) -> bool {
        self.group.is_empty() && self.kind == "Service"
    }
}

/// A path match of an HTTPRoute rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathMatch {
    Prefix(String),
    Exact(String),
    Regex(String),
}

#[derive(Clone, Debug)]
pub struct RouteRule {
    pub index: usize,
    pub paths: Vec<PathMatch>,
    pub backends: Vec<BackendRef>,
    /// The `backendRef` of each `RequestMirror` filter, of the rule and of its backendRefs:
    /// where copies of the requests go (their answers are dropped).
    pub mirrors: Vec<BackendRef>,
    pub span: Span,
}

/// HTTPRoute, GRPCRoute, TLSRoute, TCPRoute or UDPRoute.
#[derive(Clone, Debug)]
pub struct ApiRoute {
    pub object: ObjectId,
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub parents: Vec<ParentRef>,
    /// How many `parentRefs` entries are written (`parents` keeps those with a name), and
    /// where the list is, when it is.
    pub written_parents: usize,
    pub parents_span: Option<Span>,
    pub hostnames: Vec<Spanned>,
    pub rules: Vec<RouteRule>,
}

impl ApiRoute {
    /// Whether every parent is a mesh Service (GAMMA): such a route only augments Services
    /// the mesh already reaches, so its cross-namespace backendRefs need no ReferenceGrant.
    pub fn mesh_only(&self) -> bool {
        !self.parents.is_empty() && self.parents.iter().all(ParentRef::is_service)
    }

    pub fn from_object(object: &Object) -> ApiRoute {
        let spec = object.spec();
        let ns = &object.namespace;
        let parents_node = spec.and_then(|s| s.get("parentRefs"));
        let written = parents_node.and_then(Node::as_seq).unwrap_or(&[]);
        let parents = written
            .iter()
            .filter_map(|p| {
                let name = p.get("name")?;
                let port = p.get("port");
                Some(ParentRef {
                    group: p.str_at("group").unwrap_or(GROUP).to_string(),
                    kind: p.str_at("kind").unwrap_or("Gateway").to_string(),
                    namespace: p.str_at("namespace").unwrap_or(ns).to_string(),
                    name: name.as_str()?.to_string(),
                    section_name: p.get("sectionName").and_then(Spanned::of),
                    port: port.and_then(Node::as_i64),
                    span: p.span,
                    name_span: name.span,
                    port_span: port.map(|n| n.span),
                    namespace_span: p.get("namespace").map(|n| n.span),
                })
            })
            .collect();
        let rules = spec
            .map(|s| s.seq_at("rules"))
            .unwrap_or(&[])
            .iter()
            .enumerate()
            .map(|(index, rule)| RouteRule {
                index,
                paths: rule
                    .seq_at("matches")
                    .iter()
                    .filter_map(|m| {
                        let path = m.get("path")?;
                        let value = path.str_at("value").unwrap_or("/").to_string();
                        Some(match path.str_at("type").unwrap_or("PathPrefix") {
                            "Exact" => PathMatch::Exact(value),
                            "RegularExpression" => PathMatch::Regex(value),
                            _ => PathMatch::Prefix(value),
                        })
                    })
                    .collect(),
                backends: rule
                    .seq_at("backendRefs")
                    .iter()
                    .filter_map(|b| read_backend(b, ns, false))
                    .collect(),
                mirrors: rule
                    .seq_at("filters")
                    .iter()
                    .chain(
                        rule.seq_at("backendRefs")
                            .iter()
                            .flat_map(|b| b.seq_at("filters")),
                    )
                    .filter(|f| f.str_at("type") == Some("RequestMirror"))
                    .filter_map(|f| read_backend(f.at(&["requestMirror", "backendRef"])?, ns, true))
                    .collect(),
                span: rule.span,
            })
            .collect();
        ApiRoute {
            object: object.id,
            kind: object.kind.to_string(),
            namespace: object.namespace.to_string(),
            name: object.name.to_string(),
            parents,
            written_parents: written.len(),
            parents_span: parents_node.map(|n| n.span),
            hostnames: spec
                .and_then(|s| s.get("hostnames"))
                .and_then(Node::as_seq)
                .unwrap_or(&[])
                .iter()
                .filter_map(Spanned::of)
                .collect(),
            rules,
        }
    }
}

/// A `backendRefs` entry (or, for a `mirror`, a mirror's `backendRef`) of a route in
/// namespace `ns`.
fn read_backend(b: &Node, ns: &str, mirror: bool) -> Option<BackendRef> {
    let name = b.get("name")?;
    let port = b.get("port");
    let namespace = b.get("namespace");
    Some(BackendRef {
        group: b.str_at("group").unwrap_or("").to_string(),
        kind: b.str_at("kind").unwrap_or("Service").to_string(),
        namespace: namespace.and_then(Node::as_str).unwrap_or(ns).to_string(),
        name: name.as_str()?.to_string(),
        port: port.and_then(Node::as_i64),
        weight: b.get("weight").and_then(Node::as_i64).unwrap_or(1),
        span: b.span,
        name_span: name.span,
        port_span: port.map(|p| p.span),
        namespace_span: namespace.map(|n| n.span),
        mirror,
    })
}

/// One `from` or `to` entry of a ReferenceGrant.
#[derive(Clone, Debug)]
pub struct GrantPeer {
    pub group: String,
    pub kind: String,
    /// `from`: the referrer's namespace; `to`: the optional object name.
    pub name: Option<String>,
}

/// `gateway.networking.k8s.io` ReferenceGrant: lives in the target namespace.
#[derive(Clone, Debug)]
pub struct ReferenceGrant {
    pub object: ObjectId,
    pub namespace: String,
    pub from: Vec<GrantPeer>,
    pub to: Vec<GrantPeer>,
}

impl ReferenceGrant {
    pub fn from_object(object: &Object) -> ReferenceGrant {
        let peers = |key: &str, name_key: &str| -> Vec<GrantPeer> {
            object
                .spec()
                .map(|s| s.seq_at(key))
                .unwrap_or(&[])
                .iter()
                .map(|p| GrantPeer {
                    group: p.str_at("group").unwrap_or("").to_string(),
                    kind: p.str_at("kind").unwrap_or("").to_string(),
                    name: p.str_at(name_key).map(str::to_string),
                })
                .collect()
        };
        ReferenceGrant {
            object: object.id,
            namespace: object.namespace.to_string(),
            from: peers("from", "namespace"),
            to: peers("to", "name"),
        }
    }

    /// Whether this grant lets a `from_kind` in `from_namespace` refer to the `to_kind`
    /// named `to_name` in the grant's namespace.
    pub fn allows(
        &self,
        from_group: &str,
        from_kind: &str,
        from_namespace: &str,
        to_group: &str,
        to_kind: &str,
        to_name: &str,
    ) -> bool {
        self.from.iter().any(|f| {
            f.group == from_group
                && f.kind == from_kind
                && f.name.as_deref() == Some(from_namespace)
        }) && self.to.iter().any(|t| {
            t.group == to_group
                && t.kind == to_kind
                && t.name.as_deref().is_none_or(|n| n == to_name)
        })
    }
}
