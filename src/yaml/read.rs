//! Reading a small YAML file (a config, a policy) into typed values, collecting every
//! problem with its place: such a file is short, so the user sees all its mistakes at
//! once. The config and policy readers share it; they differ only in wording.

use super::{Entry, Node, Span, Value};
use crate::source::LineCol;

/// One mistake in a file, at a node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub span: Span,
    pub message: String,
}

/// How a reader words its messages, as its users have always seen them.
#[derive(Clone, Copy, Debug)]
pub struct Wording {
    /// What a mapping's keys are called: `key` (config) or `field` (policy).
    pub noun: &'static str,
    /// Whether a value of the wrong type names what was found (`…, not a list`).
    pub names_found: bool,
}

/// Collects the problems met while reading one file.
pub struct Reader<'a> {
    pub text: &'a str,
    pub problems: Vec<Problem>,
    wording: Wording,
}

impl<'a> Reader<'a> {
    pub fn new(text: &'a str, wording: Wording) -> Self {
        Reader {
            text,
            problems: Vec::new(),
            wording,
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
        let Some(entries) = node.as_map() else {
            self.wrong_type(node, what, "a mapping");
            return Vec::new();
        };
        let noun = self.wording.noun;
        let mut out = Vec::new();
        for Entry { key, value } in entries {
            match key.as_str() {
                Some(k) if known.contains(&k) => out.push((k, value)),
                Some(k) => {
                    let hint = crate::source::did_you_mean(k, known.iter().copied());
                    let keys = known.join(", ");
                    self.fail(
                        key.span,
                        format!("unknown {noun} `{k}` in {what}{hint} (the {noun}s are: {keys})"),
                    );
                }
                None => self.fail(key.span, format!("a key of {what} must be a string")),
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
        match node.as_str() {
            Some(text) => Some(text.to_string()),
            None => {
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

    /// `{what} must be {expected}`, saying what was found when the wording does.
    pub fn wrong_type(&mut self, node: &Node, what: &str, expected: &str) {
        if !self.wording.names_found {
            self.fail(node.span, format!("{what} must be {expected}"));
            return;
        }
        let found = match &node.value {
            _ if node.is_null() => "nothing",
            Value::Scalar(_) | Value::Styled(_) => "a scalar",
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
