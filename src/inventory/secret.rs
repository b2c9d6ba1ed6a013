//! Secrets, and the objects that create them: cert-manager Certificates, SealedSecrets and
//! ExternalSecrets.

use std::collections::BTreeSet;

use crate::manifest::{Object, ObjectId};
use crate::yaml::Node;

/// An object that is, or creates, a Secret.
#[derive(Clone, Debug)]
pub struct SecretSource {
    pub object: ObjectId,
    /// The Secret's namespace.
    pub namespace: String,
    /// The Secret's name.
    pub name: String,
    /// The Secret's data keys, when the object shows them (a Secret or SealedSecret with
    /// data); `None` when they are unknown.
    pub keys: Option<BTreeSet<String>>,
}

impl SecretSource {
    /// The Secret `object` is or creates, if any.
    pub fn from_object(object: &Object) -> Option<SecretSource> {
        let spec = object.spec();
        let (name, keys) = match (object.group.as_str(), object.kind.as_str()) {
            ("", "Secret") => {
                let keys: BTreeSet<String> = map_keys(object.root.get("data"))
                    .chain(map_keys(object.root.get("stringData")))
                    .collect();
                (object.name.clone(), Some(keys))
            }
            ("cert-manager.io", "Certificate") => (spec?.str_at("secretName")?.to_string(), None),
            ("bitnami.com", "SealedSecret") => {
                let keys: BTreeSet<String> = map_keys(spec.and_then(|s| s.get("encryptedData")))
                    .chain(map_keys(spec.and_then(|s| s.at(&["template", "data"]))))
                    .collect();
                (object.name.clone(), Some(keys))
            }
            ("external-secrets.io", "ExternalSecret") => (
                spec.and_then(|s| s.at(&["target", "name"]))
                    .and_then(Node::as_str)
                    .unwrap_or(&object.name)
                    .to_string(),
                None,
            ),
            _ => return None,
        };
        Some(SecretSource {
            object: object.id,
            namespace: object.namespace.clone(),
            name,
            // An empty Secret is a placeholder something else fills: its keys are not known.
            keys: keys.filter(|k| !k.is_empty()),
        })
    }
}

fn map_keys(node: Option<&Node>) -> impl Iterator<Item = String> + '_ {
    node.and_then(Node::as_map)
        .unwrap_or(&[])
        .iter()
        .filter_map(|e| e.key.as_str().map(str::to_string))
}
