//! The revision template Knative validates: the pod spec (`spec.template.spec` of a Knative
//! Service or Configuration, `spec` of a Revision) and the annotations of revisions and of
//! their owners, with the spans rules point at.

use super::SERVING;
use crate::inventory::Spanned;
use crate::manifest::Object;
use crate::yaml::{Node, Span};

/// The pod spec of a revision, as the Knative webhook validates it.
#[derive(Clone, Copy, Debug)]
pub struct RevisionSpec<'a> {
    node: &'a Node,
}

/// A container (or init container) of a revision.
#[derive(Clone, Debug)]
pub struct RevisionContainer {
    /// `name`, when written and not empty; Knative names the others itself.
    pub name: Option<String>,
    /// Span of `name`, when `name` is.
    pub name_span: Option<Span>,
    pub ports: Vec<RevisionPort>,
    /// The `name` of each `env` entry.
    pub env: Vec<Spanned>,
    /// The `valueFrom.fieldRef` and `valueFrom.resourceFieldRef` of `env` entries.
    pub field_refs: Vec<EnvFieldRef>,
    /// The `mountPath` of each `volumeMounts` entry.
    pub mount_paths: Vec<Spanned>,
}

/// An env var read from the pod's own fields (`valueFrom.fieldRef` or
/// `valueFrom.resourceFieldRef`), which Knative puts behind `kubernetes.podspec-fieldref`.
#[derive(Clone, Debug)]
pub struct EnvFieldRef {
    /// The env var's `name` (empty when not written).
    pub env: String,
    /// `fieldRef` or `resourceFieldRef`.
    pub source: &'static str,
    /// Span of the source's key.
    pub span: Span,
}

/// The pod-level `securityContext` of a revision, when set (not null).
#[derive(Clone, Debug)]
pub struct PodSecurityContext<'a> {
    /// Span of the `securityContext` key.
    pub key_span: Span,
    /// The fields set (not null), with the spans of their keys, in written order.
    pub fields: Vec<(&'a str, Span)>,
    node: &'a Node,
}

/// The id fields of a pod `securityContext` Knative bounds to 0…2147483647.
const ID_FIELDS: [&str; 3] = ["runAsUser", "runAsGroup", "fsGroup"];

impl<'a> PodSecurityContext<'a> {
    fn read(entry: &'a crate::yaml::Entry) -> PodSecurityContext<'a> {
        let fields = entry
            .value
            .as_map()
            .unwrap_or(&[])
            .iter()
            .filter(|e| !e.value.is_null())
            .filter_map(|e| Some((e.key.as_str()?, e.key.span)))
            .collect();
        PodSecurityContext {
            key_span: entry.key.span,
            fields,
            node: &entry.value,
        }
    }

    /// Whether `seccompProfile` is nothing but a `type` of `RuntimeDefault` or `Unconfined`:
    /// the one pod-level setting `secure-pod-defaults` lets through.
    pub fn default_seccomp(&self) -> bool {
        let Some(profile) = self.node.get("seccompProfile").and_then(Node::as_map) else {
            return false;
        };
        let mut set = profile.iter().filter(|e| !e.value.is_null());
        matches!(
            (set.next(), set.next()),
            (Some(only), None) if only.key.as_str() == Some("type")
                && matches!(only.value.as_str(), Some("RuntimeDefault" | "Unconfined"))
        )
    }

    /// The user and group ids written as integers (`runAsUser`, `runAsGroup`, `fsGroup`,
    /// `supplementalGroups[i]`), each with its field path and span.
    pub fn ids(&self) -> Vec<(String, i64, Span)> {
        let mut ids: Vec<(String, i64, Span)> = ID_FIELDS
            .iter()
            .filter_map(|f| {
                let node = self.node.get(f)?;
                Some((f.to_string(), node.as_i64()?, node.span))
            })
            .collect();
        for (i, group) in self.node.seq_at("supplementalGroups").iter().enumerate() {
            if let Some(id) = group.as_i64() {
                ids.push((format!("supplementalGroups[{i}]"), id, group.span));
            }
        }
        ids
    }
}

/// A `ports` entry of a revision's container.
#[derive(Clone, Debug)]
pub struct RevisionPort {
    /// `containerPort`, when an integer, with its span.
    pub container_port: Option<(i64, Span)>,
    /// `name`, when written (empty when not a string).
    pub name: Option<Spanned>,
    /// `protocol`, when written (empty when not a string).
    pub protocol: Option<Spanned>,
    pub span: Span,
}

impl<'a> RevisionSpec<'a> {
    /// `spec.template.spec` of a Knative Service or Configuration, `spec` of a Revision.
    pub fn of(object: &'a Object) -> Option<RevisionSpec<'a>> {
        if object.group != SERVING {
            return None;
        }
        let node = match object.kind.as_str() {
            "Service" | "Configuration" => object.spec()?.at(&["template", "spec"])?,
            "Revision" => object.spec()?,
            _ => return None,
        };
        Some(RevisionSpec { node })
    }

    /// `containers`, in order.
    pub fn containers(self) -> Vec<RevisionContainer> {
        self.node
            .seq_at("containers")
            .iter()
            .map(RevisionContainer::read)
            .collect()
    }

    /// Span of `containers`, when written.
    pub fn containers_span(self) -> Option<Span> {
        self.node.get("containers").map(|n| n.span)
    }

    /// `initContainers`, in order.
    pub fn init_containers(self) -> Vec<RevisionContainer> {
        self.node
            .seq_at("initContainers")
            .iter()
            .map(RevisionContainer::read)
            .collect()
    }

    /// `containerConcurrency`, when an integer, with its span.
    pub fn container_concurrency(self) -> Option<(i64, Span)> {
        self.integer("containerConcurrency")
    }

    /// `timeoutSeconds`, when an integer, with its span.
    pub fn timeout_seconds(self) -> Option<(i64, Span)> {
        self.integer("timeoutSeconds")
    }

    /// The pod-level `securityContext`, when set (not null).
    pub fn pod_security_context(self) -> Option<PodSecurityContext<'a>> {
        self.node
            .entry("securityContext")
            .filter(|e| !e.value.is_null())
            .map(PodSecurityContext::read)
    }

    /// The span of the key of pod-spec field `field`, when it is set (not null).
    pub fn set_field(self, field: &str) -> Option<Span> {
        self.node
            .entry(field)
            .filter(|e| !e.value.is_null())
            .map(|e| e.key.span)
    }

    fn integer(self, key: &str) -> Option<(i64, Span)> {
        let node = self.node.get(key)?;
        Some((node.as_i64()?, node.span))
    }
}

impl RevisionContainer {
    fn read(node: &Node) -> RevisionContainer {
        let name = node
            .get("name")
            .filter(|n| n.as_str().is_some_and(|s| !s.is_empty()));
        RevisionContainer {
            name: name.and_then(Node::as_str).map(str::to_string),
            name_span: name.map(|n| n.span),
            ports: node
                .seq_at("ports")
                .iter()
                .map(RevisionPort::read)
                .collect(),
            env: node
                .seq_at("env")
                .iter()
                .filter_map(|e| Spanned::of(e.get("name")?))
                .collect(),
            field_refs: node
                .seq_at("env")
                .iter()
                .flat_map(EnvFieldRef::read)
                .collect(),
            mount_paths: node
                .seq_at("volumeMounts")
                .iter()
                .filter_map(|m| Spanned::of(m.get("mountPath")?))
                .collect(),
        }
    }
}

impl EnvFieldRef {
    /// The pod-field sources of one `env` entry.
    fn read(env: &Node) -> Vec<EnvFieldRef> {
        let name = env.str_at("name").unwrap_or("");
        let Some(from) = env.get("valueFrom") else {
            return Vec::new();
        };
        ["fieldRef", "resourceFieldRef"]
            .into_iter()
            .filter_map(|source| {
                let entry = from.entry(source).filter(|e| !e.value.is_null())?;
                Some(EnvFieldRef {
                    env: name.to_string(),
                    source,
                    span: entry.key.span,
                })
            })
            .collect()
    }
}

impl RevisionPort {
    fn read(node: &Node) -> RevisionPort {
        let text = |key: &str| {
            node.get(key).map(|n| Spanned {
                value: n.as_str().unwrap_or("").to_string(),
                span: n.span,
            })
        };
        RevisionPort {
            container_port: node
                .get("containerPort")
                .and_then(|n| Some((n.as_i64()?, n.span))),
            name: text("name"),
            protocol: text("protocol"),
            span: node.span,
        }
    }
}

/// Group of Knative's autoscaling annotations.
pub const AUTOSCALING: &str = "autoscaling.knative.dev";

/// The autoscaling annotations Knative reads (without the group), each with the camelCase
/// alias it still accepts.
pub const AUTOSCALING_KEYS: &[(&str, Option<&str>)] = &[
    ("class", None),
    ("metric", None),
    ("min-scale", Some("minScale")),
    ("max-scale", Some("maxScale")),
    ("initial-scale", Some("initialScale")),
    ("activation-scale", None),
    ("target", None),
    (
        "target-utilization-percentage",
        Some("targetUtilizationPercentage"),
    ),
    ("target-burst-capacity", Some("targetBurstCapacity")),
    ("window", None),
    ("panic-window-percentage", Some("panicWindowPercentage")),
    (
        "panic-threshold-percentage",
        Some("panicThresholdPercentage"),
    ),
    ("scale-down-delay", Some("scaleDownDelay")),
    (
        "scale-to-zero-pod-retention-period",
        Some("scaleToZeroPodRetentionPeriod"),
    ),
    (
        "metric-aggregation-algorithm",
        Some("metricAggregationAlgorithm"),
    ),
];

/// One annotation as written.
#[derive(Clone, Copy, Debug)]
pub struct Annotation<'a> {
    pub key: &'a str,
    /// The value; empty when it is not a string.
    pub value: &'a str,
    pub key_span: Span,
    /// Span of the value.
    pub span: Span,
}

/// The annotations of an object or a revision template, in written order.
#[derive(Clone, Debug, Default)]
pub struct Annotations<'a> {
    list: Vec<Annotation<'a>>,
}

impl<'a> Annotations<'a> {
    /// `metadata.annotations` of `object`.
    pub fn of_object(object: &'a Object) -> Annotations<'a> {
        Annotations::read(object.root.at(&["metadata", "annotations"]))
    }

    /// `spec.template.metadata.annotations` of `object` (a Knative Service or
    /// Configuration).
    pub fn of_template(object: &'a Object) -> Annotations<'a> {
        Annotations::read(
            object
                .spec()
                .and_then(|s| s.at(&["template", "metadata", "annotations"])),
        )
    }

    /// `spec.template.metadata.labels` of `object`, read the same way: the revision's labels.
    pub fn of_template_labels(object: &'a Object) -> Annotations<'a> {
        Annotations::read(
            object
                .spec()
                .and_then(|s| s.at(&["template", "metadata", "labels"])),
        )
    }

    fn read(node: Option<&'a Node>) -> Annotations<'a> {
        let list = node
            .and_then(Node::as_map)
            .unwrap_or(&[])
            .iter()
            .filter_map(|e| {
                Some(Annotation {
                    key: e.key.as_str()?,
                    value: e.value.as_str().unwrap_or(""),
                    key_span: e.key.span,
                    span: e.value.span,
                })
            })
            .collect();
        Annotations { list }
    }

    /// The annotations, in written order.
    pub fn iter(&self) -> impl Iterator<Item = &Annotation<'a>> {
        self.list.iter()
    }

    /// The first of `keys` that is set: Knative's priority among a key and its aliases.
    pub fn first(&self, keys: &[&str]) -> Option<&Annotation<'a>> {
        keys.iter()
            .find_map(|k| self.list.iter().find(|a| a.key == *k))
    }

    /// Autoscaling annotation `name` (`min-scale`, …) as Knative reads it: the kebab-case
    /// key, else its camelCase alias.
    pub fn autoscaling(&self, name: &str) -> Option<&Annotation<'a>> {
        let alias = AUTOSCALING_KEYS
            .iter()
            .find(|(k, _)| *k == name)
            .and_then(|(_, c)| *c);
        let main = format!("{AUTOSCALING}/{name}");
        match alias.map(|a| format!("{AUTOSCALING}/{a}")) {
            Some(alias) => self.first(&[main.as_str(), alias.as_str()]),
            None => self.first(&[main.as_str()]),
        }
    }

    /// Whether any `autoscaling.knative.dev/…` annotation is set.
    pub fn any_autoscaling(&self) -> bool {
        self.list.iter().any(|a| a.key.starts_with(AUTOSCALING))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::{read_text, LoadOptions};
    use crate::source::FileId;

    fn object(yaml: &str) -> Object {
        let mut objects = read_text(FileId(0), yaml, &LoadOptions::default()).objects;
        objects.remove(0)
    }

    #[test]
    fn revision_specs_of_services_configurations_and_revisions() {
        let service = object(
            "apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata: {name: s}\nspec:\n  template:\n    spec:\n      timeoutSeconds: 30\n      containerConcurrency: \"5\"\n      nodeSelector: null\n      affinity: {}\n      initContainers: [{name: init}]\n      containers:\n      - name: app\n        ports: [{containerPort: 8080, name: h2c}, {containerPort: \"90\", protocol: 5}]\n        env: [{name: PORT}, {value: x}]\n        volumeMounts: [{mountPath: /data}, {name: v}]\n      - image: sidecar\n",
        );
        let spec = RevisionSpec::of(&service).expect("a revision spec");
        let containers = spec.containers();
        assert_eq!(containers.len(), 2);
        assert_eq!(containers[0].name.as_deref(), Some("app"));
        assert_eq!(containers[1].name, None);
        let ports = &containers[0].ports;
        assert_eq!(ports[0].container_port.map(|(p, _)| p), Some(8080));
        assert_eq!(
            ports[0].name.as_ref().map(|n| n.value.as_str()),
            Some("h2c")
        );
        assert_eq!(ports[1].container_port, None);
        assert_eq!(
            ports[1].protocol.as_ref().map(|n| n.value.as_str()),
            Some("5")
        );
        assert_eq!(containers[0].env.len(), 1);
        assert_eq!(containers[0].mount_paths[0].value, "/data");
        assert_eq!(spec.init_containers().len(), 1);
        assert_eq!(spec.timeout_seconds().map(|(t, _)| t), Some(30));
        assert_eq!(spec.container_concurrency(), None);
        assert!(spec.set_field("affinity").is_some());
        assert!(spec.set_field("nodeSelector").is_none());

        let revision = object(
            "apiVersion: serving.knative.dev/v1\nkind: Revision\nmetadata: {name: r}\nspec:\n  containers: [{name: a}]\n",
        );
        let spec = RevisionSpec::of(&revision).expect("a revision spec");
        assert_eq!(spec.containers().len(), 1);
        let route = object(
            "apiVersion: serving.knative.dev/v1\nkind: Route\nmetadata: {name: r}\nspec: {}\n",
        );
        assert!(RevisionSpec::of(&route).is_none());
    }

    #[test]
    fn autoscaling_annotations_prefer_kebab_case() {
        let service = object(
            "apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata:\n  name: s\n  annotations: {autoscaling.knative.dev/window: 60s}\nspec:\n  template:\n    metadata:\n      annotations:\n        autoscaling.knative.dev/minScale: \"2\"\n        autoscaling.knative.dev/min-scale: \"1\"\n        autoscaling.knative.dev/maxScale: \"9\"\n        other: 5\n",
        );
        let template = Annotations::of_template(&service);
        assert_eq!(template.iter().count(), 4);
        assert_eq!(
            template.autoscaling("min-scale").map(|a| a.value),
            Some("1")
        );
        assert_eq!(
            template.autoscaling("max-scale").map(|a| a.value),
            Some("9")
        );
        assert!(template.autoscaling("window").is_none());
        assert!(template.any_autoscaling());
        let own = Annotations::of_object(&service);
        assert_eq!(own.autoscaling("window").map(|a| a.value), Some("60s"));
    }
}
