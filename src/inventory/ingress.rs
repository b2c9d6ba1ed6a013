use super::service::PortRef;
use crate::manifest::{Object, ObjectId};
use crate::yaml::{Node, Span};

/// One Service backend of an Ingress (rule path or default backend).
#[derive(Clone, Debug)]
pub struct IngressBackend {
    pub service: String,
    pub service_span: Span,
    pub port: Option<PortRef>,
    pub port_span: Span,
    /// `host` of the rule, for messages.
    pub host: Option<String>,
    /// The rule path (`None` for the default backend) and its `pathType`.
    pub path: Option<IngressPath>,
    /// The default backend, or a rule path entry.
    pub span: Span,
}

/// A rule `paths[]` entry of an Ingress.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IngressPath {
    /// `path`; absent means `/`.
    pub value: String,
    /// `Exact`, `Prefix` or `ImplementationSpecific` (also the default).
    pub path_type: String,
}

#[derive(Clone, Debug)]
pub struct Ingress {
    pub object: ObjectId,
    pub namespace: String,
    pub name: String,
    pub backends: Vec<IngressBackend>,
}

impl Ingress {
    /// Reads both the `networking.k8s.io/v1` backend shape (`service.name`, `service.port`)
    /// and the legacy one (`serviceName`, `servicePort`).
    pub fn from_object(object: &Object) -> Ingress {
        let mut backends = Vec::new();
        if let Some(spec) = object.spec() {
            let default = spec.get("defaultBackend").or_else(|| spec.get("backend"));
            backends.extend(default.and_then(|b| backend(b, None, None, b.span)));
            for rule in spec.seq_at("rules") {
                let host = rule.str_at("host").map(str::to_string);
                let paths = rule
                    .at(&["http", "paths"])
                    .and_then(Node::as_seq)
                    .unwrap_or(&[]);
                for path in paths {
                    if let Some(b) = path.get("backend") {
                        let rule_path = IngressPath {
                            value: path.str_at("path").unwrap_or("/").to_string(),
                            path_type: path
                                .str_at("pathType")
                                .unwrap_or("ImplementationSpecific")
                                .to_string(),
                        };
                        backends.extend(backend(b, host.clone(), Some(rule_path), path.span));
                    }
                }
            }
        }
        Ingress {
            object: object.id,
            namespace: object.namespace.to_string(),
            name: object.name.to_string(),
            backends,
        }
    }
}

fn backend(
    node: &Node,
    host: Option<String>,
    path: Option<IngressPath>,
    span: Span,
) -> Option<IngressBackend> {
    let (name, port) = match node.get("service") {
        Some(svc) => {
            let port = svc.get("port");
            let port = port.and_then(|p| p.get("number").or_else(|| p.get("name")).or(Some(p)));
            (svc.get("name")?, port)
        }
        None => (node.get("serviceName")?, node.get("servicePort")),
    };
    Some(IngressBackend {
        service: name.as_str()?.to_string(),
        service_span: name.span,
        port: port.and_then(PortRef::from_node),
        port_span: port.map_or(name.span, |p| p.span),
        host,
        path,
        span,
    })
}
