//! Gateway API: listeners that accept the host → attached routes whose hostnames accept it
//! → the rule with the most specific path match → backendRefs; and routes for the host
//! that attach to nothing.

use std::collections::BTreeMap;

use super::backend::{self, PortChoice, Referrer};
use super::request::{regex_matches, segment_prefix};
use super::{Cx, Entry, TracePath, Walk};
use crate::graph::{wildcard, EdgeKind, Vertex};
use crate::inventory::gateway_api::{PathMatch, RouteRule};
use crate::inventory::ApiRoute;

fn accepts(pattern: &str, host: &str) -> bool {
    wildcard::covers(&pattern.to_ascii_lowercase(), host)
}

fn route_accepts(route: &ApiRoute, host: &str) -> bool {
    route.hostnames.is_empty() || route.hostnames.iter().any(|h| accepts(&h.value, host))
}

/// How specifically a path match fits: exact, then longest prefix, then regex (Gateway API
/// precedence; ties go to the route and rule listed first).
fn score(m: Option<&PathMatch>, path: &str) -> Option<(u8, usize)> {
    match m {
        None => Some((2, 1)),
        Some(PathMatch::Exact(v)) => (v == path).then_some((3, v.len())),
        Some(PathMatch::Prefix(v)) => segment_prefix(v, path).then_some((2, v.len())),
        Some(PathMatch::Regex(v)) => regex_matches(v, path).then_some((1, v.len())),
    }
}

fn describe(m: Option<&PathMatch>) -> String {
    match m {
        None => "any path".to_string(),
        Some(PathMatch::Exact(v)) => format!("Exact {v}"),
        Some(PathMatch::Prefix(v)) => format!("PathPrefix {v}"),
        Some(PathMatch::Regex(v)) => format!("RegularExpression {v}"),
    }
}

/// The rules of the routes attached to one listener that the request may take.
fn candidates<'a>(
    cx: &Cx<'a>,
    routes: &[usize],
) -> Vec<(&'a ApiRoute, &'a RouteRule, String, Option<String>)> {
    let host = &cx.req.host;
    let rules = routes
        .iter()
        .map(|r| &cx.inv.api_routes[*r])
        .filter(|route| route_accepts(route, host))
        .flat_map(|route| route.rules.iter().map(move |rule| (route, rule)));
    match cx.req.match_path() {
        Some(path) => {
            let mut best: Option<((u8, usize), _)> = None;
            for (route, rule) in rules {
                let matches: Vec<Option<&PathMatch>> = if rule.paths.is_empty() {
                    vec![None]
                } else {
                    rule.paths.iter().map(Some).collect()
                };
                for m in matches {
                    if let Some(s) = score(m, path) {
                        if best.as_ref().is_none_or(|(b, _)| s > *b) {
                            best = Some((s, (route, rule, describe(m), None)));
                        }
                    }
                }
            }
            best.map(|(_, c)| c).into_iter().collect()
        }
        None => rules
            .map(|(route, rule)| {
                let what = if rule.paths.is_empty() {
                    describe(None)
                } else {
                    rule.paths
                        .iter()
                        .map(|m| describe(Some(m)))
                        .collect::<Vec<_>>()
                        .join(" or ")
                };
                let everything = rule.paths.is_empty()
                    || rule.paths.iter().any(
                        |m| matches!(m, PathMatch::Prefix(v) if v.trim_end_matches('/').is_empty()),
                    );
                let condition = (!everything).then(|| format!("path {what}"));
                (route, rule, what, condition)
            })
            .collect(),
    }
}

/// Paths entering through Gateway API listeners.
pub(super) fn listeners(cx: &Cx<'_>) -> Vec<TracePath> {
    let mut by_listener: BTreeMap<(usize, usize), Vec<usize>> = BTreeMap::new();
    for a in &cx.graph.attachments {
        by_listener
            .entry((a.gateway, a.listener))
            .or_default()
            .push(a.route);
    }
    let mut paths = Vec::new();
    for ((g, l), mut routes) in by_listener {
        routes.dedup();
        let gw = &cx.inv.api_gateways[g];
        let Some(listener) = gw.listeners.get(l) else {
            continue;
        };
        if cx.req.port.is_some_and(|p| p != listener.port)
            || listener
                .hostname
                .as_ref()
                .is_some_and(|h| !accepts(&h.value, &cx.req.host))
        {
            continue;
        }
        let obj = cx.inv.object(gw.object);
        let hostname = listener
            .hostname
            .as_ref()
            .map_or("any hostname".to_string(), |h| {
                format!("hostname {}", h.value)
            });
        let hop = cx.object_hop(
            gw.object,
            format!(
                "listener {} ({} {}, {hostname})",
                listener.name.value, listener.port, listener.protocol
            ),
            obj.file,
            listener.span,
        );
        let walk = Walk::new(Entry::GatewayApi).with(hop);
        let found = candidates(cx, &routes);
        if found.is_empty() {
            let what = cx
                .req
                .path
                .as_deref()
                .map_or(String::new(), |p| format!(" and path {p}"));
            paths.push(walk.broken(
                None,
                format!(
                    "no route attached to listener `{}` of {} matches host {}{what}: the gateway answers 404",
                    listener.name.value,
                    obj.display(),
                    cx.req.host
                ),
                obj.file,
                listener.span,
            ));
            continue;
        }
        for (route, rule, what, condition) in found {
            paths.extend(rule_paths(cx, &walk, route, rule, what, condition));
        }
    }
    paths
}

/// Whether a rule answers requests itself, with a `RequestRedirect` filter.
fn redirects(cx: &Cx<'_>, route: &ApiRoute, rule: &RouteRule) -> bool {
    cx.inv
        .object(route.object)
        .spec()
        .and_then(|s| s.seq_at("rules").get(rule.index))
        .is_some_and(|r| {
            r.seq_at("filters")
                .iter()
                .any(|f| f.str_at("type") == Some("RequestRedirect"))
        })
}

fn rule_paths(
    cx: &Cx<'_>,
    walk: &Walk,
    route: &ApiRoute,
    rule: &RouteRule,
    what: String,
    condition: Option<String>,
) -> Vec<TracePath> {
    let obj = cx.inv.object(route.object);
    let redirect = redirects(cx, route, rule);
    let mut detail = format!("rule {}: {what}", rule.index);
    if redirect {
        detail.push_str(", answered by a RequestRedirect filter");
    }
    let walk = walk
        .with(cx.object_hop(route.object, detail, obj.file, rule.span))
        .when(condition.map(|c| format!("{} rule {}: {c}", obj.display(), rule.index)));
    if rule.backends.is_empty() {
        if redirect {
            return vec![walk.done()];
        }
        return vec![walk.broken(
            None,
            format!(
                "rule {} has no backendRefs: the gateway answers 404",
                rule.index
            ),
            obj.file,
            rule.span,
        )];
    }
    let via = format!("rule {}", rule.index);
    let mut edges = cx
        .graph
        .edges_from(Vertex::Object(route.object))
        .filter(|e| e.kind == EdgeKind::BackendRef && e.via == via);
    let several = rule.backends.len() > 1;
    let mut paths = Vec::new();
    for backend in &rule.backends {
        let extra: Vec<String> = if several {
            vec![format!("weight {}", backend.weight)]
        } else {
            Vec::new()
        };
        if !backend.is_service() {
            let kind = if backend.group.is_empty() {
                backend.kind.clone()
            } else {
                format!("{}.{}", backend.kind, backend.group)
            };
            let mut detail = "not followed: kroute follows Service backends".to_string();
            for e in extra {
                detail.push_str(&format!(", {e}"));
            }
            paths.push(
                walk.with(super::Hop {
                    vertex: None,
                    kind,
                    namespace: backend.namespace.clone(),
                    name: backend.name.clone(),
                    port: backend.port,
                    detail,
                    file: obj.file,
                    span: backend.span,
                    notes: Vec::new(),
                })
                .done(),
            );
            continue;
        }
        let Some(edge) = edges.next() else { continue };
        match &edge.to {
            Ok(Vertex::Service(sid)) => paths.extend(backend::service(
                cx,
                &walk,
                *sid,
                backend
                    .port
                    .map_or(PortChoice::Unspecified, PortChoice::Number),
                extra,
                None,
                Referrer {
                    port_code: Some("KR503"),
                    file: obj.file,
                    span: backend.port_span.unwrap_or(backend.span),
                },
            )),
            Ok(_) => {}
            Err(broken) => paths.push(walk.clone().broken(
                Some(broken.code(edge.kind)),
                broken.reason(cx.inv, cx.graph),
                edge.file,
                edge.span,
            )),
        }
    }
    paths
}

/// Routes whose hostnames accept the host but whose parentRefs attach nowhere.
pub(super) fn unattached(cx: &Cx<'_>) -> Vec<TracePath> {
    let mut paths = Vec::new();
    for route in &cx.inv.api_routes {
        if !route
            .hostnames
            .iter()
            .any(|h| h.value != "*" && accepts(&h.value, &cx.req.host))
        {
            continue;
        }
        let obj = cx.inv.object(route.object);
        for edge in cx
            .graph
            .edges_from(Vertex::Object(route.object))
            .filter(|e| e.kind == EdgeKind::ParentRef)
        {
            if let Err(broken) = &edge.to {
                let hop = cx.object_hop(route.object, "parentRef".to_string(), obj.file, edge.span);
                paths.push(Walk::new(Entry::Unattached).with(hop).broken(
                    Some(broken.code(edge.kind)),
                    broken.reason(cx.inv, cx.graph),
                    edge.file,
                    edge.span,
                ));
            }
        }
    }
    paths
}
