//! Knative Serving and Eventing objects, with the Knative webhook's defaults applied so that
//! checks see what the cluster sees (`shared/reference/knative.md` §a.0, §a.8).

mod duration;
mod revision;

use std::collections::BTreeMap;

pub use duration::{go_duration, HOUR, SECOND};
pub use revision::{
    Annotation, Annotations, EnvFieldRef, PodSecurityContext, RevisionContainer, RevisionPort,
    RevisionSpec, AUTOSCALING, AUTOSCALING_KEYS,
};

use super::istio::Spanned;
use crate::manifest::{group_of, Labels, Object, ObjectId};
use crate::yaml::{Node, Span};

/// Group of Knative Serving.
pub const SERVING: &str = "serving.knative.dev";

/// Namespace of Knative Serving's configuration ConfigMaps.
pub const SERVING_NAMESPACE: &str = "knative-serving";

/// The values of most `config-features` flags, as Knative compares them (ignoring case).
pub const FLAG_VALUES: [&str; 3] = ["enabled", "allowed", "disabled"];

/// Label that makes a Knative Service or Route cluster-local.
pub const VISIBILITY_LABEL: &str = "networking.knative.dev/visibility";

/// The span of the key of label `key` on `object`, or of its name when the label is not
/// written: where findings about a label point.
pub fn label_span(object: &Object, key: &str) -> Span {
    object
        .root
        .at(&["metadata", "labels"])
        .and_then(|labels| labels.string_pairs().find(|(k, _, _)| *k == key))
        .map_or(object.name_span(), |(_, _, span)| span)
}

/// The Knative config ConfigMaps found in the input (`config-domain`, `config-network`,
/// `config-autoscaler`, `config-features`, `config-defaults`, `config-istio`), by name, with
/// their string data. Absent maps mean Knative's shipped defaults.
#[derive(Clone, Debug, Default)]
pub struct KnativeConfig {
    maps: BTreeMap<String, (ObjectId, BTreeMap<String, String>)>,
    /// `config-domain` entries: domain → the label selector it applies to (empty: default).
    domains: Option<Vec<(String, BTreeMap<String, String>)>>,
}

impl KnativeConfig {
    pub(super) fn add(&mut self, object: &Object) {
        let data = object
            .root
            .get("data")
            .map(Node::string_map)
            .unwrap_or_default();
        if object.name == "config-domain" {
            self.domains = Some(
                data.iter()
                    .filter(|(k, _)| !k.starts_with('_'))
                    .map(|(domain, value)| {
                        let parsed =
                            crate::yaml::parse_stream(value, &crate::yaml::Limits::default());
                        let selector = parsed
                            .documents
                            .first()
                            .and_then(|d| d.root.get("selector"))
                            .map(Node::string_map)
                            .unwrap_or_default();
                        (domain.clone(), selector)
                    })
                    .collect(),
            );
        }
        self.maps.insert(object.name.to_string(), (object.id, data));
    }

    /// `data[key]` of ConfigMap `map` (e.g. `config-network`, `domain-template`).
    pub fn get(&self, map: &str, key: &str) -> Option<&str> {
        self.maps.get(map)?.1.get(key).map(String::as_str)
    }

    /// Every `data` entry of ConfigMap `map`.
    pub fn entries(&self, map: &str) -> impl Iterator<Item = (&str, &str)> {
        self.maps
            .get(map)
            .into_iter()
            .flat_map(|(_, data)| data.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    }

    /// The ConfigMap object, for related locations.
    pub fn object(&self, map: &str) -> Option<ObjectId> {
        self.maps.get(map).map(|(id, _)| *id)
    }

    /// The domain Knative gives a Route with `labels`, from `config-domain`: the most
    /// specific entry whose `selector` the labels match (ties: the smallest key), else the
    /// entry without selector. Knative ships no such default since 1.8, and without one a
    /// Route is only reachable inside the cluster.
    pub fn domain_for(&self, labels: &Labels) -> Domain {
        let Some(domains) = &self.domains else {
            return Domain::Unknown;
        };
        let mut best: Option<(usize, &str)> = None;
        let mut default = None;
        for (domain, selector) in domains {
            if selector.is_empty() {
                default.get_or_insert(domain.as_str());
            } else if selector
                .iter()
                .all(|(k, v)| labels.get(k) == Some(v.as_str()))
            {
                let better = best.is_none_or(|(n, d)| {
                    selector.len() > n || selector.len() == n && domain.as_str() < d
                });
                if better {
                    best = Some((selector.len(), domain.as_str()));
                }
            }
        }
        match best.map(|(_, d)| d).or(default) {
            Some(domain) => Domain::Known(domain.to_string()),
            None => Domain::ClusterLocal,
        }
    }

    /// `config-network` `domain-template`, default `{{.Name}}.{{.Namespace}}.{{.Domain}}`.
    pub fn domain_template(&self) -> &str {
        self.get("config-network", "domain-template")
            .unwrap_or("{{.Name}}.{{.Namespace}}.{{.Domain}}")
    }

    /// `config-network` `tag-template`, default `{{.Tag}}-{{.Name}}`.
    pub fn tag_template(&self) -> &str {
        self.get("config-network", "tag-template")
            .unwrap_or("{{.Tag}}-{{.Name}}")
    }

    /// Whether a `config-features` flag that defaults to `disabled` is `enabled` or
    /// `allowed`.
    pub fn feature_on(&self, flag: &str) -> bool {
        self.feature(flag, &FLAG_VALUES, "disabled") != "disabled"
    }

    /// The value of `config-features` flag `flag` as Knative parses it: the one of `values`
    /// it equals ignoring case, else (absent or unrecognised) `default`.
    pub fn feature<'v>(&self, flag: &str, values: &[&'v str], default: &'v str) -> &'v str {
        self.get("config-features", flag)
            .and_then(|v| values.iter().find(|known| v.eq_ignore_ascii_case(known)))
            .copied()
            .unwrap_or(default)
    }
}

/// The external domain of a Knative Route.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Domain {
    Known(String),
    /// `config-domain` is in the input but gives this Route no domain: `svc.cluster.local`,
    /// so the Route is not exposed.
    ClusterLocal,
    /// `config-domain` is not in the input.
    Unknown,
}

/// Knative gateways as `("ns/name", Service FQDN)`.
pub type GatewayList = Vec<(String, String)>;

/// The Service of net-istio's default cluster-local gateway.
pub const DEFAULT_LOCAL_GATEWAY_SERVICE: &str =
    "knative-local-gateway.istio-system.svc.cluster.local";

const DEFAULT_LOCAL_GATEWAY: (&str, &str) = (
    "knative-serving/knative-local-gateway",
    DEFAULT_LOCAL_GATEWAY_SERVICE,
);
const DEFAULT_INGRESS_GATEWAY: (&str, &str) = (
    "knative-serving/knative-ingress-gateway",
    "istio-ingressgateway.istio-system.svc.cluster.local",
);

impl KnativeConfig {
    /// The gateways of `config-istio`: (local, external) lists, in the current format (YAML
    /// lists of `{name, namespace, service}` under `local-gateways` / `external-gateways`) and
    /// the old one (`gateway.<ns>.<name>: <service>`, namespace optional); net-istio's
    /// defaults when the ConfigMap lists none.
    pub fn gateways(&self) -> (GatewayList, GatewayList) {
        let mut local = Vec::new();
        let mut external = Vec::new();
        for (key, list, old_prefix, default) in [
            (
                "local-gateways",
                &mut local,
                "local-gateway.",
                DEFAULT_LOCAL_GATEWAY,
            ),
            (
                "external-gateways",
                &mut external,
                "gateway.",
                DEFAULT_INGRESS_GATEWAY,
            ),
        ] {
            if let Some(text) = self.get("config-istio", key) {
                list.extend(parse_gateway_list(text));
            }
            for (k, v) in self.entries("config-istio") {
                if let Some(rest) = k.strip_prefix(old_prefix) {
                    let gateway = match rest.split_once('.') {
                        Some((ns, name)) => format!("{ns}/{name}"),
                        None => format!("{SERVING_NAMESPACE}/{rest}"),
                    };
                    list.push((gateway, v.trim().to_string()));
                }
            }
            if list.is_empty() {
                list.push((default.0.to_string(), default.1.to_string()));
            }
        }
        (local, external)
    }
}

/// Reads a `config-istio` gateway list: a YAML sequence of `{name, namespace, service}`.
fn parse_gateway_list(text: &str) -> GatewayList {
    let parsed = crate::yaml::parse_stream(text, &crate::yaml::Limits::default());
    parsed
        .documents
        .first()
        .and_then(|d| d.root.as_seq())
        .unwrap_or(&[])
        .iter()
        .filter_map(|entry| {
            let service = entry.str_at("service")?;
            let namespace = entry.str_at("namespace").unwrap_or(SERVING_NAMESPACE);
            let name = entry.str_at("name").unwrap_or("");
            Some((format!("{namespace}/{name}"), service.to_string()))
        })
        .collect()
}

/// One `spec.traffic` entry, after Knative's defaults.
#[derive(Clone, Debug)]
pub struct TrafficTarget {
    pub tag: Option<Spanned>,
    pub revision_name: Option<Spanned>,
    pub configuration_name: Option<Spanned>,
    /// Defaults to `revisionName` being absent.
    pub latest_revision: bool,
    /// `latestRevision` when written as a boolean, with its span.
    pub written_latest_revision: Option<(bool, Span)>,
    /// Defaults to 0.
    pub percent: i64,
    /// `percent` as written, before the default.
    pub written_percent: Percent,
    pub percent_span: Option<Span>,
    /// `url`, when written and not empty: a status field the webhook refuses in `spec`.
    pub url: Option<Spanned>,
    pub span: Span,
}

/// A traffic target's `percent` as written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Percent {
    /// Absent or `null`: Knative counts it as 0.
    Unset,
    Set(i64),
    /// Not an integer: a schema error.
    Invalid,
}

impl Percent {
    fn read(node: Option<&Node>) -> Percent {
        match node.filter(|p| !p.is_null()) {
            None => Percent::Unset,
            Some(p) => p.as_i64().map_or(Percent::Invalid, Percent::Set),
        }
    }
}

impl TrafficTarget {
    fn read(t: &Node) -> TrafficTarget {
        let revision_name = t.get("revisionName").and_then(Spanned::of);
        let latest = t.get("latestRevision");
        let percent = t.get("percent");
        TrafficTarget {
            tag: t.get("tag").and_then(Spanned::of),
            configuration_name: t.get("configurationName").and_then(Spanned::of),
            latest_revision: latest
                .and_then(Node::as_bool)
                .unwrap_or(revision_name.is_none()),
            written_latest_revision: latest.and_then(|n| Some((n.as_bool()?, n.span))),
            revision_name,
            percent: percent.and_then(Node::as_i64).unwrap_or(0),
            written_percent: Percent::read(percent),
            percent_span: percent.map(|n| n.span),
            url: t
                .get("url")
                .and_then(Spanned::of)
                .filter(|u| !u.value.is_empty()),
            span: t.span,
        }
    }

    /// Knative's default target: 100% to the latest revision.
    fn default_for(object: &Object) -> TrafficTarget {
        TrafficTarget {
            tag: None,
            revision_name: None,
            configuration_name: None,
            latest_revision: true,
            written_latest_revision: None,
            percent: 100,
            written_percent: Percent::Set(100),
            percent_span: None,
            url: None,
            span: object.span(),
        }
    }
}

/// A `serving.knative.dev` Service, Configuration or Route.
#[derive(Clone, Debug)]
pub struct Serving {
    pub object: ObjectId,
    pub kind: String,
    pub namespace: String,
    pub name: String,
    /// `spec.traffic` after defaults: a Service with none gets 100% to the latest revision.
    pub traffic: Vec<TrafficTarget>,
    /// True when `traffic` is Knative's default rather than written.
    pub traffic_defaulted: bool,
    /// Span of `spec.traffic` (of the object when defaulted).
    pub traffic_span: Span,
    /// Where traffic targets belong, for a Route that has none: `spec.traffic` when
    /// written, else `spec`, else `metadata.name`.
    pub no_traffic_span: Span,
    /// `spec.template.metadata.name` (bring-your-own revision name), unless empty: an
    /// empty name is no name.
    pub revision_name: Option<Spanned>,
    /// `spec.template.metadata.generateName`, unless empty.
    pub revision_generate_name: Option<Spanned>,
    /// Labelled `networking.knative.dev/visibility: cluster-local`.
    pub cluster_local: bool,
}

impl Serving {
    /// The view of a Knative Service, Configuration or Route; `None` for other objects.
    pub fn from_object(object: &Object) -> Option<Serving> {
        if object.group != SERVING
            || !matches!(object.kind.as_str(), "Service" | "Configuration" | "Route")
        {
            return None;
        }
        let spec = object.spec();
        let written = spec.and_then(|s| s.get("traffic"));
        let mut traffic: Vec<TrafficTarget> = written
            .and_then(Node::as_seq)
            .unwrap_or(&[])
            .iter()
            .map(TrafficTarget::read)
            .collect();
        let traffic_defaulted = object.kind == "Service" && traffic.is_empty();
        let template_meta = |key: &str| {
            spec.and_then(|s| s.at(&["template", "metadata", key]))
                .and_then(Spanned::of)
                .filter(|v| !v.value.is_empty())
        };
        if traffic_defaulted {
            traffic.push(TrafficTarget::default_for(object));
        }
        Some(Serving {
            object: object.id,
            kind: object.kind.to_string(),
            namespace: object.namespace.to_string(),
            name: object.name.to_string(),
            traffic,
            traffic_defaulted,
            traffic_span: written.map_or(object.span(), |n| n.span),
            no_traffic_span: written
                .or(spec)
                .map_or_else(|| object.name_span(), |n| n.span),
            revision_name: template_meta("name"),
            revision_generate_name: template_meta("generateName"),
            cluster_local: object.labels.get(VISIBILITY_LABEL) == Some("cluster-local"),
        })
    }

    /// The tags of the traffic targets.
    pub fn tags(&self) -> impl Iterator<Item = &Spanned> {
        self.traffic.iter().filter_map(|t| t.tag.as_ref())
    }

    /// The traffic targets as written: none when Knative defaulted them.
    pub fn written_traffic(&self) -> &[TrafficTarget] {
        if self.traffic_defaulted {
            &[]
        } else {
            &self.traffic
        }
    }
}

/// A Knative `KReference` / Destination `ref`, with the referrer's namespace defaulted.
#[derive(Clone, Debug)]
pub struct KRef {
    pub api_version: String,
    pub group: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub span: Span,
    pub name_span: Span,
    /// Span of `kind`, when written.
    pub kind_span: Option<Span>,
    /// Span of `namespace`, when written.
    pub namespace_span: Option<Span>,
}

impl KRef {
    /// Reads a reference; `None` without `name`.
    pub fn read(node: &Node, default_namespace: &str) -> Option<KRef> {
        let name = node.get("name")?;
        let api_version = node.str_at("apiVersion").unwrap_or("").to_string();
        Some(KRef {
            kind_span: node.get("kind").map(|n| n.span),
            namespace_span: node.get("namespace").map(|n| n.span),
            group: node
                .str_at("group")
                .map_or_else(|| group_of(&api_version).to_string(), str::to_string),
            api_version,
            kind: node.str_at("kind").unwrap_or("").to_string(),
            namespace: node
                .str_at("namespace")
                .unwrap_or(default_namespace)
                .to_string(),
            name: name.as_str()?.to_string(),
            span: node.span,
            name_span: name.span,
        })
    }
}

/// A Knative Destination (`ref` and/or `uri`).
#[derive(Clone, Debug)]
pub struct Destination {
    pub reference: Option<KRef>,
    pub uri: Option<Spanned>,
    pub span: Span,
}

impl Destination {
    fn read(node: &Node, namespace: &str) -> Destination {
        Destination {
            reference: node.get("ref").and_then(|r| KRef::read(r, namespace)),
            uri: node.get("uri").and_then(Spanned::of),
            span: node.span,
        }
    }
}

/// Which field of an eventing object a destination sits in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DestinationRole {
    /// Trigger / Subscription / Sequence step / Parallel branch `subscriber`.
    Subscriber,
    /// Source or SinkBinding `sink`.
    Sink,
    /// Subscription / Sequence / Parallel `reply`.
    Reply,
    /// `delivery.deadLetterSink`.
    DeadLetterSink,
    /// Subscription `channel`.
    Channel,
    /// SinkBinding `subject` (only `name` subjects).
    Subject,
}

impl DestinationRole {
    /// The field name, for messages.
    pub fn field(self) -> &'static str {
        match self {
            DestinationRole::Subscriber => "subscriber",
            DestinationRole::Sink => "sink",
            DestinationRole::Reply => "reply",
            DestinationRole::DeadLetterSink => "deadLetterSink",
            DestinationRole::Channel => "channel",
            DestinationRole::Subject => "subject",
        }
    }
}

/// A destination of an eventing object (Trigger, Source, SinkBinding, Subscription, Broker,
/// Sequence, Parallel).
#[derive(Clone, Debug)]
pub struct EventDestination {
    pub object: ObjectId,
    pub role: DestinationRole,
    pub destination: Destination,
}

/// A Trigger's `spec.broker`.
#[derive(Clone, Debug)]
pub struct TriggerBroker {
    pub object: ObjectId,
    pub namespace: String,
    pub broker: Spanned,
}

/// Label Knative puts on the VirtualServices net-istio generates.
const KNATIVE_INGRESS_LABEL: &str = "networking.internal.knative.dev/ingress";

/// Whether a VirtualService was written by Knative itself.
pub fn knative_generated(object: &Object) -> bool {
    object.labels.contains_key(KNATIVE_INGRESS_LABEL)
        || object.labels.contains_key("serving.knative.dev/route")
}

/// Whether `object` is an eventing Trigger.
pub fn is_trigger(object: &Object) -> bool {
    object.group == "eventing.knative.dev" && object.kind == "Trigger"
}

/// Whether an object of this group/kind has a `spec.sink` Destination (every source does).
fn has_sink(group: &str, kind: &str) -> bool {
    group == "sources.knative.dev" || kind.ends_with("Source") || kind == "SinkBinding"
}

/// The destinations an eventing object points at, with defaults applied.
pub fn event_destinations(object: &Object) -> Vec<EventDestination> {
    let Some(spec) = object.spec() else {
        return Vec::new();
    };
    let ns = &object.namespace;
    let at = |role: DestinationRole, node: Option<&Node>| {
        node.filter(|n| n.as_map().is_some())
            .map(|node| EventDestination {
                object: object.id,
                role,
                destination: Destination::read(node, ns),
            })
    };
    // Channel and subject are plain references, not Destinations.
    let reference = |role: DestinationRole, node: Option<&Node>| {
        node.map(|node| EventDestination {
            object: object.id,
            role,
            destination: Destination {
                reference: KRef::read(node, ns),
                uri: None,
                span: node.span,
            },
        })
    };
    let mut out = Vec::new();
    let group = object.group.as_str();
    let kind = object.kind.as_str();
    match (group, kind) {
        ("eventing.knative.dev", "Trigger") => {
            out.extend(at(DestinationRole::Subscriber, spec.get("subscriber")));
        }
        ("messaging.knative.dev", "Subscription") => {
            out.extend(reference(DestinationRole::Channel, spec.get("channel")));
            out.extend(at(DestinationRole::Subscriber, spec.get("subscriber")));
            out.extend(at(DestinationRole::Reply, spec.get("reply")));
        }
        ("flows.knative.dev", "Sequence") => {
            for step in spec.seq_at("steps") {
                out.extend(at(DestinationRole::Subscriber, Some(step)));
            }
            out.extend(at(DestinationRole::Reply, spec.get("reply")));
        }
        ("flows.knative.dev", "Parallel") => {
            for branch in spec.seq_at("branches") {
                out.extend(at(DestinationRole::Subscriber, branch.get("subscriber")));
                out.extend(at(DestinationRole::Subscriber, branch.get("filter")));
                out.extend(at(DestinationRole::Reply, branch.get("reply")));
            }
            out.extend(at(DestinationRole::Reply, spec.get("reply")));
        }
        _ if has_sink(group, kind) => {
            out.extend(at(DestinationRole::Sink, spec.get("sink")));
            if kind == "SinkBinding" {
                let subject = spec.get("subject").filter(|s| s.get("name").is_some());
                out.extend(reference(DestinationRole::Subject, subject));
            }
        }
        _ => {}
    }
    out.extend(at(
        DestinationRole::DeadLetterSink,
        spec.at(&["delivery", "deadLetterSink"]),
    ));
    out
}

impl TriggerBroker {
    /// The `broker` of a Trigger; `None` when it names none.
    pub fn from_object(object: &Object) -> Option<TriggerBroker> {
        Some(TriggerBroker {
            object: object.id,
            namespace: object.namespace.to_string(),
            broker: Spanned::of(object.spec()?.get("broker")?)?,
        })
    }
}

/// A DomainMapping (`serving.knative.dev/v1beta1`): `metadata.name` is the domain.
#[derive(Clone, Debug)]
pub struct DomainMapping {
    pub object: ObjectId,
    pub namespace: String,
    pub domain: String,
    pub reference: Option<KRef>,
}

impl DomainMapping {
    /// The view of a DomainMapping.
    pub fn from_object(object: &Object) -> DomainMapping {
        DomainMapping {
            object: object.id,
            namespace: object.namespace.to_string(),
            domain: object.name.to_string(),
            reference: object
                .spec()
                .and_then(|s| s.get("ref"))
                .and_then(|r| KRef::read(r, &object.namespace)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::{read_text, LoadOptions};
    use crate::source::FileId;

    fn config(yaml: &str) -> KnativeConfig {
        let mut config = KnativeConfig::default();
        for object in read_text(FileId(0), yaml, &LoadOptions::default()).objects {
            config.add(&object);
        }
        config
    }

    #[test]
    fn domains_follow_config_domain_selectors() {
        let labels = |pairs: &[(&str, &str)]| -> Labels { pairs.iter().copied().collect() };
        assert_eq!(
            KnativeConfig::default().domain_for(&labels(&[])),
            Domain::Unknown
        );
        let c = config(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: config-domain, namespace: knative-serving}\ndata:\n  example.com: \"\"\n  internal.example.com: |\n    selector:\n      app: nonprofit\n  a.example.org: |\n    selector:\n      app: nonprofit\n      tier: web\n",
        );
        assert_eq!(
            c.domain_for(&labels(&[])),
            Domain::Known("example.com".into())
        );
        assert_eq!(
            c.domain_for(&labels(&[("app", "nonprofit")])),
            Domain::Known("internal.example.com".into())
        );
        assert_eq!(
            c.domain_for(&labels(&[("app", "nonprofit"), ("tier", "web")])),
            Domain::Known("a.example.org".into())
        );
        let no_default = config(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: config-domain, namespace: knative-serving}\ndata:\n  x.example.com: |\n    selector: {app: x}\n",
        );
        assert_eq!(no_default.domain_for(&labels(&[])), Domain::ClusterLocal);
    }

    #[test]
    fn gateways_from_config_istio_in_both_formats_or_defaults() {
        let (local, external) = KnativeConfig::default().gateways();
        assert_eq!(local[0].0, "knative-serving/knative-local-gateway");
        assert_eq!(external[0].0, "knative-serving/knative-ingress-gateway");

        let current = config(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: config-istio, namespace: knative-serving}\ndata:\n  external-gateways: |\n    - name: public\n      namespace: edge\n      service: public-gw.edge.svc.cluster.local\n",
        );
        let (local, external) = current.gateways();
        assert_eq!(
            external,
            [(
                "edge/public".to_string(),
                "public-gw.edge.svc.cluster.local".to_string()
            )]
        );
        assert_eq!(local[0].0, "knative-serving/knative-local-gateway");

        let old = config(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: config-istio, namespace: knative-serving}\ndata:\n  local-gateway.mesh-gw: local.istio-system.svc.cluster.local\n",
        );
        assert_eq!(old.gateways().0[0].0, "knative-serving/mesh-gw");
    }
}
