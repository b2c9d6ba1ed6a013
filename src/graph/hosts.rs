//! The table of every host name a route can send traffic to: Services
//! (`name.ns.svc.cluster.local`), ServiceEntry hosts and Knative Services.

use std::collections::HashMap;

use super::host::CLUSTER_DOMAIN;
use super::wildcard;
use crate::inventory::{Inventory, ServiceId};
use crate::manifest::ObjectId;

/// What a host name resolves to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HostTarget {
    Service(ServiceId),
    /// Index into `Inventory::service_entries`.
    ServiceEntry(usize),
    /// A `serving.knative.dev` Service or Route: reachable as `name.ns.svc.cluster.local` and
    /// `<tag>-name.ns.svc.cluster.local`.
    KnativeService(ObjectId),
}

/// Istio's reading of a host: a short name (no dot) is `name.<namespace>.svc.cluster.local`
/// for the namespace of the object that wrote it; anything else is taken as written.
pub fn istio_fqdn(host: &str, namespace: &str) -> String {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    if host.contains('.') || host.contains('*') {
        host
    } else {
        format!("{host}.{namespace}.svc.{CLUSTER_DOMAIN}")
    }
}

#[derive(Debug, Default)]
pub struct HostTable {
    exact: HashMap<String, Vec<HostTarget>>,
    wildcards: Vec<(String, HostTarget)>,
}

impl HostTable {
    pub fn build(inv: &Inventory) -> HostTable {
        let mut table = HostTable::default();
        for (i, svc) in inv.services.iter().enumerate() {
            let id = ServiceId(u32::try_from(i).unwrap_or(u32::MAX));
            table.add(
                format!("{}.{}.svc.{CLUSTER_DOMAIN}", svc.name, svc.namespace),
                HostTarget::Service(id),
            );
        }
        for (i, entry) in inv.service_entries.iter().enumerate() {
            for host in &entry.hosts {
                table.add(
                    istio_fqdn(&host.value, &entry.namespace),
                    HostTarget::ServiceEntry(i),
                );
            }
        }
        for serving in inv.serving.iter().filter(|s| s.kind != "Configuration") {
            for host in super::knative::hosts_of(inv, serving) {
                if !host.external {
                    table.add(host.host, HostTarget::KnativeService(serving.object));
                }
            }
        }
        table
    }

    fn add(&mut self, host: String, target: HostTarget) {
        if host.starts_with('*') {
            self.wildcards.push((host, target));
        } else {
            self.exact.entry(host).or_default().push(target);
        }
    }

    /// Everything `fqdn` resolves to, exact names first. A core Service wins over a Knative
    /// Service of the same name (Knative creates that Service itself).
    pub fn resolve(&self, fqdn: &str) -> Vec<HostTarget> {
        let mut found: Vec<HostTarget> = self.exact.get(fqdn).cloned().unwrap_or_default();
        if found.is_empty() {
            found.extend(
                self.wildcards
                    .iter()
                    .filter(|(pattern, _)| wildcard::covers(pattern, fqdn))
                    .map(|(_, t)| *t),
            );
        }
        found.sort();
        found
    }

    /// Every exact host name, for "did you mean" hints.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.exact.keys().map(String::as_str)
    }
}
