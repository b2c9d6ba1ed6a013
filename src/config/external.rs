//! `external:` entries: objects and hosts the platform provides outside the repository. They
//! become stub manifests loaded the way a `--platform` profile is, for resolution only.

use std::fmt::Write;

use crate::yaml::read::Reader;
use crate::yaml::{Node, Span};

/// The keys of an `external:` entry.
pub const EXTERNAL_KEYS: &[&str] = &["apiVersion", "kind", "namespace", "name", "host"];

/// The namespace of the ServiceEntry that stands for `host:` entries. Istio matches
/// ServiceEntry hosts from every namespace (`exportTo` defaults to everywhere).
const HOSTS_NAMESPACE: &str = "kroute-external";

/// One `external:` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum External {
    /// An object known by identity only: references to it resolve, its content is unknown.
    Object {
        api_version: String,
        kind: String,
        namespace: Option<String>,
        name: String,
    },
    /// A host name (or `*.suffix` wildcard) served outside the manifests, as a ServiceEntry.
    Host(String),
}

/// The apiVersion of kinds whose name says it; others need `apiVersion` (`Gateway` is
/// Istio's or the Gateway API's, `Service` may be a Knative one).
fn api_version_of(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "Service"
        | "ConfigMap"
        | "Secret"
        | "ServiceAccount"
        | "PersistentVolumeClaim"
        | "Namespace"
        | "Pod"
        | "Endpoints" => "v1",
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" => "apps/v1",
        "VirtualService" | "DestinationRule" | "ServiceEntry" | "Sidecar" => {
            "networking.istio.io/v1"
        }
        "GatewayClass" | "HTTPRoute" | "GRPCRoute" | "ReferenceGrant" => {
            "gateway.networking.k8s.io/v1"
        }
        "Broker" | "Trigger" => "eventing.knative.dev/v1",
        _ => return None,
    })
}

pub(super) fn read(reader: &mut Reader<'_>, node: &Node) -> Vec<External> {
    reader
        .list(node, "`external`")
        .iter()
        .filter_map(|entry| read_entry(reader, entry))
        .collect()
}

fn read_entry(reader: &mut Reader<'_>, entry: &Node) -> Option<External> {
    let fields = reader.map(entry, "an `external` entry", EXTERNAL_KEYS);
    entry.as_map()?;
    let mut get = |key: &str| -> Option<String> {
        let (_, value) = fields.iter().find(|(k, _)| *k == key)?;
        reader.string(value, &format!("`external.{key}`"))
    };
    let host = get("host");
    let (api_version, kind, namespace, name) = (
        get("apiVersion"),
        get("kind"),
        get("namespace"),
        get("name"),
    );
    if let Some(host) = host {
        if kind.is_some() || name.is_some() {
            reader.fail(
                entry.span,
                "an `external` entry is either a `host` or an object (`kind`, `name`), not both",
            );
            return None;
        }
        return valid_host(reader, &host, entry.span).then_some(External::Host(host));
    }
    let (Some(kind), Some(name)) = (kind, name) else {
        reader.fail(entry.span, "an `external` entry needs `kind` and `name` (and `namespace` for namespaced kinds), or a `host`");
        return None;
    };
    let Some(api_version) = api_version.or_else(|| api_version_of(&kind).map(str::to_string))
    else {
        reader.fail(entry.span, format!("say which `{kind}` this is with `apiVersion` (e.g. `networking.istio.io/v1` or `gateway.networking.k8s.io/v1`)"));
        return None;
    };
    Some(External::Object {
        api_version,
        kind,
        namespace,
        name,
    })
}

/// A host name, or a wildcard `*.suffix`, as Istio accepts them.
fn valid_host(reader: &mut Reader<'_>, host: &str, span: Span) -> bool {
    let name = host.strip_prefix("*.").unwrap_or(host);
    let ok = !name.is_empty()
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    if !ok {
        reader.fail(
            span,
            format!("`{host}` is not a host name (or a `*.` wildcard one)"),
        );
    }
    ok
}

/// The stub manifests the entries stand for, as one YAML stream; `None` without entries.
pub fn manifests(entries: &[External]) -> Option<String> {
    if entries.is_empty() {
        return None;
    }
    let mut text = String::from("# kroute: the `external:` entries of the config file\n");
    let mut hosts = Vec::new();
    for entry in entries {
        match entry {
            External::Host(host) => hosts.push(host.as_str()),
            External::Object {
                api_version,
                kind,
                namespace,
                name,
            } => {
                let _ = write!(
                    text,
                    "---\napiVersion: {}\nkind: {}\nmetadata:\n  name: {}\n",
                    quoted(api_version),
                    quoted(kind),
                    quoted(name)
                );
                if let Some(ns) = namespace {
                    let _ = writeln!(text, "  namespace: {}", quoted(ns));
                }
            }
        }
    }
    if !hosts.is_empty() {
        let _ = write!(
            text,
            "---\napiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  name: external-hosts\n  namespace: {HOSTS_NAMESPACE}\nspec:\n  location: MESH_EXTERNAL\n  resolution: NONE\n  hosts:\n"
        );
        for host in hosts {
            let _ = writeln!(text, "  - {}", quoted(host));
        }
    }
    Some(text)
}

/// A YAML double-quoted scalar (JSON's string syntax is YAML's).
fn quoted(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}
