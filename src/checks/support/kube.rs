//! Helpers the Kubernetes discovery rules (KR2xx) share.

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use crate::inventory::ServicePort;

/// Protocols Istio recognises from a port name prefix (its `protocol.Parse`, without
/// case).
pub const MESH_PROTOCOLS: &[&str] = &[
    "grpc-web",
    "grpc",
    "http2",
    "https",
    "http_proxy",
    "http",
    "mongo",
    "mysql",
    "redis",
    "tcp",
    "tls",
    "udp",
];

/// Ports Istio treats as TCP whatever their name: SMTP, DNS, MySQL, MongoDB.
const WELL_KNOWN_TCP_PORTS: &[i64] = &[25, 53, 3306, 27017];

/// The mesh protocol a port name declares, if it follows the `<protocol>[-suffix]`
/// convention. Read as Istio's `ConvertProtocol` reads it: the part before the first `-`,
/// without case, except that `grpc-web` is a prefix of its own.
pub fn protocol_of_name(name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    if lower.starts_with("grpc-web") {
        return Some("grpc-web");
    }
    let prefix = lower.split('-').next().unwrap_or_default();
    MESH_PROTOCOLS.iter().copied().find(|p| *p == prefix)
}

/// The mesh protocol an `appProtocol` declares: one of Kubernetes' standard names for
/// cleartext HTTP/2 and WebSockets, or a value read like a port name.
pub fn protocol_of_app_protocol(app_protocol: &str) -> Option<&'static str> {
    match app_protocol {
        "kubernetes.io/h2c" => Some("http2"),
        "kubernetes.io/ws" => Some("http"),
        "kubernetes.io/wss" => Some("https"),
        other => protocol_of_name(other),
    }
}

/// The protocol a Service port declares to the mesh: its `appProtocol` when set (Istio then
/// ignores the name), else its name.
pub fn declared_protocol(port: &ServicePort) -> Option<&'static str> {
    match &port.app_protocol {
        Some(app) => protocol_of_app_protocol(app),
        None => port.name.as_deref().and_then(protocol_of_name),
    }
}

/// The protocol the mesh gives a Service port: UDP for a UDP port, else what it declares,
/// else TCP on the well-known ports; `None` when Istio falls back to sniffing.
pub fn mesh_protocol(port: &ServicePort) -> Option<&'static str> {
    if port.protocol.eq_ignore_ascii_case("UDP") {
        return Some("udp");
    }
    declared_protocol(port).or_else(|| WELL_KNOWN_TCP_PORTS.contains(&port.port).then_some("tcp"))
}

/// A reference to an in-cluster host written in configuration (an env value, a ConfigMap
/// value, a command-line argument).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostRef {
    pub name: String,
    /// The namespace written after the name; `None` for a short name, which resolves in
    /// the namespace of the pod that uses it.
    pub namespace: Option<String>,
    /// The port written, or the scheme's (80 for `http://`, 443 for `https://`).
    pub port: Option<i64>,
    /// Whether `port` is the scheme's, not written.
    pub default_port: bool,
    /// Where `name[.ns…][:port]` is in the value, in bytes.
    pub range: Range<usize>,
}

/// A DNS label, as Service names and namespaces are.
const LABEL: &str = "[a-z0-9](?:[-a-z0-9]*[a-z0-9])?";

/// `name.ns.svc[.cluster.local][:port]`: unambiguous wherever it is written.
static QUALIFIED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"\b({LABEL})\.({LABEL})\.svc(?:\.cluster\.local)?\b(?::(\d{{1,5}}))?"
    ))
    .unwrap_or_else(|e| panic!("qualified host pattern is invalid: {e}"))
});

/// A whole value that is a short host reference: `[scheme://[user@]]name[.ns][:port][/…]`.
static SHORT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"^(?:([a-zA-Z][a-zA-Z0-9+.-]*)://(?:[^@/?#\s]*@)?)?(({LABEL})(?:\.({LABEL}))?(?::(\d{{1,5}}))?)([/?#]\S*)?$"
    ))
    .unwrap_or_else(|e| panic!("short host pattern is invalid: {e}"))
});

/// Every `name.ns.svc[.cluster.local][:port]` in `text`, which may be free text.
pub fn qualified_host_refs(text: &str) -> impl Iterator<Item = HostRef> + '_ {
    QUALIFIED.captures_iter(text).filter_map(|caps| {
        let all = caps.get(0)?;
        Some(HostRef {
            name: caps.get(1)?.as_str().to_string(),
            namespace: Some(caps.get(2)?.as_str().to_string()),
            port: caps.get(3).and_then(|p| p.as_str().parse().ok()),
            default_port: false,
            range: all.range(),
        })
    })
}

/// The short host reference `value` is as a whole (`cart`, `cart:7070`, `cart.shop:7070`,
/// `http://cart:8080/api`), when it plainly is one: a URL, a `host:port`, or a bare name
/// under a `key` that names a host (`REDIS_HOST`, `--db-addr`). Free text, `localhost`,
/// numbers, values with `$(VAR)` expansions and image references are none.
pub fn short_host_ref(value: &str, key: Option<&str>) -> Option<HostRef> {
    if key.is_some_and(names_no_host) {
        return None;
    }
    let trimmed = value.trim();
    let offset = value.len() - value.trim_start().len();
    let caps = SHORT.captures(trimmed)?;
    let scheme = caps.get(1).map(|s| s.as_str().to_ascii_lowercase());
    let host = caps.get(2)?;
    let name = caps.get(3)?.as_str();
    let written_port = caps.get(5).and_then(|p| p.as_str().parse::<i64>().ok());
    // A path needs a scheme to be a URL; a bare name needs a key saying it is a host.
    let shaped = match (&scheme, written_port) {
        (Some(_), _) => true,
        (None, Some(_)) => caps.get(6).is_none(),
        (None, None) => caps.get(6).is_none() && key.is_some_and(names_a_host),
    };
    if !shaped || name == "localhost" || name.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let default = match scheme.as_deref() {
        Some("http" | "ws") => Some(80),
        Some("https" | "wss") => Some(443),
        _ => None,
    };
    Some(HostRef {
        name: name.to_string(),
        namespace: caps.get(4).map(|n| n.as_str().to_string()),
        port: written_port.or(default),
        default_port: written_port.is_none() && default.is_some(),
        range: offset + host.start()..offset + host.end(),
    })
}

/// The words of a key: `REDIS_HOST`, `redis.host`, `--redis-host` and `redisHost` all give
/// `REDIS`, `HOST`.
fn key_words(key: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut previous_lower = false;
    for c in key.chars() {
        let boundary = !c.is_ascii_alphanumeric() || (c.is_ascii_uppercase() && previous_lower);
        if boundary && !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
        if c.is_ascii_alphanumeric() {
            word.push(c.to_ascii_uppercase());
        }
        previous_lower = c.is_ascii_lowercase();
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

/// Whether a key says its value is a host (`DB_HOST`, `cartAddr`, `--upstream-server`).
fn names_a_host(key: &str) -> bool {
    key_words(key).iter().any(|w| {
        matches!(
            w.as_str(),
            "HOST" | "ADDR" | "ADDRESS" | "SERVER" | "ENDPOINT"
        )
    })
}

/// Whether a key says its value is something else that looks like `name:port` (an image
/// `postgres:16`, a version).
fn names_no_host(key: &str) -> bool {
    key_words(key)
        .iter()
        .any(|w| matches!(w.as_str(), "IMAGE" | "VERSION" | "TAG"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn short(value: &str, key: &str) -> Option<(String, Option<String>, Option<i64>)> {
        short_host_ref(value, Some(key)).map(|r| (r.name, r.namespace, r.port))
    }

    fn found(
        name: &str,
        ns: Option<&str>,
        port: Option<i64>,
    ) -> Option<(String, Option<String>, Option<i64>)> {
        Some((name.to_string(), ns.map(str::to_string), port))
    }

    #[test]
    fn short_forms_real_repositories_write() {
        assert_eq!(
            short("cart:7070", "CART_ADDR"),
            found("cart", None, Some(7070))
        );
        assert_eq!(
            short("cart.shop:7070", "X"),
            found("cart", Some("shop"), Some(7070))
        );
        assert_eq!(
            short("http://cart:8080/api", "URL"),
            found("cart", None, Some(8080))
        );
        assert_eq!(
            short("http://cart/api", "URL"),
            found("cart", None, Some(80))
        );
        assert_eq!(
            short("redis://redis:6379/0", "CACHE"),
            found("redis", None, Some(6379))
        );
        assert_eq!(short(" redis ", "REDIS_HOST"), found("redis", None, None));
        assert_eq!(short("flagd", "flagdHost"), found("flagd", None, None));
        assert_eq!(
            short("https://user@api.shop", "X"),
            found("api", Some("shop"), Some(443))
        );
    }

    #[test]
    fn free_text_and_other_values_are_not_host_references() {
        for (value, key) in [
            ("redis", "CACHE"), // a bare word under a key that says nothing
            ("checkout", "OTEL_SERVICE_NAME"),
            ("postgres:16", "DB_IMAGE"),
            ("localhost:8080", "ADDR"),
            ("12:30", "BACKUP_AT"),
            ("0.0.0.0:8080", "LISTEN_ADDR"),
            (":8080", "ADDR"),
            ("cart:7070/api", "X"), // a path without a scheme
            ("until nc -z redis 6379", "CMD"),
            ("$(REDIS_HOST):6379", "ADDR"),
            ("redis:7.2", "X"),
        ] {
            assert_eq!(short_host_ref(value, Some(key)), None, "{value}");
        }
    }

    #[test]
    fn ranges_cover_the_host_and_port() {
        let r = short_host_ref("  http://cart:8080/x", None);
        assert_eq!(r.map(|r| r.range), Some(9..18));
        let q = qualified_host_refs("a cart.shop.svc:1 b").next();
        assert_eq!(q.map(|r| r.range), Some(2..17));
    }

    #[test]
    fn port_names_are_read_as_istio_reads_them() {
        for (name, want) in [
            ("http", Some("http")),
            ("HTTP-web", Some("http")),
            ("grpc-web", Some("grpc-web")),
            ("grpc-webapp", Some("grpc-web")),
            ("http_proxy", Some("http_proxy")),
            ("http_proxy-egress", Some("http_proxy")),
            ("grpcapi", None),
            ("http_web", None),
            ("web", None),
            ("", None),
        ] {
            assert_eq!(protocol_of_name(name), want, "{name}");
        }
        assert_eq!(protocol_of_app_protocol("kubernetes.io/h2c"), Some("http2"));
        assert_eq!(protocol_of_app_protocol("kubernetes.io/wss"), Some("https"));
        assert_eq!(protocol_of_app_protocol("ws"), None);
        assert_eq!(protocol_of_app_protocol("hbone"), None);
    }

    #[test]
    fn key_words_split_every_spelling() {
        assert_eq!(key_words("--redis-host"), ["REDIS", "HOST"]);
        assert_eq!(key_words("redisHostName"), ["REDIS", "HOST", "NAME"]);
        assert_eq!(key_words("DB_ADDR"), ["DB", "ADDR"]);
    }
}
