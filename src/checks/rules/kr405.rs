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
use crate::diagnostic::{Diagnostic, Severity};
use crate::inventory::knative::{KnativeConfig, RevisionContainer, RevisionPort, RevisionSpec};
use crate::manifest::{Object, ObjectId};

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

fn run(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let limits = Limits::read(&ctx.inv.knative_config);
    for object in &ctx.inv.objects {
        if let Some(spec) = RevisionSpec::of(object) {
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
fn check_features(
    ctx: &Context<'_>,
    object: &Object,
    spec: RevisionSpec<'_>,
    out: &mut Vec<Diagnostic>,
) {
    let config = &ctx.inv.knative_config;
    for (field, flag) in FEATURE_FIELDS {
        let Some(key_span) = spec.set_field(field) else {
            continue;
        };
        if config.feature_on(flag) {
            continue;
        }
        let mut diagnostic = RULE.on(
            object,
            key_span,
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

/// The bounds `config-defaults` sets (Knative's defaults when it is not in the input).
struct Limits {
    concurrency_max: i64,
    concurrency_zero: bool,
    timeout_max: i64,
    /// The `config-defaults` ConfigMap, when in the input.
    config: Option<ObjectId>,
}

impl Limits {
    fn read(config: &KnativeConfig) -> Limits {
        let limit = |key: &str, default: i64| {
            config
                .get("config-defaults", key)
                .and_then(|v| v.trim().parse::<i64>().ok())
                .unwrap_or(default)
        };
        Limits {
            concurrency_max: limit("container-concurrency-max-limit", 1000),
            concurrency_zero: config
                .get("config-defaults", "allow-container-concurrency-zero")
                .is_none_or(|v| !v.trim().eq_ignore_ascii_case("false")),
            timeout_max: limit("max-revision-timeout-seconds", 600),
            config: config.object("config-defaults"),
        }
    }

    /// `d`, pointing at `config-defaults` when it is in the input.
    fn related(&self, ctx: &Context<'_>, d: Diagnostic) -> Diagnostic {
        match self.config {
            Some(id) => d.with_related_object(ctx.inv.object(id), "the limits of `config-defaults`"),
            None => d,
        }
    }
}

/// `container `name``, or `container #n` for an unnamed one; `what` says which kind.
fn label(what: &str, container: &RevisionContainer, index: usize) -> String {
    match &container.name {
        Some(name) => format!("{what} `{name}`"),
        None => format!("{what} #{}", index + 1),
    }
}

fn check_spec(
    ctx: &Context<'_>,
    object: &Object,
    spec: RevisionSpec<'_>,
    limits: &Limits,
    out: &mut Vec<Diagnostic>,
) {
    let containers = spec.containers();
    let serving = serving_container(object, spec, &containers, out);
    if let Some((i, container)) = serving.and_then(|i| Some((i, containers.get(i)?))) {
        if let Some(port) = container.ports.first() {
            serving_port(object, &label("container", container, i), port, out);
        }
    }
    for (i, container) in containers.iter().enumerate() {
        for port in &container.ports {
            out.extend(reserved_port(object, &label("container", container, i), port));
        }
    }
    let init = spec.init_containers();
    let all = containers
        .iter()
        .enumerate()
        .map(|(i, c)| (c, label("container", c, i), serving == Some(i)))
        .chain(
            init.iter()
                .enumerate()
                .map(|(i, c)| (c, label("init container", c, i), false)),
        );
    for (container, who, is_serving) in all {
        reserved_env(object, container, &who, is_serving, out);
        reserved_mounts(object, container, &who, out);
    }
    out.extend(concurrency(ctx, object, spec, limits));
    out.extend(timeout(ctx, object, spec, limits));
}

/// Exactly one port across several containers, at most one on a single container. Returns
/// the serving container: the one with the (first) port, or the only one.
fn serving_container(
    object: &Object,
    spec: RevisionSpec<'_>,
    containers: &[RevisionContainer],
    out: &mut Vec<Diagnostic>,
) -> Option<usize> {
    let ports: Vec<(usize, &RevisionPort)> = containers
        .iter()
        .enumerate()
        .flat_map(|(i, c)| c.ports.iter().map(move |p| (i, p)))
        .collect();
    if containers.len() <= 1 {
        if let [_, second, ..] = ports.as_slice() {
            out.push(
                RULE.on(
                    object,
                    second.1.span,
                    format!(
                        "{} declares {} container ports on {}: Knative routes to exactly one port",
                        object.display(),
                        ports.len(),
                        label("container", &containers[0], 0)
                    ),
                )
                .with_help("keep the one port the application serves on; other listeners are not reachable through Knative"),
            );
        }
        return (!containers.is_empty()).then_some(0);
    }
    if ports.len() != 1 {
        let found = if ports.is_empty() {
            "none declares a port".to_string()
        } else {
            let which: Vec<String> = ports
                .iter()
                .map(|(i, p)| {
                    let number = p
                        .container_port
                        .map_or_else(String::new, |(n, _)| format!(" port {n}"));
                    format!("{}{number}", label("container", &containers[*i], *i))
                })
                .collect();
            format!("{} ports are declared ({})", ports.len(), which.join(", "))
        };
        out.push(
            RULE.on(
                object,
                spec.containers_span().unwrap_or(object.span()),
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
}

/// The serving port's name and protocol.
fn serving_port(object: &Object, who: &str, port: &RevisionPort, out: &mut Vec<Diagnostic>) {
    if let Some(name) = port
        .name
        .as_ref()
        .filter(|n| !matches!(n.value.as_str(), "" | "h2c" | "http1"))
    {
        let value = &name.value;
        let hint = if matches!(value.as_str(), "http2" | "grpc" | "h2") {
            "name it `h2c` for HTTP/2 (gRPC) without TLS"
        } else {
            "leave the name out (HTTP/1), or use `h2c` for HTTP/2 and gRPC"
        };
        out.push(
            RULE.on(
                object,
                name.span,
                format!(
                    "port name `{value}` of {who} in {} is not allowed: Knative accepts only an empty name, `h2c` or `http1`",
                    object.display()
                ),
            )
            .with_help(hint),
        );
    }
    if let Some(protocol) = port
        .protocol
        .as_ref()
        .filter(|p| !p.value.is_empty() && p.value != "TCP")
    {
        out.push(
            RULE.on(
                object,
                protocol.span,
                format!(
                    "protocol `{}` of the serving port of {who} in {} is not allowed: Knative serves HTTP over TCP only",
                    protocol.value,
                    object.display()
                ),
            )
            .with_help("remove `protocol` or set it to `TCP`"),
        );
    }
}

/// A `containerPort` queue-proxy or the profiler listens on, on any container.
fn reserved_port(object: &Object, who: &str, port: &RevisionPort) -> Option<Diagnostic> {
    let (value, span) = port.container_port?;
    if let Some((_, what)) = RESERVED_PORTS.iter().find(|(p, _)| *p == value) {
        return Some(
            RULE.on(
                object,
                span,
                format!(
                    "containerPort {value} of {who} in {} is reserved by Knative ({what}): the webhook refuses it",
                    object.display()
                ),
            )
            .with_help("let the application listen on another port (8080 is the default) and declare that one"),
        );
    }
    (value == QUEUE_HTTPS_PORT).then(|| {
        RULE.on(
            object,
            span,
            format!(
                "containerPort {value} of {who} in {} is queue-proxy's HTTPS port: the pod cannot start once system-internal TLS is enabled",
                object.display()
            ),
        )
        .with_severity(Severity::Warning)
        .with_help("let the application listen on another port (8080 is the default)")
    })
}

/// Env vars Knative sets itself; init containers and sidecars may set `PORT`.
fn reserved_env(
    object: &Object,
    container: &RevisionContainer,
    who: &str,
    is_serving: bool,
    out: &mut Vec<Diagnostic>,
) {
    let who = if is_serving {
        format!("serving {who}")
    } else {
        who.to_string()
    };
    for name in &container.env {
        let value = name.value.as_str();
        if !RESERVED_ENV.contains(&value) || (value == "PORT" && !is_serving) {
            continue;
        }
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
}

/// Mounts over `/`, `/dev` or `/dev/log`, however many trailing slashes.
fn reserved_mounts(
    object: &Object,
    container: &RevisionContainer,
    who: &str,
    out: &mut Vec<Diagnostic>,
) {
    for path in &container.mount_paths {
        let raw = path.value.as_str();
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

/// `containerConcurrency` within 0…`container-concurrency-max-limit`, 0 only if allowed.
fn concurrency(
    ctx: &Context<'_>,
    object: &Object,
    spec: RevisionSpec<'_>,
    limits: &Limits,
) -> Option<Diagnostic> {
    let (value, span) = spec.container_concurrency()?;
    let message = if value < 0 || value > limits.concurrency_max {
        format!(
            "containerConcurrency {value} of {} is outside 0–{} (`container-concurrency-max-limit`)",
            object.display(),
            limits.concurrency_max
        )
    } else if value == 0 && !limits.concurrency_zero {
        format!(
            "containerConcurrency 0 (unlimited) of {} is refused: `config-defaults` sets `allow-container-concurrency-zero: \"false\"`",
            object.display()
        )
    } else {
        return None;
    };
    Some(limits.related(
        ctx,
        RULE.on(object, span, message).with_help(format!(
            "use a value between {} and {} (0 means unlimited)",
            u8::from(!limits.concurrency_zero),
            limits.concurrency_max
        )),
    ))
}

/// `timeoutSeconds` within 0…`max-revision-timeout-seconds`.
fn timeout(
    ctx: &Context<'_>,
    object: &Object,
    spec: RevisionSpec<'_>,
    limits: &Limits,
) -> Option<Diagnostic> {
    let (value, span) = spec.timeout_seconds()?;
    if (0..=limits.timeout_max).contains(&value) {
        return None;
    }
    Some(limits.related(
        ctx,
        RULE.on(
            object,
            span,
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
    ))
}
