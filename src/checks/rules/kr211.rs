//! # KR211: configuration names an in-cluster host that no Service provides
//!
//! ## What it checks
//! Container `env` values, container `command` and `args`, and ConfigMap `data` values are
//! read for references to in-cluster hosts, each of which must name a Service (or Knative
//! Service) and, when it gives a port, a port the Service has (for a headless Service,
//! whose clients connect to the pods directly, its target ports count too):
//!
//! - fully qualified names, `name.ns.svc` and `name.ns.svc.cluster.local` with an optional
//!   `:port`, wherever they are written (in a URL, a config file, a shell command). Per-pod
//!   names of a StatefulSet (`redis-0.redis.shop.svc.cluster.local`) are checked against
//!   their Service. Only namespaces the input knows about (it has an object in them, or
//!   their Namespace) are checked: a name in a namespace kroute was not shown cannot be
//!   judged.
//! - short names, `name:port`, `name.ns:port` and URLs (`http://name:port/path`,
//!   `redis://name.ns:6379/0`; without a port, `http` means 80 and `https` 443), when they
//!   are the whole value (or the whole `--flag=value` value of an argument): a short name
//!   resolves in the namespace of the pod (or of the ConfigMap). A bare `name` counts only
//!   under a key that says it is a host (`REDIS_HOST`, `cartAddr`, `--db-server`,
//!   `…_ENDPOINT`). Free text, `localhost`, image references (`…_IMAGE: postgres:16`) and
//!   values built from `$(VAR)` are not read this way. As such a name may be a host outside
//!   the cluster, a missing one is reported only when it is plainly a mistake: a Service of
//!   a close name exists (a typo), or one of that name exists in another namespace while
//!   the referring object states its own (objects without a namespace are often applied
//!   with `kubectl apply -n` next to their Services).
//!
//! The `_example` key of a ConfigMap (Knative's documentation block) is not read.
//!
//! ## Why it matters
//! Service names in configuration are the part of the discovery chain no schema sees: a
//! renamed Service or a typo shows up only as DNS errors (`NXDOMAIN`) or connection refused
//! at run time.
//!
//! ## Example
//! ```yaml
//! env:
//! - name: CART_ADDR
//!   value: cartservice:7071                            # KR211: cartservice listens on 7070
//! - name: PAYMENT_URL
//!   value: http://paymnet.shop.svc.cluster.local:8080  # KR211: did you mean `payment`?
//! ```
//!
//! ## How to fix
//! Use the name and a port of an existing Service, or add the Service.

use crate::checks::support::kube::{qualified_host_refs, short_host_ref, HostRef};
use crate::checks::support::fix;
use crate::checks::{Context, Rule};
use crate::diagnostic::{Applicability, Diagnostic, Fix, Severity};
use crate::inventory::{did_you_mean, nearest, sole_typo_of, PortRef, Service, ServiceId, ServicePort};
use crate::manifest::Object;
use crate::platform::{advice, Wanted};
use crate::source::SourceFile;
use crate::yaml::Span;

pub const RULE: Rule = Rule {
    code: "KR211",
    severity: Severity::Warning,
    summary: "an env value, ConfigMap value or container command/arg names an in-cluster host no Service provides, or a port it lacks",
    run,
};

/// A ConfigMap key that documents, and is never read (Knative's config maps).
const EXAMPLE_KEY: &str = "_example";

/// A value that may hold host references, and where it comes from.
struct Source<'a> {
    object: &'a Object,
    /// Where a short name resolves: the namespace of the pod (or ConfigMap).
    namespace: &'a str,
    /// Whether that namespace is written on the object, not the default one: objects
    /// without it are often applied with `kubectl apply -n`, wherever their Services are.
    namespace_written: bool,
    /// `env `CART_ADDR``, as messages name the value.
    what: String,
    /// The env name, ConfigMap key or flag the value belongs to.
    key: Option<&'a str>,
    value: &'a str,
    span: Span,
    /// Where the part that may be a whole host reference starts (after `--flag=`).
    from: usize,
}

fn run(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for workload in &ctx.inv.workloads {
        let object = ctx.inv.object(workload.object);
        for container in &workload.containers {
            for env in &container.env {
                let source = Source {
                    object,
                    namespace: &workload.namespace,
                    namespace_written: namespace_written(object),
                    what: format!("env `{}`", env.name),
                    key: Some(&env.name),
                    value: &env.value,
                    span: env.span,
                    from: 0,
                };
                check(ctx, &source, out);
            }
            for (i, arg) in container.argv.iter().enumerate() {
                let previous = i.checked_sub(1).and_then(|p| container.argv.get(p));
                let (key, from) = argument_key(&arg.value, previous.map(|p| p.value.as_str()));
                let source = Source {
                    object,
                    namespace: &workload.namespace,
                    namespace_written: namespace_written(object),
                    what: match key {
                        Some(flag) => format!("argument `{flag}` of container `{}`", container.name),
                        None => format!("an argument of container `{}`", container.name),
                    },
                    key,
                    value: &arg.value,
                    span: arg.span,
                    from,
                };
                check(ctx, &source, out);
            }
        }
    }
    for id in &ctx.inv.config_maps {
        let object = ctx.inv.object(*id);
        let Some(data) = object.root.get("data").and_then(|d| d.as_map()) else {
            continue;
        };
        for entry in data {
            let (Some(key), Some(value)) = (entry.key.as_str(), entry.value.as_str()) else {
                continue;
            };
            if key == EXAMPLE_KEY {
                continue;
            }
            let source = Source {
                object,
                namespace: &object.namespace,
                namespace_written: namespace_written(object),
                what: format!("ConfigMap key `{key}`"),
                key: Some(key),
                value,
                span: entry.value.span,
                from: 0,
            };
            check(ctx, &source, out);
        }
    }
}

fn namespace_written(object: &Object) -> bool {
    object.root.at(&["metadata", "namespace"]).is_some()
}

/// The key an argument's value belongs to, and where that value starts: `--db-host=db`
/// has key `--db-host` and value `db`; `db` after `--db-host` has that key too.
fn argument_key<'a>(arg: &'a str, previous: Option<&'a str>) -> (Option<&'a str>, usize) {
    if arg.starts_with('-') {
        return match arg.split_once('=') {
            Some((flag, _)) => (Some(flag), flag.len() + 1),
            None => (Some(arg), arg.len()),
        };
    }
    (previous.filter(|p| p.starts_with('-') && !p.contains('=')), 0)
}

/// Checks every host reference of `source`: qualified names anywhere in it, and the short
/// reference its value is as a whole, if it is one.
fn check(ctx: &Context<'_>, source: &Source<'_>, out: &mut Vec<Diagnostic>) {
    for r in qualified_host_refs(source.value) {
        let ns = r.namespace.as_deref().unwrap_or(source.namespace);
        if ctx.inv.knows_namespace(ns) {
            out.extend(judge(ctx, source, &r, ns, true));
        }
    }
    let rest = source.value.get(source.from..).unwrap_or_default();
    if rest.contains('\n') {
        return; // a config file or a script: free text
    }
    let Some(mut r) = short_host_ref(rest, source.key) else {
        return;
    };
    r.range = r.range.start + source.from..r.range.end + source.from;
    let ns = r.namespace.as_deref().unwrap_or(source.namespace);
    if ctx.inv.knows_namespace(ns) {
        out.extend(judge(ctx, source, &r, ns, false));
    }
}

/// The finding about reference `r` (to namespace `ns`) of `source`, if it names no Service
/// or a port its Service lacks. A short reference (`qualified` false) naming nothing is
/// reported only when a Service of a close name, or of that name elsewhere, shows a mistake.
fn judge(
    ctx: &Context<'_>,
    source: &Source<'_>,
    r: &HostRef,
    ns: &str,
    qualified: bool,
) -> Option<Diagnostic> {
    let found = Found {
        object: source.object,
        value: source.value,
        scalar: source.span,
        range: r.range.clone(),
        lead: format!("{} of {}", source.what, source.object.display()),
        written: source.value.get(r.range.clone()).unwrap_or_default(),
        namespace_written: source.namespace_written,
    };
    match ctx.inv.service_named(ns, &r.name) {
        Some(id) => found.wrong_port(ctx, id, r),
        None if ctx.inv.find("Service", ns, &r.name).next().is_some() => None,
        None => found.missing(ctx, r, ns, qualified),
    }
}

/// A host reference as findings show it.
struct Found<'a> {
    object: &'a Object,
    /// The value of the scalar the reference is in.
    value: &'a str,
    /// The scalar the reference is in, and where in its value: what a fix rewrites.
    scalar: Span,
    range: std::ops::Range<usize>,
    /// `env `CART_ADDR` of Deployment shop/checkout`
    lead: String,
    /// The reference as written: `cart:7071`.
    written: &'a str,
    namespace_written: bool,
}

impl Found<'_> {
    /// Where the reference is written: worked out only for a finding, as it may read the
    /// file's text ([`host_span`]), which is not kept in memory.
    fn span(&self, ctx: &Context<'_>) -> Span {
        let file = ctx.sources.get(self.object.file);
        host_span(file, self.value, self.scalar, self.range.start, self.range.end)
    }

    /// The finding about a reference to Service `id` on a port it lacks.
    fn wrong_port(&self, ctx: &Context<'_>, id: ServiceId, r: &HostRef) -> Option<Diagnostic> {
        let svc = ctx.inv.service(id);
        let port = r.port?;
        let serves =
            |p: &ServicePort| p.port == port || (svc.headless && pod_port(ctx, id, p, port));
        if svc.ports.is_empty() || svc.ports.iter().any(serves) {
            return None;
        }
        let how = if r.default_port {
            format!(" on port {port} (the URL's default)")
        } else {
            String::new()
        };
        Some(
            RULE.on(
                self.object,
                self.span(ctx),
                format!(
                    "{} connects to `{}`{how}, but Service {}/{} has no port {port} (it has {}){}",
                    self.lead,
                    self.written,
                    svc.namespace,
                    svc.name,
                    svc.describe_ports(),
                    port_hint(svc, port)
                ),
            )
            .with_related_object(ctx.inv.object(svc.object), "the Service")
            .with_help(if r.default_port {
                "write one of the Service's ports in the URL"
            } else {
                "use one of the Service's ports"
            })
            .with_fix(self.port_fix(ctx, svc, port, r.default_port)),
        )
    }

    /// The Service's only port in place of `port`, when the reference writes it.
    fn port_fix(&self, ctx: &Context<'_>, svc: &Service, port: i64, default: bool) -> Option<Fix> {
        let [only] = svc.ports.as_slice() else {
            return None;
        };
        if default {
            return None;
        }
        fix::replace_part(
            ctx,
            self.object,
            self.scalar,
            self.range.clone(),
            &port.to_string(),
            &only.port.to_string(),
            Applicability::Safe,
        )
    }

    /// The finding about a reference to a Service `r.name` that namespace `ns` lacks.
    fn missing(
        &self,
        ctx: &Context<'_>,
        r: &HostRef,
        ns: &str,
        qualified: bool,
    ) -> Option<Diagnostic> {
        let name = r.name.as_str();
        // A short name of a Service of another namespace: the usual cause, when the
        // referrer's namespace is written (else `kubectl apply -n` may put them together).
        let short = r.namespace.is_none() && self.namespace_written;
        let elsewhere = ctx
            .inv
            .services
            .iter()
            .filter(|s| short && s.name == name && s.namespace != ns)
            .min_by(|a, b| a.namespace.cmp(&b.namespace));
        let typo = did_you_mean(name, ctx.inv.names("Service", ns));
        let rename = sole_typo_of(name, ctx.inv.names("Service", ns))
            .filter(|_| elsewhere.is_none())
            .and_then(|meant| {
                fix::replace_part(
                    ctx,
                    self.object,
                    self.scalar,
                    self.range.clone(),
                    name,
                    meant,
                    Applicability::Safe,
                )
            });
        if !qualified && elsewhere.is_none() && typo.is_empty() {
            return None;
        }
        let hint = match elsewhere {
            Some(other) => format!(
                "; Service `{name}` exists in namespace `{}`, but a short name resolves in namespace `{ns}`",
                other.namespace
            ),
            None => typo,
        };
        let diagnostic = RULE.on(
            self.object,
            self.span(ctx),
            format!(
                "{} names host `{}`, but there is no Service `{name}` in namespace `{ns}`{hint}",
                self.lead, self.written
            ),
        );
        Some(match elsewhere {
            Some(other) => {
                let other_ns = &other.namespace;
                diagnostic
                    .with_related_object(
                        ctx.inv.object(other.object),
                        format!("Service {other_ns}/{name}"),
                    )
                    .with_help(format!(
                        "write `{name}.{other_ns}` (or `{name}.{other_ns}.svc.cluster.local`) to reach the Service of namespace `{other_ns}`"
                    ))
            }
            None => diagnostic.with_help(
                advice(Wanted::Object {
                    kind: "Service",
                    namespace: ns,
                    name,
                })
                .unwrap_or_else(|| "fix the host name or add the Service".to_string()),
            )
            .with_fix(rename),
        })
    }
}

/// Whether container port `port` of the pods of headless Service `id` is behind `p`: their
/// clients connect to the pods directly, on the target port.
fn pod_port(ctx: &Context<'_>, id: ServiceId, p: &ServicePort, port: i64) -> bool {
    match &p.target {
        PortRef::Number(n) => *n == port,
        PortRef::Name(target) => ctx.graph.service_pods(id).iter().any(|w| {
            ctx.inv
                .workload(*w)
                .ports()
                .any(|c| c.port == port && c.name.as_deref() == Some(target.as_str()))
        }),
    }
}

/// `; did you mean 7070?` when a port of `svc` is a typo of `port` away.
fn port_hint(svc: &Service, port: i64) -> String {
    let ports: Vec<String> = svc.ports.iter().map(|p| p.port.to_string()).collect();
    nearest(&port.to_string(), ports.iter().map(String::as_str))
        .map_or_else(String::new, |p| format!("; did you mean {p}?"))
}

/// The span of `value[start..end]` in the source, when the scalar's span shows how its text
/// was written: a one-line plain or escape-free quoted scalar, or a block scalar whose lines
/// are the source lines (literal, or folded without any folding). Otherwise the whole value.
fn host_span(file: &SourceFile, value: &str, span: Span, start: usize, end: usize) -> Span {
    let chars = |s: &str| u32::try_from(s.chars().count()).unwrap_or(u32::MAX);
    let Some(raw) = file.text().and_then(|t| t.get(span.bytes())) else {
        return span;
    };
    let from = if !raw.contains('\n') {
        // The value written as is after the opening quote (no escapes) shows where each of
        // its bytes is; the scalar's span may run on past the closing quote.
        let quote = usize::from(raw.starts_with(['"', '\'']));
        if !raw.get(quote..).is_some_and(|r| r.starts_with(value)) {
            return span;
        }
        span.start as usize + quote + start
    } else {
        let (first, last) = (file.line_col(span.start), file.line_col(span.end));
        if last.col != 1 || line_count(value) != last.line - first.line {
            return span;
        }
        let before = &value[..start];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let line = first.line + line_count(&before[..line_start]);
        file.offset(line, first.col + chars(&before[line_start..]))
    };
    Span::new(from, from + (end - start))
}

/// The number of lines of `s` (`"a\nb\n"` has two).
fn line_count(s: &str) -> u32 {
    u32::try_from(s.lines().count()).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{parse_stream, Limits};

    /// Where the first host of each top-level value is reported.
    fn positions(yaml: &str) -> Vec<(u32, u32)> {
        let parsed = parse_stream(yaml, &Limits::default());
        let mut sources = crate::source::SourceMap::default();
        let file = sources.add("t.yaml".to_string(), yaml.to_string());
        let entries = parsed.documents[0].root.as_map().unwrap_or(&[]);
        entries
            .iter()
            .filter_map(|e| {
                let value = e.value.as_str()?;
                let m = qualified_host_refs(value).next()?.range;
                let span = host_span(sources.get(file), value, e.value.span, m.start, m.end);
                let at = sources.get(file).line_col(span.start);
                Some((at.line, at.col))
            })
            .collect()
    }

    #[test]
    fn host_spans_point_at_the_host_when_the_source_shows_where_it_is() {
        let yaml = "a: x cart.shop.svc\nb: \"x cart.shop.svc\"\nc: |\n  x\n  y cart.shop.svc\nd: >\n  x\n  y cart.shop.svc\ne: 'it''s cart.shop.svc'\nf: \"cart.shop.svc\"   # c\n";
        // Plain, quoted (also before a comment), literal block; folded and escaped values
        // keep the value's span.
        assert_eq!(
            positions(yaml),
            vec![(1, 6), (2, 7), (5, 5), (7, 3), (9, 4), (10, 5)]
        );
    }
}
