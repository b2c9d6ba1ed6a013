//! `kroute graph`: the routing graph as Graphviz DOT, Mermaid or JSON. The DOT and Mermaid
//! texts render as they are: node ids are generated (`n0`, `n1`, …), never taken from
//! names, and every label is quoted and escaped.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::Serialize;

use crate::checks::catalog;
use crate::source::SourceMap;
use crate::view::{GraphView, NodeKind, ViewEdge, ViewNode};

const RED: &str = "#cc0000";

fn location(
    sources: &SourceMap,
    at: Option<(crate::source::FileId, crate::yaml::Span)>,
) -> Option<String> {
    at.map(|(file, span)| {
        let line = sources.line_col(file, span.start).line;
        format!("{}:{line}", super::escape::text(sources.path(file)))
    })
}

/// Nodes grouped by namespace (sorted), then the nodes without one, each in view order.
fn by_namespace(view: &GraphView) -> (BTreeMap<&str, Vec<usize>>, Vec<usize>) {
    let mut groups: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    let mut loose = Vec::new();
    for (i, n) in view.nodes.iter().enumerate() {
        match &n.namespace {
            Some(ns) => groups.entry(ns.as_str()).or_default().push(i),
            None => loose.push(i),
        }
    }
    (groups, loose)
}

fn label_lines(n: &ViewNode) -> Vec<&str> {
    std::iter::once(n.title.as_str())
        .chain(n.lines.iter().map(String::as_str).filter(|l| !l.is_empty()))
        .collect()
}

/// An edge's label: its parts, a broken one led by the code of the rule that reports it
/// (`KR303 · http[0]`), each once.
fn edge_label(e: &ViewEdge) -> String {
    let mut label = String::new();
    for part in &e.label {
        let text = match &part.problem {
            Some(p) if part.text.is_empty() => catalog::code(p).to_string(),
            Some(p) => format!("{} · {}", catalog::code(p), part.text),
            None => part.text.clone(),
        };
        // Parallel edges often repeat a label: it is shown once.
        if text.is_empty() || label.split(", ").any(|l| l == text) {
            continue;
        }
        if !label.is_empty() {
            label.push_str(", ");
        }
        label.push_str(&text);
    }
    label
}

// ---------------------------------------------------------------------------------------
// DOT

/// A DOT double-quoted string: quotes and backslashes escaped, lines joined with `\n`.
fn dot_str(lines: &[&str]) -> String {
    let mut out = String::from("\"");
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            out.push_str("\\n");
        }
        for c in line.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' | '\r' => out.push(' '),
                c => out.push_str(&super::escape::text(c.encode_utf8(&mut [0; 4]))),
            }
        }
    }
    out.push('"');
    out
}

fn dot_style(kind: NodeKind) -> &'static str {
    match kind {
        NodeKind::Entry => "shape=cds, fillcolor=\"#e8f0fe\"",
        NodeKind::Route => "shape=box, fillcolor=\"#fff4e5\"",
        NodeKind::Service => "shape=ellipse, fillcolor=\"#e6f4ea\"",
        NodeKind::ServiceEntry => "shape=component, fillcolor=\"#e6f4ea\"",
        NodeKind::KnativeService => "shape=egg, fillcolor=\"#e6f4ea\"",
        NodeKind::Workload => "shape=box3d, fillcolor=\"#f3e8fd\"",
        NodeKind::Other => "shape=note, fillcolor=\"#f5f5f5\"",
        NodeKind::Missing => {
            "shape=box, style=\"dashed,filled\", fillcolor=\"#fdecea\", color=\"#cc0000\", fontcolor=\"#cc0000\""
        }
    }
}

pub fn dot(view: &GraphView, sources: &SourceMap) -> String {
    let mut out = String::new();
    out.push_str("digraph kroute {\n");
    out.push_str(
        "  graph [rankdir=LR, fontname=\"Helvetica\", fontsize=11, nodesep=0.3, ranksep=0.9];\n",
    );
    out.push_str("  node [fontname=\"Helvetica\", fontsize=10, style=\"rounded,filled\"];\n");
    out.push_str("  edge [fontname=\"Helvetica\", fontsize=9, color=\"#555555\"];\n");
    let node = |out: &mut String, i: usize, indent: &str| {
        let n = &view.nodes[i];
        let mut attrs = format!("label={}, {}", dot_str(&label_lines(n)), dot_style(n.kind));
        if let Some(at) = location(sources, n.location) {
            let _ = write!(attrs, ", tooltip={}", dot_str(&[&at]));
        }
        let _ = writeln!(out, "{indent}n{i} [{attrs}];");
    };
    let (groups, loose) = by_namespace(view);
    for (c, (ns, members)) in groups.iter().enumerate() {
        let _ = writeln!(out, "  subgraph cluster_{c} {{");
        let _ = writeln!(
            out,
            "    label={}; style=\"rounded,dashed\"; color=\"#999999\"; fontcolor=\"#666666\";",
            dot_str(&[&format!("namespace {ns}")])
        );
        for &i in members {
            node(&mut out, i, "    ");
        }
        out.push_str("  }\n");
    }
    for i in loose {
        node(&mut out, i, "  ");
    }
    for e in &view.edges {
        let mut attrs = Vec::new();
        let label = edge_label(e);
        if !label.is_empty() {
            attrs.push(format!("label={}", dot_str(&[&label])));
        }
        if let Some(b) = &e.broken {
            attrs.push(format!(
                "color=\"{RED}\", fontcolor=\"{RED}\", style=dashed, penwidth=1.5"
            ));
            let code = catalog::code(&b.problem);
            let tip = match location(sources, e.location) {
                Some(at) => format!("{code}: {} ({at})", b.reason),
                None => format!("{code}: {}", b.reason),
            };
            attrs.push(format!("tooltip={}", dot_str(&[&tip])));
        }
        let attrs = if attrs.is_empty() {
            String::new()
        } else {
            format!(" [{}]", attrs.join(", "))
        };
        let _ = writeln!(out, "  n{} -> n{}{attrs};", e.from, e.to);
    }
    out.push_str("}\n");
    out
}

// ---------------------------------------------------------------------------------------
// Mermaid

/// Text for inside a Mermaid `"…"` label: characters Mermaid would read as syntax become
/// entity codes (`#quot;`, `#35;`), lines are joined with `<br/>`.
fn mermaid_str(lines: &[&str]) -> String {
    let mut out = String::from("\"");
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            out.push_str("<br/>");
        }
        for c in line.chars() {
            match c {
                '"' => out.push_str("#quot;"),
                '#' => out.push_str("#35;"),
                '<' => out.push_str("#lt;"),
                '>' => out.push_str("#gt;"),
                '&' => out.push_str("#amp;"),
                '|' | '`' | '\\' | '{' | '}' | ';' => {
                    let _ = write!(out, "#{};", u32::from(c));
                }
                '\n' | '\r' => out.push(' '),
                c => out.push_str(&super::escape::text(c.encode_utf8(&mut [0; 4]))),
            }
        }
    }
    out.push('"');
    out
}

/// The node's shape around its label, and its class.
fn mermaid_node(kind: NodeKind, label: &str) -> String {
    let (open, close, class) = match kind {
        NodeKind::Entry => (">", "]", "entry"),
        NodeKind::Route => ("(", ")", "route"),
        NodeKind::Service => ("([", "])", "service"),
        NodeKind::ServiceEntry => ("{{", "}}", "service"),
        NodeKind::KnativeService => ("([", "])", "service"),
        NodeKind::Workload => ("[[", "]]", "workload"),
        NodeKind::Other => ("[", "]", "other"),
        NodeKind::Missing => ("[", "]", "missing"),
    };
    format!("{open}{label}{close}:::{class}")
}

pub fn mermaid(view: &GraphView) -> String {
    let mut out = String::from("flowchart LR\n");
    let node = |out: &mut String, i: usize, indent: &str| {
        let n = &view.nodes[i];
        let label = mermaid_str(&label_lines(n));
        let _ = writeln!(out, "{indent}n{i}{}", mermaid_node(n.kind, &label));
    };
    let (groups, loose) = by_namespace(view);
    for (c, (ns, members)) in groups.iter().enumerate() {
        let _ = writeln!(
            out,
            "  subgraph ns{c}[{}]",
            mermaid_str(&[&format!("namespace {ns}")])
        );
        for &i in members {
            node(&mut out, i, "    ");
        }
        out.push_str("  end\n");
    }
    for i in loose {
        node(&mut out, i, "  ");
    }
    let mut broken = Vec::new();
    for (k, e) in view.edges.iter().enumerate() {
        let arrow = if e.broken.is_some() {
            broken.push(k.to_string());
            "-.->"
        } else {
            "-->"
        };
        let label = edge_label(e);
        if label.is_empty() {
            let _ = writeln!(out, "  n{} {arrow} n{}", e.from, e.to);
        } else {
            let _ = writeln!(
                out,
                "  n{} {arrow}|{}| n{}",
                e.from,
                mermaid_str(&[&label]),
                e.to
            );
        }
    }
    out.push_str("  classDef entry fill:#e8f0fe,stroke:#4a6fa5\n");
    out.push_str("  classDef route fill:#fff4e5,stroke:#b7791f\n");
    out.push_str("  classDef service fill:#e6f4ea,stroke:#2f855a\n");
    out.push_str("  classDef workload fill:#f3e8fd,stroke:#6b46c1\n");
    out.push_str("  classDef other fill:#f5f5f5,stroke:#777777\n");
    let _ = writeln!(
        out,
        "  classDef missing fill:#fdecea,stroke:{RED},color:{RED},stroke-dasharray:5 5"
    );
    if !broken.is_empty() {
        let _ = writeln!(
            out,
            "  linkStyle {} stroke:{RED},color:{RED}",
            broken.join(",")
        );
    }
    out
}

// ---------------------------------------------------------------------------------------
// JSON

#[derive(Serialize)]
struct LocationOut<'a> {
    file: &'a str,
    line: u32,
    column: u32,
}

fn json_location(
    sources: &SourceMap,
    at: Option<(crate::source::FileId, crate::yaml::Span)>,
) -> Option<LocationOut<'_>> {
    at.map(|(file, span)| {
        let at = sources.line_col(file, span.start);
        LocationOut {
            file: sources.path(file),
            line: at.line,
            column: at.col,
        }
    })
}

#[derive(Serialize)]
struct ResourceOut<'a> {
    kind: &'a str,
    namespace: &'a str,
    name: &'a str,
}

#[derive(Serialize)]
struct NodeOut<'a> {
    id: String,
    key: &'a str,
    kind: &'a str,
    title: &'a str,
    lines: &'a [String],
    namespace: Option<&'a str>,
    resource: Option<ResourceOut<'a>>,
    hosts: &'a [String],
    location: Option<LocationOut<'a>>,
}

#[derive(Serialize)]
struct BreakOut<'a> {
    code: &'a str,
    reason: &'a str,
}

#[derive(Serialize)]
struct EdgeOut<'a> {
    from: String,
    to: String,
    label: String,
    broken: Option<BreakOut<'a>>,
    location: Option<LocationOut<'a>>,
}

#[derive(Serialize)]
struct GraphSummary {
    nodes: usize,
    edges: usize,
    broken: usize,
}

#[derive(Serialize)]
struct GraphOut<'a> {
    nodes: Vec<NodeOut<'a>>,
    edges: Vec<EdgeOut<'a>>,
    summary: GraphSummary,
}

pub fn json(view: &GraphView, sources: &SourceMap) -> String {
    let doc = GraphOut {
        nodes: view
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| NodeOut {
                id: format!("n{i}"),
                key: &n.key,
                kind: n.kind.key(),
                title: &n.title,
                lines: &n.lines,
                namespace: n.namespace.as_deref(),
                resource: n.resource.as_ref().map(|r| ResourceOut {
                    kind: &r.kind,
                    namespace: &r.namespace,
                    name: &r.name,
                }),
                hosts: &n.hosts,
                location: json_location(sources, n.location),
            })
            .collect(),
        edges: view
            .edges
            .iter()
            .map(|e| EdgeOut {
                from: format!("n{}", e.from),
                to: format!("n{}", e.to),
                label: edge_label(e),
                broken: e.broken.as_ref().map(|b| BreakOut {
                    code: catalog::code(&b.problem),
                    reason: &b.reason,
                }),
                location: json_location(sources, e.location),
            })
            .collect(),
        summary: GraphSummary {
            nodes: view.nodes.len(),
            edges: view.edges.len(),
            broken: view.edges.iter().filter(|e| e.broken.is_some()).count(),
        },
    };
    serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}")) + "\n"
}
