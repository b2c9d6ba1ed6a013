//! Which rules of a VirtualService a request takes: Istio evaluates them in order and the
//! first match wins; matches on what kroute cannot know (headers, …) are followed as
//! conditional, and so are the rules after them.

use super::destinations::destinations;
use crate::inventory::istio::{
    GatewayRef, GatewayTarget, RouteMatch, RouteProtocol, UriMatch, VsRoute,
};
use crate::inventory::{IstioGateway, VirtualService, VirtualServiceId};
use crate::trace::request::{describe_uri, uri_fits};
use crate::trace::{Cx, Hop, TracePath, Walk};
use crate::yaml::Node;

/// Where a VirtualService is being applied: at a Gateway, or by the sidecars.
#[derive(Clone, Copy, Debug)]
pub(super) enum At<'a> {
    Gateway(&'a IstioGateway),
    Mesh,
}

/// How well one rule fits the request.
enum Fit {
    No,
    /// Always taken: what it matched on (`prefix /cart`, `any request`).
    Yes(String),
    /// Taken only if the request also matches what kroute cannot know (`condition`).
    If {
        what: String,
        condition: String,
    },
}

fn match_fit(
    vs: &VirtualService,
    m: &RouteMatch,
    other: impl FnOnce() -> String,
    at: At<'_>,
    port: Option<i64>,
    path: Option<&str>,
) -> Fit {
    if !m.gateways.is_empty() {
        let applies =
            m.gateways.iter().any(
                |g| match (&GatewayRef::parse(g, &vs.namespace).target, at) {
                    (GatewayTarget::Mesh, At::Mesh) => true,
                    (GatewayTarget::Named { namespace, name }, At::Gateway(gw)) => {
                        *namespace == gw.namespace && *name == gw.name
                    }
                    _ => false,
                },
            );
        if !applies {
            return Fit::No;
        }
    }
    let mut what = Vec::new();
    let mut unknown = Vec::new();
    if let Some(p) = m.port {
        match port {
            Some(q) if q != p => return Fit::No,
            Some(_) => what.push(format!("port {p}")),
            None => {
                what.push(format!("port {p}"));
                unknown.push(format!("port {p}"));
            }
        }
    }
    if let Some(uri) = &m.uri {
        what.push(describe_uri(uri));
        match path {
            Some(path) if !uri_fits(uri, path) => return Fit::No,
            Some(_) => {}
            None if *uri == UriMatch::Prefix("/".to_string()) => {}
            None => unknown.push(format!("path {}", describe_uri(uri))),
        }
    }
    if m.narrowed {
        let other = other();
        what.push(other.clone());
        unknown.push(other);
    }
    if what.is_empty() {
        what.push("any request".to_string());
    }
    let what = what.join(", ");
    if unknown.is_empty() {
        Fit::Yes(what)
    } else {
        Fit::If {
            what,
            condition: unknown.join(" and "),
        }
    }
}

fn route_fit(
    cx: &Cx<'_>,
    vs: &VirtualService,
    route: &VsRoute,
    at: At<'_>,
    port: Option<i64>,
    path: Option<&str>,
) -> Fit {
    if route.matches.is_empty() {
        return Fit::Yes("any request".to_string());
    }
    let mut conditional = Vec::new();
    for (i, m) in route.matches.iter().enumerate() {
        let other = || other_conditions(cx, vs, route, i);
        match match_fit(vs, m, other, at, port, path) {
            Fit::Yes(what) => return Fit::Yes(what),
            Fit::If { what, condition } => conditional.push((what, condition)),
            Fit::No => {}
        }
    }
    if conditional.is_empty() {
        return Fit::No;
    }
    let (what, condition): (Vec<String>, Vec<String>) = conditional.into_iter().unzip();
    Fit::If {
        what: what.join(" | "),
        condition: condition.join(", or "),
    }
}

/// What match `i` of `route` tests besides the URI and port, as written: `header end-user
/// exact jason`, `method exact GET`, `sourceLabels`.
fn other_conditions(cx: &Cx<'_>, vs: &VirtualService, route: &VsRoute, i: usize) -> String {
    let obj = cx.inv.object(vs.object);
    let m = obj
        .spec()
        .and_then(|s| s.seq_at(route.protocol.key()).get(route.index))
        .and_then(|r| r.seq_at("match").get(i));
    let Some(entries) = m.and_then(Node::as_map) else {
        return "its other match conditions".to_string();
    };
    // `{exact: jason}` → `exact jason`.
    let string_match = |node: &Node| -> String {
        node.as_map()
            .and_then(|e| e.first())
            .map_or_else(String::new, |e| {
                format!(
                    " {} {}",
                    e.key.as_str().unwrap_or_default(),
                    e.value.as_str().unwrap_or_default()
                )
            })
    };
    let mut parts = Vec::new();
    for e in entries {
        let Some(key) = e.key.as_str() else { continue };
        match key {
            "uri" | "port" | "gateways" | "name" | "ignoreUriCase" => {}
            "headers" | "queryParams" | "withoutHeaders" => {
                let singular = match key {
                    "headers" => "header",
                    "queryParams" => "query parameter",
                    _ => "without header",
                };
                for h in e.value.as_map().unwrap_or(&[]) {
                    parts.push(format!(
                        "{singular} {}{}",
                        h.key.as_str().unwrap_or_default(),
                        string_match(&h.value)
                    ));
                }
            }
            "method" | "authority" | "scheme" => {
                parts.push(format!("{key}{}", string_match(&e.value)));
            }
            "sourceNamespace" => parts.push(format!(
                "source namespace {}",
                e.value.as_str().unwrap_or_default()
            )),
            other => parts.push(other.to_string()),
        }
    }
    if parts.is_empty() {
        "its other match conditions".to_string()
    } else {
        parts.join(" and ")
    }
}

/// The paths through VirtualService `v`: rules in order, every conditional one, up to and
/// including the first that always matches (Istio takes the first match).
pub(super) fn rules(
    cx: &Cx<'_>,
    walk: &Walk,
    v: VirtualServiceId,
    protocol: RouteProtocol,
    at: At<'_>,
    port: Option<i64>,
) -> Vec<TracePath> {
    let vs = cx.inv.virtual_service(v);
    let obj = cx.inv.object(vs.object);
    let path = match protocol {
        RouteProtocol::Http => cx.req.match_path(),
        RouteProtocol::Tls | RouteProtocol::Tcp => None,
    };
    let mut paths = Vec::new();
    // Numbered before filtering: the graph holds each rule's destinations by its position.
    let numbered = vs.routes.iter().enumerate();
    for (r, route) in numbered.filter(|(_, route)| route.protocol == protocol) {
        let (what, condition, last) = match route_fit(cx, vs, route, at, port, path) {
            Fit::No => continue,
            Fit::Yes(what) => (what, None, true),
            Fit::If { what, condition } => (what, Some(condition), false),
        };
        let walk = walk
            .with(rule_hop(cx, vs, route, &what))
            .when(condition.map(|c| {
                format!(
                    "{} rule {}[{}]: {c}",
                    obj.display(),
                    protocol.key(),
                    route.index
                )
            }));
        paths.extend(destinations(cx, walk, v, r));
        if last {
            return paths;
        }
    }
    let what = match path {
        Some(p) => format!("path {p}"),
        None => "the request".to_string(),
    };
    paths.push(walk.clone().broken(
        None,
        format!(
            "no {} rule of {} matches {what}: the proxy answers 404",
            protocol.key(),
            obj.display()
        ),
        obj.file,
        obj.name_span(),
    ));
    paths
}

/// The hop into rule `route` of `vs`, taken for `what` it matched.
fn rule_hop(cx: &Cx<'_>, vs: &VirtualService, route: &VsRoute, what: &str) -> Hop {
    let name = route
        .name
        .as_deref()
        .map_or(String::new(), |n| format!(" \"{n}\""));
    let mut detail = format!(
        "rule {}[{}]{name}: {what}",
        route.protocol.key(),
        route.index
    );
    if route.answers_itself {
        detail.push_str(", answered by the proxy (redirect or directResponse)");
    }
    let file = cx.inv.object(vs.object).file;
    cx.object_hop(vs.object, detail, file, route.span)
}
