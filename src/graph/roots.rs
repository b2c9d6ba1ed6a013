//! Services that are routing roots: what clients address to them is sent to other
//! Services by a mesh, so they need no pods of their own.

use std::collections::HashMap;

use crate::inventory::{Inventory, ServiceId};
use crate::manifest::ObjectId;

/// Each Service whose traffic an object sends elsewhere, with the first such object: the
/// apex of an SMI TrafficSplit, or the parent Service of a Gateway API mesh (GAMMA) route.
/// A Service that is also one of that object's own backends is not one: it serves too.
pub(super) fn build(inv: &Inventory) -> HashMap<ServiceId, ObjectId> {
    let mut roots = HashMap::new();
    for split in &inv.traffic_splits {
        if split.backends.contains(&split.apex) {
            continue;
        }
        if let Some(sid) = inv.service_named(&split.namespace, &split.apex) {
            roots.entry(sid).or_insert(split.object);
        }
    }
    for route in &inv.api_routes {
        let mesh_parents = route.parents.iter().filter(|p| p.is_service());
        for parent in mesh_parents {
            let serves = route.rules.iter().flat_map(|r| &r.backends).any(|b| {
                b.is_service() && b.namespace == parent.namespace && b.name == parent.name
            });
            if serves {
                continue;
            }
            if let Some(sid) = inv.service_named(&parent.namespace, &parent.name) {
                roots.entry(sid).or_insert(route.object);
            }
        }
    }
    roots
}
