//! Kubernetes' OpenAPI dialect mapped to plain JSON Schema, as the `jsonschema` crate reads
//! it. One mapping for CRD schemas read at run time and for the generator of `schemas/`
//! (`xtask`), so that an embedded schema and a CRD in the input mean the same thing.
//!
//! - `x-kubernetes-int-or-string` and `format: int-or-string` accept an integer or a string;
//! - `nullable: true` accepts `null`;
//! - `x-kubernetes-embedded-resource` objects accept `apiVersion`, `kind` and `metadata`;
//! - every object schema that lists its `properties` refuses other fields
//!   (`additionalProperties: false`: strict, what the API server's field validation does)
//!   unless it says `x-kubernetes-preserve-unknown-fields` or gives `additionalProperties`.

use serde_json::{json, Map, Value};

const INT_OR_STRING: &str = "x-kubernetes-int-or-string";
const PRESERVE_UNKNOWN: &str = "x-kubernetes-preserve-unknown-fields";
const EMBEDDED: &str = "x-kubernetes-embedded-resource";

/// Keywords whose value is one schema.
const ONE_SCHEMA: &[&str] = &["items", "additionalProperties", "not", "additionalItems"];
/// Keywords whose value is a list of schemas.
const SCHEMA_LIST: &[&str] = &["allOf", "anyOf", "oneOf"];
/// Keywords whose value maps names to schemas.
const SCHEMA_MAP: &[&str] = &["properties", "patternProperties", "definitions", "$defs"];

/// Maps `schema` and every schema inside it, in place.
pub fn to_json_schema(schema: &mut Value) {
    let Some(object) = schema.as_object_mut() else {
        return;
    };
    map_one(object);
    for key in ONE_SCHEMA {
        if let Some(inner) = object.get_mut(*key) {
            to_json_schema(inner);
        }
    }
    for key in SCHEMA_LIST {
        if let Some(Value::Array(list)) = object.get_mut(*key) {
            list.iter_mut().for_each(to_json_schema);
        }
    }
    for key in SCHEMA_MAP {
        if let Some(Value::Object(map)) = object.get_mut(*key) {
            map.values_mut().for_each(to_json_schema);
        }
    }
}

fn is_true(object: &Map<String, Value>, key: &str) -> bool {
    object.get(key).and_then(Value::as_bool) == Some(true)
}

/// The mapping of one schema object, its children aside.
fn map_one(object: &mut Map<String, Value>) {
    let int_or_string = is_true(object, INT_OR_STRING)
        || object.get("format").and_then(Value::as_str) == Some("int-or-string");
    if int_or_string {
        // CRDs spell it `anyOf: [{type: integer}, {type: string}]` beside the marker: one
        // type list says the same and reads better in an error.
        object.remove("anyOf");
        object.remove("format");
        object.insert("type".into(), json!(["integer", "string"]));
    }
    if is_true(object, EMBEDDED) {
        let properties = object
            .entry("properties")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Some(properties) = properties.as_object_mut() {
            for (name, kind) in [
                ("apiVersion", "string"),
                ("kind", "string"),
                ("metadata", "object"),
            ] {
                properties
                    .entry(name)
                    .or_insert_with(|| json!({ "type": kind }));
            }
        }
    }
    if is_true(object, "nullable") {
        if let Some(Value::String(kind)) = object.get("type") {
            let kinds = json!([kind, "null"]);
            object.insert("type".into(), kinds);
        }
    }
    let strict = object.contains_key("properties")
        && !object.contains_key("additionalProperties")
        && !is_true(object, PRESERVE_UNKNOWN);
    if strict {
        object.insert("additionalProperties".into(), Value::Bool(false));
    }
}

/// The schema of a custom resource from its CRD's `openAPIV3Schema`: mapped, and with the
/// fields every object has (`apiVersion`, `kind`, `metadata`) allowed when the CRD leaves
/// them out, as the API server does.
pub fn custom_resource(open_api: &Value) -> Value {
    let mut schema = open_api.clone();
    if let Some(object) = schema.as_object_mut() {
        object.insert(EMBEDDED.into(), Value::Bool(true));
    }
    to_json_schema(&mut schema);
    schema
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int_or_string_becomes_a_type_list() {
        let mut schema = json!({"anyOf": [{"type": "integer"}, {"type": "string"}], INT_OR_STRING: true});
        to_json_schema(&mut schema);
        assert_eq!(schema["type"], json!(["integer", "string"]));
        assert!(schema.get("anyOf").is_none());
    }

    #[test]
    fn objects_with_properties_are_strict_unless_they_preserve_unknown_fields() {
        let mut schema = json!({"type": "object", "properties": {
            "a": {"type": "object", "properties": {"b": {"type": "string"}}},
            "c": {"type": "object", "properties": {}, PRESERVE_UNKNOWN: true},
            "d": {"type": "object", "additionalProperties": {"type": "string"}},
        }});
        to_json_schema(&mut schema);
        assert_eq!(schema["additionalProperties"], json!(false));
        assert_eq!(schema["properties"]["a"]["additionalProperties"], json!(false));
        assert!(schema["properties"]["c"].get("additionalProperties").is_none());
        assert_eq!(schema["properties"]["d"]["additionalProperties"], json!({"type": "string"}));
    }

    #[test]
    fn custom_resources_accept_the_fields_of_every_object() {
        let schema = custom_resource(&json!({"type": "object", "properties": {"spec": {"type": "object"}}}));
        let properties = schema["properties"].as_object().map(|p| p.len());
        assert_eq!(properties, Some(4));
    }

    #[test]
    fn nullable_accepts_null() {
        let mut schema = json!({"type": "string", "nullable": true});
        to_json_schema(&mut schema);
        assert_eq!(schema["type"], json!(["string", "null"]));
    }
}
