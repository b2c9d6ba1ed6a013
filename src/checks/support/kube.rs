//! Helpers the Kubernetes discovery rules (KR2xx) share.

/// Protocols Istio recognises from a port name prefix.
pub const MESH_PROTOCOLS: &[&str] = &[
    "grpc-web", "grpc", "http2", "https", "http", "mongo", "mysql", "redis", "tcp", "tls", "udp",
];

/// The mesh protocol a port name declares, if it follows the `<protocol>[-suffix]`
/// convention.
pub fn protocol_of_name(name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    MESH_PROTOCOLS.iter().copied().find(|p| {
        lower == *p
            || lower
                .strip_prefix(p)
                .is_some_and(|rest| rest.starts_with('-'))
    })
}
