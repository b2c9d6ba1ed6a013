//! The read-only view of the inventory and routing graph that expressions reach through
//! the `kroute.*` functions (documented in `rules/README.md`). CEL functions outlive the
//! run's borrows, so the view owns what it answers: the objects as CEL values and the
//! relations between them, by object index.

use std::collections::HashMap;
use std::sync::Arc;

use cel::extractors::This;
use cel::objects::Key;
use cel::{Context, DeclarationError, ExecutionError, Value};
use rayon::prelude::*;

use crate::graph::{RoutingGraph, Vertex};
use crate::inventory::{Inventory, Labels, Selector};
use crate::yaml::Span;

/// The functions the view adds, for the compile-time check of function names.
pub const FUNCTIONS: &[&str] = &[
    "kroute.get",
    "kroute.list",
    "kroute.servicesSelecting",
    "kroute.workloadsMatching",
    "kroute.routesTo",
    "kroute.gatewayHosts",
];

#[derive(Debug, Default)]
pub struct View {
    pub objects: Vec<Value>,
    by_name: HashMap<(String, String, String), usize>,
    by_kind: HashMap<(String, String), Vec<usize>>,
    /// Objects by kind and name whose manifest gives no namespace.
    unqualified: HashMap<(String, String), usize>,
    services_selecting: HashMap<usize, Vec<usize>>,
    routes_to: HashMap<usize, Vec<usize>>,
    /// Each workload's object, namespace and pod labels.
    workloads: Vec<(usize, String, Labels)>,
}

impl View {
    pub fn build(inv: &Inventory, graph: &RoutingGraph) -> View {
        let objects: Vec<Value> = inv
            .objects
            .par_iter()
            .map(|o| super::value::of_node(&o.root))
            .collect();
        let mut view = View {
            objects,
            ..View::default()
        };
        for (i, o) in inv.objects.iter().enumerate() {
            let key = (
                o.kind.to_string(),
                o.namespace.to_string(),
                o.name.to_string(),
            );
            view.by_name.entry(key).or_insert(i);
            if o.root.at(&["metadata", "namespace"]).is_none() {
                view.unqualified
                    .entry((o.kind.to_string(), o.name.to_string()))
                    .or_insert(i);
            }
            let kinds = view
                .by_kind
                .entry((o.kind.to_string(), o.namespace.to_string()));
            kinds.or_default().push(i);
        }
        for (w, workload) in inv.workloads.iter().enumerate() {
            let object = workload.object.0 as usize;
            let id = crate::inventory::WorkloadId(u32::try_from(w).unwrap_or(u32::MAX));
            let services = graph.workload_services(id).iter();
            let services = services.map(|s| inv.service(*s).object.0 as usize);
            view.services_selecting
                .entry(object)
                .or_default()
                .extend(services);
            let labels = workload.labels.clone();
            view.workloads
                .push((object, workload.namespace.clone(), labels));
        }
        for edge in &graph.edges {
            if let (Vertex::Object(from), Ok(Vertex::Service(to))) = (edge.from, edge.target()) {
                let routes = view
                    .routes_to
                    .entry(inv.service(*to).object.0 as usize)
                    .or_default();
                if !routes.contains(&(from.0 as usize)) {
                    routes.push(from.0 as usize);
                }
            }
        }
        view
    }

    fn list(&self, indexes: &[usize]) -> Value {
        let items: Vec<Value> = indexes
            .iter()
            .filter_map(|i| self.objects.get(*i).cloned())
            .collect();
        items.into()
    }

    /// The index of the object `value` is (a map with `kind` and `metadata`).
    fn index_of(&self, value: &Value) -> Option<usize> {
        let text = |v: Option<&Value>| match v {
            Some(Value::String(s)) => Some(s.as_str().to_string()),
            _ => None,
        };
        let Value::Map(map) = value else { return None };
        let kind = text(map.map.get(&Key::from("kind")))?;
        let Some(Value::Map(meta)) = map.map.get(&Key::from("metadata")) else {
            return None;
        };
        let name = text(meta.map.get(&Key::from("name")))?;
        match text(meta.map.get(&Key::from("namespace"))) {
            Some(namespace) => self.by_name.get(&(kind, namespace, name)).copied(),
            // Written without a namespace: the object got the default one when loaded.
            None => self.unqualified.get(&(kind, name)).copied(),
        }
    }
}

fn string(value: &Value, what: &str) -> Result<String, ExecutionError> {
    match value {
        Value::String(s) => Ok(s.as_str().to_string()),
        Value::Null => Ok(String::new()),
        _ => Err(ExecutionError::function_error(what, "expected a string")),
    }
}

/// Adds the `kroute.*` functions over `view` to a root context.
pub fn register(ctx: &mut Context<'_, '_>, view: &Arc<View>) -> Result<(), DeclarationError> {
    let v = Arc::clone(view);
    ctx.add_function(
        "kroute.get",
        move |kind: Value, ns: Value, name: Value| -> Result<Value, ExecutionError> {
            let key = (
                string(&kind, "kroute.get")?,
                string(&ns, "kroute.get")?,
                string(&name, "kroute.get")?,
            );
            Ok(v.by_name
                .get(&key)
                .map_or(Value::Null, |i| v.objects[*i].clone()))
        },
    )?;
    let v = Arc::clone(view);
    ctx.add_function(
        "kroute.list",
        move |kind: Value, ns: Value| -> Result<Value, ExecutionError> {
            let key = (string(&kind, "kroute.list")?, string(&ns, "kroute.list")?);
            Ok(v.list(v.by_kind.get(&key).map_or(&[][..], Vec::as_slice)))
        },
    )?;
    let v = Arc::clone(view);
    ctx.add_function("kroute.servicesSelecting", move |This(obj): This<Value>| {
        let found = v.index_of(&obj).and_then(|i| v.services_selecting.get(&i));
        v.list(found.map_or(&[][..], Vec::as_slice))
    })?;
    let v = Arc::clone(view);
    ctx.add_function("kroute.routesTo", move |This(obj): This<Value>| {
        let found = v.index_of(&obj).and_then(|i| v.routes_to.get(&i));
        v.list(found.map_or(&[][..], Vec::as_slice))
    })?;
    ctx.add_function("kroute.gatewayHosts", |This(obj): This<Value>| {
        gateway_hosts(&obj)
    })?;
    let v = Arc::clone(view);
    ctx.add_function(
        "kroute.workloadsMatching",
        move |ns: Value, labels: Value| -> Result<Value, ExecutionError> {
            let ns = string(&ns, "kroute.workloadsMatching")?;
            let selector = selector_of(&labels)?;
            let found: Vec<usize> = v
                .workloads
                .iter()
                .filter(|(_, n, l)| *n == ns && selector.matches(l))
                .map(|(i, _, _)| *i)
                .collect();
            Ok(v.list(&found))
        },
    )?;
    Ok(())
}

/// A `{key: value}` map as a selector (every pair must match).
fn selector_of(labels: &Value) -> Result<Selector, ExecutionError> {
    let Value::Map(map) = labels else {
        return Err(ExecutionError::function_error(
            "kroute.workloadsMatching",
            "labels must be a map",
        ));
    };
    let labels = map
        .map
        .iter()
        .filter_map(|(k, v)| match (k, v) {
            (Key::String(k), Value::String(v)) => Some((k.to_string(), v.to_string())),
            _ => None,
        })
        .collect();
    Ok(Selector {
        labels,
        exprs: Vec::new(),
        span: Span::point(0),
        labels_span: Span::point(0),
    })
}

/// The hosts an Istio Gateway's servers or a Gateway API Gateway's listeners accept.
fn gateway_hosts(gateway: &Value) -> Value {
    let get = |v: &Value, k: &str| match v {
        Value::Map(m) => m.map.get(&Key::from(k)).cloned(),
        _ => None,
    };
    let items = |v: Option<Value>| match v {
        Some(Value::List(l)) => l.as_ref().clone(),
        _ => Vec::new(),
    };
    let spec = get(gateway, "spec");
    let spec = spec.as_ref();
    let mut hosts: Vec<Value> = Vec::new();
    for server in items(spec.and_then(|s| get(s, "servers"))) {
        hosts.extend(items(get(&server, "hosts")));
    }
    for listener in items(spec.and_then(|s| get(s, "listeners"))) {
        hosts.push(get(&listener, "hostname").unwrap_or_else(|| "*".into()));
    }
    hosts.into()
}
