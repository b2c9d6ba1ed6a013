//! Reading the config's YAML nodes into typed values, collecting every problem with its
//! place: a config file is short, so the user sees all its mistakes at once.

use crate::source::LineCol;
use crate::yaml::{Entry, Node, Span, Value};

/// One mistake in a config file, at a node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub span: Span,
    pub message: String,
}

/// Collects the problems met while reading one file.
pub struct Reader<'a> {
    pub text: &'a str,
    pub problems: Vec<Problem>,
}

impl<'a> Reader<'a> {
    pub fn new(text: &'a str) -> Self {
        Reader {
            text,
            problems: Vec::new(),
        }
    }

    pub fn fail(&mut self, span: Span, message: impl Into<String>) {
        self.problems.push(Problem {
            span,
            message: message.into(),
        });
    }

    /// The entries of a mapping whose keys are among `known`; an unknown key is a problem
    /// with the nearest known key as a hint.
    pub fn map<'n>(
        &mut self,
        node: &'n Node,
        what: &str,
        known: &[&str],
    ) -> Vec<(&'n str, &'n Node)> {
        let Some(entries) = self.entries(node, what) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (key, value) in entries {
            if known.contains(&key) {
                out.push((key, value));
            } else {
                let hint = crate::inventory::did_you_mean(key, known.iter().copied());
                let keys = known.join(", ");
                self.fail(
                    value_key_span(node, key),
                    format!("unknown key `{key}` in {what}{hint} (the keys are: {keys})"),
                );
            }
        }
        out
    }

    /// The entries of a mapping with string keys, whatever the keys.
    pub fn entries<'n>(&mut self, node: &'n Node, what: &str) -> Option<Vec<(&'n str, &'n Node)>> {
        let Some(entries) = node.as_map() else {
            self.wrong_type(node, what, "a mapping");
            return None;
        };
        let mut out = Vec::new();
        for Entry { key, value } in entries {
            match key.as_str() {
                Some(k) => out.push((k, value)),
                None => self.fail(key.span, format!("a key of {what} must be a string")),
            }
        }
        Some(out)
    }

    /// A string scalar (a plain number or word is read as its text).
    pub fn string(&mut self, node: &Node, what: &str) -> Option<String> {
        match &node.value {
            Value::Scalar { .. } if !node.is_null() => node.as_str().map(str::to_string),
            _ => {
                self.wrong_type(node, what, "a string");
                None
            }
        }
    }

    /// A list of strings; a single string stands for a list of one.
    pub fn strings(&mut self, node: &Node, what: &str) -> Vec<(String, Span)> {
        if node.as_str().is_some() {
            return self
                .string(node, what)
                .map(|s| vec![(s, node.span)])
                .unwrap_or_default();
        }
        let Some(items) = node.as_seq() else {
            self.wrong_type(node, what, "a list of strings");
            return Vec::new();
        };
        items
            .iter()
            .filter_map(|item| Some((self.string(item, what)?, item.span)))
            .collect()
    }

    /// The items of a list.
    pub fn list<'n>(&mut self, node: &'n Node, what: &str) -> &'n [Node] {
        match node.as_seq() {
            Some(items) => items,
            None => {
                self.wrong_type(node, what, "a list");
                &[]
            }
        }
    }

    pub fn wrong_type(&mut self, node: &Node, what: &str, expected: &str) {
        let found = match &node.value {
            _ if node.is_null() => "nothing",
            Value::Scalar { .. } => "a scalar",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        };
        self.fail(node.span, format!("{what} must be {expected}, not {found}"));
    }

    /// Line and column of a problem, for people.
    pub fn line_col(&self, span: Span) -> LineCol {
        LineCol::of(self.text, span.start)
    }
}

/// The span of `key`'s key node in the mapping `node`: where an unknown key is reported.
fn value_key_span(node: &Node, key: &str) -> Span {
    node.entry(key).map_or(node.span, |e| e.key.span)
}
