//! The neighbourhood of an object: the stored objects that can change what the rules say
//! about it, picked from the store's indexes so that a request costs what its object's
//! surroundings cost, not what the cluster costs.
//!
//! Objects are indexed under tokens: `n:` the forms of their identity (name, `ns/name`,
//! `name.ns.svc.cluster.local`, the hosts they declare), `m:` the strings they mention (a
//! Gateway name, a host, a ConfigMap, a URL's host), `l:` the label pairs of their labels
//! and selectors, `ns:` their namespace, `g:` what every check reads whatever it judges
//! (admission policies, GatewayClasses, Knative's config, whether there is a mesh). The neighbourhood of an
//! object is what it names, what names it, what shares an uncommon string or a label pair
//! with it, the workloads selected by what it names, a member of each namespace involved
//! (so a reference into a namespace that exists is not mistaken for one into a namespace
//! kroute knows nothing of), and the global objects.

use std::collections::BTreeSet;
use std::sync::Arc;

use super::store::{distinct, namespaces, Entry, Snapshot};
use crate::manifest::{Object, ObjectKey};
use crate::yaml::{Node, Value};

/// A string mentioned by more objects than this ties nothing in particular together
/// (`http`, `v1`, a team label): it is not followed, unless it names the object.
const COMMON: usize = 64;

/// At most this many objects matching all the pairs of one label map are taken: enough to
/// know that a selector selects something and which ports and labels the pods have.
const SELECTED: usize = 64;

/// Mapping keys whose mappings are labels or label selectors.
const LABEL_MAPS: &[&str] = &["labels", "matchLabels", "selector"];

/// The tokens `object` is indexed under.
pub fn tokens(object: &Object) -> Vec<Box<str>> {
    let mut out = Vec::new();
    for form in identity(object) {
        out.push(format!("n:{form}"));
    }
    let mut mentioned = Vec::new();
    scalars(&object.root, &mut mentioned);
    out.extend(mentioned.into_iter().map(|s| format!("m:{s}")));
    for map in label_maps(&object.root) {
        out.extend(map.pairs.into_iter().map(|(k, v)| format!("l:{k}={v}")));
    }
    if !object.namespace.is_empty() {
        out.push(format!("ns:{}", object.namespace));
    }
    if let Some(global) = global(object) {
        out.push(format!("g:{global}"));
    }
    out.sort_unstable();
    out.dedup();
    out.into_iter().map(String::into_boxed_str).collect()
}

/// The stored objects around `candidate`, without the stored version of `candidate`
/// itself (which it replaces).
pub fn around<'a>(snapshot: &'a Snapshot, candidate: &Object) -> Vec<&'a Arc<Entry>> {
    let key = candidate.key();
    let mut found: Vec<&Arc<Entry>> = Vec::new();
    let mut mentioned = Vec::new();
    scalars(&candidate.root, &mut mentioned);
    let namespace = candidate.namespace.as_str();
    for s in &mentioned {
        // What it names, and what a wildcard host it falls under names.
        let named = format!("n:{s}");
        found.extend(nearest(snapshot, &named, namespace));
        for wildcard in wildcards(s) {
            found.extend(nearest(snapshot, &format!("n:{wildcard}"), namespace));
        }
        // What else mentions the same uncommon string (a host, a Service's name).
        let token = format!("m:{s}");
        if snapshot.count(&token) <= COMMON {
            found.extend(snapshot.lookup(&token));
        }
    }
    // What names it.
    for form in identity(candidate) {
        found.extend(snapshot.lookup(&format!("m:{form}")));
    }
    let named = found.len();
    for map in label_maps(&candidate.root) {
        for (k, v) in &map.pairs {
            let token = format!("l:{k}={v}");
            if snapshot.count(&token) <= COMMON {
                found.extend(snapshot.lookup(&token));
            }
        }
        // What it selects; not what merely carries the same labels, nor the pods a
        // subset's labels would pick in any namespace.
        if map.selects {
            found.extend(matching(snapshot, &map.pairs));
        }
    }
    // The workloads selected by what it names (a DestinationRule's subsets are judged
    // against the pods of its host's Service).
    let selected: Vec<&Arc<Entry>> = distinct(found[..named].iter().copied())
        .into_iter()
        .flat_map(|e| label_maps(&e.object.root))
        .filter(|map| map.selects)
        .flat_map(|map| matching(snapshot, &map.pairs))
        .collect();
    found.extend(selected);
    let mut spaces: BTreeSet<String> = namespaces(found.iter().copied())
        .into_iter()
        .map(str::to_string)
        .collect();
    spaces.insert(namespace.to_string());
    for s in &mentioned {
        if snapshot.count(&format!("ns:{s}")) > 0 {
            spaces.insert(s.clone());
        }
    }
    found.extend(members(snapshot, &spaces, &key));
    found.extend(snapshot.lookup("g:class"));
    found.extend(snapshot.lookup("g:mesh").next());
    // Admission policies and their bindings apply to objects by kind and labels, not by
    // name: all of them, and the parameter objects they name.
    for policy in snapshot.lookup("g:policy") {
        found.push(policy);
        let mut named = Vec::new();
        scalars(&policy.object.root, &mut named);
        for s in named {
            found.extend(nearest(
                snapshot,
                &format!("n:{s}"),
                &policy.object.namespace,
            ));
        }
    }
    distinct(found)
        .into_iter()
        .filter(|e| e.key != key)
        .collect()
}

/// The stored objects that name `object` (what its deletion may leave dangling).
pub fn naming<'a>(snapshot: &'a Snapshot, object: &Object) -> Vec<&'a Arc<Entry>> {
    let key = object.key();
    let mut found: Vec<&Arc<Entry>> = identity(object)
        .into_iter()
        .flat_map(|form| snapshot.lookup(&format!("m:{form}")).collect::<Vec<_>>())
        .filter(|e| e.key != key)
        .collect();
    if found.is_empty() {
        return found;
    }
    let mut spaces: BTreeSet<String> = namespaces(found.iter().copied())
        .into_iter()
        .map(str::to_string)
        .collect();
    spaces.insert(object.namespace.to_string());
    found.extend(members(snapshot, &spaces, &key));
    distinct(found)
}

/// A member of each namespace of `spaces` other than `except`, and the Namespace objects:
/// a reference into a namespace kroute knows nothing of is judged more leniently than one
/// into a namespace that exists.
fn members<'a>(
    snapshot: &'a Snapshot,
    spaces: &BTreeSet<String>,
    except: &ObjectKey,
) -> Vec<&'a Arc<Entry>> {
    let mut out = Vec::new();
    for ns in spaces.iter().filter(|ns| !ns.is_empty()) {
        let member = snapshot
            .lookup(&format!("ns:{ns}"))
            .find(|e| e.key != *except);
        out.extend(member);
        let named = snapshot.lookup(&format!("n:{ns}"));
        out.extend(named.filter(|e| e.object.kind == "Namespace"));
    }
    out
}

/// The objects indexed under `token`, only those in `namespace` (and cluster-scoped ones)
/// when the name is a common one (`default`).
fn nearest<'a>(snapshot: &'a Snapshot, token: &str, namespace: &str) -> Vec<&'a Arc<Entry>> {
    let common = snapshot.count(token) > COMMON;
    snapshot
        .lookup(token)
        .filter(|e| !common || e.object.namespace.is_empty() || e.object.namespace == namespace)
        .collect()
}

/// Up to [`SELECTED`] objects carrying every pair of `map`.
fn matching<'a>(snapshot: &'a Snapshot, map: &[(String, String)]) -> Vec<&'a Arc<Entry>> {
    let tokens: Vec<String> = map.iter().map(|(k, v)| format!("l:{k}={v}")).collect();
    let Some(rarest) = tokens.iter().min_by_key(|t| snapshot.count(t)) else {
        return Vec::new();
    };
    snapshot
        .lookup(rarest)
        .filter(|e| tokens.iter().all(|t| e.has(t)))
        .take(SELECTED)
        .collect()
}

/// The forms under which other objects name `object`.
fn identity(object: &Object) -> Vec<String> {
    let (name, ns) = (&object.name, &object.namespace);
    let mut out = vec![name.to_string()];
    if !ns.is_empty() {
        out.push(format!("{ns}/{name}"));
        out.push(format!("{name}.{ns}"));
        out.push(format!("{name}.{ns}.svc"));
        out.push(format!("{name}.{ns}.svc.cluster.local"));
    }
    // The hosts it declares: VirtualService and ServiceEntry `hosts`, Gateway servers'
    // hosts (without their `ns/` part), route `hostnames`, Ingress rules' hosts.
    if let Some(spec) = object.spec() {
        let servers = spec.seq_at("servers").iter();
        let hosts = spec
            .seq_at("hosts")
            .iter()
            .chain(servers.flat_map(|s| s.seq_at("hosts")))
            .chain(spec.seq_at("hostnames"))
            .chain(spec.seq_at("rules").iter().filter_map(|r| r.get("host")));
        for host in hosts.filter_map(Node::as_str) {
            let host = host.rsplit_once('/').map_or(host, |(_, h)| h);
            out.push(host.to_string());
        }
    }
    out
}

/// `*.b.c`, `*.c` and `*` for `a.b.c`: the wildcard hosts that accept it.
fn wildcards(host: &str) -> Vec<String> {
    if !host.contains('.') || host.contains('/') {
        return Vec::new();
    }
    let mut out: Vec<String> = host
        .match_indices('.')
        .map(|(i, _)| format!("*{}", &host[i..]))
        .collect();
    out.push("*".to_string());
    out
}

/// The strings of `node` that may name something (lower-case names, hosts, `ns/name`),
/// and the host of each URL or `host:port` among them.
fn scalars(node: &Node, out: &mut Vec<String>) {
    match &node.value {
        Value::Scalar(_) | Value::Styled(_) => {
            let text = node.scalar().map_or("", |(text, _)| text);
            // `--flag=host:port`, `a b`: each part may name something.
            for part in text.split(|c: char| c == '=' || c.is_whitespace()) {
                if is_name_like(part) {
                    out.push(part.to_string());
                }
                let Some(host) = host_of(part).filter(|h| *h != part && is_name_like(h)) else {
                    continue;
                };
                out.push(host.to_string());
                // `svc.ns`, `svc.ns.svc`: the namespace a host names.
                out.extend(host.split('.').skip(1).map(str::to_string));
            }
        }
        Value::Seq(items) => items.iter().for_each(|i| scalars(i, out)),
        Value::Map(entries) => entries.iter().for_each(|e| scalars(&e.value, out)),
    }
}

/// The host of `scheme://host:port/path` or `host:port`.
fn host_of(text: &str) -> Option<&str> {
    let rest = text.split_once("://").map_or(text, |(_, r)| r);
    let host = rest.split(['/', ':', '?']).next()?;
    (!host.is_empty()).then_some(host)
}

fn is_name_like(text: &str) -> bool {
    (2..=253).contains(&text.len())
        && !text.bytes().all(|b| b.is_ascii_digit())
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-._/*".contains(&b))
}

/// One labels or selector mapping's string pairs.
struct LabelPairs {
    pairs: Vec<(String, String)>,
    /// A selector of pods or workloads (`selector`, `matchLabels`, a `workloadSelector`'s
    /// `labels`), as opposed to labels an object carries or a DestinationRule subset's
    /// labels, which are judged against the pods of its host's Service, found through
    /// that Service's selector.
    selects: bool,
}

/// Every labels or selector mapping in `node`.
fn label_maps(node: &Node) -> Vec<LabelPairs> {
    let mut out = Vec::new();
    collect_label_maps(node, None, &mut out);
    out
}

/// The label maps under `node`, the value of the mapping key `parent`.
fn collect_label_maps(node: &Node, parent: Option<&str>, out: &mut Vec<LabelPairs>) {
    match &node.value {
        Value::Scalar(_) | Value::Styled(_) => {}
        Value::Seq(items) => items.iter().for_each(|i| collect_label_maps(i, None, out)),
        Value::Map(entries) => {
            for entry in entries {
                let key = entry.key.as_str();
                if key.is_some_and(|k| LABEL_MAPS.contains(&k)) {
                    let pairs: Vec<(String, String)> = entry
                        .value
                        .string_pairs()
                        .filter(|(_, v, _)| !v.is_empty())
                        .map(|(k, v, _)| (k.to_string(), v.to_string()))
                        .collect();
                    if !pairs.is_empty() {
                        let selects = key != Some("labels") || parent == Some("workloadSelector");
                        out.push(LabelPairs { pairs, selects });
                    }
                }
                collect_label_maps(&entry.value, key, out);
            }
        }
    }
}

/// What every check reads whatever it judges: admission policies and bindings,
/// GatewayClasses (KR506 says less when there is none), Knative's config in
/// `knative-serving`, and anything that makes a mesh.
fn global(object: &Object) -> Option<&'static str> {
    let mesh = object.group.ends_with("istio.io")
        || object.labels.get("istio-injection") == Some("enabled")
        || object.labels.contains_key("istio.io/rev");
    let admission = object.group == "admissionregistration.k8s.io"
        && matches!(
            object.kind.as_str(),
            "ValidatingAdmissionPolicy" | "ValidatingAdmissionPolicyBinding"
        );
    if admission {
        Some("policy")
    } else if object.kind == "GatewayClass"
        || (object.namespace == "knative-serving" && object.kind == "ConfigMap")
    {
        Some("class")
    } else if mesh {
        Some("mesh")
    } else {
        None
    }
}
