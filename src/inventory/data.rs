//! The data keys of ConfigMaps and Secrets, for the references that read one key of them.

use std::collections::BTreeSet;

use super::secret::{SecretSource, Secrets};
use super::workload::RefKind;
use super::Inventory;
use crate::manifest::kustomize::{is_generated, without_hash_suffix};
use crate::manifest::Object;
use crate::yaml::Node;

/// What the input says about the keys of a ConfigMap or Secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DataKeys {
    /// Nothing in the input defines or creates the object.
    Absent,
    /// The object exists but its keys are not all in the input: a generator, an operator
    /// or a controller fills it, or it is an empty placeholder.
    Unknown,
    /// Every key of the object (of all its definitions, when several scopes define it).
    Known(BTreeSet<String>),
}

impl DataKeys {
    /// The keys of two definitions of one object: a key either holds is there.
    fn union(self, other: DataKeys) -> DataKeys {
        match (self, other) {
            (DataKeys::Absent, x) | (x, DataKeys::Absent) => x,
            (DataKeys::Known(mut a), DataKeys::Known(b)) => {
                a.extend(b);
                DataKeys::Known(a)
            }
            _ => DataKeys::Unknown,
        }
    }

    /// Keys written in `maps` of `object`; an object without any is a placeholder that
    /// something else fills (OpenShift's CA bundle injection, Istio's root certificate).
    fn of_maps(object: &Object, maps: &[&str]) -> DataKeys {
        let keys: BTreeSet<String> = maps
            .iter()
            .filter_map(|m| object.root.get(m).and_then(Node::as_map))
            .flatten()
            .filter_map(|e| e.key.as_str().map(str::to_string))
            .collect();
        if keys.is_empty() {
            DataKeys::Unknown
        } else {
            DataKeys::Known(keys)
        }
    }
}

/// Secret types whose keys the control plane writes.
const FILLED_SECRET_TYPES: &[&str] = &["kubernetes.io/service-account-token"];

impl Inventory {
    /// The keys of the ConfigMap or Secret `name` of `namespace`. Objects a kustomize
    /// generator makes have unknown keys (an `envs` file, a `behavior: merge` with a base),
    /// and so does a name with kustomize's hash suffix that a generator provides.
    pub fn data_keys(
        &self,
        secrets: &Secrets<'_>,
        kind: RefKind,
        namespace: &str,
        name: &str,
    ) -> DataKeys {
        match kind {
            RefKind::ConfigMap => self.config_map_keys(namespace, name),
            RefKind::Secret => self.secret_keys(secrets, namespace, name),
            RefKind::ServiceAccount | RefKind::PersistentVolumeClaim => DataKeys::Absent,
        }
    }

    fn config_map_keys(&self, namespace: &str, name: &str) -> DataKeys {
        let config_maps = |name| {
            self.find("ConfigMap", namespace, name)
                .filter(|o| o.group.is_empty())
        };
        let by_generator =
            without_hash_suffix(name).is_some_and(|base| config_maps(base).any(is_generated));
        if by_generator {
            return DataKeys::Unknown;
        }
        config_maps(name)
            .map(|o| {
                if is_generated(o) {
                    DataKeys::Unknown
                } else {
                    DataKeys::of_maps(o, &["data", "binaryData"])
                }
            })
            .fold(DataKeys::Absent, DataKeys::union)
    }

    fn secret_keys(&self, secrets: &Secrets<'_>, namespace: &str, name: &str) -> DataKeys {
        let Some(first) = secrets.get(namespace, name) else {
            return DataKeys::Absent;
        };
        if first.name != name {
            // Found through kustomize's hash suffix: a generator's Secret.
            return DataKeys::Unknown;
        }
        secrets
            .named(name)
            .iter()
            .filter(|s| s.namespace == namespace)
            .map(|s| self.secret_source_keys(s))
            .fold(DataKeys::Absent, DataKeys::union)
    }

    fn secret_source_keys(&self, source: &SecretSource) -> DataKeys {
        let object = self.object(source.object);
        let filled = object
            .root
            .str_at("type")
            .is_some_and(|t| FILLED_SECRET_TYPES.contains(&t));
        match &source.keys {
            Some(keys) if !source.generated && !filled => DataKeys::Known(keys.clone()),
            _ => DataKeys::Unknown,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(yaml: &str, kind: RefKind, name: &str) -> DataKeys {
        let inv = Inventory::from_yaml(yaml);
        let secrets = Secrets::index(&inv.secrets);
        inv.data_keys(&secrets, kind, "default", name)
    }

    fn known(keys: &[&str]) -> DataKeys {
        DataKeys::Known(keys.iter().map(|k| k.to_string()).collect())
    }

    #[test]
    fn config_map_keys_come_from_data_and_binary_data() {
        let yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: x}\nbinaryData: {b: eA==}\n";
        assert_eq!(keys(yaml, RefKind::ConfigMap, "c"), known(&["a", "b"]));
        assert_eq!(keys(yaml, RefKind::ConfigMap, "d"), DataKeys::Absent);
        let empty = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n";
        assert_eq!(keys(empty, RefKind::ConfigMap, "c"), DataKeys::Unknown);
    }

    #[test]
    fn secret_keys_come_from_data_and_string_data() {
        let yaml = "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {a: eA==}\nstringData: {b: x}\n";
        assert_eq!(keys(yaml, RefKind::Secret, "s"), known(&["a", "b"]));
        let token = "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ntype: kubernetes.io/service-account-token\ndata: {extra: eA==}\n";
        assert_eq!(keys(token, RefKind::Secret, "s"), DataKeys::Unknown);
        let sealed = "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata: {name: s}\nspec: {encryptedData: {pw: AgB}}\n";
        assert_eq!(keys(sealed, RefKind::Secret, "s"), known(&["pw"]));
        let external = "apiVersion: external-secrets.io/v1beta1\nkind: ExternalSecret\nmetadata: {name: s}\nspec: {target: {name: s}}\n";
        assert_eq!(keys(external, RefKind::Secret, "s"), DataKeys::Unknown);
    }

    #[test]
    fn generated_objects_have_unknown_keys() {
        let yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  annotations: {kroute.dev/generated-by: configMapGenerator}\nliterals: [a=1]\n";
        assert_eq!(keys(yaml, RefKind::ConfigMap, "c"), DataKeys::Unknown);
        assert_eq!(
            keys(yaml, RefKind::ConfigMap, "c-5f7k9h2c6t"),
            DataKeys::Unknown
        );
        let secret = yaml
            .replace("ConfigMap", "Secret")
            .replace("configMapGenerator", "secretGenerator");
        assert_eq!(keys(&secret, RefKind::Secret, "c"), DataKeys::Unknown);
        assert_eq!(
            keys(&secret, RefKind::Secret, "c-5f7k9h2c6t"),
            DataKeys::Unknown
        );
    }

    #[test]
    fn several_definitions_pool_their_keys() {
        let yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: x}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {b: x}\n";
        assert_eq!(keys(yaml, RefKind::ConfigMap, "c"), known(&["a", "b"]));
    }
}
