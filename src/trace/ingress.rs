//! Kubernetes Ingress: for each ingress class, the rule paths for the host (rules naming
//! the host before host-less ones), the most specific path first (Exact, then the longest
//! Prefix), else the default backend.

use std::collections::BTreeMap;

use super::backend::{self, PortChoice, Referrer};
use super::request::segment_prefix;
use super::{Cx, Entry, TracePath, Walk};
use crate::graph::{EdgeKind, Problem, Vertex};
use crate::inventory::{Ingress, IngressBackend};

/// Ingress host match: exact, or `*.example.com` for exactly one more label.
fn host_matches(rule_host: &str, host: &str) -> bool {
    let rule_host = rule_host.to_ascii_lowercase();
    match rule_host.strip_prefix("*.") {
        Some(suffix) => host
            .split_once('.')
            .is_some_and(|(label, rest)| !label.is_empty() && rest == suffix),
        None => rule_host == host,
    }
}

fn score(backend: &IngressBackend, path: &str) -> Option<(u8, usize)> {
    let rule = backend.path.as_ref()?;
    let fits = match rule.path_type.as_str() {
        "Exact" => return (rule.value == path).then_some((3, rule.value.len())),
        "Prefix" => segment_prefix(&rule.value, path),
        // Most controllers read ImplementationSpecific as a plain prefix.
        _ => path.starts_with(rule.value.as_str()),
    };
    fits.then_some((2, rule.value.len()))
}

/// The class an Ingress belongs to: `spec.ingressClassName`, the legacy annotation, or the
/// cluster default.
fn class(cx: &Cx<'_>, ingress: &Ingress) -> String {
    let obj = cx.inv.object(ingress.object);
    obj.spec()
        .and_then(|s| s.str_at("ingressClassName"))
        .or_else(|| obj.annotations.get("kubernetes.io/ingress.class"))
        .unwrap_or("(default)")
        .to_string()
}

/// `(ingress, backend)` indexes.
type Choice = (usize, usize);

pub(super) fn rules(cx: &Cx<'_>) -> Vec<TracePath> {
    if cx.req.port.is_some_and(|p| p != 80 && p != 443) {
        return Vec::new();
    }
    let host = &cx.req.host;
    // Per class: rules for the host, host-less rules, default backends.
    let mut classes: BTreeMap<String, [Vec<Choice>; 3]> = BTreeMap::new();
    for (i, ingress) in cx.inv.ingresses.iter().enumerate() {
        let groups = classes.entry(class(cx, ingress)).or_default();
        for (b, backend) in ingress.backends.iter().enumerate() {
            match (&backend.path, &backend.host) {
                (None, _) => groups[2].push((i, b)),
                (Some(_), Some(h)) if host_matches(h, host) => groups[0].push((i, b)),
                (Some(_), None) => groups[1].push((i, b)),
                (Some(_), Some(_)) => {}
            }
        }
    }
    let mut paths = Vec::new();
    for (class, groups) in &classes {
        let [named, hostless, defaults] = groups;
        let rules = if named.is_empty() { hostless } else { named };
        let chosen: Vec<(Choice, Option<String>)> = match cx.req.match_path() {
            Some(path) => {
                let mut best: Option<((u8, usize), Choice)> = None;
                for &(i, b) in rules {
                    if let Some(s) = score(&cx.inv.ingresses[i].backends[b], path) {
                        if best.is_none_or(|(top, _)| s > top) {
                            best = Some((s, (i, b)));
                        }
                    }
                }
                best.map(|(_, c)| vec![(c, None)]).unwrap_or_default()
            }
            None => rules
                .iter()
                .map(|&(i, b)| {
                    let p = cx.inv.ingresses[i].backends[b].path.as_ref();
                    let condition = p
                        .filter(|p| !p.value.trim_end_matches('/').is_empty())
                        .map(|p| format!("path {} ({})", p.value, p.path_type));
                    ((i, b), condition)
                })
                .collect(),
        };
        // No rule path takes the request: the default backend does, if there is one. Without
        // a path, it takes whatever no rule path matches.
        let unknown_path = cx.req.match_path().is_none();
        let chosen = if chosen.is_empty() {
            defaults.iter().map(|c| (*c, None)).collect()
        } else if unknown_path && chosen.iter().all(|(_, condition)| condition.is_some()) {
            let mut chosen = chosen;
            chosen.extend(
                defaults
                    .iter()
                    .map(|c| (*c, Some("no rule path matches".to_string()))),
            );
            chosen
        } else {
            chosen
        };
        for ((i, b), condition) in chosen {
            paths.extend(backend_paths(cx, i, b, class, condition));
        }
    }
    paths
}

fn backend_paths(
    cx: &Cx<'_>,
    i: usize,
    b: usize,
    class: &str,
    condition: Option<String>,
) -> Vec<TracePath> {
    let ingress = &cx.inv.ingresses[i];
    let backend = &ingress.backends[b];
    let obj = cx.inv.object(ingress.object);
    let detail = match &backend.path {
        Some(p) => format!(
            "host {}, path {} ({}), class {class}",
            backend.host.as_deref().unwrap_or("*"),
            p.value,
            p.path_type
        ),
        None => format!("default backend, class {class}"),
    };
    let walk = Walk::new(Entry::Ingress)
        .with(cx.object_hop(ingress.object, detail, obj.file, backend.span))
        .when(condition.map(|c| format!("{}: {c}", obj.display())));
    // The graph made one IngressBackend edge per backend, in order.
    let Some(edge) = cx
        .graph
        .edges_from(Vertex::Object(ingress.object))
        .filter(|e| e.kind == EdgeKind::IngressBackend)
        .nth(b)
    else {
        return Vec::new();
    };
    match edge.target() {
        Ok(Vertex::Service(sid)) => backend::service(
            cx,
            &walk,
            *sid,
            backend
                .port
                .as_ref()
                .map_or(PortChoice::Unspecified, PortChoice::Ref),
            Vec::new(),
            None,
            Referrer {
                edge: Some(EdgeKind::IngressBackend),
                file: obj.file,
                span: backend.port_span,
            },
        ),
        Ok(_) => Vec::new(),
        Err(broken) => vec![walk.broken(
            Some(Problem::Edge(edge.kind, broken.clone())),
            broken.reason(cx.inv, cx.graph),
            edge.file,
            edge.span,
        )],
    }
}
