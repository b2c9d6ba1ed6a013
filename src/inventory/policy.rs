//! Objects that point at pods or workloads: HPA, PDB, NetworkPolicy.

use super::selector::Selector;
use crate::manifest::{group_of, Object, ObjectId};
use crate::yaml::Span;

#[derive(Clone, Debug)]
pub struct ScaleTarget {
    pub object: ObjectId,
    pub namespace: String,
    pub group: String,
    pub kind: String,
    pub name: String,
    pub span: Span,
}

impl ScaleTarget {
    /// An HPA's `scaleTargetRef` (`autoscaling/v1` and `v2` share it).
    pub fn from_hpa(object: &Object) -> Option<ScaleTarget> {
        let target = object.spec()?.get("scaleTargetRef")?;
        let name = target.get("name")?;
        Some(ScaleTarget {
            object: object.id,
            namespace: object.namespace.clone(),
            group: group_of(target.str_at("apiVersion").unwrap_or("")).to_string(),
            kind: target.str_at("kind").unwrap_or_default().to_string(),
            name: name.as_str()?.to_string(),
            span: name.span,
        })
    }
}

/// A pod selector of a PDB or NetworkPolicy. `selector` is `None` when the field is missing,
/// which for a PDB selects no pods.
#[derive(Clone, Debug)]
pub struct PodSelector {
    pub object: ObjectId,
    pub namespace: String,
    pub selector: Option<Selector>,
    pub span: Span,
}

impl PodSelector {
    pub fn from_object(object: &Object, field: &str) -> PodSelector {
        let node = object.spec().and_then(|s| s.get(field));
        PodSelector {
            object: object.id,
            namespace: object.namespace.clone(),
            selector: node
                .filter(|n| !n.is_null())
                .map(Selector::from_label_selector),
            span: node.or(object.spec()).map_or(object.span(), |n| n.span),
        }
    }
}
