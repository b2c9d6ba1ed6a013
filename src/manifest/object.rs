use std::sync::Arc;

use compact_str::CompactString;

use super::Labels;
use crate::source::FileId;
use crate::yaml::{Node, Span};

/// Index of an object in the inventory's object list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectId(pub u32);

/// A Kubernetes object read from a manifest: where it was read, and what it is.
///
/// Objects are copied into scopes, alternative runs and webhook requests, and are never
/// changed after loading but for their place (`id`, `file`): what they hold is shared, so
/// that a copy costs a reference count, not a second object.
#[derive(Debug, Clone)]
pub struct Object {
    pub id: ObjectId,
    pub file: FileId,
    pub data: Arc<ObjectData>,
}

/// What an object is and holds, shared by its copies (see [`Object`]).
#[derive(Debug)]
pub struct ObjectData {
    /// 0-based index of the YAML document in its file.
    pub doc: u32,
    pub api_version: CompactString,
    /// API group (`""` for the core group), from `api_version`.
    pub group: CompactString,
    pub kind: CompactString,
    /// `metadata.name`, or `metadata.generateName` when only that is set.
    pub name: CompactString,
    pub generated_name: bool,
    /// The effective namespace: `metadata.namespace`, else the default namespace; empty for
    /// cluster-scoped kinds.
    pub namespace: CompactString,
    pub labels: Labels,
    pub annotations: Labels,
    /// The object itself (for a `List` item, the item).
    pub root: Node,
}

/// An object's fields read as its own: `object.kind`, `object.root`.
impl std::ops::Deref for Object {
    type Target = ObjectData;

    fn deref(&self) -> &ObjectData {
        &self.data
    }
}

impl Object {
    /// The object `data` holds, read from `file`; its id is assigned when it is loaded.
    pub fn new(file: FileId, data: ObjectData) -> Object {
        Object {
            id: ObjectId(0),
            file,
            data: Arc::new(data),
        }
    }
}

/// What makes two objects the same object for Kubernetes.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectKey {
    pub group: CompactString,
    pub kind: CompactString,
    pub namespace: CompactString,
    pub name: CompactString,
}

/// The API group of an `apiVersion` (`apps/v1` → `apps`, `v1` → ``).
pub fn group_of(api_version: &str) -> &str {
    api_version.rsplit_once('/').map_or("", |(g, _)| g)
}

/// The group an object of `kind` is served under today, for kinds that moved out of the
/// legacy `extensions` group: `extensions/v1beta1` Ingress and `networking.k8s.io/v1`
/// Ingress of one name are one object.
fn current_group<'a>(group: &'a str, kind: &str) -> &'a str {
    match (group, kind) {
        ("extensions", "Ingress" | "NetworkPolicy") => "networking.k8s.io",
        ("extensions", "Deployment" | "DaemonSet" | "ReplicaSet") => "apps",
        _ => group,
    }
}

impl Object {
    pub fn key(&self) -> ObjectKey {
        ObjectKey {
            group: current_group(&self.group, &self.kind).into(),
            kind: self.kind.clone(),
            namespace: self.namespace.clone(),
            name: self.name.clone(),
        }
    }

    pub fn span(&self) -> Span {
        self.root.span
    }

    /// The span of `metadata.name` (or the object when absent): where identity problems point.
    pub fn name_span(&self) -> Span {
        self.root
            .at(&["metadata", "name"])
            .or_else(|| self.root.at(&["metadata", "generateName"]))
            .map_or(self.root.span, |n| n.span)
    }

    /// `spec.<path>`, the common case for rules.
    pub fn spec(&self) -> Option<&Node> {
        self.root.get("spec")
    }

    /// `kind namespace/name` (or `kind name` when cluster-scoped), as messages name objects.
    pub fn display(&self) -> String {
        if self.namespace.is_empty() {
            format!("{} {}", self.kind, self.name)
        } else {
            format!("{} {}/{}", self.kind, self.namespace, self.name)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every scope, alternative run, webhook request and report list copies objects: a copy
    /// is a place and a reference, whatever the object holds.
    #[test]
    fn a_copy_of_an_object_is_small_and_shares_its_data() {
        assert_eq!(std::mem::size_of::<Object>(), 16);
        let text = "apiVersion: v1\nkind: Service\nmetadata: {name: web, labels: {app: web}}\n";
        let found = crate::manifest::read_text(FileId(0), text, &Default::default());
        let object = &found.objects[0];
        let copy = object.clone();
        assert!(Arc::ptr_eq(&object.data, &copy.data));
        assert_eq!(
            (copy.kind.as_str(), copy.labels.get("app")),
            ("Service", Some("web"))
        );
    }
}
