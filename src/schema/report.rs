//! Validation errors turned into findings: the instance path of each error leads back to
//! the YAML node at fault, and the message says what is wrong in the user's terms.

use std::borrow::Cow;
use std::collections::HashSet;

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::paths::LocationSegment;
use serde_json::Value;

use super::deprecated::{self, Release};
use super::{Compiled, Finding, Kind, Missing};
use crate::inventory::nearest;
use crate::manifest::Object;
use crate::yaml::{Node, Span};

/// The object as JSON, the way the API server reads it: plain scalars typed, and `null`
/// fields left out (Kubernetes treats them as absent).
fn instance(node: &Node) -> Value {
    match &node.value {
        crate::yaml::Value::Map(entries) => Value::Object(
            entries
                .iter()
                .filter(|e| !e.value.is_null())
                .map(|e| {
                    let key = e
                        .key
                        .as_str()
                        .map_or_else(|| e.key.to_json().to_string(), str::to_string);
                    (key, instance(&e.value))
                })
                .collect(),
        ),
        crate::yaml::Value::Seq(items) => Value::Array(items.iter().map(instance).collect()),
        crate::yaml::Value::Scalar(_) | crate::yaml::Value::Styled(_) => node.to_json(),
    }
}

/// The schema errors of `object`, one finding per distinct error.
pub(super) fn errors<'a>(compiled: &Compiled, object: &'a Object) -> Vec<Finding<'a>> {
    let json = instance(&object.root);
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for error in compiled.validator.iter_errors(&json) {
        let path: Vec<LocationSegment<'_>> = error.instance_path().iter().collect();
        let (parent, node) = walk(&object.root, &path);
        let at = Place {
            object,
            parent: parent.span,
            node,
            path: dotted(&path),
        };
        let known = known_fields(&compiled.documents, error.schema_path().as_str());
        for finding in at.findings(error.kind(), error.instance(), &error.to_string(), &known) {
            if seen.insert((finding.span, finding.message.clone())) {
                out.push(finding);
            }
        }
    }
    out
}

/// The node at `path` under `root` (as deep as the path leads), and the mapping or
/// sequence holding it (the root holds itself).
fn walk<'n>(root: &'n Node, path: &[LocationSegment<'_>]) -> (&'n Node, &'n Node) {
    let (mut parent, mut node) = (root, root);
    for segment in path {
        let next = match segment {
            LocationSegment::Property(name) => node.get(name),
            LocationSegment::Index(i) => node.as_seq().and_then(|items| items.get(*i)),
        };
        match next {
            Some(n) => (parent, node) = (node, n),
            None => break,
        }
    }
    (parent, node)
}

/// `spec.ports[0].port`, as users read a path.
fn dotted(path: &[LocationSegment<'_>]) -> String {
    let mut out = String::new();
    for segment in path {
        match segment {
            LocationSegment::Property(name) if out.is_empty() => out.push_str(name),
            LocationSegment::Property(name) => {
                out.push('.');
                out.push_str(name);
            }
            LocationSegment::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// Where an error is: the object, the node at its instance path and that path.
struct Place<'a, 'n> {
    object: &'a Object,
    parent: Span,
    node: &'n Node,
    path: String,
}

impl<'a> Place<'a, '_> {
    fn finding(&self, kind: Kind, span: Span, message: String, help: &str) -> Finding<'a> {
        Finding {
            kind,
            object: self.object,
            span,
            parent: self.parent,
            message,
            help: help.to_string(),
            unusable: false,
            wants_string: false,
        }
    }

    /// `path: what`, or `what` at the object's root.
    fn at(&self, path: &str, what: &str) -> String {
        if path.is_empty() {
            what.to_string()
        } else {
            format!("{path}: {what}")
        }
    }

    fn findings(
        &self,
        kind: &ValidationErrorKind,
        value: &Value,
        text: &str,
        known: &[&str],
    ) -> Vec<Finding<'a>> {
        match kind {
            ValidationErrorKind::AdditionalProperties { unexpected } => unexpected
                .iter()
                .map(|name| self.unknown_field(name, known))
                .collect(),
            ValidationErrorKind::Required { property } => {
                let name = property.as_str().unwrap_or_default();
                let message = self.at(&self.path, &format!("missing required field \"{name}\""));
                vec![self.finding(
                    Kind::Violation,
                    self.node.span,
                    message,
                    "add the field; the API server refuses the object without it",
                )]
            }
            _ => {
                let what = describe(kind, value).unwrap_or_else(|| text.to_string());
                let message = self.at(&self.path, &what);
                let mut finding = self.finding(
                    Kind::Violation,
                    self.node.span,
                    message,
                    "correct the value: the API server refuses the object as it is",
                );
                finding.unusable = true;
                finding.wants_string = match kind {
                    ValidationErrorKind::Type {
                        kind: TypeKind::Single(t),
                    } => *t == jsonschema::JsonType::String,
                    // `string` or `null` (a field that may be absent); not int-or-string,
                    // where a quoted `8080.5` would be a port name no one meant.
                    ValidationErrorKind::Type {
                        kind: TypeKind::Multiple(set),
                    } => {
                        use jsonschema::JsonType;
                        set.contains(JsonType::String)
                            && set
                                .iter()
                                .all(|t| matches!(t, JsonType::String | JsonType::Null))
                    }
                    _ => false,
                };
                vec![finding]
            }
        }
    }

    /// KR102 on the key of the unknown field `name`, with the nearest known field.
    fn unknown_field(&self, name: &str, known: &[&str]) -> Finding<'a> {
        let entry = self.node.entry(name);
        let span = entry.map_or(self.node.span, |e| e.key.span);
        let path = if self.path.is_empty() {
            name.to_string()
        } else {
            format!("{}.{name}", self.path)
        };
        let hint = nearest(name, known.iter().copied())
            .map_or_else(String::new, |c| format!(" (did you mean {c}?)"));
        self.finding(
            Kind::UnknownField,
            span,
            format!("{path}: unknown field{hint}"),
            "remove the field or correct its name: the API server drops or refuses fields its schema does not have",
        )
    }
}

/// The fields the schema allows where an unknown one was found: the `properties` of the
/// schema object whose `additionalProperties` refused it (`schema_path` is its location in
/// the document, its own or one a `$ref` led to).
fn known_fields<'s>(documents: &'s [Cow<'static, Value>], schema_path: &str) -> Vec<&'s str> {
    let parent = schema_path
        .strip_suffix("/additionalProperties")
        .and_then(|p| documents.iter().find_map(|d| d.pointer(p)));
    parent
        .and_then(|p| p.get("properties"))
        .and_then(Value::as_object)
        .map(|p| p.keys().map(String::as_str).collect())
        .unwrap_or_default()
}

/// A readable account of the common errors; `None` for the others (the crate's text then).
fn describe(kind: &ValidationErrorKind, value: &Value) -> Option<String> {
    Some(match kind {
        ValidationErrorKind::Type { kind } => format!("{value} is not {}", types(kind)),
        ValidationErrorKind::Enum { options } => {
            let options = options.as_array()?;
            let listed: Vec<String> = options.iter().take(12).map(Value::to_string).collect();
            let more = if options.len() > listed.len() {
                ", …"
            } else {
                ""
            };
            format!("{value} is not one of {}{more}", listed.join(", "))
        }
        ValidationErrorKind::Pattern { pattern } => {
            format!("{value} does not match the pattern {pattern}")
        }
        _ => return None,
    })
}

/// `an integer`, `an integer or a string`.
fn types(kind: &TypeKind) -> String {
    let article = |t: jsonschema::JsonType| {
        let name = t.to_string();
        match name.as_str() {
            "integer" | "object" | "array" => format!("an {name}"),
            "null" => "null".to_string(),
            _ => format!("a {name}"),
        }
    };
    match kind {
        TypeKind::Single(t) => article(*t),
        // `null` is allowed where a field may be absent: not worth saying.
        TypeKind::Multiple(set) => set
            .iter()
            .filter(|t| *t != jsonschema::JsonType::Null)
            .map(article)
            .collect::<Vec<_>>()
            .join(" or "),
    }
}

/// KR104 on the apiVersion of each of `members` (objects of one apiVersion and kind).
pub(super) fn deprecations<'a>(members: &[&'a Object], release: Release) -> Vec<Finding<'a>> {
    let Some(first) = members.first() else {
        return Vec::new();
    };
    let Some((message, help)) = deprecated::check(&first.api_version, &first.kind, release) else {
        return Vec::new();
    };
    members
        .iter()
        .map(|object| Finding {
            kind: Kind::Deprecated,
            object,
            span: object
                .root
                .get("apiVersion")
                .map_or(object.span(), |n| n.span),
            parent: object.span(),
            message: message.clone(),
            help: help.clone(),
            unusable: false,
            wants_string: false,
        })
        .collect()
}

/// KR103 on the first object of a kind without a schema.
pub(super) fn no_schema<'a>(object: &'a Object, why: &Missing) -> Finding<'a> {
    let what = format!("{} {}", object.api_version, object.kind);
    let message = match why {
        Missing::Unknown => format!("no schema for {what}: the fields of its objects are not checked"),
        Missing::Broken(reason) => format!("the schema for {what} is unusable ({reason}): the fields of its objects are not checked"),
    };
    Finding {
        kind: Kind::NoSchema,
        object,
        span: object.root.get("kind").map_or(object.span(), |n| n.span),
        parent: object.span(),
        message,
        help: "add its CustomResourceDefinition to the input or to --context, or point --schema-location at its schema".to_string(),
        unusable: false,
        wants_string: false,
    }
}
