//! `--focus HOST|KIND/NS/NAME`: keep the nodes reachable from the focus nodes and those
//! the focus nodes are reachable from, with the edges followed on the way; the same walk
//! from the input's nodes keeps of the platform only what the input's requests reach.

use std::collections::{BTreeSet, VecDeque};

use super::{GraphView, NodeKind, ViewNode};
use crate::graph::{wildcard, HostForm, ServiceHost};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Focus {
    Host(String),
    Object {
        kind: String,
        namespace: String,
        name: String,
    },
}

/// Short kind names, as `kubectl` spells them.
const ALIASES: &[(&str, &str)] = &[
    ("svc", "service"),
    ("deploy", "deployment"),
    ("sts", "statefulset"),
    ("ds", "daemonset"),
    ("ing", "ingress"),
    ("vs", "virtualservice"),
    ("gw", "gateway"),
    ("se", "serviceentry"),
    ("ksvc", "service"),
];

impl Focus {
    /// `KIND/NS/NAME` (kind case-insensitive) or a host name.
    pub fn parse(text: &str) -> Result<Focus, String> {
        let text = text.trim();
        let parts: Vec<&str> = text.split('/').collect();
        match parts.as_slice() {
            [kind, namespace, name] if !kind.is_empty() && !name.is_empty() => {
                let kind = kind.to_ascii_lowercase();
                let kind = ALIASES
                    .iter()
                    .find(|(short, _)| *short == kind)
                    .map_or(kind.clone(), |(_, long)| (*long).to_string());
                Ok(Focus::Object {
                    kind,
                    namespace: (*namespace).to_string(),
                    name: (*name).to_string(),
                })
            }
            [host] if !host.is_empty() => {
                Ok(Focus::Host(host.trim_end_matches('.').to_ascii_lowercase()))
            }
            _ => Err(format!(
                "`{text}` is neither a host nor KIND/NAMESPACE/NAME (e.g. Service/shop/cart)"
            )),
        }
    }

    /// The nodes the focus names.
    fn seeds(&self, view: &GraphView) -> Vec<usize> {
        let nodes = view.nodes.iter().enumerate();
        match self {
            Focus::Object {
                kind,
                namespace,
                name,
            } => nodes
                .filter(|(_, n)| {
                    n.resource.as_ref().is_some_and(|r| {
                        r.kind.eq_ignore_ascii_case(kind)
                            && r.namespace == *namespace
                            && r.name == *name
                    })
                })
                .map(|(i, _)| i)
                .collect(),
            Focus::Host(host) => {
                let names = host_forms(host);
                let answers = |n: &ViewNode, any: bool| {
                    n.hosts.iter().any(|h| {
                        (any || h != "*")
                            && names.iter().any(|name| match name {
                                Name::Exact(name) => wildcard::covers(h, name),
                                Name::Short(short) => h.starts_with(&format!("{short}.")),
                            })
                    })
                };
                // The most specific nodes first: routes and backends for the host, else the
                // entry points accepting it, else catch-all (`*`) routes.
                let levels: [&dyn Fn(&ViewNode) -> bool; 3] = [
                    &|n| n.kind != NodeKind::Entry && answers(n, false),
                    &|n| n.kind == NodeKind::Entry && answers(n, true),
                    &|n| answers(n, true),
                ];
                levels
                    .iter()
                    .map(|level| {
                        view.nodes
                            .iter()
                            .enumerate()
                            .filter(|(_, n)| level(n))
                            .map(|(i, _)| i)
                            .collect::<Vec<_>>()
                    })
                    .find(|found| !found.is_empty())
                    .unwrap_or_default()
            }
        }
    }
}

enum Name {
    Exact(String),
    /// A name without a dot: a Service in any namespace.
    Short(String),
}

fn host_forms(host: &str) -> Vec<Name> {
    let mut names = vec![Name::Exact(host.to_string())];
    match ServiceHost::parse(host, "") {
        Some(h) if h.form == HostForm::Short => names.push(Name::Short(h.name)),
        Some(h) => names.push(Name::Exact(h.fqdn())),
        None => {}
    }
    names
}

impl GraphView {
    /// The part of the graph reachable from or to the nodes `focus` names; an error when it
    /// names none.
    pub fn focus(&self, focus: &Focus) -> Result<GraphView, String> {
        let seeds = focus.seeds(self);
        if seeds.is_empty() {
            return Err(match focus {
                Focus::Host(host) => {
                    format!("no entry point, route or Service answers for host `{host}`")
                }
                Focus::Object {
                    kind,
                    namespace,
                    name,
                } => format!("no node for {kind}/{namespace}/{name} in the routing graph"),
            });
        }
        Ok(self.reachable(&seeds))
    }

    /// The part of the graph reachable from or to the nodes `seed` accepts: with the
    /// input's nodes as seeds, what the platform provides shows only where the input's
    /// requests pass through it.
    pub fn around(&self, seed: impl Fn(&ViewNode) -> bool) -> GraphView {
        let seeds: Vec<usize> = (0..self.nodes.len())
            .filter(|&i| seed(&self.nodes[i]))
            .collect();
        self.reachable(&seeds)
    }

    /// The nodes reachable from or to `seeds`, and the edges followed on the way.
    fn reachable(&self, seeds: &[usize]) -> GraphView {
        // Edge indexes leaving (forward) and entering (backward) each node.
        let mut out = vec![Vec::new(); self.nodes.len()];
        let mut into = vec![Vec::new(); self.nodes.len()];
        for (i, e) in self.edges.iter().enumerate() {
            out[e.from].push(i);
            into[e.to].push(i);
        }
        let mut keep_nodes = BTreeSet::new();
        let mut keep_edges = BTreeSet::new();
        for forward in [true, false] {
            let mut seen: BTreeSet<usize> = seeds.iter().copied().collect();
            let mut queue: VecDeque<usize> = seeds.iter().copied().collect();
            while let Some(n) = queue.pop_front() {
                let adjacent = if forward { &out[n] } else { &into[n] };
                for &i in adjacent {
                    let e = &self.edges[i];
                    let next = if forward { e.to } else { e.from };
                    keep_edges.insert(i);
                    if seen.insert(next) {
                        queue.push_back(next);
                    }
                }
            }
            keep_nodes.extend(seen);
        }
        let index: Vec<Option<usize>> = {
            let mut next = 0;
            (0..self.nodes.len())
                .map(|i| {
                    keep_nodes.contains(&i).then(|| {
                        next += 1;
                        next - 1
                    })
                })
                .collect()
        };
        GraphView {
            nodes: keep_nodes.iter().map(|i| self.nodes[*i].clone()).collect(),
            edges: keep_edges
                .iter()
                .filter_map(|i| {
                    let e = &self.edges[*i];
                    let mut e = e.clone();
                    e.from = index[e.from]?;
                    e.to = index[e.to]?;
                    Some(e)
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_hosts_and_objects() {
        assert_eq!(
            Focus::parse("Shop.Example.com."),
            Ok(Focus::Host("shop.example.com".to_string()))
        );
        assert_eq!(
            Focus::parse("SVC/shop/cart"),
            Ok(Focus::Object {
                kind: "service".to_string(),
                namespace: "shop".to_string(),
                name: "cart".to_string()
            })
        );
        assert!(Focus::parse("Service/cart").is_err());
        assert!(Focus::parse("").is_err());
        assert!(Focus::parse("a/b/c/d").is_err());
    }
}
