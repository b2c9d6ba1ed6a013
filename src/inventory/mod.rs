//! Inventory stage: typed views of the objects and the indexes rules and the graph use.
//!
//! Built once per run and read-only afterwards, so it can be shared across threads.

mod data;
pub mod gateway_api;
mod ingress;
pub mod istio;
pub mod knative;
mod policy;
mod secret;
mod selector;
mod service;
pub mod smi;
mod symbols;
mod workload;

use std::borrow::Cow;
use std::sync::OnceLock;

use hashbrown::{HashMap, HashSet};

pub use crate::manifest::{LabelMap, Labels};
pub use crate::source::{did_you_mean, nearest, sole_typo_of};
pub use data::DataKeys;
pub use gateway_api::{ApiGateway, ApiRoute, ListenerOwner, ReferenceGrant};
pub use ingress::{Ingress, IngressBackend, IngressPath};
pub use istio::{
    DestinationRule, IstioGateway, ServiceEntry, Spanned, VirtualService, WorkloadPolicy,
};
pub use knative::{
    DomainMapping, EventDestination, KRef, KnativeConfig, Serving, TrafficTarget, TriggerBroker,
};
pub use policy::{Direction, NetworkPolicy, PodSelector, ScaleTarget};
pub use secret::{secret_value, SecretSource, SecretValue, Secrets};
pub use selector::{LabelSpan, Op, Requirement, Selector};
pub use service::{PortRef, Service, ServicePort};
pub use smi::TrafficSplit;
pub use workload::{
    template_path, Container, ContainerPort, EnvValue, PodRef, RefKind, TemplateKind,
    TemplateKinds, Workload, WorkloadRef, POD_TEMPLATE_PATHS,
};

use crate::manifest::{Object, ObjectId};
use crate::source::{FileId, Typos};
use symbols::{Sym, Symbols};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ServiceId(pub u32);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WorkloadId(pub u32);

/// An Istio Gateway, by its position in `Inventory::istio_gateways`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IstioGatewayId(pub u32);

/// A VirtualService, by its position in `Inventory::virtual_services`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VirtualServiceId(pub u32);

fn id32(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

/// `items` in an allocation of their number: views live for the whole run, and a vector
/// grown by pushing holds four slots for its usual one item. A copy, not `shrink_to_fit`:
/// mimalloc keeps a block that shrinks by less than half where it is.
fn exact<T>(mut items: Vec<T>) -> Vec<T> {
    if items.capacity() == items.len() {
        return items;
    }
    let mut exact = Vec::with_capacity(items.len());
    exact.append(&mut items);
    exact
}

/// Everything kroute was given, typed and indexed.
#[derive(Debug, Default)]
pub struct Inventory {
    pub objects: Vec<Object>,
    pub services: Vec<Service>,
    pub workloads: Vec<Workload>,
    pub ingresses: Vec<Ingress>,
    pub hpas: Vec<ScaleTarget>,
    pub pdbs: Vec<PodSelector>,
    pub network_policies: Vec<NetworkPolicy>,
    /// ConfigMaps, whose values KR211 reads.
    pub config_maps: Vec<ObjectId>,
    /// Secrets and the objects that create them, in input order.
    pub secrets: Vec<SecretSource>,
    pub istio_gateways: Vec<IstioGateway>,
    pub virtual_services: Vec<VirtualService>,
    pub destination_rules: Vec<DestinationRule>,
    pub service_entries: Vec<ServiceEntry>,
    /// Sidecars, AuthorizationPolicies, PeerAuthentications, RequestAuthentications.
    pub workload_policies: Vec<WorkloadPolicy>,
    pub api_gateways: Vec<ApiGateway>,
    /// ListenerSets (and experimental XListenerSets): listeners added to a Gateway.
    pub listener_sets: Vec<ApiGateway>,
    pub api_routes: Vec<ApiRoute>,
    pub reference_grants: Vec<ReferenceGrant>,
    pub traffic_splits: Vec<TrafficSplit>,
    /// Names of the GatewayClasses in the input.
    pub gateway_classes: Vec<ObjectId>,
    /// Knative's config ConfigMaps from namespace `knative-serving`.
    pub knative_config: KnativeConfig,
    /// Knative Services, Configurations and Routes, defaults applied.
    pub serving: Vec<Serving>,
    /// Every Destination of every eventing object (subscribers, sinks, replies, …).
    pub event_destinations: Vec<EventDestination>,
    pub trigger_brokers: Vec<TriggerBroker>,
    pub domain_mappings: Vec<DomainMapping>,
    /// The strings the indexes below are keyed by, each stored once.
    symbols: Symbols,
    /// `(kind, namespace, name)` → objects.
    by_name: NameIndex,
    by_kind_ns: HashMap<[Sym; 2], Vec<ObjectId>>,
    service_index: HashMap<[Sym; 2], ServiceId>,
    workloads_by_ns: HashMap<Sym, Vec<WorkloadId>>,
    /// `(namespace, key, value)` → the workloads whose pods carry that label.
    label_index: HashMap<[Sym; 3], Vec<WorkloadId>>,
    /// `(key, value)` → workloads in any namespace, for selectors that cross namespaces
    /// (an Istio Gateway selects its gateway pods wherever they run).
    global_label_index: HashMap<[Sym; 2], Vec<WorkloadId>>,
    /// `(namespace, key)` → the distinct values workloads give that label, for hints.
    label_values: HashMap<[Sym; 2], LabelValues>,
    endpoints: HashSet<[Sym; 2]>,
    namespaces: HashSet<Sym>,
    /// True when any Istio object or sidecar-injection marker is in the input.
    pub mesh: bool,
    /// The first file of what the platform provides, when it was loaded (`platform::load`).
    platform: Option<FileId>,
    /// Where each kind keeps its pods' template.
    pub template_kinds: TemplateKinds,
}

impl Inventory {
    pub fn build(objects: Vec<Object>) -> Inventory {
        Inventory::default().indexing(objects)
    }

    /// The inventory of `objects`, of which those read from files `platform` and later are
    /// what the platform provides: references resolve against them, but they neither make
    /// their namespace one the input knows nor the input a mesh, since a platform profile
    /// describes part of a namespace and the platform's own pods.
    pub fn build_with_platform(objects: Vec<Object>, platform: FileId) -> Inventory {
        Inventory::build_with(objects, platform, TemplateKinds::default())
    }

    /// [`Inventory::build_with_platform`], with the pod-template owners the user declares
    /// besides the built-in ones.
    pub fn build_with(objects: Vec<Object>, platform: FileId, kinds: TemplateKinds) -> Inventory {
        Inventory {
            platform: Some(platform),
            template_kinds: kinds,
            ..Inventory::default()
        }
        .indexing(objects)
    }

    fn indexing(mut self, objects: Vec<Object>) -> Inventory {
        for object in &objects {
            self.index(object);
        }
        self.borrowed_workloads(&objects);
        for &[ns, key, value] in self.label_index.keys() {
            self.label_values
                .entry([ns, key])
                .or_default()
                .values
                .push(value);
        }
        self.symbols.shrink();
        self.fit();
        self.objects = objects;
        self
    }

    /// The views a large repository has many of, and the index postings, in allocations of
    /// their size once every object is indexed: vectors grown by pushing keep up to half
    /// their slots empty for the whole run.
    fn fit(&mut self) {
        fn fit<T>(items: &mut Vec<T>) {
            *items = exact(std::mem::take(items));
        }
        fit(&mut self.services);
        fit(&mut self.workloads);
        fit(&mut self.config_maps);
        fit(&mut self.secrets);
        fit(&mut self.virtual_services);
        fit(&mut self.destination_rules);
        fit(&mut self.serving);
        fit(&mut self.event_destinations);
        fit(&mut self.api_routes);
        self.by_kind_ns.values_mut().for_each(fit);
        self.workloads_by_ns.values_mut().for_each(fit);
        self.label_index.values_mut().for_each(fit);
        self.global_label_index.values_mut().for_each(fit);
    }

    /// The symbol of `text`, when some key of the indexes holds it.
    fn sym(&self, text: &str) -> Option<Sym> {
        self.symbols.get(text)
    }

    /// Whether `object` is what the platform provides rather than part of the input.
    pub fn from_platform(&self, object: &Object) -> bool {
        self.platform.is_some_and(|first| object.file >= first)
    }

    fn index(&mut self, object: &Object) {
        let ns = self.symbols.intern(&object.namespace);
        let kind = self.symbols.intern(&object.kind);
        let name = self.symbols.intern(&object.name);
        self.by_name.push([kind, ns, name], object.id);
        self.by_kind_ns
            .entry([kind, ns])
            .or_default()
            .push(object.id);
        let input = !self.from_platform(object);
        if input && !object.namespace.is_empty() {
            self.namespaces.insert(ns);
        }
        if input
            && (object.group.ends_with("istio.io")
                || object.labels.get("istio-injection") == Some("enabled")
                || object.labels.contains_key("istio.io/rev"))
        {
            self.mesh = true;
        }
        let core = object.group.is_empty();
        match (object.group.as_str(), object.kind.as_str()) {
            ("", "Service") => {
                let id = ServiceId(id32(self.services.len()));
                self.service_index.insert([ns, name], id);
                self.services.push(Service::from_object(object));
            }
            ("", "Endpoints") => {
                self.endpoints.insert([ns, name]);
            }
            ("discovery.k8s.io", "EndpointSlice") => {
                if let Some(svc) = object.labels.get("kubernetes.io/service-name") {
                    let svc = self.symbols.intern(svc);
                    self.endpoints.insert([ns, svc]);
                }
            }
            ("networking.k8s.io" | "extensions", "Ingress") => {
                self.ingresses.push(Ingress::from_object(object));
            }
            ("autoscaling", "HorizontalPodAutoscaler") => {
                self.hpas.extend(ScaleTarget::from_hpa(object));
            }
            ("policy", "PodDisruptionBudget") => {
                self.pdbs.push(PodSelector::from_object(object, "selector"));
            }
            ("networking.k8s.io", "NetworkPolicy") => {
                self.network_policies
                    .push(NetworkPolicy::from_object(object));
            }
            ("", "ConfigMap") => {
                if object.namespace == knative::SERVING_NAMESPACE {
                    self.knative_config.add(object);
                }
                self.config_maps.push(object.id);
            }
            (knative::SERVING, "DomainMapping") => {
                self.domain_mappings
                    .push(DomainMapping::from_object(object));
            }
            ("eventing.knative.dev", "Trigger") => {
                self.trigger_brokers
                    .extend(TriggerBroker::from_object(object));
            }
            ("networking.istio.io", "Gateway") => {
                self.istio_gateways.push(IstioGateway::from_object(object));
            }
            ("networking.istio.io", "VirtualService") => {
                self.virtual_services
                    .push(VirtualService::from_object(object));
            }
            ("networking.istio.io", "DestinationRule") => {
                self.destination_rules
                    .extend(DestinationRule::from_object(object));
            }
            ("networking.istio.io", "ServiceEntry") => {
                self.service_entries.push(ServiceEntry::from_object(object));
            }
            ("networking.istio.io", "Sidecar")
            | (
                "security.istio.io",
                "AuthorizationPolicy" | "PeerAuthentication" | "RequestAuthentication",
            ) => {
                self.workload_policies
                    .push(WorkloadPolicy::from_object(object));
            }
            (gateway_api::GROUP, "Gateway") => {
                self.api_gateways.push(ApiGateway::from_object(object));
            }
            (gateway_api::GROUP, kind) if gateway_api::ROUTE_KINDS.contains(&kind) => {
                self.api_routes.push(ApiRoute::from_object(object));
            }
            (group, kind) if gateway_api::is_listener_set(group, kind) => {
                self.listener_sets.push(ApiGateway::from_object(object));
            }
            (gateway_api::GROUP, "ReferenceGrant") => {
                self.reference_grants
                    .push(ReferenceGrant::from_object(object));
            }
            (gateway_api::GROUP, "GatewayClass") => self.gateway_classes.push(object.id),
            (smi::GROUP, "TrafficSplit") => {
                self.traffic_splits
                    .extend(TrafficSplit::from_object(object));
            }
            _ => {}
        }
        self.serving.extend(Serving::from_object(object));
        self.secrets.extend(SecretSource::from_object(object));
        if object.group.ends_with("knative.dev") {
            self.event_destinations
                .extend(knative::event_destinations(object));
        }
        if input && core && object.kind == "Namespace" {
            self.namespaces.insert(name);
        }
        for workload in Workload::of_object(object, &self.template_kinds) {
            self.add_workload(workload, input);
        }
    }

    /// The workloads of the Argo Rollouts whose `workloadRef` names an object of
    /// `objects` (in the Rollout's namespace), once every object is indexed.
    fn borrowed_workloads(&mut self, objects: &[Object]) {
        for rollout in objects {
            let Some(workload_ref) = WorkloadRef::of(rollout) else {
                continue;
            };
            let targets: Vec<ObjectId> =
                self.named(&workload_ref.kind, &rollout.namespace, &workload_ref.name);
            let Some(workloads) = targets
                .iter()
                .filter_map(|id| objects.get(id.0 as usize))
                .map(|target| Workload::of_borrowed(rollout, target))
                .find(|w| !w.is_empty())
            else {
                continue;
            };
            let input = !self.from_platform(rollout);
            for workload in workloads {
                self.add_workload(workload, input);
            }
        }
    }

    fn add_workload(&mut self, workload: Workload, input: bool) {
        if input
            && workload
                .labels
                .keys()
                .any(|k| k.starts_with("sidecar.istio.io"))
        {
            self.mesh = true;
        }
        let id = WorkloadId(id32(self.workloads.len()));
        let ns = self.symbols.intern(&workload.namespace);
        for (k, v) in &workload.labels {
            let (k, v) = (self.symbols.intern(k), self.symbols.intern(v));
            self.label_index.entry([ns, k, v]).or_default().push(id);
            self.global_label_index.entry([k, v]).or_default().push(id);
        }
        self.workloads_by_ns.entry(ns).or_default().push(id);
        self.workloads.push(workload);
    }

    pub fn object(&self, id: ObjectId) -> &Object {
        &self.objects[id.0 as usize]
    }

    /// The Gateway or ListenerSet `owner` names.
    pub fn listener_owner(&self, owner: ListenerOwner) -> &ApiGateway {
        match owner {
            ListenerOwner::Gateway(i) => &self.api_gateways[i],
            ListenerOwner::ListenerSet(i) => &self.listener_sets[i],
        }
    }

    pub fn service(&self, id: ServiceId) -> &Service {
        &self.services[id.0 as usize]
    }

    pub fn workload(&self, id: WorkloadId) -> &Workload {
        &self.workloads[id.0 as usize]
    }

    /// The Istio Gateway `id` names.
    pub fn istio_gateway(&self, id: IstioGatewayId) -> &IstioGateway {
        &self.istio_gateways[id.0 as usize]
    }

    /// The VirtualService `id` names.
    pub fn virtual_service(&self, id: VirtualServiceId) -> &VirtualService {
        &self.virtual_services[id.0 as usize]
    }

    /// Every Istio Gateway with its id, in input order.
    pub fn istio_gateways_by_id(&self) -> impl Iterator<Item = (IstioGatewayId, &IstioGateway)> {
        (0..)
            .map(|i| IstioGatewayId(id32(i)))
            .zip(&self.istio_gateways)
    }

    /// Every VirtualService with its id, in input order.
    pub fn virtual_services_by_id(
        &self,
    ) -> impl Iterator<Item = (VirtualServiceId, &VirtualService)> {
        (0..)
            .map(|i| VirtualServiceId(id32(i)))
            .zip(&self.virtual_services)
    }

    pub fn service_named(&self, namespace: &str, name: &str) -> Option<ServiceId> {
        let key = self.symbols.get_all([namespace, name])?;
        self.service_index.get(&key).copied()
    }

    /// The ids of the objects of `kind` named `name` in `namespace`, in input order.
    fn named(&self, kind: &str, namespace: &str, name: &str) -> Vec<ObjectId> {
        let key = self.symbols.get_all([kind, namespace, name]);
        key.map(|key| self.by_name.get(key).collect())
            .unwrap_or_default()
    }

    /// Objects of `kind` named `name` in `namespace` (any group).
    pub fn find(&self, kind: &str, namespace: &str, name: &str) -> impl Iterator<Item = &Object> {
        let key = self.symbols.get_all([kind, namespace, name]);
        key.into_iter()
            .flat_map(|key| self.by_name.get(key))
            .map(|id| self.object(id))
    }

    /// Whether an object of `kind` named `name` exists in `namespace`.
    pub fn defines(&self, kind: &str, namespace: &str, name: &str) -> bool {
        self.find(kind, namespace, name).next().is_some()
    }

    /// Names of the objects of `kind` in `namespace`: candidates for "did you mean".
    pub fn names(&self, kind: &str, namespace: &str) -> impl Iterator<Item = &str> {
        let key = self.symbols.get_all([kind, namespace]);
        key.and_then(|key| self.by_kind_ns.get(&key))
            .into_iter()
            .flatten()
            .map(|id| self.object(*id).name.as_str())
    }

    /// Whether the input says anything about `namespace` (an object in it, or the Namespace).
    pub fn knows_namespace(&self, namespace: &str) -> bool {
        self.sym(namespace)
            .is_some_and(|ns| self.namespaces.contains(&ns))
    }

    /// The labels of Namespace `name`, when the input defines it.
    pub fn namespace_labels(&self, name: &str) -> Option<&Labels> {
        self.find("Namespace", "", name)
            .find(|o| o.group.is_empty())
            .map(|o| &o.labels)
    }

    pub fn has_endpoints(&self, namespace: &str, service: &str) -> bool {
        let key = self.symbols.get_all([namespace, service]);
        key.is_some_and(|key| self.endpoints.contains(&key))
    }

    pub fn workloads_in(&self, namespace: &str) -> &[WorkloadId] {
        self.sym(namespace)
            .and_then(|ns| self.workloads_by_ns.get(&ns))
            .map_or(&[], Vec::as_slice)
    }

    /// The workloads in `namespace` whose pod template `selector` matches. Uses the label
    /// index: only workloads carrying the rarest selected label are examined.
    pub fn select(&self, namespace: &str, selector: &Selector) -> Vec<WorkloadId> {
        let candidates: &[WorkloadId] = if selector.labels.is_empty() {
            self.workloads_in(namespace)
        } else {
            selector
                .labels
                .iter()
                .map(|(k, v)| {
                    let key = self.symbols.get_all([namespace, k, v]);
                    key.and_then(|key| self.label_index.get(&key))
                        .map_or(&[][..], Vec::as_slice)
                })
                .min_by_key(|ids| ids.len())
                .unwrap_or(&[])
        };
        candidates
            .iter()
            .copied()
            .filter(|id| selector.matches(&self.workload(*id).labels))
            .collect()
    }

    /// The workloads of any namespace whose pod template `selector` matches; an empty
    /// selector matches none here (it is never meant as "every pod of the cluster").
    pub fn select_anywhere(&self, selector: &Selector) -> Vec<WorkloadId> {
        let Some(candidates) = selector
            .labels
            .iter()
            .map(|(k, v)| {
                let key = self.symbols.get_all([k, v]);
                key.and_then(|key| self.global_label_index.get(&key))
                    .map_or(&[][..], Vec::as_slice)
            })
            .min_by_key(|ids| ids.len())
        else {
            return Vec::new();
        };
        candidates
            .iter()
            .copied()
            .filter(|id| selector.matches(&self.workload(*id).labels))
            .collect()
    }

    /// The workload in `namespace` whose labels come closest to `selector`'s `matchLabels`,
    /// for "nearest workload" hints: one that shares a selected label, or has a value a
    /// typo away. `None` when no workload is plausibly the one meant. Works from the distinct
    /// label values of the namespace, so a failing selector costs what its labels do, not
    /// what the namespace holds.
    pub fn nearest_workload(&self, namespace: &str, selector: &Selector) -> Option<&Workload> {
        let mut candidates: HashSet<WorkloadId> = HashSet::new();
        let mut close: HashSet<(&str, &str)> = HashSet::new();
        let ns = self.sym(namespace)?;
        for (k, v) in &selector.labels {
            let Some(key) = self.sym(k) else {
                continue;
            };
            let Some(values) = self.label_values.get(&[ns, key]) else {
                continue;
            };
            for &value in values.near(v, &self.symbols).iter() {
                let text = self.symbols.text(value);
                if text == v || nearest(v, [text]).is_some() {
                    close.insert((k, text));
                    let found = self.label_index.get(&[ns, key, value]);
                    candidates.extend(found.into_iter().flatten());
                }
            }
        }
        candidates
            .into_iter()
            .map(|id| self.workload(id))
            .map(|w| {
                let score = selector
                    .labels
                    .keys()
                    .filter(|k| w.labels.get(k).is_some_and(|x| close.contains(&(*k, x))))
                    .count();
                (w, score)
            })
            .max_by(|(a, sa), (b, sb)| {
                sa.cmp(sb)
                    .then_with(|| b.labels.len().cmp(&a.labels.len()))
                    .then_with(|| b.name.cmp(&a.name))
            })
            .map(|(w, _)| w)
    }

    /// Workloads outside `namespace` that `selector` matches: the usual cause of a selector
    /// that matches nothing at home.
    pub fn matches_elsewhere(&self, namespace: &str, selector: &Selector) -> Vec<&Workload> {
        self.select_anywhere(selector)
            .into_iter()
            .map(|id| self.workload(id))
            .filter(|w| w.namespace != namespace)
            .collect()
    }
}

/// Objects by `(kind, namespace, name)`. Nearly every key names one object, so the first
/// is held inline and only the rare duplicates get a list.
#[derive(Debug, Default)]
struct NameIndex {
    first: HashMap<[Sym; 3], ObjectId>,
    more: HashMap<[Sym; 3], Vec<ObjectId>>,
}

impl NameIndex {
    fn push(&mut self, key: [Sym; 3], id: ObjectId) {
        if let Some(first) = self.first.get(&key) {
            debug_assert!(*first < id);
            self.more.entry(key).or_default().push(id);
        } else {
            self.first.insert(key, id);
        }
    }

    /// The objects of `key`, in input order.
    fn get(&self, key: [Sym; 3]) -> impl Iterator<Item = ObjectId> + '_ {
        let more = self.more.get(&key).map_or(&[][..], Vec::as_slice);
        self.first
            .get(&key)
            .copied()
            .into_iter()
            .chain(more.iter().copied())
    }
}

/// The distinct values workloads of one namespace give one label key.
#[derive(Debug, Default)]
struct LabelValues {
    values: Vec<Sym>,
    /// Filed by their deletions on first use, when there are many.
    typos: OnceLock<Typos>,
}

/// Up to this many values are all compared with a wanted one; past it, only those within
/// two edits are ([`Typos`]): the hint for one broken selector among 10,000 Services of a
/// namespace must not compare it with 10,000 values, once for each Service.
const SCANNED_VALUES: usize = 256;

impl LabelValues {
    /// The values that may be `wanted` or a typo of it: all of them, when there are few.
    fn near(&self, wanted: &str, symbols: &Symbols) -> Cow<'_, [Sym]> {
        if self.values.len() <= SCANNED_VALUES {
            return Cow::Borrowed(&self.values);
        }
        let typos = self
            .typos
            .get_or_init(|| Typos::new(self.values.iter().map(|v| symbols.text(*v))));
        let near = typos.near(wanted).into_iter();
        Cow::Owned(
            near.filter_map(|i| self.values.get(i as usize).copied())
                .collect(),
        )
    }
}

/// Labels as `k=v, k2=v2`.
pub fn describe_labels<L: LabelMap + ?Sized>(labels: &L) -> String {
    let mut pairs = labels.pairs().peekable();
    if pairs.peek().is_none() {
        return "no labels".to_string();
    }
    crate::source::listed(pairs.map(|(k, v)| format!("{k}={v}")))
}

impl Inventory {
    /// The inventory of one YAML stream, read as file 0 with objects numbered in order: what
    /// a platform profile provides, and what unit tests build their cases from.
    pub fn from_yaml(yaml: &str) -> Inventory {
        let mut loaded = crate::manifest::Loaded::default();
        let options = crate::manifest::LoadOptions::default();
        let found = crate::manifest::read_text(loaded.next_file(), yaml, &options);
        let _ = loaded.add_file(String::new(), String::new(), found);
        Inventory::build(loaded.objects)
    }
}

#[cfg(test)]
mod tests;
