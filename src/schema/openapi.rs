//! Turns the OpenAPI flavour of JSON Schema that Kubernetes and CRDs use into plain JSON
//! Schema (draft 2020-12) the `jsonschema` crate validates, strict about unknown fields:
//! the generator (`cargo xtask schemas`) runs it over the upstream definitions, and it
//! serves a CRD met at run time the same way ([`crd_versions`]).
//!
//! The `x-kubernetes-*` extensions are read and then dropped, together with everything that
//! only documents (descriptions, examples, defaults): the schemas only validate, and a
//! smaller document decompresses and compiles faster.

use serde_json::{json, Map, Value};

use super::embedded;

/// How the Kubernetes definitions name `metadata`'s schema.
const OBJECT_META: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";

/// The built-in definitions' rules.
pub const BUILTIN_RULES: Rules = Rules {
    close_empty_objects: false,
};

/// A CRD's rules: [`Rules::close_empty_objects`] as the API server prunes.
pub const CRD_RULES: Rules = Rules {
    close_empty_objects: true,
};

/// The schema of one served version of a CRD's kind.
#[derive(Debug, Clone, PartialEq)]
pub struct CrdVersion {
    pub group: String,
    pub version: String,
    pub kind: String,
    pub schema: Value,
}

/// The schemas of the served versions of `crd` (a `CustomResourceDefinition` as JSON,
/// `apiextensions.k8s.io/v1` or the older `v1beta1` with one top-level schema). Versions
/// without a schema are left out. `metadata` becomes the Kubernetes `ObjectMeta` (a
/// `$ref` into [`embedded::kubernetes_definitions`]): CRDs leave it to the API server.
pub fn crd_versions(crd: &Value) -> Vec<CrdVersion> {
    let spec = &crd["spec"];
    let (Some(group), Some(kind)) = (spec["group"].as_str(), spec["names"]["kind"].as_str()) else {
        return Vec::new();
    };
    let shared = &spec["validation"]["openAPIV3Schema"];
    let Some(versions) = spec["versions"].as_array() else {
        return Vec::new();
    };
    versions
        .iter()
        .filter(|version| version["served"].as_bool() != Some(false))
        .filter_map(|version| {
            let schema = match &version["schema"]["openAPIV3Schema"] {
                Value::Null => shared,
                own => own,
            };
            Some(CrdVersion {
                group: group.to_string(),
                version: version["name"].as_str()?.to_string(),
                kind: kind.to_string(),
                schema: resource_schema(schema.as_object()?.clone()),
            })
        })
        .collect()
}

/// A CRD version's `openAPIV3Schema` as the schema of whole objects of its kind.
fn resource_schema(mut root: Map<String, Value>) -> Value {
    let properties = root
        .entry("properties")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Some(properties) = properties.as_object_mut() {
        properties.insert("apiVersion".into(), json!({"type": "string"}));
        properties.insert("kind".into(), json!({"type": "string"}));
        properties.insert("metadata".into(), object_meta());
    }
    let mut schema = Value::Object(root);
    normalize(&mut schema, CRD_RULES);
    schema
}

/// `metadata`'s schema: a reference to `ObjectMeta` in the embedded Kubernetes definitions.
pub fn object_meta() -> Value {
    let definitions = embedded::uri(embedded::KUBERNETES_DEFINITIONS);
    json!({ "$ref": format!("{definitions}#/$defs/{OBJECT_META}") })
}

/// What differs between the two kinds of source.
#[derive(Clone, Copy, Debug)]
pub struct Rules {
    /// A CRD's `type: object` with neither `properties` nor `additionalProperties` nor
    /// `x-kubernetes-preserve-unknown-fields` keeps no field: the API server prunes them all,
    /// so any field there is unknown. Built-in definitions use such nodes for raw objects
    /// (`RawExtension`), which keep everything.
    pub close_empty_objects: bool,
}

/// Formats a validator can check with the meaning Kubernetes gives them. The others
/// (`int32`, `byte`, `duration`, …) are Kubernetes-specific or mean something else in JSON
/// Schema (`duration` is ISO 8601 there, Go's `5s` in Kubernetes).
const KEPT_FORMATS: &[&str] = &["date-time"];

/// Keywords that hold one subschema where the object structure continues.
const STRUCTURAL_ONE: &[&str] = &["items", "additionalProperties"];
/// Keywords that hold a map of subschemas where the object structure continues.
const STRUCTURAL_MAP: &[&str] = &["properties", "patternProperties", "$defs", "definitions"];
/// Keywords whose subschemas only add constraints to a value the structure already
/// describes: their `properties` must not close the object, or they would reject the
/// fields declared beside them.
const COMBINATORS: &[&str] = &["allOf", "anyOf", "oneOf"];

/// Normalizes `node` in place as a structural schema node (the root, a property, an item).
pub fn normalize(node: &mut Value, rules: Rules) {
    normalize_node(node, rules, true);
}

fn normalize_node(node: &mut Value, rules: Rules, structural: bool) {
    let Some(obj) = node.as_object_mut() else {
        if let Some(items) = node.as_array_mut() {
            // `items` as a list of schemas (tuple form).
            for item in items {
                normalize_node(item, rules, structural);
            }
        }
        return;
    };
    let preserve = flag(obj, "x-kubernetes-preserve-unknown-fields");
    let int_or_string = flag(obj, "x-kubernetes-int-or-string")
        || obj.get("format") == Some(&json!("int-or-string"));
    let embedded = flag(obj, "x-kubernetes-embedded-resource");
    let nullable = flag(obj, "nullable");
    obj.retain(|key, value| keeps(key, value));
    merge_type_alternatives(obj);
    if int_or_string {
        obj.remove("anyOf");
        obj.insert("type".into(), json!(["integer", "string"]));
    }
    if nullable || type_allows_null(obj) {
        allow_null(obj);
    }
    if embedded {
        declare_type_meta(obj);
    }
    normalize_children(obj, rules);
    if structural && !preserve {
        close(obj, rules);
    }
}

fn normalize_children(obj: &mut Map<String, Value>, rules: Rules) {
    for key in STRUCTURAL_ONE {
        if let Some(child) = obj.get_mut(*key) {
            normalize_node(child, rules, true);
        }
    }
    for key in STRUCTURAL_MAP {
        if let Some(Value::Object(children)) = obj.get_mut(*key) {
            for child in children.values_mut() {
                normalize_node(child, rules, true);
            }
        }
    }
    for key in COMBINATORS {
        if let Some(Value::Array(children)) = obj.get_mut(*key) {
            for child in children {
                normalize_node(child, rules, false);
            }
        }
    }
    if let Some(child) = obj.get_mut("not") {
        normalize_node(child, rules, false);
    }
}

fn flag(obj: &Map<String, Value>, key: &str) -> bool {
    obj.get(key) == Some(&Value::Bool(true))
}

/// Whether a keyword stays in the generated schema.
fn keeps(key: &str, value: &Value) -> bool {
    match key {
        "description" | "title" | "example" | "examples" | "default" | "externalDocs"
        | "nullable" => false,
        "format" => value.as_str().is_some_and(|f| KEPT_FORMATS.contains(&f)),
        _ => !key.starts_with("x-"),
    }
}

/// `oneOf: [{type: string}, {type: integer}]` (how the Kubernetes definitions spell
/// int-or-string and quantities) becomes `type: [integer, string]`: with nullable members
/// both alternatives accept `null`, which `oneOf` would then reject.
fn merge_type_alternatives(obj: &mut Map<String, Value>) {
    if obj.contains_key("type") {
        return;
    }
    for key in ["oneOf", "anyOf"] {
        let Some(Value::Array(alternatives)) = obj.get(key) else {
            continue;
        };
        let Some(types) = only_types(alternatives) else {
            continue;
        };
        obj.remove(key);
        obj.insert("type".into(), json!(types));
        return;
    }
}

/// The union of the types of schemas that say nothing but their type.
fn only_types(alternatives: &[Value]) -> Option<Vec<String>> {
    let mut types = Vec::new();
    for alternative in alternatives {
        let obj = alternative.as_object()?;
        if obj.len() != 1 {
            return None;
        }
        match obj.get("type")? {
            Value::String(t) => types.push(t.clone()),
            Value::Array(ts) => {
                for t in ts {
                    types.push(t.as_str()?.to_string());
                }
            }
            _ => return None,
        }
    }
    types.sort();
    types.dedup();
    Some(types)
}

/// Whether the type already takes `null`, as every optional field of the built-in
/// definitions does (an empty `protocol:` is an unset field, not a bad enum value).
fn type_allows_null(obj: &Map<String, Value>) -> bool {
    obj.get("type")
        .and_then(Value::as_array)
        .is_some_and(|types| types.contains(&json!("null")))
}

/// Lets `null` through the type and the enum: `nullable: true` or a type that takes it.
fn allow_null(obj: &mut Map<String, Value>) {
    if let Some(t) = obj.get_mut("type") {
        let mut types: Vec<Value> = match &*t {
            Value::Array(ts) => ts.clone(),
            other => vec![other.clone()],
        };
        if !types.contains(&json!("null")) {
            types.push(json!("null"));
        }
        *t = Value::Array(types);
    }
    if let Some(Value::Array(values)) = obj.get_mut("enum") {
        if !values.contains(&Value::Null) {
            values.push(Value::Null);
        }
    }
}

/// An embedded resource (`x-kubernetes-embedded-resource`) always has `apiVersion`, `kind`
/// and `metadata`, whether its schema lists them or not.
fn declare_type_meta(obj: &mut Map<String, Value>) {
    let Some(Value::Object(properties)) = obj.get_mut("properties") else {
        return;
    };
    for (field, schema) in [
        ("apiVersion", json!({"type": "string"})),
        ("kind", json!({"type": "string"})),
        ("metadata", json!({"type": "object"})),
    ] {
        properties.entry(field).or_insert(schema);
    }
}

/// Strictness: an object that lists its fields accepts no others, so a typo is an
/// unknown-field error rather than a silently ignored key.
fn close(obj: &mut Map<String, Value>, rules: Rules) {
    if obj.contains_key("additionalProperties") {
        return;
    }
    let lists_fields = obj.contains_key("properties");
    let empty_object = rules.close_empty_objects
        && is_object_type(obj.get("type"))
        && !obj.contains_key("patternProperties");
    if lists_fields || empty_object {
        obj.insert("additionalProperties".into(), Value::Bool(false));
    }
}

fn is_object_type(t: Option<&Value>) -> bool {
    match t {
        Some(Value::String(t)) => t == "object",
        Some(Value::Array(ts)) => ts.contains(&json!("object")),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BUILTIN: Rules = BUILTIN_RULES;
    const CRD: Rules = CRD_RULES;

    fn normalized(mut schema: Value, rules: Rules) -> Value {
        normalize(&mut schema, rules);
        schema
    }

    #[test]
    fn objects_with_properties_are_closed_unless_they_preserve_unknown_fields() {
        let schema = json!({"type": "object", "description": "d", "properties": {
            "open": {"type": "object", "x-kubernetes-preserve-unknown-fields": true,
                     "properties": {"a": {"type": "string"}}},
            "closed": {"type": "object", "properties": {"description": {"type": "string"}}}
        }});
        assert_eq!(
            normalized(schema, BUILTIN),
            json!({"type": "object", "additionalProperties": false, "properties": {
                "open": {"type": "object", "properties": {"a": {"type": "string"}}},
                "closed": {"type": "object", "additionalProperties": false,
                           "properties": {"description": {"type": "string"}}}
            }})
        );
    }

    #[test]
    fn combinator_members_do_not_close_the_object() {
        let schema = json!({"type": "object", "properties": {"a": {"type": "string"}},
            "oneOf": [{"required": ["a"], "properties": {"a": {"minLength": 1}}}]});
        let out = normalized(schema, CRD);
        assert_eq!(out["oneOf"][0].get("additionalProperties"), None);
        assert_eq!(out["additionalProperties"], json!(false));
    }

    #[test]
    fn int_or_string_in_all_its_spellings() {
        let crd = json!({"anyOf": [{"type": "integer"}, {"type": "string"}],
                         "x-kubernetes-int-or-string": true});
        assert_eq!(normalized(crd, CRD), json!({"type": ["integer", "string"]}));
        let format = json!({"type": "string", "format": "int-or-string"});
        assert_eq!(
            normalized(format, CRD),
            json!({"type": ["integer", "string"]})
        );
        let builtin =
            json!({"oneOf": [{"type": ["string", "null"]}, {"type": ["integer", "null"]}]});
        assert_eq!(
            normalized(builtin, BUILTIN),
            json!({"type": ["integer", "null", "string"]})
        );
    }

    #[test]
    fn a_type_that_takes_null_lets_it_through_the_enum() {
        let schema = json!({"type": ["string", "null"], "enum": ["TCP", "UDP"]});
        assert_eq!(
            normalized(schema, BUILTIN),
            json!({"type": ["string", "null"], "enum": ["TCP", "UDP", null]})
        );
    }

    #[test]
    fn nullable_adds_null_to_type_and_enum() {
        let schema = json!({"type": "string", "enum": ["a"], "nullable": true});
        assert_eq!(
            normalized(schema, CRD),
            json!({"type": ["string", "null"], "enum": ["a", null]})
        );
    }

    #[test]
    fn empty_crd_objects_keep_no_field_but_builtin_raw_objects_keep_all() {
        let empty = json!({"type": "object"});
        assert_eq!(
            normalized(empty.clone(), CRD),
            json!({"type": "object", "additionalProperties": false})
        );
        assert_eq!(normalized(empty, BUILTIN), json!({"type": "object"}));
        let preserved = json!({"type": "object", "x-kubernetes-preserve-unknown-fields": true});
        assert_eq!(normalized(preserved, CRD), json!({"type": "object"}));
    }

    #[test]
    fn embedded_resources_declare_their_type_meta() {
        let schema = json!({"type": "object", "x-kubernetes-embedded-resource": true,
                            "properties": {"spec": {"type": "object",
                                "x-kubernetes-preserve-unknown-fields": true}}});
        let out = normalized(schema, CRD);
        assert_eq!(out["properties"]["kind"], json!({"type": "string"}));
        assert_eq!(out["additionalProperties"], json!(false));
    }

    #[test]
    fn only_date_time_formats_survive() {
        let schema = json!({"type": "object", "properties": {
            "t": {"type": "string", "format": "date-time"},
            "n": {"type": "integer", "format": "int32"}}});
        let out = normalized(schema, BUILTIN);
        assert_eq!(out["properties"]["t"]["format"], json!("date-time"));
        assert_eq!(out["properties"]["n"], json!({"type": "integer"}));
    }
}

#[cfg(test)]
mod crd_tests {
    use super::*;

    fn crd(versions: Value) -> Value {
        json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
               "spec": {"group": "example.com", "names": {"kind": "Widget"},
                        "versions": versions}})
    }

    #[test]
    fn served_versions_become_strict_resource_schemas() {
        let schema = json!({"openAPIV3Schema": {"type": "object", "properties": {
            "metadata": {"type": "object"},
            "spec": {"type": "object", "properties": {"size": {"type": "integer"}}}}}});
        let versions = crd_versions(&crd(json!([
            {"name": "v1", "served": true, "schema": schema},
            {"name": "v0", "served": false, "schema": schema},
            {"name": "v2", "served": true}
        ])));
        assert_eq!(versions.len(), 1);
        let v1 = &versions[0];
        assert_eq!(
            (v1.group.as_str(), v1.version.as_str()),
            ("example.com", "v1")
        );
        assert_eq!(v1.kind, "Widget");
        assert_eq!(v1.schema["additionalProperties"], json!(false));
        assert_eq!(v1.schema["properties"]["metadata"], object_meta());
        assert_eq!(v1.schema["properties"]["kind"], json!({"type": "string"}));
        assert_eq!(
            v1.schema["properties"]["spec"]["additionalProperties"],
            json!(false)
        );
    }

    #[test]
    fn a_schema_without_properties_keeps_only_the_type_meta() {
        let versions = crd_versions(&crd(json!([
            {"name": "v1", "served": true, "schema": {"openAPIV3Schema": {"type": "object"}}}
        ])));
        let properties = versions[0].schema["properties"]
            .as_object()
            .expect("properties");
        assert_eq!(properties.len(), 3);
        assert_eq!(versions[0].schema["additionalProperties"], json!(false));
    }

    #[test]
    fn anything_else_gives_nothing() {
        assert!(crd_versions(&json!({"kind": "ConfigMap"})).is_empty());
        assert!(crd_versions(&crd(json!("v1"))).is_empty());
    }
}
