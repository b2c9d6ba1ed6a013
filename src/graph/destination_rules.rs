//! DestinationRules indexed by the host they apply to, built once with the graph: the
//! rules (subsets, exportTo) and `trace` look subsets up through the same index, so they
//! agree on which DestinationRule Istio applies.

use std::collections::HashMap;

use super::{istio_fqdn, wildcard};
use crate::inventory::{DestinationRule, Inventory};

/// Exact hosts (as FQDNs) and wildcard hosts of the input's DestinationRules, each read in
/// its own namespace; indexes into `Inventory::destination_rules`, in input order.
#[derive(Debug, Default)]
pub struct DestinationRuleIndex {
    exact: HashMap<String, Vec<usize>>,
    wildcards: Vec<(String, usize)>,
}

impl DestinationRuleIndex {
    pub(super) fn build(inv: &Inventory) -> DestinationRuleIndex {
        let mut index = DestinationRuleIndex::default();
        for (i, dr) in inv.destination_rules.iter().enumerate() {
            let host = istio_fqdn(&dr.host.value, &dr.namespace);
            if host.starts_with('*') {
                index.wildcards.push((host, i));
            } else {
                index.exact.entry(host).or_default().push(i);
            }
        }
        index
    }
}

/// The index together with the inventory it points into.
pub struct DestinationRules<'a> {
    inv: &'a Inventory,
    index: &'a DestinationRuleIndex,
}

impl<'a> DestinationRules<'a> {
    pub fn new(inv: &'a Inventory, index: &'a DestinationRuleIndex) -> DestinationRules<'a> {
        DestinationRules { inv, index }
    }

    /// Every DestinationRule whose host matches `fqdn` (exactly or by a wildcard), however
    /// specific and wherever it is exported: exact hosts first, then wildcards, in input
    /// order.
    pub fn covering<'s>(&'s self, fqdn: &'s str) -> impl Iterator<Item = &'a DestinationRule> + 's {
        self.index
            .exact
            .get(fqdn)
            .into_iter()
            .flatten()
            .copied()
            .chain(
                self.index
                    .wildcards
                    .iter()
                    .filter(move |(pattern, _)| wildcard::covers(pattern, fqdn))
                    .map(|(_, i)| *i),
            )
            .map(|i| &self.inv.destination_rules[i])
    }

    /// Every DestinationRule whose host matches `fqdn` (exactly or by a wildcard), visible
    /// from `namespace`, however specific.
    pub fn matching(&self, fqdn: &str, namespace: &str) -> Vec<&'a DestinationRule> {
        self.covering(fqdn)
            .filter(|dr| dr.export_to.visible_from(&dr.namespace, namespace))
            .collect()
    }

    /// The DestinationRules that apply to `fqdn` as seen from `namespace` (`None`: from
    /// anywhere, ignoring `exportTo`): those with the most specific matching host, exact
    /// names before wildcards, longer wildcards before shorter ones.
    pub fn for_host(&self, fqdn: &str, namespace: Option<&str>) -> Vec<&'a DestinationRule> {
        let visible = |i: &usize| {
            let dr = &self.inv.destination_rules[*i];
            namespace.is_none_or(|ns| dr.export_to.visible_from(&dr.namespace, ns))
        };
        let exact: Vec<&DestinationRule> = self
            .index
            .exact
            .get(fqdn)
            .into_iter()
            .flatten()
            .filter(|i| visible(i))
            .map(|i| &self.inv.destination_rules[*i])
            .collect();
        if !exact.is_empty() {
            return exact;
        }
        let covering: Vec<&(String, usize)> = self
            .index
            .wildcards
            .iter()
            .filter(|(pattern, i)| wildcard::covers(pattern, fqdn) && visible(i))
            .collect();
        let longest = covering.iter().map(|(p, _)| p.len()).max().unwrap_or(0);
        covering
            .into_iter()
            .filter(|(p, _)| p.len() == longest)
            .map(|(_, i)| &self.inv.destination_rules[*i])
            .collect()
    }
}
