//! `kroute trace`: the paths of a request as text (hop by hop, with `file:line`) or JSON.

use std::fmt::Write;

use serde::Serialize;

use super::escape;
use crate::checks::catalog;
use crate::source::{FileId, SourceMap};
use crate::trace::{Hop, Trace, TracePath};
use crate::yaml::Span;

fn at(sources: &SourceMap, file: FileId, span: Span) -> String {
    let line = sources.line_col(file, span.start).line;
    format!("{}:{line}", escape::text(sources.path(file)))
}

/// `Service shop/cart:7070`.
fn object(hop: &Hop) -> String {
    // A Knative Service is not a Kubernetes Service: say so.
    let kind = if hop.group == "serving.knative.dev" {
        format!("Knative {}", hop.kind)
    } else {
        hop.kind.clone()
    };
    let mut s = if hop.namespace.is_empty() {
        format!("{kind} {}", hop.name)
    } else {
        format!("{kind} {}/{}", hop.namespace, hop.name)
    };
    if let Some(port) = hop.port {
        let _ = write!(s, ":{port}");
    }
    escape::text(&s).into_owned()
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

pub fn text(trace: &Trace, sources: &SourceMap) -> String {
    let mut out = String::new();
    let total = trace.paths.len();
    let complete = trace.complete();
    if total == 0 {
        let _ = writeln!(
            out,
            "{}: nothing accepts this host{}",
            escape::text(&trace.request.to_string()),
            if trace.request.port.is_some() {
                " on this port"
            } else {
                ""
            }
        );
        out.push_str(
            "  no Istio Gateway server, Gateway API listener, Ingress rule, mesh route or in-cluster Service takes it\n",
        );
        if !trace.accepted.is_empty() {
            out.push_str("\nhosts that are accepted, nearest first:\n");
            let width = trace
                .accepted
                .iter()
                .map(|a| host_port(&a.host, a.port).chars().count())
                .max()
                .unwrap_or(0);
            for a in &trace.accepted {
                let (host, by) = (host_port(&a.host, a.port), escape::text(&a.by));
                let _ = writeln!(out, "  {:<width$}  {by}", escape::text(&host));
            }
        }
        return out;
    }
    let _ = writeln!(
        out,
        "{}: {}, {} complete, {} broken",
        escape::text(&trace.request.to_string()),
        plural(total, "path", "paths"),
        complete,
        total - complete
    );
    let width = trace
        .paths
        .iter()
        .flat_map(|p| p.hops.iter())
        .map(|h| object(h).chars().count())
        .max()
        .unwrap_or(0);
    for (i, path) in trace.paths.iter().enumerate() {
        out.push('\n');
        write_path(&mut out, i + 1, path, width, sources);
    }
    out
}

fn host_port(host: &str, port: Option<i64>) -> String {
    match port {
        Some(p) => format!("{host}:{p}"),
        None => host.to_string(),
    }
}

fn write_path(out: &mut String, n: usize, path: &TracePath, width: usize, sources: &SourceMap) {
    let (mark, state) = match &path.broken {
        None => ("✓", "complete".to_string()),
        Some(b) => (
            "✗",
            match &b.problem {
                Some(problem) => format!("broken ({})", catalog::code(problem)),
                None => "broken".to_string(),
            },
        ),
    };
    let entry = path.entry.describe();
    let _ = writeln!(out, "{mark} path {n}: {}, {state}", escape::text(entry));
    for c in &path.conditions {
        let _ = writeln!(out, "    only if {}", escape::text(&c.to_string()));
    }
    for (i, hop) in path.hops.iter().enumerate() {
        let arrow = if i == 0 { "  " } else { "→ " };
        let _ = writeln!(
            out,
            "  {arrow}{:<width$}  {} ({})",
            object(hop),
            escape::text(&hop.detail),
            at(sources, hop.file, hop.span)
        );
        for note in &hop.notes {
            let code = catalog::code(&note.problem);
            let _ = writeln!(out, "      ! {code}: {}", escape::text(&note.message));
        }
    }
    if let Some(b) = &path.broken {
        let code = b
            .problem
            .as_ref()
            .map_or(String::new(), |p| format!("{}: ", catalog::code(p)));
        let _ = writeln!(
            out,
            "  ✗ {code}{} ({})",
            escape::text(&b.reason),
            at(sources, b.file, b.span)
        );
    }
}

#[derive(Serialize)]
struct LocationOut<'a> {
    file: &'a str,
    line: u32,
    column: u32,
}

fn location(sources: &SourceMap, file: FileId, span: Span) -> LocationOut<'_> {
    let at = sources.line_col(file, span.start);
    LocationOut {
        file: sources.path(file),
        line: at.line,
        column: at.col,
    }
}

#[derive(Serialize)]
struct RequestOut<'a> {
    host: &'a str,
    port: Option<i64>,
    path: Option<&'a str>,
}

#[derive(Serialize)]
struct NoteOut<'a> {
    code: &'a str,
    message: &'a str,
}

#[derive(Serialize)]
struct HopOut<'a> {
    group: &'a str,
    kind: &'a str,
    namespace: &'a str,
    name: &'a str,
    port: Option<i64>,
    detail: &'a str,
    location: LocationOut<'a>,
    notes: Vec<NoteOut<'a>>,
}

#[derive(Serialize)]
struct BreakOut<'a> {
    code: Option<&'a str>,
    reason: &'a str,
    location: LocationOut<'a>,
}

#[derive(Serialize)]
struct PathOut<'a> {
    entry: &'a str,
    complete: bool,
    conditions: &'a [String],
    hops: Vec<HopOut<'a>>,
    #[serde(rename = "break")]
    broken: Option<BreakOut<'a>>,
}

#[derive(Serialize)]
struct AcceptedOut<'a> {
    host: &'a str,
    port: Option<i64>,
    by: &'a str,
}

#[derive(Serialize)]
struct TraceSummary {
    paths: usize,
    complete: usize,
    broken: usize,
}

#[derive(Serialize)]
struct TraceOut<'a> {
    request: RequestOut<'a>,
    paths: Vec<PathOut<'a>>,
    accepted: Vec<AcceptedOut<'a>>,
    summary: TraceSummary,
}

pub fn json(trace: &Trace, sources: &SourceMap) -> String {
    let complete = trace.complete();
    let doc = TraceOut {
        request: RequestOut {
            host: &trace.request.host,
            port: trace.request.port,
            path: trace.request.path.as_deref(),
        },
        paths: trace
            .paths
            .iter()
            .map(|p| PathOut {
                entry: p.entry.key(),
                complete: p.complete(),
                conditions: &p.conditions,
                hops: p
                    .hops
                    .iter()
                    .map(|h| HopOut {
                        group: &h.group,
                        kind: &h.kind,
                        namespace: &h.namespace,
                        name: &h.name,
                        port: h.port,
                        detail: &h.detail,
                        location: location(sources, h.file, h.span),
                        notes: h
                            .notes
                            .iter()
                            .map(|n| NoteOut {
                                code: catalog::code(&n.problem),
                                message: &n.message,
                            })
                            .collect(),
                    })
                    .collect(),
                broken: p.broken.as_ref().map(|b| BreakOut {
                    code: b.problem.as_ref().map(catalog::code),
                    reason: &b.reason,
                    location: location(sources, b.file, b.span),
                }),
            })
            .collect(),
        accepted: trace
            .accepted
            .iter()
            .map(|a| AcceptedOut {
                host: &a.host,
                port: a.port,
                by: &a.by,
            })
            .collect(),
        summary: TraceSummary {
            paths: trace.paths.len(),
            complete,
            broken: trace.paths.len() - complete,
        },
    };
    serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}")) + "\n"
}
