//! Label maps as objects and views keep them: metadata labels and annotations, pods' labels,
//! selectors' `matchLabels`, subsets' labels.

use std::collections::BTreeMap;

use compact_str::CompactString;

use crate::yaml::Node;

/// Read access to a label map, whichever way it is stored: the [`Labels`] of objects and
/// views, or a `BTreeMap` built for the moment (a Namespace's labels with the name label
/// Kubernetes adds). Selectors match either.
pub trait LabelMap {
    /// The value of label `key`.
    fn label(&self, key: &str) -> Option<&str>;
    /// Every `(key, value)` pair, by key.
    fn pairs(&self) -> impl Iterator<Item = (&str, &str)>;
}

impl LabelMap for BTreeMap<String, String> {
    fn label(&self, key: &str) -> Option<&str> {
        self.get(key).map(String::as_str)
    }

    fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

/// A label map in one exact allocation, sorted by key, with keys and values of up to 24
/// bytes (nearly all of them) held inline. Objects (their labels and annotations) and views keep
/// tens of thousands of these for a whole run, each a few pairs: a `BTreeMap<String, String>` paid a 540-byte node and two string
/// allocations per pair for the same content.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Labels(Box<[(CompactString, CompactString)]>);

impl Labels {
    /// The string-valued pairs of mapping `node` (`metadata.labels`, `matchLabels`); of a
    /// key written twice the last is kept, as Kubernetes reads it.
    pub fn of(node: &Node) -> Labels {
        node.string_pairs().map(|(k, v, _)| (k, v)).collect()
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .binary_search_by(|(k, _)| k.as_str().cmp(key))
            .ok()
            .map(|i| self.0[i].1.as_str())
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// The `(key, value)` pairs, by key.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&str, &str)> + ExactSizeIterator {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &str> + ExactSizeIterator {
        self.0.iter().map(|(k, _)| k.as_str())
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The pairs as an ordinary map, for code that edits or serializes them.
    pub fn to_map(&self) -> BTreeMap<String, String> {
        self.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }
}

impl LabelMap for Labels {
    fn label(&self, key: &str) -> Option<&str> {
        self.get(key)
    }

    fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.iter()
    }
}

/// Pairs in any order; of two pairs with one key the later wins, as in a map.
impl<K: AsRef<str>, V: AsRef<str>> FromIterator<(K, V)> for Labels {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(pairs: I) -> Labels {
        let mut pairs: Vec<(CompactString, CompactString)> = pairs
            .into_iter()
            .map(|(k, v)| (k.as_ref().into(), v.as_ref().into()))
            .collect();
        // Stable: equal keys keep their order, and the last of each run is kept.
        pairs.sort_by(|a, b| a.0.cmp(&b.0));
        let mut kept: Vec<(CompactString, CompactString)> = Vec::with_capacity(pairs.len());
        for pair in pairs {
            match kept.last_mut() {
                Some(last) if last.0 == pair.0 => *last = pair,
                _ => kept.push(pair),
            }
        }
        Labels(kept.into_boxed_slice())
    }
}

impl<'a> IntoIterator for &'a Labels {
    type Item = (&'a str, &'a str);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (CompactString, CompactString)>,
        fn(&'a (CompactString, CompactString)) -> (&'a str, &'a str),
    >;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_are_sorted_and_the_last_of_a_key_wins() {
        let labels: Labels = [("b", "1"), ("a", "2"), ("b", "3")].into_iter().collect();
        assert_eq!(labels.iter().collect::<Vec<_>>(), [("a", "2"), ("b", "3")]);
        assert_eq!(labels.get("b"), Some("3"));
        assert_eq!(labels.get("c"), None);
        assert!(labels.contains_key("a"));
        assert_eq!(labels.len(), 2);
        assert_eq!(labels.to_map().get("a").map(String::as_str), Some("2"));
    }

    #[test]
    fn agrees_with_the_map_it_was_made_from() {
        let map: BTreeMap<String, String> = [("app", "web"), ("tier", "front"), ("x", "")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let labels: Labels = map.iter().collect();
        assert_eq!(labels.to_map(), map);
        for key in ["app", "tier", "x", "absent"] {
            assert_eq!(labels.label(key), map.label(key));
        }
        assert!(labels.pairs().eq(map.pairs()));
    }

    /// Keys and values as long as the usual Kubernetes ones take no allocation of their own.
    #[test]
    fn usual_keys_and_values_are_held_inline() {
        let labels: Labels = [("app.kubernetes.io/name", "payments-api-v2")]
            .into_iter()
            .collect();
        let (k, v) = &labels.0[0];
        assert!(!k.is_heap_allocated() && !v.is_heap_allocated());
    }
}
