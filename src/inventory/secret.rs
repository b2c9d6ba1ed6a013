//! Secrets, and the objects that create them: kustomize `secretGenerator`s, cert-manager
//! Certificates, SealedSecrets, External Secrets, Vault Secrets Operator and 1Password
//! items, and the Secrets Store CSI driver's synced Secrets.

use std::collections::{BTreeSet, HashMap};

use crate::manifest::kustomize::{generated_keys, is_generated, without_hash_suffix};
use crate::manifest::{Object, ObjectId};
use crate::yaml::{Node, Span};

/// An object that is, or creates, a Secret.
#[derive(Clone, Debug)]
pub struct SecretSource {
    pub object: ObjectId,
    /// The Secret's namespace.
    pub namespace: String,
    /// The Secret's name.
    pub name: String,
    /// The Secret's data keys, when the object shows them (a Secret or SealedSecret with
    /// data, a generator with literals and files); `None` when they are unknown.
    pub keys: Option<BTreeSet<String>>,
    /// Made by a kustomize generator: its real name has a hash suffix.
    pub generated: bool,
}

impl SecretSource {
    /// The Secrets `object` is or creates.
    pub fn from_object(object: &Object) -> Vec<SecretSource> {
        let source = |name: &str, keys: Option<BTreeSet<String>>| SecretSource {
            object: object.id,
            namespace: object.namespace.to_string(),
            name: name.to_string(),
            // An empty Secret is a placeholder something else fills: its keys are not known.
            keys: keys.filter(|k| !k.is_empty()),
            generated: is_generated(object),
        };
        let spec = object.spec();
        let spec_str = |path: &[&str]| spec.and_then(|s| s.at(path)).and_then(Node::as_str);
        match (object.group.as_str(), object.kind.as_str()) {
            ("", "Secret") if is_generated(object) => {
                let keys = generated_keys(object).map(|k| k.into_iter().collect());
                vec![source(&object.name, keys)]
            }
            ("", "Secret") => {
                let keys = map_keys(object.root.get("data"))
                    .chain(map_keys(object.root.get("stringData")))
                    .collect();
                vec![source(&object.name, Some(keys))]
            }
            ("bitnami.com", "SealedSecret") => {
                let keys = map_keys(spec.and_then(|s| s.get("encryptedData")))
                    .chain(map_keys(spec.and_then(|s| s.at(&["template", "data"]))))
                    .collect();
                vec![source(&object.name, Some(keys))]
            }
            ("cert-manager.io", "Certificate") => spec_str(&["secretName"])
                .map(|name| source(name, None))
                .into_iter()
                .collect(),
            ("external-secrets.io", "ExternalSecret") => {
                let name = spec_str(&["target", "name"]).unwrap_or(&object.name);
                vec![source(name, None)]
            }
            (
                "secrets.hashicorp.com",
                "VaultStaticSecret" | "VaultDynamicSecret" | "VaultPKISecret",
            ) => spec_str(&["destination", "name"])
                .map(|name| source(name, None))
                .into_iter()
                .collect(),
            ("kubernetes-client.io", "ExternalSecret") | ("onepassword.com", "OnePasswordItem") => {
                vec![source(&object.name, None)]
            }
            ("secrets-store.csi.x-k8s.io", "SecretProviderClass") => spec
                .map(|s| s.seq_at("secretObjects"))
                .unwrap_or(&[])
                .iter()
                .filter_map(|o| o.str_at("secretName"))
                .map(|name| source(name, None))
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// A value a `Secret` manifest holds under some key, as written.
#[derive(Clone, Copy, Debug)]
pub struct SecretValue<'a> {
    /// The scalar's text: base64 when `encoded`, the value itself otherwise.
    pub text: &'a str,
    /// Written under `data` (base64) rather than `stringData` (plain text).
    pub encoded: bool,
    pub span: Span,
}

/// The value of `key` in a `Secret` manifest (not a generator's, whose values are files):
/// `stringData` wins over `data`, as the API server merges it over `data`.
pub fn secret_value<'a>(object: &'a Object, key: &str) -> Option<SecretValue<'a>> {
    if !object.group.is_empty() || object.kind != "Secret" || is_generated(object) {
        return None;
    }
    let at = |field: &str, encoded: bool| {
        let node = object.root.get(field)?.get(key)?;
        Some(SecretValue {
            text: node.as_str()?,
            encoded,
            span: node.span,
        })
    };
    at("stringData", false).or_else(|| at("data", true))
}

fn map_keys(node: Option<&Node>) -> impl Iterator<Item = String> + '_ {
    node.and_then(Node::as_map)
        .unwrap_or(&[])
        .iter()
        .filter_map(|e| e.key.as_str().map(str::to_string))
}

/// The Secrets of the input, for lookups: the first source of each `(namespace, name)`, and
/// every source of each name, whatever its namespace.
pub struct Secrets<'a> {
    by_key: HashMap<(&'a str, &'a str), &'a SecretSource>,
    by_name: HashMap<&'a str, Vec<&'a SecretSource>>,
}

impl<'a> Secrets<'a> {
    pub fn index(sources: &'a [SecretSource]) -> Secrets<'a> {
        let mut secrets = Secrets {
            by_key: HashMap::new(),
            by_name: HashMap::new(),
        };
        for source in sources {
            secrets
                .by_name
                .entry(source.name.as_str())
                .or_default()
                .push(source);
            secrets
                .by_key
                .entry((source.namespace.as_str(), source.name.as_str()))
                .or_insert(source);
        }
        secrets
    }

    /// What provides Secret `name` in `namespace`. A name with kustomize's hash suffix
    /// (`db-creds-5f7k9h2c6t`, as a rendering names it) is provided by the generator of
    /// `db-creds`.
    pub fn get(&self, namespace: &str, name: &str) -> Option<&'a SecretSource> {
        self.by_key.get(&(namespace, name)).copied().or_else(|| {
            let base = without_hash_suffix(name)?;
            self.by_key
                .get(&(namespace, base))
                .copied()
                .filter(|s| s.generated)
        })
    }

    /// Every source of a Secret called `name`, in any namespace.
    pub fn named(&self, name: &str) -> &[&'a SecretSource] {
        self.by_name.get(name).map_or(&[], Vec::as_slice)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::Inventory;

    #[test]
    fn objects_that_create_secrets() {
        let inv = Inventory::from_yaml(
            "apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata: {name: c, namespace: gw}\nspec: {secretName: shop-tls}\n---\napiVersion: external-secrets.io/v1beta1\nkind: ExternalSecret\nmetadata: {name: db}\nspec: {target: {name: db-creds}}\n---\napiVersion: secrets.hashicorp.com/v1beta1\nkind: VaultStaticSecret\nmetadata: {name: v}\nspec: {destination: {name: vault-app, create: true}}\n---\napiVersion: secrets-store.csi.x-k8s.io/v1\nkind: SecretProviderClass\nmetadata: {name: spc}\nspec:\n  secretObjects:\n  - {secretName: one}\n  - {secretName: two}\n",
        );
        let secrets = Secrets::index(&inv.secrets);
        for (ns, name) in [
            ("gw", "shop-tls"),
            ("default", "db-creds"),
            ("default", "vault-app"),
            ("default", "one"),
            ("default", "two"),
        ] {
            assert!(secrets.get(ns, name).is_some(), "{ns}/{name}");
        }
        assert!(secrets.get("default", "shop-tls").is_none());
        assert_eq!(secrets.named("shop-tls").len(), 1);
    }

    #[test]
    fn a_hash_suffix_matches_only_a_generator() {
        let inv = Inventory::from_yaml("apiVersion: v1\nkind: Secret\nmetadata: {name: plain}\n");
        let secrets = Secrets::index(&inv.secrets);
        assert!(secrets.get("default", "plain").is_some());
        assert!(secrets.get("default", "plain-5f7k9h2c6t").is_none());
        // What a secretGenerator makes carries kroute's marker.
        let inv = Inventory::from_yaml(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  annotations: {kroute.dev/generated-by: secretGenerator}\n",
        );
        let secrets = Secrets::index(&inv.secrets);
        assert!(secrets.get("default", "db-5f7k9h2c6t").is_some());
        assert!(secrets.get("default", "db-5f7k9h2c6").is_none());
    }
}
