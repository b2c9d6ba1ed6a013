//! Pod-template owners and what their pods expose and need.

use super::exact;
use super::istio::Spanned;
use super::selector::Selector;
use crate::manifest::Labels;
use crate::manifest::{group_of, Object, ObjectId};
use crate::yaml::{Node, Span};

/// Where each pod-template owner keeps its template: `(group, kind, path)`; an empty path
/// means the object itself is the pod. `.kroute.yaml` declares more ([`TemplateKinds`]).
pub const POD_TEMPLATE_PATHS: &[(&str, &str, &[&str])] = &[
    ("", "Pod", &[]),
    ("", "ReplicationController", &["spec", "template"]),
    ("apps", "Deployment", &["spec", "template"]),
    ("apps", "StatefulSet", &["spec", "template"]),
    ("apps", "DaemonSet", &["spec", "template"]),
    ("apps", "ReplicaSet", &["spec", "template"]),
    ("batch", "Job", &["spec", "template"]),
    (
        "batch",
        "CronJob",
        &["spec", "jobTemplate", "spec", "template"],
    ),
    (
        "apps.openshift.io",
        "DeploymentConfig",
        &["spec", "template"],
    ),
    ("argoproj.io", "Rollout", &["spec", "template"]),
    ("serving.knative.dev", "Service", &["spec", "template"]),
    (
        "serving.knative.dev",
        "Configuration",
        &["spec", "template"],
    ),
    ("serving.knative.dev", "Revision", &[]),
];

pub fn template_path(group: &str, kind: &str) -> Option<&'static [&'static str]> {
    POD_TEMPLATE_PATHS
        .iter()
        .find(|(g, k, _)| *g == group && *k == kind)
        .map(|(_, _, p)| *p)
}

/// A pod-template owner the user declares (`.kroute.yaml` `pod-template-kinds:`): a
/// custom resource whose pods Services and policies select, and where it keeps their
/// template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemplateKind {
    pub group: String,
    pub kind: String,
    /// Mapping keys from the object to its pod template (`spec`, `template`).
    pub path: Vec<String>,
}

/// The pod-template owners: the built-in ones ([`POD_TEMPLATE_PATHS`]), then those the user
/// declares.
#[derive(Clone, Debug, Default)]
pub struct TemplateKinds {
    pub declared: Vec<TemplateKind>,
}

impl TemplateKinds {
    /// The node holding the pods of `object`: its pod template, or the object itself for a
    /// Pod; `None` when its kind owns no pods or the template is missing.
    pub fn pods<'o>(&self, object: &'o Object) -> Option<&'o Node> {
        if let Some(path) = template_path(&object.group, &object.kind) {
            return object.root.at(path);
        }
        let declared = self
            .declared
            .iter()
            .find(|t| t.group == object.group && t.kind == object.kind)?;
        declared
            .path
            .iter()
            .try_fold(&object.root, |node, key| node.get(key))
    }

    /// The pod template `object` keeps inside itself (`spec.template` of a Deployment or a
    /// Knative Service), when its kind has one; a Pod is its own template, so has none.
    pub fn template<'o>(&self, object: &'o Object) -> Option<&'o Node> {
        let own_pod = template_path(&object.group, &object.kind).is_some_and(<[_]>::is_empty);
        self.pods(object).filter(|_| !own_pod)
    }
}

/// What an Argo Rollout's `workloadRef` may name, and where that kind keeps the pod
/// template the Rollout borrows: the kinds the Rollouts controller resolves.
const WORKLOAD_REF_TEMPLATES: &[(&str, &str, &[&str])] = &[
    ("", "PodTemplate", &["template"]),
    ("apps", "Deployment", &["spec", "template"]),
    ("apps", "ReplicaSet", &["spec", "template"]),
];

/// An Argo Rollout's `spec.workloadRef`: the object in the Rollout's namespace whose pod
/// template it runs instead of a `spec.template` of its own.
#[derive(Clone, Debug)]
pub struct WorkloadRef {
    pub group: String,
    pub kind: String,
    pub name: String,
    pub span: Span,
}

impl WorkloadRef {
    pub fn of(object: &Object) -> Option<WorkloadRef> {
        if (object.group.as_str(), object.kind.as_str()) != ("argoproj.io", "Rollout") {
            return None;
        }
        let node = object.spec()?.get("workloadRef")?;
        Some(WorkloadRef {
            group: group_of(node.str_at("apiVersion").unwrap_or_default()).to_string(),
            kind: node.str_at("kind")?.to_string(),
            name: node.str_at("name")?.to_string(),
            span: node.span,
        })
    }

    /// Where `target`, the object this names, keeps its pod template, if it is of a kind a
    /// Rollout can borrow from.
    fn template<'a>(&self, target: &'a Object) -> Option<&'a Node> {
        let (_, _, path) = WORKLOAD_REF_TEMPLATES
            .iter()
            .find(|(g, k, _)| (*g, *k) == (target.group.as_str(), target.kind.as_str()))?;
        (target.group == self.group).then(|| target.root.at(path))?
    }
}

#[derive(Clone, Debug)]
pub struct ContainerPort {
    pub name: Option<String>,
    pub port: i64,
    pub protocol: String,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct EnvValue {
    pub name: String,
    pub value: String,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Container {
    pub name: String,
    pub span: Span,
    pub ports: Vec<ContainerPort>,
    pub env: Vec<EnvValue>,
    /// `command` then `args`, the string items of each.
    pub argv: Vec<Spanned>,
}

/// Kinds of object a pod can depend on by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RefKind {
    ConfigMap,
    Secret,
    ServiceAccount,
    PersistentVolumeClaim,
}

impl RefKind {
    pub fn kind(self) -> &'static str {
        match self {
            RefKind::ConfigMap => "ConfigMap",
            RefKind::Secret => "Secret",
            RefKind::ServiceAccount => "ServiceAccount",
            RefKind::PersistentVolumeClaim => "PersistentVolumeClaim",
        }
    }
}

/// A by-name dependency of a pod.
#[derive(Clone, Debug)]
pub struct PodRef {
    pub kind: RefKind,
    pub name: String,
    pub span: Span,
    pub optional: bool,
    /// Where the reference sits, for messages (`volume config`, `envFrom`).
    pub via: String,
    /// The data keys the pod reads from the object: the `key` of a `configMapKeyRef` or
    /// `secretKeyRef`, the `items[].key` of a volume (or projected volume source).
    pub keys: Vec<Spanned>,
}

#[derive(Clone, Debug)]
pub struct Workload {
    pub object: ObjectId,
    pub namespace: String,
    pub name: String,
    pub kind: String,
    /// The pods' labels: what Services, PDBs and policies select. Those of the pod
    /// template, and those the owner's controller adds to every pod it creates.
    pub labels: Labels,
    /// The keys of `labels` that only the controller adds (the template does not write
    /// them): the owner's own selector is validated without them.
    pub added_labels: Vec<String>,
    /// Span of the template's `metadata.labels` (or of the template when there are none).
    pub labels_span: Span,
    /// The owner's own `spec.selector`, which must select its pod template: that of a
    /// Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController or Rollout, and
    /// of a Job with `manualSelector: true` (the API server writes other Jobs' selectors).
    pub selector: Option<Selector>,
    pub containers: Vec<Container>,
    pub refs: Vec<PodRef>,
    /// StatefulSet `spec.serviceName`.
    pub service_name: Option<(String, Span)>,
    /// StatefulSet `volumeClaimTemplates` names: claims the controller creates itself.
    pub claim_templates: Vec<String>,
}

/// The pods of a Rollout's experiment templates (`steps[].experiment.templates[]`): the
/// Rollout's pod template with the labels of the template's `metadata` laid over its own.
/// Their references are the Rollout's, reported once there, and their selector is the
/// template's, not the owner's `spec.selector` that [`Workload::selector`] holds.
fn experiment_workloads(object: &Object, base: &Workload) -> Vec<Workload> {
    let steps = object
        .root
        .at(&["spec", "strategy", "canary"])
        .map_or(&[][..], |canary| canary.seq_at("steps"));
    steps
        .iter()
        .filter_map(|step| step.get("experiment"))
        .flat_map(|experiment| experiment.seq_at("templates"))
        .filter_map(|template| {
            let labels_node = template.at(&["metadata", "labels"])?;
            let own = labels_node.string_pairs().map(|(k, v, _)| (k, v));
            Some(Workload {
                labels: base.labels.iter().chain(own).collect(),
                labels_span: labels_node.span,
                selector: None,
                refs: Vec::new(),
                ..base.clone()
            })
        })
        .collect()
}

/// The labels the controller of `object` puts on every pod it creates, over the
/// template's: Knative labels revision pods with their owners' names, and OpenShift labels
/// a DeploymentConfig's pods `deploymentconfig: <name>` (the label `oc new-app` selects by).
fn controller_labels(object: &Object) -> Vec<(&'static str, String)> {
    let name = || object.name.to_string();
    match (object.group.as_str(), object.kind.as_str()) {
        ("serving.knative.dev", "Service") => vec![
            ("serving.knative.dev/service", name()),
            ("serving.knative.dev/configuration", name()),
        ],
        ("serving.knative.dev", "Configuration") => {
            vec![("serving.knative.dev/configuration", name())]
        }
        ("apps.openshift.io", "DeploymentConfig") => vec![("deploymentconfig", name())],
        _ => Vec::new(),
    }
}

/// The selector `spec` of `object` sets for its own pods (see [`Workload::selector`]).
fn own_selector(object: &Object, spec: &Node) -> Option<Selector> {
    let node = spec.get("selector").filter(|n| !n.is_null())?;
    match (object.group.as_str(), object.kind.as_str()) {
        // The controllers whose selector is a plain map.
        ("", "ReplicationController") | ("apps.openshift.io", "DeploymentConfig") => {
            Some(Selector::from_map(node))
        }
        ("batch", "Job") if spec.get("manualSelector").and_then(Node::as_bool) != Some(true) => {
            None
        }
        ("apps", _) | ("batch", "Job") | ("argoproj.io", "Rollout") => {
            Some(Selector::from_label_selector(node))
        }
        _ => None,
    }
}

impl Workload {
    /// The workloads of `object`: its pod template's, and for an Argo Rollout those of the
    /// ReplicaSets its canary steps' experiments run, whose templates relabel their pods so
    /// that another Service (a preview) reaches them. A Rollout with a `workloadRef` has
    /// no template of its own: [`Workload::of_borrowed`] gives its workloads.
    pub fn of_object(object: &Object, kinds: &TemplateKinds) -> Vec<Workload> {
        if WorkloadRef::of(object).is_some() {
            return Vec::new();
        }
        let Some(template) = kinds.pods(object) else {
            return Vec::new();
        };
        Workload::with_experiments(object, Workload::from_template(object, template))
    }

    /// The workloads of a Rollout whose `workloadRef` names `target`: the pods of
    /// `target`'s template, under the Rollout's own selector. Its references, environment
    /// and arguments are `target`'s, reported once there; every location points at the
    /// `workloadRef`, since the template is in another object (often another file).
    pub fn of_borrowed(rollout: &Object, target: &Object) -> Vec<Workload> {
        let Some(workload_ref) = WorkloadRef::of(rollout) else {
            return Vec::new();
        };
        let Some(template) = workload_ref.template(target) else {
            return Vec::new();
        };
        let mut workload = Workload::from_template(rollout, template);
        workload.refs.clear();
        workload.labels_span = workload_ref.span;
        for container in &mut workload.containers {
            container.span = workload_ref.span;
            container.env.clear();
            container.argv.clear();
            for port in &mut container.ports {
                port.span = workload_ref.span;
            }
        }
        Workload::with_experiments(rollout, workload)
    }

    fn with_experiments(object: &Object, workload: Workload) -> Vec<Workload> {
        let experiments =
            if (object.group.as_str(), object.kind.as_str()) == ("argoproj.io", "Rollout") {
                experiment_workloads(object, &workload)
            } else {
                Vec::new()
            };
        std::iter::once(workload).chain(experiments).collect()
    }

    /// The workload view of `object`, whose pods `template` describes.
    fn from_template(object: &Object, template: &Node) -> Workload {
        let labels_node = template.at(&["metadata", "labels"]);
        let written = labels_node.map(Labels::of).unwrap_or_default();
        let controller = controller_labels(object);
        let added_labels = controller
            .iter()
            .filter(|(key, _)| !written.contains_key(key))
            .map(|(key, _)| key.to_string())
            .collect();
        // The controller's value wins over the template's for a key both set.
        let labels = if controller.is_empty() {
            written
        } else {
            let controller = controller.iter().map(|(k, v)| (*k, v.as_str()));
            written.iter().chain(controller).collect()
        };
        let pod_spec = template.get("spec");
        let spec = object.spec();
        let mut workload = Workload {
            object: object.id,
            namespace: object.namespace.to_string(),
            name: object.name.to_string(),
            kind: object.kind.to_string(),
            labels,
            added_labels,
            labels_span: labels_node.map_or(template.span, |n| n.span),
            selector: spec.and_then(|s| own_selector(object, s)),
            containers: Vec::new(),
            refs: Vec::new(),
            service_name: spec
                .and_then(|s| s.get("serviceName"))
                .filter(|_| object.kind == "StatefulSet")
                .and_then(|n| Some((n.as_str()?.to_string(), n.span))),
            claim_templates: spec
                .map(|s| s.seq_at("volumeClaimTemplates"))
                .unwrap_or(&[])
                .iter()
                .filter_map(|t| t.at(&["metadata", "name"])?.as_str().map(str::to_string))
                .collect(),
        };
        if let Some(pod_spec) = pod_spec {
            workload.read_pod_spec(pod_spec);
        }
        workload.containers = exact(workload.containers);
        workload.refs = exact(workload.refs);
        workload
    }

    fn read_pod_spec(&mut self, pod: &Node) {
        let all_containers = ["initContainers", "containers", "ephemeralContainers"]
            .iter()
            .flat_map(|k| pod.seq_at(k).iter().map(move |c| (*k, c)));
        for (section, c) in all_containers {
            let name = c.str_at("name").unwrap_or_default().to_string();
            // Pods serve on the ports of their containers and of native sidecars (init
            // containers with `restartPolicy: Always`), not on those of other init containers.
            let serves = section != "initContainers" || c.str_at("restartPolicy") == Some("Always");
            let ports = c
                .seq_at("ports")
                .iter()
                .filter(|_| serves)
                .filter_map(|p| {
                    Some(ContainerPort {
                        name: p.str_at("name").map(str::to_string),
                        port: p.get("containerPort")?.as_i64()?,
                        protocol: p.str_at("protocol").unwrap_or("TCP").to_string(),
                        span: p.span,
                    })
                })
                .collect();
            let mut env = Vec::new();
            for e in c.seq_at("env") {
                let var = e.str_at("name").unwrap_or_default();
                if let Some(value) = e.get("value").filter(|v| v.as_str().is_some()) {
                    env.push(EnvValue {
                        name: var.to_string(),
                        value: value.as_str().unwrap_or_default().to_string(),
                        span: value.span,
                    });
                }
                let from = e.get("valueFrom");
                for (key, kind) in [
                    ("configMapKeyRef", RefKind::ConfigMap),
                    ("secretKeyRef", RefKind::Secret),
                ] {
                    if let Some(r) = from.and_then(|f| f.get(key)) {
                        self.add_ref(
                            kind,
                            r,
                            "name",
                            format!("env `{var}` of container `{name}`"),
                        );
                    }
                }
            }
            for e in c.seq_at("envFrom") {
                for (key, kind) in [
                    ("configMapRef", RefKind::ConfigMap),
                    ("secretRef", RefKind::Secret),
                ] {
                    if let Some(r) = e.get(key) {
                        self.add_ref(kind, r, "name", format!("envFrom of container `{name}`"));
                    }
                }
            }
            if section != "ephemeralContainers" {
                self.containers.push(Container {
                    name,
                    span: c.span,
                    ports: exact(ports),
                    env: exact(env),
                    argv: ["command", "args"]
                        .iter()
                        .flat_map(|k| c.seq_at(k))
                        .filter_map(Spanned::of)
                        .collect(),
                });
            }
        }
        for v in pod.seq_at("volumes") {
            let vol = v.str_at("name").unwrap_or_default();
            let via = || format!("volume `{vol}`");
            if let Some(r) = v.get("configMap") {
                self.add_ref(RefKind::ConfigMap, r, "name", via());
            }
            if let Some(r) = v.get("secret") {
                self.add_ref(RefKind::Secret, r, "secretName", via());
            }
            if let Some(r) = v.get("persistentVolumeClaim") {
                self.add_ref(RefKind::PersistentVolumeClaim, r, "claimName", via());
            }
            for source in v
                .at(&["projected", "sources"])
                .and_then(Node::as_seq)
                .unwrap_or(&[])
            {
                if let Some(r) = source.get("configMap") {
                    self.add_ref(RefKind::ConfigMap, r, "name", via());
                }
                if let Some(r) = source.get("secret") {
                    self.add_ref(RefKind::Secret, r, "name", via());
                }
            }
        }
        // An empty name is no name: the pod runs as `default`, like one that sets none.
        let sa = ["serviceAccountName", "serviceAccount"]
            .iter()
            .filter_map(|k| pod.get(k))
            .find(|n| n.as_str().is_some_and(|s| !s.is_empty()));
        if let Some((sa, name)) = sa.and_then(|n| Some((n, n.as_str()?))) {
            self.refs.push(PodRef {
                kind: RefKind::ServiceAccount,
                name: name.to_string(),
                span: sa.span,
                optional: false,
                via: "serviceAccountName".to_string(),
                keys: Vec::new(),
            });
        }
    }

    fn add_ref(&mut self, kind: RefKind, node: &Node, key: &str, via: String) {
        let Some(name_node) = node.get(key) else {
            return;
        };
        let Some(name) = name_node.as_str() else {
            return;
        };
        self.refs.push(PodRef {
            kind,
            name: name.to_string(),
            span: name_node.span,
            optional: node.get("optional").and_then(Node::as_bool) == Some(true),
            via,
            keys: node
                .get("key")
                .into_iter()
                .chain(
                    node.seq_at("items")
                        .iter()
                        .filter_map(|item| item.get("key")),
                )
                .filter_map(Spanned::of)
                .collect(),
        });
    }

    /// The labels the pod template writes, without those the controller adds.
    pub fn template_labels(&self) -> Labels {
        self.labels
            .iter()
            .filter(|(k, _)| !self.added_labels.iter().any(|added| added == k))
            .collect()
    }

    /// The container port a Service `targetPort` names, if any container exposes it.
    pub fn exposes(&self, target: &super::PortRef) -> bool {
        self.ports()
            .any(|p| target.matches(p.name.as_deref(), p.port))
    }

    pub fn ports(&self) -> impl Iterator<Item = &ContainerPort> {
        self.containers.iter().flat_map(|c| c.ports.iter())
    }
}
