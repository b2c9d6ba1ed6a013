//! # KR405: Knative container rules
//!
//! ## What it checks
//! The revision template of every Knative Service and Configuration
//! (`spec.template.spec`) and the spec of every Revision, as the Knative Serving webhook
//! validates it after applying its defaults:
//!
//! - with several containers, exactly one port across all of them: the container with the
//!   port is the serving container, the others are sidecars ("more than one container port
//!   is set" / "missing field(s): ports"); a single container may have no port (Knative
//!   defaults it to 8080) or one, never more;
//! - the serving port's `name` is empty, `h2c` or `http1` (`http`, `http2`, `grpc` are
//!   rejected: "Port name … is not allowed") and its `protocol` is `TCP` or unset;
//! - no `containerPort` is one queue-proxy or the profiler listens on: 8012, 8013, 8022,
//!   9090, 9091, 8008 (error, "… is a reserved port"); 8112, queue-proxy's HTTPS port
//!   when system-internal TLS is on, is not refused by the webhook and is a warning;
//! - the serving container sets none of the env vars Knative injects: `PORT`, `K_SERVICE`,
//!   `K_CONFIGURATION`, `K_REVISION` ("… is a reserved environment variable"); sidecars
//!   and init containers may set `PORT`, not the others;
//! - no `volumeMounts[].mountPath` is `/`, `/dev` or `/dev/log` ("… is a reserved path");
//! - `containerConcurrency` is between 0 and `container-concurrency-max-limit` of
//!   `config-defaults` (default 1000), and 0 only when `allow-container-concurrency-zero`
//!   is not `"false"`;
//! - `timeoutSeconds` is 0 (the default) or between 1 and `max-revision-timeout-seconds`
//!   of `config-defaults` (default 600);
//! - pod-spec fields Knative only accepts behind a `config-features` flag (all disabled by
//!   default) are not set unless the flag is `enabled` or `allowed` in the input's
//!   `config-features`: `affinity`, `topologySpreadConstraints`, `hostAliases`,
//!   `nodeSelector`, `runtimeClassName`, `tolerations`, `shareProcessNamespace`,
//!   `priorityClassName`, `schedulerName`, `initContainers`, `dnsPolicy`, `dnsConfig`,
//!   `hostIPC`, `hostPID`, `hostNetwork` ("must not set the field(s): …"); the flag is
//!   `kubernetes.podspec-<field>` (`kubernetes.podspec-init-containers` for init
//!   containers).
//!
//! Unnamed containers are fine: Knative names them `user-container`, `user-container-1`, ….
//! The `config-defaults` ConfigMap of namespace `knative-serving` is read when it is in the
//! input.
//!
//! ## Why it matters
//! The webhook refuses the whole Service (`kubectl apply` fails with
//! `admission webhook "validation.webhook.serving.knative.dev" denied the request`), or,
//! for port 8112, the revision's HTTPS port collides with queue-proxy as soon as
//! system-internal TLS is turned on and the pod never becomes ready.
//!
//! ## Example
//! ```yaml
//! apiVersion: serving.knative.dev/v1
//! kind: Service
//! metadata: {name: hello}
//! spec:
//!   template:
//!     spec:
//!       timeoutSeconds: 900             # KR405: the maximum is 600
//!       containers:
//!       - image: ghcr.io/example/hello
//!         ports:
//!         - name: http2                 # KR405: use h2c
//!           containerPort: 9090         # KR405: reserved by queue-proxy
//!         env:
//!         - {name: PORT, value: "9090"} # KR405: Knative sets PORT itself
//! ```
//!
//! ## How to fix
//! Give exactly one container one port, named `h2c` for HTTP/2 without TLS or left
//! unnamed; let the application listen on any port but the reserved ones and read `PORT`
//! instead of setting it; mount volumes below their own directories; keep
//! `containerConcurrency` and `timeoutSeconds` within the limits of `config-defaults` (or
//! raise the limits there).

use crate::checks::{Context, Rule};
use crate::inventory::knative::SERVING;
use crate::manifest::Object;
use crate::diagnostic::{Diagnostic, Severity};
use crate::yaml::Node;

pub const RULE: Rule = Rule {
    code: "KR405",
    severity: Severity::Error,
    summary: "Knative container rules: one serving port, its name, reserved ports, env vars and mount paths, concurrency and timeout bounds",
    run,
};

/// Ports queue-proxy and the profiler listen on, refused by the webhook.
const RESERVED_PORTS: [(i64, &str); 6] = [
    (8012, "queue-proxy's HTTP/1 port"),
    (8013, "queue-proxy's H2C port"),
    (8022, "queue-proxy's admin port"),
    (9090, "queue-proxy's autoscaler metrics port"),
    (9091, "queue-proxy's user metrics port"),
    (8008, "the profiling port"),
];

/// queue-proxy's HTTPS port, used with system-internal TLS; not refused by the webhook.
const QUEUE_HTTPS_PORT: i64 = 8112;

const RESERVED_ENV: [&str; 4] = ["PORT", "K_SERVICE", "K_CONFIGURATION", "K_REVISION"];

const RESERVED_PATHS: [&str; 3] = ["/", "/dev", "/dev/log"];

/// The revision spec Knative validates: `spec.template.spec` of a Service or
/// Configuration, `spec` of a Revision.
pub fn revision_spec(object: &Object) -> Option<&Node> {
    if object.group != SERVING {
        return None;
    }
    match object.kind.as_str() {
        "Service" | "Configuration" => object.spec()?.at(&["template", "spec"]),
        "Revision" => object.spec(),
        _ => None,
    }
}

fn run(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let config = &ctx.inv.knative_config;
    let limit = |key: &str, default: i64| {
        config
            .get("config-defaults", key)
            .and_then(|v| v.trim().parse::<i64>().ok())
            .unwrap_or(default)
    };
    let limits = Limits {
        concurrency_max: limit("container-concurrency-max-limit", 1000),
        concurrency_zero: config
            .get("config-defaults", "allow-container-concurrency-zero")
            .is_none_or(|v| !v.trim().eq_ignore_ascii_case("false")),
        timeout_max: limit("max-revision-timeout-seconds", 600),
    };
    for object in &ctx.inv.objects {
        if let Some(spec) = revision_spec(object) {
            check_spec(ctx, object, spec, &limits, out);
            check_features(ctx, object, spec, out);
        }
    }
}

/// Pod-spec fields behind a `config-features` flag, disabled by default
/// (`reference/knative.md` §a.3).
const FEATURE_FIELDS: &[(&str, &str)] = &[
    ("affinity", "kubernetes.podspec-affinity"),
    ("topologySpreadConstraints", "kubernetes.podspec-topologyspreadconstraints"),
    ("hostAliases", "kubernetes.podspec-hostaliases"),
    ("nodeSelector", "kubernetes.podspec-nodeselector"),
    ("runtimeClassName", "kubernetes.podspec-runtimeclassname"),
    ("tolerations", "kubernetes.podspec-tolerations"),
    ("shareProcessNamespace", "kubernetes.podspec-shareprocessnamespace"),
    ("priorityClassName", "kubernetes.podspec-priorityclassname"),
    ("schedulerName", "kubernetes.podspec-schedulername"),
    ("initContainers", "kubernetes.podspec-init-containers"),
    ("dnsPolicy", "kubernetes.podspec-dnspolicy"),
    ("dnsConfig", "kubernetes.podspec-dnsconfig"),
    ("hostIPC", "kubernetes.podspec-hostipc"),
    ("hostPID", "kubernetes.podspec-hostpid"),
    ("hostNetwork", "kubernetes.podspec-hostnetwork"),
];

/// Reports pod-spec fields whose `config-features` flag is off.
fn check_features(ctx: &Context<'_>, object: &Object, spec: &Node, out: &mut Vec<Diagnostic>) {
    let config = &ctx.inv.knative_config;
    for (field, flag) in FEATURE_FIELDS {
        let Some(entry) = spec.entry(field).filter(|e| !e.value.is_null()) else {
            continue;
        };
        if config.feature_on(flag) {
            continue;
        }
        let mut diagnostic = RULE.on(
            object,
            entry.key.span,
            format!(
                "`{field}` in the revision template of {} needs the `config-features` flag `{flag}`, which is off: the webhook rejects it (\"must not set the field(s): {field}\")",
                object.display()
            ),
        );
        if let Some(id) = config.object("config-features") {
            diagnostic = diagnostic.with_related_object(ctx.inv.object(id), "`config-features`");
        }
        out.push(diagnostic.with_help(format!(
            "remove `{field}`, or set `{flag}: enabled` in ConfigMap knative-serving/config-features"
        )));
    }
}

struct Limits {
    concurrency_max: i64,
    concurrency_zero: bool,
    timeout_max: i64,
}

fn container_label(container: &Node, index: usize) -> String {
    match container.str_at("name") {
        Some(name) => format!("container `{name}`"),
        None => format!("container #{}", index + 1),
    }
}

fn check_spec(
    ctx: &Context<'_>,
    object: &Object,
    spec: &Node,
    limits: &Limits,
    out: &mut Vec<Diagnostic>,
) {
    let defaults = ctx.inv.knative_config.object("config-defaults");
    let with_config = |d: Diagnostic| match defaults {
        Some(id) => d.with_related_object(ctx.inv.object(id), "the limits of `config-defaults`"),
        None => d,
    };
    let containers = spec.seq_at("containers");
    let ports: Vec<(usize, &Node)> = containers
        .iter()
        .enumerate()
        .flat_map(|(i, c)| c.seq_at("ports").iter().map(move |p| (i, p)))
        .collect();

    // Exactly one port across several containers; at most one on a single container.
    let serving = if containers.len() > 1 {
        if ports.len() != 1 {
            let span = spec.get("containers").map_or(object.span(), |n| n.span);
            let found = if ports.is_empty() {
                "none declares a port".to_string()
            } else {
                let which: Vec<String> = ports
                    .iter()
                    .map(|(i, p)| {
                        let number = p
                            .get("containerPort")
                            .and_then(Node::as_i64)
                            .map_or_else(String::new, |n| format!(" port {n}"));
                        format!("{}{number}", container_label(&containers[*i], *i))
                    })
                    .collect();
                format!("{} ports are declared ({})", ports.len(), which.join(", "))
            };
            out.push(
                RULE.on(
                    object,
                    span,
                    format!(
                        "{} has {} containers and {found}: Knative needs exactly one container port across all containers to know which container serves",
                        object.display(),
                        containers.len()
                    ),
                )
                .with_help("declare one `ports` entry on the container that serves requests and none on the sidecars"),
            );
        }
        ports.first().map(|(i, _)| *i)
    } else {
        if ports.len() > 1 {
            out.push(
                RULE.on(
                    object,
                    ports[1].1.span,
                    format!(
                        "{} declares {} container ports on {}: Knative routes to exactly one port",
                        object.display(),
                        ports.len(),
                        container_label(&containers[0], 0)
                    ),
                )
                .with_help("keep the one port the application serves on; other listeners are not reachable through Knative"),
            );
        }
        (!containers.is_empty()).then_some(0)
    };

    // The serving port: name and protocol.
    if let Some((i, port)) = serving.and_then(|s| ports.iter().find(|(i, _)| *i == s)) {
        if let Some(name) = port.get("name") {
            let value = name.as_str().unwrap_or("");
            if !matches!(value, "" | "h2c" | "http1") {
                let hint = if matches!(value, "http2" | "grpc" | "h2") {
                    "name it `h2c` for HTTP/2 (gRPC) without TLS"
                } else {
                    "leave the name out (HTTP/1), or use `h2c` for HTTP/2 and gRPC"
                };
                out.push(
                    RULE.on(
                        object,
                        name.span,
                        format!(
                            "port name `{value}` of {} in {} is not allowed: Knative accepts only an empty name, `h2c` or `http1`",
                            container_label(&containers[*i], *i),
                            object.display()
                        ),
                    )
                    .with_help(hint),
                );
            }
        }
        if let Some(protocol) = port.get("protocol") {
            let value = protocol.as_str().unwrap_or("");
            if !value.is_empty() && value != "TCP" {
                out.push(
                    RULE.on(
                        object,
                        protocol.span,
                        format!(
                            "protocol `{value}` of the serving port of {} in {} is not allowed: Knative serves HTTP over TCP only",
                            container_label(&containers[*i], *i),
                            object.display()
                        ),
                    )
                    .with_help("remove `protocol` or set it to `TCP`"),
                );
            }
        }
    }

    // Reserved ports, on any container.
    for (i, port) in &ports {
        let Some(number) = port.get("containerPort") else {
            continue;
        };
        let Some(value) = number.as_i64() else {
            continue;
        };
        let who = container_label(&containers[*i], *i);
        if let Some((_, what)) = RESERVED_PORTS.iter().find(|(p, _)| *p == value) {
            out.push(
                RULE.on(
                    object,
                    number.span,
                    format!(
                        "containerPort {value} of {who} in {} is reserved by Knative ({what}): the webhook refuses it",
                        object.display()
                    ),
                )
                .with_help("let the application listen on another port (8080 is the default) and declare that one"),
            );
        } else if value == QUEUE_HTTPS_PORT {
            out.push(
                RULE.on(
                    object,
                    number.span,
                    format!(
                        "containerPort {value} of {who} in {} is queue-proxy's HTTPS port: the pod cannot start once system-internal TLS is enabled",
                        object.display()
                    ),
                )
                .with_severity(Severity::Warning)
                .with_help("let the application listen on another port (8080 is the default)"),
            );
        }
    }

    // Env vars and mount paths: init containers and sidecars may set PORT.
    let init = spec.seq_at("initContainers");
    let all = containers
        .iter()
        .enumerate()
        .map(|(i, c)| (c, container_label(c, i), serving == Some(i)))
        .chain(init.iter().enumerate().map(|(i, c)| {
            let label = match c.str_at("name") {
                Some(name) => format!("init container `{name}`"),
                None => format!("init container #{}", i + 1),
            };
            (c, label, false)
        }));
    for (container, who, is_serving) in all {
        for env in container.seq_at("env") {
            let Some(name) = env.get("name") else {
                continue;
            };
            let Some(value) = name.as_str() else {
                continue;
            };
            if !RESERVED_ENV.contains(&value) || (value == "PORT" && !is_serving) {
                continue;
            }
            let who = if is_serving {
                who.replacen("container", "serving container", 1)
            } else {
                who.clone()
            };
            out.push(
                RULE.on(
                    object,
                    name.span,
                    format!(
                        "env var `{value}` of {who} in {} is reserved: Knative sets it in every revision",
                        object.display()
                    ),
                )
                .with_help(if value == "PORT" {
                    "remove it and let the application read `PORT`; choose the port with `ports[0].containerPort`"
                } else {
                    "remove it: Knative sets `K_SERVICE`, `K_CONFIGURATION` and `K_REVISION` itself; use another name for your own value"
                }),
            );
        }
        for mount in container.seq_at("volumeMounts") {
            let Some(path) = mount.get("mountPath") else {
                continue;
            };
            let raw = path.as_str().unwrap_or("");
            let trimmed = raw.trim_end_matches('/');
            let cleaned = if trimmed.is_empty() { "/" } else { trimmed };
            if raw.is_empty() || !RESERVED_PATHS.contains(&cleaned) {
                continue;
            }
            out.push(
                RULE.on(
                    object,
                    path.span,
                    format!(
                        "mountPath `{raw}` of {who} in {} is reserved: Knative refuses mounts over `/`, `/dev` and `/dev/log`",
                        object.display()
                    ),
                )
                .with_help("mount the volume on a directory of its own, e.g. `/data` or `/etc/<app>`"),
            );
        }
    }

    // containerConcurrency and timeoutSeconds.
    if let Some(node) = spec.get("containerConcurrency") {
        if let Some(value) = node.as_i64() {
            let message = if value < 0 || value > limits.concurrency_max {
                Some(format!(
                    "containerConcurrency {value} of {} is outside 0–{} (`container-concurrency-max-limit`)",
                    object.display(),
                    limits.concurrency_max
                ))
            } else if value == 0 && !limits.concurrency_zero {
                Some(format!(
                    "containerConcurrency 0 (unlimited) of {} is refused: `config-defaults` sets `allow-container-concurrency-zero: \"false\"`",
                    object.display()
                ))
            } else {
                None
            };
            if let Some(message) = message {
                out.push(with_config(RULE.on(object, node.span, message).with_help(
                    format!(
                        "use a value between {} and {} (0 means unlimited)",
                        u8::from(!limits.concurrency_zero),
                        limits.concurrency_max
                    ),
                )));
            }
        }
    }
    if let Some(node) = spec.get("timeoutSeconds") {
        if let Some(value) = node.as_i64() {
            if value < 0 || value > limits.timeout_max {
                out.push(with_config(
                    RULE.on(
                        object,
                        node.span,
                        format!(
                            "timeoutSeconds {value} of {} is outside 0–{} (`max-revision-timeout-seconds`)",
                            object.display(),
                            limits.timeout_max
                        ),
                    )
                    .with_help(format!(
                        "use at most {} seconds (0 means the default, `revision-timeout-seconds`), or raise `max-revision-timeout-seconds` in `config-defaults`",
                        limits.timeout_max
                    )),
                ));
            }
        }
    }
}
