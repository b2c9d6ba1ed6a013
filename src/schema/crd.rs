//! The schemas a `CustomResourceDefinition` gives its custom resources: the
//! `openAPIV3Schema` of each served version, used as it is written (no conversion step).

use serde_json::Value;

use super::openapi;
use crate::manifest::Object;
use crate::yaml::Node;

/// An apiVersion and kind, the key of a schema.
pub type Gvk = (String, String);

/// Whether `object` is a CRD.
pub fn is_crd(object: &Object) -> bool {
    object.kind == "CustomResourceDefinition" && object.group == "apiextensions.k8s.io"
}

/// The schema of each served version of the CRD `root`, converted as the embedded CRD
/// schemas are ([`openapi::crd_versions`]).
pub fn schemas(root: &Node) -> Vec<(Gvk, Value)> {
    openapi::crd_versions(&root.to_json())
        .into_iter()
        .map(|v| {
            let api_version = if v.group.is_empty() {
                v.version
            } else {
                format!("{}/{}", v.group, v.version)
            };
            ((api_version, v.kind), v.schema)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(text: &str) -> Node {
        let parsed = crate::yaml::parse_stream(text, &crate::yaml::Limits::default());
        parsed
            .documents
            .into_iter()
            .next()
            .expect("a document")
            .root
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
