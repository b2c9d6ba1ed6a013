//! # KR211: configuration names an in-cluster host that no Service provides
//!
//! ## What it checks
//! Container `env` values and ConfigMap `data` values are scanned for in-cluster DNS names
//! written in their qualified forms, `name.ns.svc` and `name.ns.svc.cluster.local`, with an
//! optional `:port`. Each must name a Service (or Knative Service) of that namespace, and a
//! port the Service has (for a headless Service, whose clients connect to the pods
//! directly, its target ports count too). Per-pod names of a StatefulSet
//! (`redis-0.redis.shop.svc.cluster.local`) are checked against their Service.
//!
//! Only namespaces the input knows about (it has an object in them, or their Namespace) are
//! checked: a name in a namespace kroute was not shown cannot be judged. Short names
//! (`redis:6379`) are not checked, since they cannot be told apart from other strings.
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
//!   value: cartservice.shop.svc.cluster.local:7071   # KR211: cartservice listens on 7070
//! ```
//!
//! ## How to fix
//! Use the name and a port of an existing Service, or add the Service.

use std::sync::LazyLock;

use regex::Regex;

use crate::checks::{Context, Rule};
use crate::inventory::{did_you_mean, PortRef, ServicePort};
use crate::manifest::Object;
use crate::platform::{advice, Wanted};
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::SourceFile;
use crate::yaml::Span;

pub const RULE: Rule = Rule {
    code: "KR211",
    severity: Severity::Warning,
    summary: "an env or ConfigMap value names an in-cluster host no Service provides, or a port it lacks",
    run,
};

static HOST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b([a-z0-9](?:[-a-z0-9]*[a-z0-9])?)\.([a-z0-9](?:[-a-z0-9]*[a-z0-9])?)\.svc(?:\.cluster\.local)?\b(?::(\d{1,5}))?")
        .unwrap_or_else(|e| panic!("KR211 host pattern is invalid: {e}"))
});

fn run(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for workload in &ctx.inv.workloads {
        let object = ctx.inv.object(workload.object);
        for env in workload.containers.iter().flat_map(|c| c.env.iter()) {
            check_value(ctx, object, &env.value, env.span, &format!("env `{}`", env.name), out);
        }
    }
    for id in &ctx.inv.config_maps {
        let object = ctx.inv.object(*id);
        let Some(data) = object.root.get("data").and_then(|d| d.as_map()) else {
            continue;
        };
        for entry in data {
            if let (Some(key), Some(value)) = (entry.key.as_str(), entry.value.as_str()) {
                let what = format!("ConfigMap key `{key}`");
                check_value(ctx, object, value, entry.value.span, &what, out);
            }
        }
    }
}

/// The span of `value[start..end]` in the source, when the scalar's span shows how its text
/// was written: a one-line plain or escape-free quoted scalar, or a block scalar whose lines
/// are the source lines (literal, or folded without any folding). Otherwise the whole value.
fn host_span(file: &SourceFile, value: &str, span: Span, start: usize, end: usize) -> Span {
    let chars = |s: &str| u32::try_from(s.chars().count()).unwrap_or(u32::MAX);
    let raw = file.text.get(span.bytes()).unwrap_or_default();
    let from = if !raw.contains('\n') {
        // Escapes and folding change the character count: an equal count (after the
        // quotes) means the value is written as is.
        let quote = match chars(raw).checked_sub(chars(value)) {
            Some(0) => 0,
            Some(2) => 1,
            _ => return span,
        };
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

fn check_value(
    ctx: &Context<'_>,
    object: &Object,
    value: &str,
    span: Span,
    what: &str,
    out: &mut Vec<Diagnostic>,
) {
    for caps in HOST.captures_iter(value) {
        let (Some(all), Some(name), Some(ns)) = (caps.get(0), caps.get(1), caps.get(2)) else {
            continue;
        };
        let (name, ns) = (name.as_str(), ns.as_str());
        if !ctx.inv.knows_namespace(ns) {
            continue;
        }
        let host = all.as_str();
        let span = host_span(
            ctx.sources.get(object.file),
            value,
            span,
            all.start(),
            all.end(),
        );
        let port = caps.get(3).and_then(|p| p.as_str().parse::<i64>().ok());
        match ctx.inv.service_named(ns, name) {
            Some(id) => {
                let svc = ctx.inv.service(id);
                let Some(port) = port else { continue };
                // A headless Service has no virtual IP: clients reach the pods directly, on
                // the target (container) port.
                let pod_port = |p: &ServicePort| match &p.target {
                    PortRef::Number(n) => *n == port,
                    PortRef::Name(target) => ctx.graph.service_pods(id).iter().any(|w| {
                        ctx.inv.workload(*w).ports().any(|c| {
                            c.port == port && c.name.as_deref() == Some(target.as_str())
                        })
                    }),
                };
                if svc.ports.is_empty()
                    || svc
                        .ports
                        .iter()
                        .any(|p| p.port == port || (svc.headless && pod_port(p)))
                {
                    continue;
                }
                out.push(
                    RULE.on(
                        object,
                        span,
                        format!(
                            "{what} of {} connects to `{host}`, but Service {ns}/{name} has no port {port} (it has {})",
                            object.display(),
                            svc.describe_ports()
                        ),
                    )
                    .with_related_object(ctx.inv.object(svc.object), "the Service")
                    .with_help("use one of the Service's ports"),
                );
            }
            None if ctx.inv.find("Service", ns, name).next().is_some() => {}
            None => out.push(
                RULE.on(
                    object,
                    span,
                    format!(
                        "{what} of {} names host `{host}`, but there is no Service `{name}` in namespace `{ns}`{}",
                        object.display(),
                        did_you_mean(name, ctx.inv.names("Service", ns))
                    ),
                )
                .with_help(
                    advice(Wanted::Object {
                        kind: "Service",
                        namespace: ns,
                        name,
                    })
                    .unwrap_or_else(|| "fix the host name or add the Service".to_string()),
                ),
            ),
        }
    }
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
                let m = HOST.find(value)?;
                let span = host_span(sources.get(file), value, e.value.span, m.start(), m.end());
                let at = sources.get(file).line_col(span.start);
                Some((at.line, at.col))
            })
            .collect()
    }

    #[test]
    fn host_spans_point_at_the_host_when_the_source_shows_where_it_is() {
        let yaml = "a: x cart.shop.svc\nb: \"x cart.shop.svc\"\nc: |\n  x\n  y cart.shop.svc\nd: >\n  x\n  y cart.shop.svc\ne: 'it''s cart.shop.svc'\n";
        // Plain, quoted, literal block; folded and escaped values keep the value's span.
        assert_eq!(positions(yaml), vec![(1, 6), (2, 7), (5, 5), (7, 3), (9, 4)]);
    }
}
