//! Gateway API: listeners that accept the host → attached routes whose hostnames accept it
//! → the rule with the most specific path match → backendRefs; and routes for the host
//! that attach to nothing.

use std::collections::BTreeMap;

use super::backend::{self, PortChoice, Referrer};
use super::request::{regex_matches, segment_prefix};
use super::{Cx, Entry, Hop, TracePath, Walk};
use crate::graph::{wildcard, Edge, EdgeKind, Problem, Vertex};
use crate::inventory::gateway_api::{BackendRef, ListenerOwner, PathMatch, RouteRule};
use crate::inventory::ApiRoute;
use crate::source::FileId;
use crate::yaml::Node;

fn accepts(pattern: &str, host: &str) -> bool {
    wildcard::covers(&pattern.to_ascii_lowercase(), host)
}

fn route_accepts(route: &ApiRoute, host: &str) -> bool {
    route.hostnames.is_empty() || route.hostnames.iter().any(|h| accepts(&h.value, host))
}

/// One `matches[]` entry of a rule, as written: its path (default `PathPrefix /`) and what
/// else it tests (headers, query parameters, method), which kroute cannot know.
struct ApiMatch {
    path: PathMatch,
    others: Vec<String>,
    /// Gateway API precedence after the path: a method, then more headers, then more
    /// query parameters.
    rank: (bool, usize, usize),
}

impl ApiMatch {
    fn describe(&self) -> String {
        let path = match &self.path {
            PathMatch::Exact(v) => format!("Exact {v}"),
            PathMatch::Prefix(v) if v.trim_end_matches('/').is_empty() => "any path".to_string(),
            PathMatch::Prefix(v) => format!("PathPrefix {v}"),
            PathMatch::Regex(v) => format!("RegularExpression {v}"),
        };
        std::iter::once(path)
            .chain(self.others.iter().cloned())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// What the request must also match when its path is not known, if anything.
    fn condition(&self, path_known: bool) -> Option<String> {
        let mut parts = Vec::new();
        if !path_known
            && !matches!(&self.path, PathMatch::Prefix(v) if v.trim_end_matches('/').is_empty())
        {
            parts.push(format!("path {}", self.describe_path()));
        }
        parts.extend(self.others.iter().cloned());
        (!parts.is_empty()).then(|| parts.join(" and "))
    }

    fn describe_path(&self) -> String {
        match &self.path {
            PathMatch::Exact(v) => format!("Exact {v}"),
            PathMatch::Prefix(v) => format!("PathPrefix {v}"),
            PathMatch::Regex(v) => format!("RegularExpression {v}"),
        }
    }

    /// How specifically the path fits: exact, then the longest prefix, then a regex.
    fn score(&self, path: &str) -> Option<(u8, usize)> {
        match &self.path {
            PathMatch::Exact(v) => (v == path).then_some((3, v.len())),
            PathMatch::Prefix(v) => segment_prefix(v, path).then_some((2, v.len())),
            PathMatch::Regex(v) => regex_matches(v, path).then_some((1, v.len())),
        }
    }
}

/// `PathPrefix /`, the Gateway API default match.
fn path_root() -> PathMatch {
    PathMatch::Prefix("/".to_string())
}

/// `header env Exact canary`.
fn describe_match(what: &str, node: &Node) -> String {
    format!(
        "{what} {} {} {}",
        node.str_at("name").unwrap_or_default(),
        node.str_at("type").unwrap_or("Exact"),
        node.str_at("value").unwrap_or_default()
    )
}

/// The matches of `rule`, read from the manifest (the inventory keeps only paths).
fn rule_matches(cx: &Cx<'_>, route: &ApiRoute, rule: &RouteRule) -> Vec<ApiMatch> {
    let written = cx
        .inv
        .object(route.object)
        .spec()
        .and_then(|s| s.seq_at("rules").get(rule.index))
        .map_or(&[][..], |r| r.seq_at("matches"));
    if written.is_empty() {
        return vec![ApiMatch {
            path: path_root(),
            others: Vec::new(),
            rank: (false, 0, 0),
        }];
    }
    written
        .iter()
        .map(|m| {
            let path = m.get("path").map_or_else(path_root, |p| {
                let value = p.str_at("value").unwrap_or("/").to_string();
                match p.str_at("type").unwrap_or("PathPrefix") {
                    "Exact" => PathMatch::Exact(value),
                    "RegularExpression" => PathMatch::Regex(value),
                    _ => PathMatch::Prefix(value),
                }
            });
            let headers = m.seq_at("headers");
            let query = m.seq_at("queryParams");
            let mut others: Vec<String> = headers
                .iter()
                .map(|h| describe_match("header", h))
                .collect();
            others.extend(query.iter().map(|q| describe_match("query parameter", q)));
            let method = m.get("method");
            match method {
                Some(n) if n.as_str().is_some() => {
                    others.push(format!("method {}", n.as_str().unwrap_or_default()));
                }
                // GRPCRoute: `method: {service, method}`.
                Some(n) => others.push(format!(
                    "gRPC method {}/{}",
                    n.str_at("service").unwrap_or("*"),
                    n.str_at("method").unwrap_or("*")
                )),
                None => {}
            }
            ApiMatch {
                path,
                others,
                rank: (method.is_some(), headers.len(), query.len()),
            }
        })
        .collect()
}

/// A rule the request may take: the route, the rule, what it matched, and the condition
/// under which it is taken.
type Candidate<'a> = (&'a ApiRoute, &'a RouteRule, String, Option<String>);

/// The rules of the routes attached to one listener that the request may take: with a
/// path, the most specific match first (Gateway API precedence), down to the first one that
/// needs nothing more; without one, every rule.
fn candidates<'a>(cx: &Cx<'a>, routes: &[usize]) -> Vec<Candidate<'a>> {
    let host = &cx.req.host;
    let rules = routes
        .iter()
        .map(|r| &cx.inv.api_routes[*r])
        .filter(|route| route_accepts(route, host))
        .flat_map(|route| route.rules.iter().map(move |rule| (route, rule)));
    match cx.req.match_path() {
        Some(path) => {
            let mut fitting = Vec::new();
            for (route, rule) in rules {
                for m in rule_matches(cx, route, rule) {
                    if let Some(score) = m.score(path) {
                        fitting.push((score, m.rank, route, rule, m));
                    }
                }
            }
            // Stable: ties keep input order.
            fitting.sort_by_key(|c| std::cmp::Reverse((c.0, c.1)));
            let mut out: Vec<Candidate<'a>> = Vec::new();
            for (_, _, route, rule, m) in fitting {
                let condition = m.condition(true);
                let last = condition.is_none();
                out.push((route, rule, m.describe(), condition));
                if last {
                    break;
                }
            }
            out
        }
        None => rules
            .map(|(route, rule)| {
                let matches = rule_matches(cx, route, rule);
                let what: Vec<String> = matches.iter().map(ApiMatch::describe).collect();
                let conditions: Option<Vec<String>> =
                    matches.iter().map(|m| m.condition(false)).collect();
                // Taken unconditionally when one of its matches needs nothing more.
                let condition = conditions.map(|c| c.join(", or "));
                (route, rule, what.join(" | "), condition)
            })
            .collect(),
    }
}

/// Paths entering through Gateway API listeners.
pub(super) fn listeners(cx: &Cx<'_>) -> Vec<TracePath> {
    let mut by_listener: BTreeMap<(ListenerOwner, usize), Vec<usize>> = BTreeMap::new();
    for a in &cx.graph.attachments {
        by_listener
            .entry((a.owner, a.listener))
            .or_default()
            .push(a.route);
    }
    let mut paths = Vec::new();
    for ((g, l), mut routes) in by_listener {
        routes.dedup();
        let gw = cx.inv.listener_owner(g);
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

/// The paths through rule `rule` of `route`, taken for `what` it matched and only when
/// `condition` holds, if one is given.
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
    match rule.backends.as_slice() {
        [] if redirect => vec![walk.done()],
        [] => vec![walk.broken(
            None,
            format!(
                "rule {} has no backendRefs: the gateway answers 404",
                rule.index
            ),
            obj.file,
            rule.span,
        )],
        _ => backend_paths(cx, &walk, route, rule),
    }
}

/// The paths from `walk` through each backendRef of `rule`, in order: a Service one
/// through the BackendRef edge the graph made for it.
fn backend_paths(cx: &Cx<'_>, walk: &Walk, route: &ApiRoute, rule: &RouteRule) -> Vec<TracePath> {
    let via = format!("rule {}", rule.index);
    let mut edges = cx
        .graph
        .edges_from(Vertex::Object(route.object))
        .filter(|e| e.kind == EdgeKind::BackendRef && e.via == via);
    let several = rule.backends.len() > 1;
    let mut paths = Vec::new();
    for backend in &rule.backends {
        let weight = several.then(|| format!("weight {}", backend.weight));
        if !backend.is_service() {
            let file = cx.inv.object(route.object).file;
            paths.push(walk.with(unfollowed(backend, weight, file)).done());
            continue;
        }
        let Some(edge) = edges.next() else { continue };
        paths.extend(service_paths(cx, walk, route, backend, edge, weight));
    }
    paths
}

/// The hop to a backend that is not a Service, which kroute does not follow.
fn unfollowed(backend: &BackendRef, weight: Option<String>, file: FileId) -> Hop {
    let mut detail = "not followed: kroute follows Service backends".to_string();
    if let Some(weight) = weight {
        detail.push_str(&format!(", {weight}"));
    }
    Hop {
        vertex: None,
        group: backend.group.clone(),
        kind: backend.kind.clone(),
        namespace: backend.namespace.clone(),
        name: backend.name.clone(),
        port: backend.port,
        detail,
        file,
        span: backend.span,
        notes: Vec::new(),
    }
}

/// The paths through the Service that `edge`, made by Service backendRef `backend` of
/// `route`, leads to, or why it leads nowhere.
fn service_paths(
    cx: &Cx<'_>,
    walk: &Walk,
    route: &ApiRoute,
    backend: &BackendRef,
    edge: &Edge,
    weight: Option<String>,
) -> Vec<TracePath> {
    match edge.target() {
        Ok(Vertex::Service(sid)) => backend::service(
            cx,
            walk,
            *sid,
            backend
                .port
                .map_or(PortChoice::Unspecified, PortChoice::Number),
            weight.into_iter().collect(),
            None,
            Referrer {
                edge: Some(EdgeKind::BackendRef),
                file: cx.inv.object(route.object).file,
                span: backend.port_span.unwrap_or(backend.span),
            },
        ),
        Ok(_) => Vec::new(),
        Err(broken) => vec![walk.clone().broken(
            Some(Problem::Edge(edge.kind, broken.clone())),
            broken.reason(cx.inv, cx.graph),
            edge.file,
            edge.span,
        )],
    }
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
            if let Err(broken) = edge.target() {
                let hop = cx.object_hop(route.object, "parentRef".to_string(), obj.file, edge.span);
                paths.push(Walk::new(Entry::Unattached).with(hop).broken(
                    Some(Problem::Edge(edge.kind, broken.clone())),
                    broken.reason(cx.inv, cx.graph),
                    edge.file,
                    edge.span,
                ));
            }
        }
    }
    paths
}
