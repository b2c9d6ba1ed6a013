//! The YAML node tree: every node keeps the span of the source text it came from.

use compact_str::CompactString;

pub use crate::source::Span;

/// How a scalar was written. Only plain scalars are subject to YAML's implicit typing
/// (`null`, `true`, `42`); a quoted `"42"` stays a string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    Plain,
    Quoted,
    Block,
}

/// A node's value. Trees live for the whole run, so the layout is tight: a [`Node`] is 32
/// bytes (pinned by a test). Collections are exact-size boxed slices (no capacity word, no
/// growth slack).
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A plain scalar, stored inline up to 24 bytes: nearly every key and value of a
    /// manifest fits, which keeps the tree of a large repository to a few hundred bytes a
    /// document.
    Scalar(CompactString),
    /// A quoted or block scalar: boxed, as they are few (about 2% of a manifest's scalars),
    /// so that the style of plain ones costs no byte of every node.
    Styled(Box<Styled>),
    Seq(Box<[Node]>),
    Map(Box<[Entry]>),
}

/// A quoted or block scalar's text and how it was written.
#[derive(Clone, Debug, PartialEq)]
pub struct Styled {
    pub text: CompactString,
    pub style: Style,
}

impl Value {
    /// The value of a scalar of `text` written in `style`.
    pub fn scalar(text: &str, style: Style) -> Value {
        let text = CompactString::from(text);
        match style {
            Style::Plain => Value::Scalar(text),
            style => Value::Styled(Box::new(Styled { text, style })),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub key: Node,
    pub value: Node,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub span: Span,
    pub value: Value,
}

impl Node {
    /// A scalar's text as written (null or not) and its style; `None` for a collection.
    pub fn scalar(&self) -> Option<(&str, Style)> {
        match &self.value {
            Value::Scalar(text) => Some((text, Style::Plain)),
            Value::Styled(styled) => Some((&styled.text, styled.style)),
            Value::Seq(_) | Value::Map(_) => None,
        }
    }

    /// A plain scalar's text.
    fn plain(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar(text) => Some(text),
            _ => None,
        }
    }

    /// True for an absent value: plain `null`, `~` or nothing at all.
    pub fn is_null(&self) -> bool {
        matches!(self.plain(), Some("" | "~" | "null" | "Null" | "NULL"))
    }

    /// The scalar's text, unless the node is null or a collection.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar(_) if self.is_null() => None,
            _ => self.scalar().map(|(text, _)| text),
        }
    }

    /// An integer written as such (plain); quoted numbers are strings, as in Kubernetes.
    /// Read as [`parse_int`] reads it, the one reading of integers.
    pub fn as_i64(&self) -> Option<i64> {
        self.plain().and_then(parse_int)
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.plain()? {
            "true" | "True" | "TRUE" => Some(true),
            "false" | "False" | "FALSE" => Some(false),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[Entry]> {
        match &self.value {
            Value::Map(entries) => Some(entries),
            _ => None,
        }
    }

    /// The entry for `key` in a mapping.
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.as_map()?.iter().find(|e| e.key.as_str() == Some(key))
    }

    /// The node of this tree written at exactly `span`: how a view that kept only a span
    /// finds its node again when a rule needs to look closer (rarely: only on findings).
    pub fn find(&self, span: Span) -> Option<&Node> {
        if self.span == span {
            return Some(self);
        }
        let children: Box<dyn Iterator<Item = &Node>> = match &self.value {
            Value::Scalar(_) | Value::Styled(_) => return None,
            Value::Seq(items) => Box::new(items.iter()),
            Value::Map(entries) => Box::new(entries.iter().flat_map(|e| [&e.key, &e.value])),
        };
        children
            .filter(|c| c.span.contains(span))
            .find_map(|c| c.find(span))
    }

    /// The value for `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    /// Follows a path of mapping keys.
    pub fn at(&self, path: &[&str]) -> Option<&Node> {
        path.iter().try_fold(self, |node, key| node.get(key))
    }

    /// `get(key)` then `as_str()`.
    pub fn str_at(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Node::as_str)
    }

    /// The items of the sequence at `key`, or nothing.
    pub fn seq_at(&self, key: &str) -> &[Node] {
        self.get(key).and_then(Node::as_seq).unwrap_or(&[])
    }

    /// The string-valued pairs of a mapping (labels, annotations, selectors), keeping
    /// each pair's key span.
    pub fn string_pairs(&self) -> impl Iterator<Item = (&str, &str, Span)> {
        self.as_map()
            .unwrap_or(&[])
            .iter()
            .filter_map(|e| Some((e.key.as_str()?, e.value.as_str().unwrap_or(""), e.key.span)))
    }

    /// The string-valued pairs of a mapping as an owned map (labels, selectors, data).
    pub fn string_map(&self) -> std::collections::BTreeMap<String, String> {
        self.string_pairs()
            .map(|(k, v, _)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// Number of nodes in this subtree, this one included.
    pub fn size(&self) -> usize {
        1 + match &self.value {
            Value::Scalar(_) | Value::Styled(_) => 0,
            Value::Seq(items) => items.iter().map(Node::size).sum(),
            Value::Map(entries) => entries.iter().map(|e| e.key.size() + e.value.size()).sum(),
        }
    }

    /// This scalar typed the way Kubernetes reads YAML: a plain scalar is null, a boolean,
    /// an integer or a finite number when it reads as one, anything else (and every quoted
    /// or block scalar) a string. `None` for a sequence or a mapping.
    pub fn typed(&self) -> Option<Typed<'_>> {
        let (text, style) = self.scalar()?;
        if style != Style::Plain {
            return Some(Typed::Str(text));
        }
        if self.is_null() {
            return Some(Typed::Null);
        }
        if let Some(b) = self.as_bool() {
            return Some(Typed::Bool(b));
        }
        if let Some(i) = parse_int(text) {
            return Some(Typed::Int(i));
        }
        Some(match text.parse::<f64>() {
            Ok(f) if f.is_finite() && text.chars().any(|c| c.is_ascii_digit()) => Typed::Float(f),
            _ => Typed::Str(text),
        })
    }

    /// Converts to JSON, the way Kubernetes reads YAML (plain scalars are typed).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Scalar(_) | Value::Styled(_) => match self.typed() {
                Some(Typed::Bool(b)) => J::Bool(b),
                Some(Typed::Int(i)) => J::from(i),
                Some(Typed::Float(f)) => J::from(f),
                Some(Typed::Str(s)) => J::String(s.to_string()),
                Some(Typed::Null) | None => J::Null,
            },
            Value::Seq(items) => J::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(entries) => J::Object(
                entries
                    .iter()
                    .map(|e| {
                        let key = e
                            .key
                            .as_str()
                            .map_or_else(|| e.key.to_json().to_string(), str::to_string);
                        (key, e.value.to_json())
                    })
                    .collect(),
            ),
        }
    }
}

/// A plain scalar's integer value as Kubernetes reads it. `kubectl` and the API server's
/// YAML reader (sigs.k8s.io/yaml, on go-yaml v2) resolve a plain scalar that starts with a
/// digit or a sign by dropping every `_` and parsing the rest with Go's
/// `strconv.ParseInt(s, 0, 64)`: `0x1F90` is 8080, `0o17` and `017` are 15 (octal, the
/// YAML 1.1 way), `0b101` is 5, `1_000` is 1000, `+80` is 80. So `containerPort: 0x1F90`
/// and `targetPort: 0x1F90` are both the number 8080, never a port name.
pub fn parse_int(text: &str) -> Option<i64> {
    if !text.starts_with(|c: char| c.is_ascii_digit() || c == '+' || c == '-') {
        return None;
    }
    let plain: String = text.chars().filter(|&c| c != '_').collect();
    let (negative, digits) = match plain.as_bytes().first() {
        Some(b'-') => (true, &plain[1..]),
        Some(b'+') => (false, &plain[1..]),
        _ => (false, &plain[..]),
    };
    let lower = digits.get(..2).map(str::to_ascii_lowercase);
    let (radix, body) = match lower.as_deref() {
        Some("0x") => (16, &digits[2..]),
        Some("0o") => (8, &digits[2..]),
        Some("0b") => (2, &digits[2..]),
        _ if digits.len() > 1 && digits.starts_with('0') => (8, &digits[1..]),
        _ => (10, digits),
    };
    // `from_str_radix` would accept a second sign: the body is digits only.
    if body.is_empty() || !body.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = i128::from_str_radix(body, radix).ok()?;
    i64::try_from(if negative { -magnitude } else { magnitude }).ok()
}

/// A scalar's value as Kubernetes reads it ([`Node::typed`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Typed<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(&'a str),
}
