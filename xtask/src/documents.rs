//! The generated documents: one JSON schema per group/version/kind plus the shared
//! definitions they refer to, named by their path under `schemas/`.

use std::collections::BTreeMap;

use kroute::schema::embedded::{uri, BASE_URI};
use serde_json::{json, Value};

const DRAFT: &str = "https://json-schema.org/draft/2020-12/schema";

/// Documents by name (their path under `schemas/`), in name order so output is stable.
#[derive(Default)]
pub struct Documents(BTreeMap<String, Value>);

impl Documents {
    /// Adds a document, stamping it with its `$id` and draft. Two sources giving the same
    /// group/version/kind is an error, not a silent override.
    pub fn insert(&mut self, name: String, mut schema: Value) -> Result<(), String> {
        if let Some(obj) = schema.as_object_mut() {
            obj.insert("$id".into(), json!(uri(&name)));
            obj.insert("$schema".into(), json!(DRAFT));
        }
        if self.0.insert(name.clone(), schema).is_some() {
            return Err(format!("{name} is generated twice"));
        }
        Ok(())
    }

    pub fn iter(&self) -> impl Iterator<Item = (&String, &Value)> {
        self.0.iter()
    }
}

/// `apps`, `v1`, `Deployment` → `apps/v1/Deployment.json`; the core group is `core`.
pub fn gvk_name(group: &str, version: &str, kind: &str) -> String {
    let group = if group.is_empty() { "core" } else { group };
    format!("{group}/{version}/{kind}.json")
}

/// A `$ref` to a definition of a shared document.
pub fn reference(document: &str, definition: &str) -> Value {
    json!({ "$ref": format!("{}#/$defs/{definition}", uri(document)) })
}

/// The other documents `schema` refers to, by name.
pub fn dependencies(schema: &Value) -> Vec<String> {
    let mut found = Vec::new();
    collect_references(schema, &mut found);
    found.sort();
    found.dedup();
    found
}

fn collect_references(node: &Value, found: &mut Vec<String>) {
    match node {
        Value::Object(obj) => {
            for (key, value) in obj {
                if key == "$ref" {
                    if let Some(name) = value.as_str().and_then(|r| r.strip_prefix(BASE_URI)) {
                        found.push(name.split('#').next().unwrap_or(name).to_string());
                    }
                } else {
                    collect_references(value, found);
                }
            }
        }
        Value::Array(items) => items
            .iter()
            .for_each(|item| collect_references(item, found)),
        _ => {}
    }
}
