//! Objects that point at pods or workloads: HPA, PDB, NetworkPolicy.

use super::selector::Selector;
use crate::manifest::{group_of, Object, ObjectId};
use crate::yaml::{Node, Span};

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
            namespace: object.namespace.to_string(),
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
            namespace: object.namespace.to_string(),
            selector: node
                .filter(|n| !n.is_null())
                .map(Selector::from_label_selector),
            span: node.or(object.spec()).map_or(object.span(), |n| n.span),
        }
    }
}

/// Which way a NetworkPolicy peer's traffic flows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// `ingress[].from[]`
    Ingress,
    /// `egress[].to[]`
    Egress,
}

/// A NetworkPolicy: the pods it governs (`spec.podSelector`) and the pod selectors of its
/// peers that pick pods of its own namespace.
#[derive(Clone, Debug)]
pub struct NetworkPolicy {
    pub pods: PodSelector,
    /// Peers with a `podSelector` and no `namespaceSelector`, which Kubernetes matches
    /// against the pods of the policy's namespace. Peers with a `namespaceSelector` pick
    /// pods of other namespaces, and `ipBlock` peers no pods at all.
    pub peers: Vec<(Direction, Selector)>,
}

impl NetworkPolicy {
    pub fn from_object(object: &Object) -> NetworkPolicy {
        let spec = object.spec();
        let rules = |direction: Direction, (list, peers): (&'static str, &'static str)| {
            spec.map_or(&[][..], |s| s.seq_at(list))
                .iter()
                .flat_map(move |rule| rule.seq_at(peers))
                .filter(|peer| peer.get("namespaceSelector").is_none_or(Node::is_null))
                .filter_map(|peer| peer.get("podSelector").filter(|n| !n.is_null()))
                .map(move |node| (direction, Selector::from_label_selector(node)))
        };
        NetworkPolicy {
            pods: PodSelector::from_object(object, "podSelector"),
            peers: rules(Direction::Ingress, ("ingress", "from"))
                .chain(rules(Direction::Egress, ("egress", "to")))
                .collect(),
        }
    }
}
