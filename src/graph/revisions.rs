//! The Kubernetes Services Knative makes for revisions: `<revision>` and
//! `<revision>-private` in the namespace of the Knative Service or Configuration that owns
//! the revision. They never appear in manifests, so a destination naming one resolves to
//! no Service; knowing the names tells "revision Service" from "typo".

use std::collections::HashMap;

use super::host::{HostForm, ServiceHost};
use crate::inventory::knative::SERVING;
use crate::inventory::Inventory;
use crate::manifest::ObjectId;

/// A host that names a revision's Service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevisionHost {
    /// The Knative Service or Configuration (or the Revision object) it belongs to.
    pub owner: ObjectId,
    pub revision: String,
    /// `<revision>-private`: the Service that bypasses the activator.
    pub private: bool,
}

/// Revision names of the input by namespace: bring-your-own names
/// (`spec.template.metadata.name`), Revision objects, and the Knative Services and
/// Configurations whose generated names (`<name>-00001`) may be meant.
#[derive(Debug, Default)]
pub struct RevisionIndex {
    revisions: HashMap<(String, String), ObjectId>,
    configurations: HashMap<(String, String), ObjectId>,
}

impl RevisionIndex {
    pub(super) fn build(inv: &Inventory) -> RevisionIndex {
        let mut index = RevisionIndex::default();
        for serving in inv.serving.iter().filter(|s| s.kind != "Route") {
            let key = (serving.namespace.clone(), serving.name.clone());
            index.configurations.insert(key, serving.object);
            if let Some(byo) = &serving.revision_name {
                let key = (serving.namespace.clone(), byo.value.clone());
                index.revisions.insert(key, serving.object);
            }
        }
        for object in inv
            .objects
            .iter()
            .filter(|o| o.group == SERVING && o.kind == "Revision")
        {
            let key = (object.namespace.to_string(), object.name.to_string());
            index.revisions.insert(key, object.id);
        }
        index
    }

    /// The revision whose Service `fqdn` (`name.namespace.svc.cluster.local`) is, if any.
    pub fn lookup(&self, fqdn: &str) -> Option<RevisionHost> {
        let host = ServiceHost::parse(fqdn, "")?;
        if host.form != HostForm::Qualified {
            return None;
        }
        let (name, private) = match host.name.strip_suffix("-private") {
            Some(revision) => (revision, true),
            None => (host.name.as_str(), false),
        };
        let ns = host.namespace;
        let owner = self
            .revisions
            .get(&(ns.clone(), name.to_string()))
            .copied()
            .or_else(|| {
                // Generated names: `<configuration>-00001`.
                let (base, digits) = name.rsplit_once('-')?;
                (digits.len() == 5 && digits.bytes().all(|b| b.is_ascii_digit()))
                    .then(|| self.configurations.get(&(ns, base.to_string())).copied())
                    .flatten()
            })?;
        Some(RevisionHost {
            owner,
            revision: name.to_string(),
            private,
        })
    }
}
