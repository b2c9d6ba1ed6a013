//! Types from the built-in JSON schemas (`src/schema/embedded.rs`), as the API server
//! types `object` for a ValidatingAdmissionPolicy: a field the schema lists has its
//! type; a field it does not list is an error only where the schema is closed
//! (`additionalProperties: false`, which every built-in object schema is).
//!
//! What CEL sees as a string may not be one here: the evaluator reads manifests as YAML,
//! so a `date-time` or `duration` string stays a string and is typed `dyn`, like
//! int-or-string, quantities and anything preserving unknown fields.

use serde_json::Value;

use super::types::Type;
use crate::schema::embedded;

/// A schema node of the embedded bundle, compared by identity.
#[derive(Clone, Copy, Debug)]
pub struct SchemaRef(&'static Value);

impl PartialEq for SchemaRef {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.0, other.0)
    }
}

/// The type of an object of any of `kinds` (apiVersion, kind): `dyn` unless every one
/// has a built-in schema.
pub fn object_of<'k>(kinds: impl IntoIterator<Item = (&'k str, &'k str)>) -> Type {
    let mut nodes = Vec::new();
    for (api_version, kind) in kinds {
        match embedded::lookup(api_version, kind) {
            Some(found) => nodes.push(found.schema),
            None => return Type::Dyn,
        }
    }
    if nodes.is_empty() {
        return Type::Dyn;
    }
    of_nodes(&nodes)
}

/// The field `name` of an object typed by `schemas`: `Err` with the fields they have
/// when none has it and none is open.
pub fn field(schemas: &[SchemaRef], name: &str) -> Result<Type, Vec<&'static str>> {
    let mut found = Vec::new();
    let mut open = false;
    let mut known = Vec::new();
    for SchemaRef(node) in schemas {
        let properties = node.get("properties").and_then(Value::as_object);
        if let Some(field) = properties.and_then(|p| p.get(name)) {
            found.push(field);
            continue;
        }
        known.extend(
            properties
                .into_iter()
                .flat_map(|p| p.keys().map(String::as_str)),
        );
        match node.get("additionalProperties") {
            Some(Value::Bool(false)) => {}
            Some(values @ Value::Object(_)) => found.push(values),
            _ => open = true,
        }
    }
    if open {
        return Ok(Type::Dyn);
    }
    if found.is_empty() {
        known.sort_unstable();
        known.dedup();
        return Err(known);
    }
    Ok(of_nodes(&found))
}

/// The type of a value any of `nodes` describes.
fn of_nodes(nodes: &[&'static Value]) -> Type {
    let Some(resolved) = nodes.iter().map(|n| resolve(n)).collect::<Option<Vec<_>>>() else {
        return Type::Dyn;
    };
    let shapes: Vec<Shape> = resolved.iter().map(|n| shape(n)).collect();
    match shapes.first() {
        Some(Shape::Object(_)) => {
            let objects: Option<Vec<SchemaRef>> = shapes
                .iter()
                .map(|s| match s {
                    Shape::Object(n) => Some(SchemaRef(n)),
                    _ => None,
                })
                .collect();
            objects.map_or(Type::Dyn, Type::Schema)
        }
        Some(Shape::Array(_)) => {
            let items: Option<Vec<&'static Value>> = shapes
                .iter()
                .map(|s| match s {
                    Shape::Array(items) => *items,
                    _ => None,
                })
                .collect();
            Type::List(Box::new(items.map_or(Type::Dyn, |i| of_nodes(&i))))
        }
        Some(Shape::MapOf(_)) => {
            let values: Option<Vec<&'static Value>> = shapes
                .iter()
                .map(|s| match s {
                    Shape::MapOf(v) => Some(*v),
                    _ => None,
                })
                .collect();
            let values = values.map_or(Type::Dyn, |v| of_nodes(&v));
            Type::Map(Box::new(Type::String), Box::new(values))
        }
        Some(Shape::Scalar(first)) => {
            let same = shapes
                .iter()
                .all(|s| matches!(s, Shape::Scalar(t) if t == first));
            if same {
                first.clone()
            } else {
                Type::Dyn
            }
        }
        None => Type::Dyn,
    }
}

enum Shape {
    /// An object with listed properties.
    Object(&'static Value),
    /// A list, with the schema of its items when given.
    Array(Option<&'static Value>),
    /// A map from strings to values of this schema.
    MapOf(&'static Value),
    Scalar(Type),
}

fn shape(node: &'static Value) -> Shape {
    let flag = |key: &str| node.get(key).and_then(Value::as_bool) == Some(true);
    let composite = ["anyOf", "oneOf", "allOf"]
        .iter()
        .any(|k| node.get(*k).is_some());
    if flag("x-kubernetes-preserve-unknown-fields")
        || flag("x-kubernetes-int-or-string")
        || composite
    {
        return Shape::Scalar(Type::Dyn);
    }
    let types: Vec<&str> = match node.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let types: Vec<&str> = types.into_iter().filter(|t| *t != "null").collect();
    let has_properties = node.get("properties").is_some();
    match types.as_slice() {
        ["object"] | [] if has_properties => Shape::Object(node),
        ["object"] => match node.get("additionalProperties") {
            Some(values @ Value::Object(_)) => Shape::MapOf(values),
            _ => Shape::Scalar(Type::Dyn),
        },
        ["array"] => Shape::Array(node.get("items")),
        // A formatted string (date-time, duration, byte) is a string in a manifest.
        ["string"] if node.get("format").is_none() => Shape::Scalar(Type::String),
        ["integer"] => Shape::Scalar(Type::Int),
        ["number"] => Shape::Scalar(Type::Double),
        ["boolean"] => Shape::Scalar(Type::Bool),
        _ => Shape::Scalar(Type::Dyn),
    }
}

/// Follows `$ref`s into the Kubernetes definitions, the only documents built-in schemas
/// refer to.
fn resolve(mut node: &'static Value) -> Option<&'static Value> {
    // A cycle of references is not a schema: give up after as many steps as it takes
    // to resolve any real chain.
    for _ in 0..16 {
        let Some(reference) = node.get("$ref").and_then(Value::as_str) else {
            return Some(node);
        };
        let (_, pointer) = reference.split_once('#')?;
        let (_, definitions) = embedded::kubernetes_definitions()?;
        node = definitions.pointer(pointer)?;
    }
    None
}
