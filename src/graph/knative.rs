//! Knative edges and names: eventing destinations, Trigger brokers, DomainMapping refs, and
//! the host names a Knative Service or Route makes reachable (`reference/knative.md` §b).

use super::host::CLUSTER_DOMAIN;
use super::{Broken, Edge, EdgeKind, RoutingGraph, Vertex};
use crate::inventory::knative::{is_trigger, DestinationRole, Domain, KRef, SERVING};
use crate::inventory::{Inventory, Serving};
use crate::manifest::ObjectId;

/// A host name Knative serves for a Service or Route.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KnativeHost {
    /// The Knative Service or Route.
    pub object: ObjectId,
    /// The traffic tag this host is for, if any.
    pub tag: Option<String>,
    /// The host: the full name when known; for external hosts whose domain is not in the
    /// input (no `config-domain` default), the name up to and including the dot before the
    /// domain (`hello.default.`).
    pub host: String,
    pub external: bool,
    /// True when `host` is a prefix waiting for an unknown domain.
    pub domain_unknown: bool,
}

impl KnativeHost {
    /// Whether a request for `host` reaches this Knative host.
    pub fn serves(&self, host: &str) -> bool {
        if self.domain_unknown {
            host.starts_with(&self.host) && host.len() > self.host.len()
        } else {
            self.host == host
        }
    }
}

/// Expands a Knative Go template (`{{.Name}}`, `{{.Namespace}}`, `{{.Domain}}`, `{{.Tag}}`);
/// other actions are left as written.
pub fn expand_template(
    template: &str,
    name: &str,
    namespace: &str,
    domain: &str,
    tag: &str,
) -> String {
    let mut out = template.to_string();
    for (key, value) in [
        ("Name", name),
        ("Namespace", namespace),
        ("Domain", domain),
        ("Tag", tag),
    ] {
        for spelling in [format!("{{{{.{key}}}}}"), format!("{{{{ .{key} }}}}")] {
            out = out.replace(&spelling, value);
        }
    }
    out
}

/// The hosts Knative creates for `serving` (a Service or Route).
pub fn hosts_of(inv: &Inventory, serving: &Serving) -> Vec<KnativeHost> {
    let config = &inv.knative_config;
    let mut names: Vec<(Option<String>, String)> = vec![(None, serving.name.clone())];
    names.extend(serving.tags().map(|tag| {
        let name = expand_template(
            config.tag_template(),
            &serving.name,
            &serving.namespace,
            "",
            &tag.value,
        );
        (Some(tag.value.clone()), name)
    }));
    let mut hosts = Vec::new();
    for (tag, name) in names {
        hosts.push(KnativeHost {
            object: serving.object,
            tag: tag.clone(),
            host: format!("{name}.{}.svc.{CLUSTER_DOMAIN}", serving.namespace),
            external: false,
            domain_unknown: false,
        });
        if serving.cluster_local {
            continue;
        }
        let labels = &inv.object(serving.object).labels;
        let domain = match config.domain_for(labels) {
            Domain::Known(domain) => Some(domain),
            Domain::ClusterLocal => continue,
            Domain::Unknown => None,
        };
        let rendered = expand_template(
            config.domain_template(),
            &name,
            &serving.namespace,
            domain.as_deref().unwrap_or("\u{0}"),
            "",
        );
        let (host, domain_unknown) = match domain {
            Some(_) => (rendered, false),
            None => match rendered.split_once('\u{0}') {
                Some((prefix, _)) => (prefix.to_string(), true),
                None => (rendered, false),
            },
        };
        hosts.push(KnativeHost {
            object: serving.object,
            tag,
            host,
            external: true,
            domain_unknown,
        });
    }
    hosts
}

/// The object a Knative reference names, if the input has it. A core `v1` `Service` ref is
/// also satisfied by a Knative Service of that name (its Route Service has the same name).
pub fn resolve_ref(inv: &Inventory, r: &KRef) -> Option<Vertex> {
    if r.group.is_empty() && r.kind == "Service" {
        if let Some(id) = inv.service_named(&r.namespace, &r.name) {
            return Some(Vertex::Service(id));
        }
        return inv
            .find("Service", &r.namespace, &r.name)
            .find(|o| o.group == SERVING)
            .map(|o| Vertex::Object(o.id));
    }
    inv.find(&r.kind, &r.namespace, &r.name)
        .find(|o| r.group.is_empty() || o.group == r.group)
        .map(|o| Vertex::Object(o.id))
}

/// The Knative Service or Route named `name` in `namespace`: Knative creates a Kubernetes
/// Service of that name (port 80) for it, so Ingress and Gateway API backends may name it.
pub fn route_service(inv: &Inventory, namespace: &str, name: &str) -> Option<ObjectId> {
    inv.find("Service", namespace, name)
        .chain(inv.find("Route", namespace, name))
        .find(|o| o.group == SERVING)
        .map(|o| o.id)
}

fn ref_edge(inv: &Inventory, from: ObjectId, kind: EdgeKind, r: &KRef, via: &str) -> Edge {
    let object = inv.object(from);
    Edge {
        from: Vertex::Object(from),
        kind,
        to: resolve_ref(inv, r).ok_or_else(|| {
            Box::new(Broken::NoObject {
                kind: r.kind.clone(),
                namespace: r.namespace.clone(),
                name: r.name.clone(),
            })
        }),
        file: object.file,
        span: r.name_span,
        via: via.to_string(),
    }
}

pub(super) fn build(inv: &Inventory, graph: &mut RoutingGraph) {
    for serving in &inv.serving {
        if serving.kind != "Configuration" {
            graph.knative_hosts.extend(hosts_of(inv, serving));
        }
    }
    for dest in &inv.event_destinations {
        if let Some(r) = &dest.destination.reference {
            let kind = if dest.role == DestinationRole::Subscriber
                && is_trigger(inv.object(dest.object))
            {
                EdgeKind::TriggerSubscriber
            } else {
                EdgeKind::EventDestination
            };
            graph
                .edges
                .push(ref_edge(inv, dest.object, kind, r, dest.role.field()));
        }
    }
    for trigger in &inv.trigger_brokers {
        let object = inv.object(trigger.object);
        let to = inv
            .find("Broker", &trigger.namespace, &trigger.broker.value)
            .find(|o| o.group == "eventing.knative.dev")
            .map(|o| Vertex::Object(o.id))
            .ok_or_else(|| Broken::NoObject {
                kind: "Broker".to_string(),
                namespace: trigger.namespace.clone(),
                name: trigger.broker.value.clone(),
            });
        graph.edges.push(Edge {
            from: Vertex::Object(trigger.object),
            kind: EdgeKind::TriggerBroker,
            to: to.map_err(Box::new),
            file: object.file,
            span: trigger.broker.span,
            via: "broker".to_string(),
        });
    }
    for mapping in &inv.domain_mappings {
        if let Some(r) = &mapping.reference {
            let edge = ref_edge(inv, mapping.object, EdgeKind::DomainMappingRef, r, "ref");
            graph.edges.push(edge);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_expand_both_spellings() {
        assert_eq!(
            expand_template(
                "{{.Name}}.{{ .Namespace }}.{{.Domain}}",
                "hello",
                "default",
                "example.com",
                ""
            ),
            "hello.default.example.com"
        );
        assert_eq!(
            expand_template("{{.Tag}}-{{.Name}}", "hello", "ns", "", "blue"),
            "blue-hello"
        );
    }
}
