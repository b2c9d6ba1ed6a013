//! The schemas a `CustomResourceDefinition` gives its custom resources: the
//! `openAPIV3Schema` of each served version, used as it is written (no conversion step).

use serde_json::Value;

use super::mapping;
use crate::manifest::Object;
use crate::yaml::Node;

/// An apiVersion and kind, the key of a schema.
pub type Gvk = (String, String);

/// Whether `object` is a CRD.
pub fn is_crd(object: &Object) -> bool {
    object.kind == "CustomResourceDefinition" && object.group == "apiextensions.k8s.io"
}

/// The schema of each served version of the CRD `root` (a v1 CRD lists one per version; a
/// v1beta1 one may give one for all of them under `spec.validation`).
pub fn schemas(root: &Node) -> Vec<(Gvk, Value)> {
    let Some(spec) = root.get("spec") else {
        return Vec::new();
    };
    let (Some(group), Some(kind)) = (spec.str_at("group"), spec.at(&["names", "kind"])) else {
        return Vec::new();
    };
    let Some(kind) = kind.as_str() else {
        return Vec::new();
    };
    let shared = spec.at(&["validation", "openAPIV3Schema"]);
    let api_version = |version: &str| {
        if group.is_empty() {
            version.to_string()
        } else {
            format!("{group}/{version}")
        }
    };
    let mut out = Vec::new();
    for version in spec.seq_at("versions") {
        let (Some(name), true) = (version.str_at("name"), served(version)) else {
            continue;
        };
        let own = version.at(&["schema", "openAPIV3Schema"]);
        if let Some(schema) = own.or(shared) {
            let key = (api_version(name), kind.to_string());
            out.push((key, mapping::custom_resource(&schema.to_json())));
        }
    }
    if let (Some(name), Some(schema)) = (spec.str_at("version"), shared) {
        let key = (api_version(name), kind.to_string());
        if !out.iter().any(|(k, _)| *k == key) {
            out.push((key, mapping::custom_resource(&schema.to_json())));
        }
    }
    out
}

fn served(version: &Node) -> bool {
    version.get("served").and_then(Node::as_bool) != Some(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(text: &str) -> Node {
        let parsed = crate::yaml::parse_stream(text, &crate::yaml::Limits::default());
        parsed.documents.into_iter().next().expect("a document").root
    }

    #[test]
    fn served_versions_give_their_schema() {
        let crd = root(
            "spec:\n  group: example.com\n  names: {kind: Widget}\n  versions:\n  - name: v1\n    served: true\n    schema:\n      openAPIV3Schema: {type: object}\n  - name: v1alpha1\n    served: false\n    schema:\n      openAPIV3Schema: {type: object}\n",
        );
        let keys: Vec<Gvk> = schemas(&crd).into_iter().map(|(k, _)| k).collect();
        assert_eq!(keys, vec![("example.com/v1".into(), "Widget".into())]);
    }
}
