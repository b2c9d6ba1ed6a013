use super::exact;
use super::istio::ExportTo;
use super::selector::Selector;
use crate::manifest::{Object, ObjectId};
use crate::yaml::{Node, Span};

/// A port given by number or by name (`targetPort`, an Ingress backend port).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PortRef {
    Number(i64),
    Name(String),
}

impl PortRef {
    /// Reads an int-or-string node: an unquoted number is a port number; a quoted `"8080"`
    /// is a port name (and an invalid one), as Kubernetes' IntOrString reads it.
    pub fn from_node(node: &Node) -> Option<PortRef> {
        node.as_i64()
            .map(PortRef::Number)
            .or_else(|| node.as_str().map(|s| PortRef::Name(s.to_string())))
    }
}

impl PortRef {
    /// Whether this reference names the port `number` called `name`.
    pub fn matches(&self, name: Option<&str>, number: i64) -> bool {
        match self {
            PortRef::Number(n) => *n == number,
            PortRef::Name(wanted) => name == Some(wanted.as_str()),
        }
    }
}

impl std::fmt::Display for PortRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PortRef::Number(n) => write!(f, "{n}"),
            PortRef::Name(s) => write!(f, "`{s}`"),
        }
    }
}

#[derive(Clone, Debug)]
pub struct ServicePort {
    pub name: Option<String>,
    pub port: i64,
    /// `targetPort`, defaulting to `port` as Kubernetes does.
    pub target: PortRef,
    /// Span of `targetPort` (of the port entry when defaulted).
    pub target_span: Span,
    /// `protocol` as written, `TCP` when absent (Kubernetes' default).
    pub protocol: String,
    /// Span of `protocol`, when written.
    pub protocol_span: Option<Span>,
    pub app_protocol: Option<String>,
    pub app_protocol_span: Option<Span>,
    pub span: Span,
    pub name_span: Option<Span>,
}

#[derive(Clone, Debug)]
pub struct Service {
    pub object: ObjectId,
    pub namespace: String,
    pub name: String,
    pub type_: String,
    /// `None` for a selectorless Service (no selector or an empty one): its endpoints are
    /// managed by hand (Endpoints / EndpointSlice) or it is an ExternalName.
    pub selector: Option<Selector>,
    pub headless: bool,
    pub ports: Vec<ServicePort>,
    /// Where Istio exports the Service (its `networking.istio.io/exportTo` annotation).
    pub export_to: ExportTo,
}

impl Service {
    pub fn from_object(object: &Object) -> Service {
        let spec = object.spec();
        let get = |k: &str| spec.and_then(|s| s.str_at(k));
        let selector = spec
            .and_then(|s| s.get("selector"))
            .map(Selector::from_map)
            .filter(|s| !s.is_empty());
        let ports = spec
            .map(|s| s.seq_at("ports"))
            .unwrap_or(&[])
            .iter()
            .filter_map(|p| {
                let port = p.get("port")?.as_i64()?;
                let target_node = p.get("targetPort");
                Some(ServicePort {
                    name: p.str_at("name").map(str::to_string),
                    port,
                    // Kubernetes defaults `0` and `""` as it defaults an absent targetPort.
                    target: target_node
                        .and_then(PortRef::from_node)
                        .filter(|t| *t != PortRef::Number(0) && *t != PortRef::Name(String::new()))
                        .unwrap_or(PortRef::Number(port)),
                    target_span: target_node.map_or(p.span, |n| n.span),
                    protocol: p
                        .str_at("protocol")
                        .filter(|v| !v.is_empty())
                        .unwrap_or("TCP")
                        .to_string(),
                    protocol_span: p.get("protocol").map(|n| n.span),
                    app_protocol: p.str_at("appProtocol").map(str::to_string),
                    app_protocol_span: p.get("appProtocol").map(|n| n.span),
                    span: p.span,
                    name_span: p.get("name").map(|n| n.span),
                })
            })
            .collect();
        Service {
            object: object.id,
            namespace: object.namespace.to_string(),
            name: object.name.to_string(),
            type_: get("type").unwrap_or("ClusterIP").to_string(),
            selector,
            headless: get("clusterIP") == Some("None"),
            ports: exact(ports),
            export_to: ExportTo::from_annotation(object),
        }
    }

    /// The port a reference names: a number matches `port`, a name matches `name`.
    pub fn port(&self, port: &PortRef) -> Option<&ServicePort> {
        self.ports
            .iter()
            .find(|p| port.matches(p.name.as_deref(), p.port))
    }

    /// `80 (http), 443 (https)`, as messages list a Service's ports.
    pub fn describe_ports(&self) -> String {
        if self.ports.is_empty() {
            return "no ports".to_string();
        }
        self.ports
            .iter()
            .map(|p| match &p.name {
                Some(n) => format!("{} ({n})", p.port),
                None => p.port.to_string(),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}
