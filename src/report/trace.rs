//! `kroute trace`: the paths of a request as text (hop by hop, with `file:line`) or JSON.

use std::fmt::Write;

use serde_json::{json, Value};

use crate::graph::trace::{Hop, Trace, TracePath};
use crate::source::{FileId, SourceMap};
use crate::yaml::Span;

fn at(sources: &SourceMap, file: FileId, span: Span) -> String {
    format!("{}:{}", sources.path(file), span.start.line)
}

/// `Service shop/cart:7070`.
fn object(hop: &Hop) -> String {
    let mut s = if hop.namespace.is_empty() {
        format!("{} {}", hop.kind, hop.name)
    } else {
        format!("{} {}/{}", hop.kind, hop.namespace, hop.name)
    };
    if let Some(port) = hop.port {
        let _ = write!(s, ":{port}");
    }
    s
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
            trace.request,
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
                let _ = writeln!(out, "  {:<width$}  {}", host_port(&a.host, a.port), a.by);
            }
        }
        return out;
    }
    let _ = writeln!(
        out,
        "{}: {}, {} complete, {} broken",
        trace.request,
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
            match b.code {
                Some(code) => format!("broken ({code})"),
                None => "broken".to_string(),
            },
        ),
    };
    let _ = writeln!(out, "{mark} path {n}: {}, {state}", path.entry.describe());
    for c in &path.conditions {
        let _ = writeln!(out, "    only if {c}");
    }
    for (i, hop) in path.hops.iter().enumerate() {
        let arrow = if i == 0 { "  " } else { "→ " };
        let _ = writeln!(
            out,
            "  {arrow}{:<width$}  {} ({})",
            object(hop),
            hop.detail,
            at(sources, hop.file, hop.span)
        );
        for note in &hop.notes {
            let _ = writeln!(out, "      ! {}: {}", note.code, note.message);
        }
    }
    if let Some(b) = &path.broken {
        let code = b.code.map_or(String::new(), |c| format!("{c}: "));
        let _ = writeln!(
            out,
            "  ✗ {code}{} ({})",
            b.reason,
            at(sources, b.file, b.span)
        );
    }
}

fn location(sources: &SourceMap, file: FileId, span: Span) -> Value {
    json!({"file": sources.path(file), "line": span.start.line, "column": span.start.col})
}

pub fn json(trace: &Trace, sources: &SourceMap) -> String {
    let paths: Vec<Value> = trace
        .paths
        .iter()
        .map(|p| {
            json!({
                "entry": p.entry.key(),
                "complete": p.complete(),
                "conditions": p.conditions,
                "hops": p.hops.iter().map(|h| json!({
                    "kind": h.kind,
                    "namespace": h.namespace,
                    "name": h.name,
                    "port": h.port,
                    "detail": h.detail,
                    "location": location(sources, h.file, h.span),
                    "notes": h.notes.iter().map(|n| json!({"code": n.code, "message": n.message})).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
                "break": p.broken.as_ref().map(|b| json!({
                    "code": b.code,
                    "reason": b.reason,
                    "location": location(sources, b.file, b.span),
                })),
            })
        })
        .collect();
    let complete = trace.complete();
    let doc = json!({
        "request": {
            "host": trace.request.host,
            "port": trace.request.port,
            "path": trace.request.path,
        },
        "paths": paths,
        "accepted": trace.accepted.iter().map(|a| json!({"host": a.host, "port": a.port, "by": a.by})).collect::<Vec<_>>(),
        "summary": {
            "paths": trace.paths.len(),
            "complete": complete,
            "broken": trace.paths.len() - complete,
        },
    });
    serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}")) + "\n"
}
