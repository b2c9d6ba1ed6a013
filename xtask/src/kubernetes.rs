//! Kubernetes built-in kinds from the OpenAPI definitions of one release, as the
//! `kubernetes-validate` package ships them (`_definitions.json`, JSON Schema 2020-12 with
//! `x-kubernetes-group-version-kind` on every kind): one shared document with all the
//! definitions, and per group/version/kind a small document that refers into it.

use std::path::Path;

use kroute::schema::embedded::KUBERNETES_DEFINITIONS as DEFINITIONS;
use kroute::schema::openapi::{normalize, BUILTIN_RULES};
use serde_json::{Map, Value};

use crate::documents::{gvk_name, reference, Documents};
use crate::read_json;

/// Adds the documents generated from `release` (`schemas/upstream/kubernetes/<release>/`).
pub fn generate(release: &Path, documents: &mut Documents) -> Result<(), String> {
    let mut upstream = read_json(&release.join("_definitions.json"))?;
    let Some(Value::Object(mut definitions)) = upstream.get_mut("$defs").map(Value::take) else {
        return Err(format!("{}: no $defs", release.display()));
    };
    let kinds = group_version_kinds(&definitions);
    for definition in definitions.values_mut() {
        normalize(definition, BUILTIN_RULES);
    }
    documents.insert(
        DEFINITIONS.to_string(),
        Value::Object(Map::from_iter([(
            "$defs".to_string(),
            Value::Object(definitions),
        )])),
    )?;
    for (name, definition) in kinds {
        documents.insert(name, reference(DEFINITIONS, &definition))?;
    }
    Ok(())
}

/// (document name, definition) for every group/version/kind a definition declares.
fn group_version_kinds(definitions: &Map<String, Value>) -> Vec<(String, String)> {
    let mut kinds = Vec::new();
    for (definition, schema) in definitions {
        let Some(Value::Array(gvks)) = schema.get("x-kubernetes-group-version-kind") else {
            continue;
        };
        for gvk in gvks {
            let field = |key: &str| gvk.get(key).and_then(Value::as_str).unwrap_or_default();
            if field("version").is_empty() || field("kind").is_empty() {
                continue;
            }
            let name = gvk_name(field("group"), field("version"), field("kind"));
            kinds.push((name, definition.clone()));
        }
    }
    kinds
}
