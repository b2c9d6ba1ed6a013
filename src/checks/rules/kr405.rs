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
//! - no `containerPort` of a container or init container is one queue-proxy or the
//!   profiler listens on: 8012, 8013, 8022, 9090, 9091, 8008 (error, "… is a reserved
//!   port"); 8112, queue-proxy's HTTPS port when system-internal TLS is on, is not refused
//!   by the webhook and is a warning on containers (init containers finish before
//!   queue-proxy starts);
//! - the serving container sets none of the env vars Knative injects: `PORT`, `K_SERVICE`,
//!   `K_CONFIGURATION`, `K_REVISION` ("… is a reserved environment variable"); sidecars
//!   and init containers may set `PORT`, not the others;
//! - no `volumeMounts[].mountPath` is `/`, `/dev` or `/dev/log` once cleaned as Go's
//!   `path.Clean` cleans it, as the webhook does: `//dev//`, `/var/../dev` and
//!   `/dev/./log` are reserved too (`mountPath "/dev" is a reserved path`); `/dev/shm` or
//!   `/tmp` are not;
//! - container and init container names are unique (`duplicate container name "…"`) and
//!   none is `queue-proxy` (`"queue-proxy" is a reserved container name`); unnamed
//!   containers are fine: Knative names them `user-container`, `user-container-0`, …;
//! - `containerConcurrency` is between 0 and `container-concurrency-max-limit` of
//!   `config-defaults` (default 1000), and 0 only when `allow-container-concurrency-zero`
//!   is not `"false"`;
//! - `timeoutSeconds` is 0 (the default) or between 1 and `max-revision-timeout-seconds`
//!   of `config-defaults` (default 600);
//! - what `config-features` (flag values compared ignoring case; all the flags below are
//!   off by default) refuses:
//!   - pod-spec fields behind a flag, accepted when it is `enabled` or `allowed`:
//!     `affinity`, `topologySpreadConstraints`, `hostAliases`, `nodeSelector`,
//!     `runtimeClassName`, `tolerations`, `shareProcessNamespace`, `priorityClassName`,
//!     `schedulerName`, `dnsPolicy`, `dnsConfig`, `hostIPC`, `hostPID`, `hostNetwork`
//!     ("must not set the field(s): …"); the flag is `kubernetes.podspec-<field>`;
//!   - `initContainers`, accepted only when `kubernetes.podspec-init-containers` is
//!     `enabled` (`allowed` is not enough: "pod spec support for init-containers is off,
//!     but found … init containers");
//!   - the pod-level `securityContext` (even `{}`), behind
//!     `kubernetes.podspec-securitycontext`. With `secure-pod-defaults` set to `enabled`
//!     or `AllowRootBounded`, a `seccompProfile` of nothing but `type: RuntimeDefault` or
//!     `Unconfined` is accepted without that flag, and every other field is refused
//!     ("must not set the field(s): securityContext.…"). With the flag on,
//!     `seLinuxOptions`, `windowsOptions`, `sysctls`, `fsGroupChangePolicy`,
//!     `appArmorProfile`, `supplementalGroupsPolicy` and `seLinuxChangePolicy` are still
//!     refused, and `runAsUser`, `runAsGroup`, `fsGroup` and `supplementalGroups` must be
//!     within 0–2147483647 ("expected 0 <= … <= 2147483647"). Keys Kubernetes does not
//!     know are dropped by the webhook and not reported;
//!   - `env[].valueFrom.fieldRef` and `valueFrom.resourceFieldRef` of any container,
//!     behind `kubernetes.podspec-fieldref` ("must not set the field(s):
//!     valueFrom.fieldRef");
//!   - several containers when `multi-container` (on by default) is set to anything but
//!     `enabled` ("multi-container is off, but found … containers").
//!
//! The `config-defaults` and `config-features` ConfigMaps of namespace `knative-serving`
//! are read when they are in the input.
//!
//! Deliberate difference: two init containers of the same name are reported too. The
//! webhook only compares init containers with containers, but Kubernetes refuses the
//! revision's Deployment, so the revision never becomes ready.
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
//! raise the limits there). Give each container a name of its own, or none. Turn on the
//! `config-features` flag a field needs (in ConfigMap `knative-serving/config-features`,
//! which kroute reads when it is in the input), or do without the field: container-level
//! `securityContext` is always accepted for `runAsNonRoot`, `runAsUser`, `runAsGroup` and
//! `seccompProfile`.

use std::collections::HashMap;

use crate::checks::{Context, Rule};
use crate::diagnostic::{Diagnostic, Severity};
use crate::inventory::knative::{
    KnativeConfig, RevisionContainer, RevisionPort, RevisionSpec, FLAG_VALUES,
};
use crate::manifest::{Object, ObjectId};
use crate::yaml::Span;

pub const RULE: Rule = Rule {
    code: "KR405",
    severity: Severity::Error,
    summary: "Knative container rules: one serving port, its name, reserved ports, container names, env vars and mount paths, fields behind config-features, concurrency and timeout bounds",
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

/// The name of the container Knative adds to every revision.
const RESERVED_CONTAINER: &str = "queue-proxy";

fn run(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let limits = Limits::read(&ctx.inv.knative_config);
    for object in &ctx.inv.objects {
        if let Some(spec) = RevisionSpec::of(object) {
            let pod = Pod::read(spec);
            check_spec(ctx, object, spec, &pod, &limits, out);
            check_features(ctx, object, spec, &pod, out);
        }
    }
}

/// Pod-spec fields behind a `config-features` flag, disabled by default
/// (`reference/knative.md` §a.3): the webhook drops them from its mask unless the flag is
/// `enabled` or `allowed`.
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
    ("dnsPolicy", "kubernetes.podspec-dnspolicy"),
    ("dnsConfig", "kubernetes.podspec-dnsconfig"),
    ("hostIPC", "kubernetes.podspec-hostipc"),
    ("hostPID", "kubernetes.podspec-hostpid"),
    ("hostNetwork", "kubernetes.podspec-hostnetwork"),
];

/// Init containers need their flag `enabled`: `allowed` passes the field mask, but the
/// webhook then refuses them all the same.
const INIT_CONTAINERS_FLAG: &str = "kubernetes.podspec-init-containers";

const SECURITY_CONTEXT_FLAG: &str = "kubernetes.podspec-securitycontext";
const FIELD_REF_FLAG: &str = "kubernetes.podspec-fieldref";

/// The pod `securityContext` fields the webhook accepts once `SECURITY_CONTEXT_FLAG` is on.
const POD_SECURITY_ALLOWED: [&str; 6] = [
    "runAsUser",
    "runAsGroup",
    "runAsNonRoot",
    "fsGroup",
    "supplementalGroups",
    "seccompProfile",
];

/// The pod `securityContext` fields Knative never accepts. Other unknown keys are dropped
/// by the webhook's decoder (the CRD preserves them), so they are not reported.
const POD_SECURITY_REFUSED: [&str; 7] = [
    "seLinuxOptions",
    "windowsOptions",
    "sysctls",
    "fsGroupChangePolicy",
    "appArmorProfile",
    "supplementalGroupsPolicy",
    "seLinuxChangePolicy",
];

/// The largest user or group id the webhook accepts (Go's `math.MaxInt32`).
const MAX_ID: i64 = 2_147_483_647;

/// Reports what the `config-features` of the input (Knative's defaults without it) refuse:
/// flagged pod-spec fields, init containers, the pod `securityContext`, pod-field env vars
/// and several containers.
fn check_features(
    ctx: &Context<'_>,
    object: &Object,
    spec: RevisionSpec<'_>,
    pod: &Pod,
    out: &mut Vec<Diagnostic>,
) {
    let features = Features { ctx, object };
    let config = &ctx.inv.knative_config;
    for (field, flag) in FEATURE_FIELDS {
        let Some(key_span) = spec.set_field(field) else {
            continue;
        };
        if !config.feature_on(flag) {
            out.push(features.off(
                key_span,
                format!("`{field}` in the revision template of {}", object.display()),
                flag,
                &format!("must not set the field(s): {field}"),
                &format!("remove `{field}`, or set `{flag}: enabled` in ConfigMap knative-serving/config-features"),
            ));
        }
    }
    out.extend(init_containers(&features, spec, pod));
    out.extend(multi_container(&features, spec, pod));
    pod_security_context(&features, spec, out);
    field_refs(&features, pod, out);
}

/// One revision template, for findings about `config-features`.
struct Features<'a> {
    ctx: &'a Context<'a>,
    object: &'a Object,
}

impl Features<'_> {
    /// `what` needs `flag`, which is off; the webhook says `webhook`.
    fn off(&self, span: Span, what: String, flag: &str, webhook: &str, help: &str) -> Diagnostic {
        self.refused(
            span,
            format!("{what} needs the `config-features` flag `{flag}`, which is off: the webhook rejects it (\"{webhook}\")"),
            help,
        )
    }

    /// A finding pointing at `config-features` too, when it is in the input.
    fn refused(&self, span: Span, message: String, help: &str) -> Diagnostic {
        let config = &self.ctx.inv.knative_config;
        let mut diagnostic = RULE.on(self.object, span, message).with_help(help);
        if let Some(id) = config.object("config-features") {
            diagnostic =
                diagnostic.with_related_object(self.ctx.inv.object(id), "`config-features`");
        }
        diagnostic
    }
}

/// `initContainers` unless their flag is `enabled`.
fn init_containers(
    features: &Features<'_>,
    spec: RevisionSpec<'_>,
    pod: &Pod,
) -> Option<Diagnostic> {
    let key_span = spec.set_field("initContainers")?;
    let config = &features.ctx.inv.knative_config;
    let value = config.feature(INIT_CONTAINERS_FLAG, &FLAG_VALUES, "disabled");
    if value == "enabled" {
        return None;
    }
    let found = pod.init.len();
    let webhook =
        format!("pod spec support for init-containers is off, but found {found} init containers");
    let help = format!("remove `initContainers`, or set `{INIT_CONTAINERS_FLAG}: enabled` in ConfigMap knative-serving/config-features (`allowed` is not enough)");
    let what = format!(
        "`initContainers` in the revision template of {}",
        features.object.display()
    );
    Some(if value == "allowed" {
        features.refused(
            key_span,
            format!("{what} need the `config-features` flag `{INIT_CONTAINERS_FLAG}` set to `enabled`, not `allowed`: the webhook rejects them (\"{webhook}\")"),
            &help,
        )
    } else {
        features.off(key_span, what, INIT_CONTAINERS_FLAG, &webhook, &help)
    })
}

/// Several containers while `multi-container` (on by default) is not `enabled`.
fn multi_container(
    features: &Features<'_>,
    spec: RevisionSpec<'_>,
    pod: &Pod,
) -> Option<Diagnostic> {
    let count = pod.containers.len();
    let config = &features.ctx.inv.knative_config;
    let value = config.feature("multi-container", &FLAG_VALUES, "enabled");
    if count < 2 || value == "enabled" {
        return None;
    }
    Some(features.refused(
        spec.containers_span().unwrap_or(features.object.span()),
        format!(
            "{} has {count} containers, but `config-features` sets `multi-container: {value}`: the webhook rejects it (\"multi-container is off, but found {count} containers\")",
            features.object.display()
        ),
        "run the sidecars elsewhere and keep one container, or set `multi-container: enabled` in ConfigMap knative-serving/config-features",
    ))
}

/// The pod-level `securityContext`: refused whole while its flag is off, except a
/// `seccompProfile` of type `RuntimeDefault` or `Unconfined` under `secure-pod-defaults`;
/// with the flag on, fields Knative never accepts and ids out of range.
fn pod_security_context(
    features: &Features<'_>,
    spec: RevisionSpec<'_>,
    out: &mut Vec<Diagnostic>,
) {
    let Some(sc) = spec.pod_security_context() else {
        return;
    };
    let config = &features.ctx.inv.knative_config;
    let who = features.object.display();
    let move_help = "set `runAsNonRoot`, `runAsUser`, `runAsGroup` and `seccompProfile` on each container's `securityContext`, which Knative always accepts, or enable the flag in ConfigMap knative-serving/config-features";
    if config.feature_on(SECURITY_CONTEXT_FLAG) {
        let refused = sc.fields.iter().filter(|(f, _)| POD_SECURITY_REFUSED.contains(f));
        for (field, span) in refused {
            out.push(features.refused(
                *span,
                format!("`securityContext.{field}` of the pod in the revision template of {who} is not accepted by Knative, even with `{SECURITY_CONTEXT_FLAG}` on (webhook: must not set the field(s): securityContext.{field})"),
                &format!("remove `{field}`; Knative accepts only {} at pod level", POD_SECURITY_ALLOWED.join(", ")),
            ));
        }
        let out_of_range = sc.ids().into_iter().filter(|(_, id, _)| !(0..=MAX_ID).contains(id));
        for (field, id, span) in out_of_range {
            let message = format!("`securityContext.{field}` {id} of the pod in the revision template of {who} is out of range (webhook: expected 0 <= {id} <= {MAX_ID})");
            out.push(
                RULE.on(features.object, span, message)
                    .with_help(format!("use an id between 0 and {MAX_ID}")),
            );
        }
        return;
    }
    let secure_values = ["disabled", "allowrootbounded", "enabled"];
    let secure = config.feature("secure-pod-defaults", &secure_values, "disabled");
    if secure == "disabled" {
        out.push(features.off(
            sc.key_span,
            format!("the pod-level `securityContext` in the revision template of {who}"),
            SECURITY_CONTEXT_FLAG,
            "must not set the field(s): securityContext",
            move_help,
        ));
        return;
    }
    let refused = sc.fields.iter().filter(|(f, _)| {
        (POD_SECURITY_ALLOWED.contains(f) || POD_SECURITY_REFUSED.contains(f))
            && !(*f == "seccompProfile" && sc.default_seccomp())
    });
    for (field, span) in refused {
        out.push(features.off(
            *span,
            format!("`securityContext.{field}` of the pod in the revision template of {who}"),
            SECURITY_CONTEXT_FLAG,
            &format!("must not set the field(s): securityContext.{field}"),
            &format!("`secure-pod-defaults` lets only `seccompProfile.type: RuntimeDefault` or `Unconfined` through without the flag; {move_help}"),
        ));
    }
}

/// Env vars read from `valueFrom.fieldRef` or `valueFrom.resourceFieldRef` while their flag
/// is off, in every container and init container.
fn field_refs(features: &Features<'_>, pod: &Pod, out: &mut Vec<Diagnostic>) {
    if features.ctx.inv.knative_config.feature_on(FIELD_REF_FLAG) {
        return;
    }
    for (container, who, _) in pod.all() {
        for r in &container.field_refs {
            out.push(features.off(
                r.span,
                format!(
                    "`valueFrom.{}` of env var `{}` of {who} in {}",
                    r.source,
                    r.env,
                    features.object.display()
                ),
                FIELD_REF_FLAG,
                &format!("must not set the field(s): valueFrom.{}", r.source),
                &format!("set the value another way (Knative sets `K_SERVICE`, `K_CONFIGURATION` and `K_REVISION`), or set `{FIELD_REF_FLAG}: enabled` in ConfigMap knative-serving/config-features"),
            ));
        }
    }
}

/// The containers and init containers of one revision template.
struct Pod {
    containers: Vec<RevisionContainer>,
    init: Vec<RevisionContainer>,
}

impl Pod {
    fn read(spec: RevisionSpec<'_>) -> Pod {
        Pod {
            containers: spec.containers(),
            init: spec.init_containers(),
        }
    }

    /// Every container then every init container, with its label and whether it is an
    /// init container.
    fn all(&self) -> impl Iterator<Item = (&RevisionContainer, String, bool)> {
        let containers = self.containers.iter().enumerate();
        let init = self.init.iter().enumerate();
        containers
            .map(|(i, c)| (c, label("container", c, i), false))
            .chain(init.map(|(i, c)| (c, label("init container", c, i), true)))
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
    pod: &Pod,
    limits: &Limits,
    out: &mut Vec<Diagnostic>,
) {
    let serving = serving_container(object, spec, &pod.containers, out);
    if let Some((i, container)) = serving.and_then(|i| Some((i, pod.containers.get(i)?))) {
        if let Some(port) = container.ports.first() {
            serving_port(object, &label("container", container, i), port, out);
        }
    }
    for (i, (container, who, init)) in pod.all().enumerate() {
        for port in &container.ports {
            out.extend(reserved_port(object, &who, port, init));
        }
        reserved_env(object, container, &who, serving == Some(i), out);
        reserved_mounts(object, container, &who, out);
    }
    container_names(object, pod, out);
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

/// A `containerPort` queue-proxy or the profiler listens on, on any container or init
/// container; 8112 only on containers, since init containers finish before queue-proxy
/// starts.
fn reserved_port(
    object: &Object,
    who: &str,
    port: &RevisionPort,
    init: bool,
) -> Option<Diagnostic> {
    let (value, span) = port.container_port?;
    if let Some((_, what)) = RESERVED_PORTS.iter().find(|(p, _)| *p == value) {
        return Some(
            RULE.on(
                object,
                span,
                format!(
                    "containerPort {value} of {who} in {} is reserved by Knative ({what}): the webhook refuses it ({value} is a reserved port)",
                    object.display()
                ),
            )
            .with_help("let the application listen on another port (8080 is the default) and declare that one"),
        );
    }
    (value == QUEUE_HTTPS_PORT && !init).then(|| {
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

/// Mounts over `/`, `/dev` or `/dev/log`, compared as the webhook compares them: after
/// Go's `path.Clean` (`//dev//`, `/var/../dev` and `/dev/./log` are reserved too).
fn reserved_mounts(
    object: &Object,
    container: &RevisionContainer,
    who: &str,
    out: &mut Vec<Diagnostic>,
) {
    for path in &container.mount_paths {
        let raw = path.value.as_str();
        let cleaned = clean_path(raw);
        if raw.is_empty() || !RESERVED_PATHS.contains(&cleaned.as_str()) {
            continue;
        }
        let what = if cleaned == raw {
            "is reserved".to_string()
        } else {
            format!("is the reserved path `{cleaned}`")
        };
        out.push(
            RULE.on(
                object,
                path.span,
                format!(
                    "mountPath `{raw}` of {who} in {} {what}: Knative refuses mounts over `/`, `/dev` and `/dev/log` (webhook: mountPath {cleaned:?} is a reserved path)",
                    object.display()
                ),
            )
            .with_help("mount the volume on a directory of its own, e.g. `/data` or `/etc/<app>`"),
        );
    }
}

/// `path` as Go's `path.Clean` returns it: one slash between elements, no `.` elements,
/// each `..` removed with the element before it (at the root, `..` stays the root), no
/// trailing slash; `.` for nothing.
fn clean_path(path: &str) -> String {
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            ".." if rooted => {}
            part => parts.push(part),
        }
    }
    let joined = parts.join("/");
    if rooted {
        format!("/{joined}")
    } else if joined.is_empty() {
        ".".to_string()
    } else {
        joined
    }
}

/// Container names: unique across containers and init containers, and not `queue-proxy`,
/// the name of the container Knative adds. Unnamed containers get unique names from
/// Knative.
fn container_names(object: &Object, pod: &Pod, out: &mut Vec<Diagnostic>) {
    let mut seen: HashMap<&str, (String, Span)> = HashMap::new();
    let fields = (0..pod.containers.len())
        .map(|i| format!("containers[{i}]"))
        .chain((0..pod.init.len()).map(|i| format!("initContainers[{i}]")));
    for ((container, who, _), field) in pod.all().zip(fields) {
        let (Some(name), Some(span)) = (container.name.as_deref(), container.name_span) else {
            continue;
        };
        if name == RESERVED_CONTAINER {
            out.push(
                RULE.on(
                    object,
                    span,
                    format!(
                        "{who} in {} is named like the container Knative adds to every revision (webhook: {name:?} is a reserved container name)",
                        object.display()
                    ),
                )
                .with_help("give the container another name"),
            );
        }
        match seen.get(name) {
            Some((first, first_span)) => out.push(
                RULE.on(
                    object,
                    span,
                    format!(
                        "`{field}` of {} is named `{name}` like `{first}` (webhook: duplicate container name {name:?})",
                        object.display()
                    ),
                )
                .with_related(object.file, *first_span, format!("`{first}` is named `{name}` here"))
                .with_help("give every container and init container a name of its own"),
            ),
            None => {
                seen.insert(name, (field, span));
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::support::testing::run_rule;

    #[test]
    fn paths_are_cleaned_as_go_cleans_them() {
        for (raw, cleaned) in [
            ("//dev//", "/dev"),
            ("/var/../dev", "/dev"),
            ("/dev/./log", "/dev/log"),
            ("/..", "/"),
            ("/srv/..", "/"),
            ("/dev/shm/", "/dev/shm"),
            ("a/../..", ".."),
            ("./dev/", "dev"),
            ("", "."),
        ] {
            assert_eq!(clean_path(raw), cleaned, "{raw}");
        }
    }

    #[test]
    fn an_empty_pod_security_context_is_refused_without_the_flags() {
        let service = "apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata: {name: s}\nspec:\n  template:\n    spec:\n      securityContext: {}\n      containers: [{image: app}]\n";
        let found = run_rule(&RULE, service);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(found[0]
            .message
            .contains("must not set the field(s): securityContext"));
        let with_null = service.replace("securityContext: {}", "securityContext: null");
        assert!(run_rule(&RULE, &with_null).is_empty());
    }
}
