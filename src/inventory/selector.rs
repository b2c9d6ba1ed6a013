//! Label selectors with exactly Kubernetes' semantics.

use crate::manifest::{LabelMap, Labels};
use crate::yaml::{Node, Span};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    In,
    NotIn,
    Exists,
    DoesNotExist,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Requirement {
    pub key: String,
    /// `None` for an operator Kubernetes does not know: such a requirement matches nothing.
    pub op: Option<Op>,
    pub values: Vec<String>,
}

impl Requirement {
    pub fn matches<L: LabelMap + ?Sized>(&self, labels: &L) -> bool {
        let value = labels.label(&self.key);
        let listed = |v: &str| self.values.iter().any(|x| x == v);
        match self.op {
            Some(Op::In) => value.is_some_and(listed),
            Some(Op::NotIn) => value.is_none_or(|v| !listed(v)),
            Some(Op::Exists) => value.is_some(),
            Some(Op::DoesNotExist) => value.is_none(),
            None => false,
        }
    }
}

/// Where a `key: value` pair of a label map was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LabelSpan {
    pub key: Span,
    pub value: Span,
}

impl LabelSpan {
    /// Where pair `key` of the label map written at `map` in `root` is. Views keep only
    /// the map's span: these spans are wanted only for findings, and keeping them for every
    /// selector of a large repository would cost more than the labels themselves.
    pub fn find(root: &Node, map: Span, key: &str) -> Option<LabelSpan> {
        let entry = root.find(map)?.entry(key)?;
        Some(LabelSpan {
            key: entry.key.span,
            value: entry.value.span,
        })
    }

    /// Where to point for a label that fails to match: its value when the labels it is
    /// compared with have the key (the value is what differs), else its key.
    pub fn at(&self, key_known: bool) -> Span {
        if key_known {
            self.value
        } else {
            self.key
        }
    }
}

/// A selector: `matchLabels` AND `matchExpressions`. An empty selector selects everything;
/// whether a *missing* selector selects nothing is the caller's business (it keeps `Option`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Selector {
    pub labels: Labels,
    pub exprs: Vec<Requirement>,
    pub span: Span,
    /// Where `labels` was written: the map itself, or `matchLabels`.
    pub labels_span: Span,
}

impl Selector {
    /// A plain `key: value` map, as in a Service's `spec.selector`.
    pub fn from_map(node: &Node) -> Selector {
        Selector {
            labels: Labels::of(node),
            exprs: Vec::new(),
            span: node.span,
            labels_span: node.span,
        }
    }

    /// A `LabelSelector` (`matchLabels` / `matchExpressions`).
    pub fn from_label_selector(node: &Node) -> Selector {
        let mut selector = node
            .get("matchLabels")
            .map(Selector::from_map)
            .unwrap_or_else(|| Selector {
                labels: Labels::default(),
                exprs: Vec::new(),
                span: node.span,
                labels_span: node.span,
            });
        selector.span = node.span;
        selector.exprs = node
            .seq_at("matchExpressions")
            .iter()
            .map(|e| Requirement {
                key: e.str_at("key").unwrap_or_default().to_string(),
                op: match e.str_at("operator") {
                    Some("In") => Some(Op::In),
                    Some("NotIn") => Some(Op::NotIn),
                    Some("Exists") => Some(Op::Exists),
                    Some("DoesNotExist") => Some(Op::DoesNotExist),
                    _ => None,
                },
                values: e
                    .seq_at("values")
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect(),
            })
            .collect();
        selector
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty() && self.exprs.is_empty()
    }

    pub fn matches<L: LabelMap + ?Sized>(&self, labels: &L) -> bool {
        self.labels.iter().all(|(k, v)| labels.label(k) == Some(v))
            && self.exprs.iter().all(|r| r.matches(labels))
    }

    /// `k=v, k2=v2, key in (a, b)`, as messages show a selector.
    /// Long lists are cut (`source::listed`).
    pub fn describe(&self) -> String {
        use crate::source::listed;
        let labels = self.labels.iter().map(|(k, v)| format!("{k}={v}"));
        let exprs = self.exprs.iter().map(|r| match r.op {
            Some(Op::In) => format!("{} in ({})", r.key, listed(&r.values)),
            Some(Op::NotIn) => format!("{} notin ({})", r.key, listed(&r.values)),
            Some(Op::Exists) => r.key.clone(),
            Some(Op::DoesNotExist) => format!("!{}", r.key),
            None => format!("{} <invalid operator>", r.key),
        });
        listed(labels.chain(exprs))
    }

    /// How `labels` falls short of this selector's `matchLabels`, one phrase per pair that
    /// differs: `` `k` is `have`, not `want` ``, or `missing(k, want)` when `labels` lacks
    /// the key.
    pub fn explain_diff<L: LabelMap + ?Sized>(
        &self,
        labels: &L,
        missing: impl Fn(&str, &str) -> String,
    ) -> Vec<String> {
        self.label_diff(labels)
            .map(|(k, want, have)| match have {
                Some(have) => format!("`{k}` is `{have}`, not `{want}`"),
                None => missing(k, want),
            })
            .collect()
    }

    /// Where to point at this selector when it misses `labels`: the first label they do not
    /// satisfy (see [`LabelSpan::at`]), or with nothing to compare with the value of its
    /// first label; the whole selector when neither is known. `root` is the tree of the
    /// object the selector was read from.
    pub fn mismatch_span<L: LabelMap + ?Sized>(&self, root: &Node, labels: Option<&L>) -> Span {
        let pointed = match labels {
            Some(labels) => self
                .label_diff(labels)
                .next()
                .map(|(k, _, have)| (k, have.is_some())),
            None => self.labels.keys().next().map(|k| (k, true)),
        };
        pointed
            .and_then(|(k, key_known)| {
                Some(LabelSpan::find(root, self.labels_span, k)?.at(key_known))
            })
            .unwrap_or(self.span)
    }

    /// The pairs of `matchLabels` that `labels` does not have: `(key, wanted, actual)`.
    fn label_diff<'a, L: LabelMap + ?Sized>(
        &'a self,
        labels: &'a L,
    ) -> impl Iterator<Item = (&'a str, &'a str, Option<&'a str>)> {
        self.labels
            .iter()
            .filter(|(k, v)| labels.label(k) != Some(*v))
            .map(|(k, v)| (k, v, labels.label(k)))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::yaml::{parse_stream, Limits};

    fn selector(yaml: &str) -> Selector {
        let parsed = parse_stream(yaml, &Limits::default());
        Selector::from_label_selector(&parsed.documents[0].root)
    }

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn match_labels_and_expressions_are_anded() {
        let s = selector(
            "matchLabels: {app: web}\nmatchExpressions:\n- {key: tier, operator: In, values: [a, b]}\n- {key: canary, operator: DoesNotExist}\n",
        );
        assert!(s.matches(&labels(&[("app", "web"), ("tier", "a")])));
        assert!(!s.matches(&labels(&[("app", "web"), ("tier", "c")])));
        assert!(!s.matches(&labels(&[("app", "web"), ("tier", "a"), ("canary", "1")])));
        assert!(!s.matches(&labels(&[("tier", "a")])));
    }

    #[test]
    fn empty_selects_all_and_notin_matches_missing_keys() {
        assert!(selector("{}").matches(&labels(&[])));
        let s = selector("matchExpressions: [{key: env, operator: NotIn, values: [prod]}]");
        assert!(s.matches(&labels(&[])));
        assert!(!s.matches(&labels(&[("env", "prod")])));
        let bad = selector("matchExpressions: [{key: env, operator: Equals, values: [x]}]");
        assert!(!bad.matches(&labels(&[("env", "x")])));
    }
}
