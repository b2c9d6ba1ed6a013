//! SMI (Service Mesh Interface) objects: a `TrafficSplit` sends what is addressed to its
//! apex Service to its backend Services.

use crate::manifest::{Object, ObjectId};

pub const GROUP: &str = "split.smi-spec.io";

/// `split.smi-spec.io` TrafficSplit (every version: `spec.service` and
/// `spec.backends[].service` are common to all).
#[derive(Clone, Debug)]
pub struct TrafficSplit {
    pub object: ObjectId,
    pub namespace: String,
    /// `spec.service`: the apex Service clients address.
    pub apex: String,
    /// `spec.backends[].service`.
    pub backends: Vec<String>,
}

impl TrafficSplit {
    pub fn from_object(object: &Object) -> Option<TrafficSplit> {
        let spec = object.spec()?;
        Some(TrafficSplit {
            object: object.id,
            namespace: object.namespace.to_string(),
            apex: spec.str_at("service")?.to_string(),
            backends: spec
                .seq_at("backends")
                .iter()
                .filter_map(|b| b.str_at("service").map(str::to_string))
                .collect(),
        })
    }
}
