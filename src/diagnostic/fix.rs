//! Fixes: the edits that repair a finding, and how certain they are.
//!
//! An edit replaces the bytes of one scalar and nothing else: the text around it (comments,
//! indentation, flow or block style, line endings) is never re-serialised. A replacement
//! keeps the scalar's quoting: a single-quoted value stays single-quoted, a double-quoted
//! one (and every JSON string) stays double-quoted, escaped as before.

use serde::Serialize;

use crate::source::{FileId, Span};

/// Whether a fix is certainly what was meant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Applicability {
    /// The only reading: `kroute fix` applies it.
    Safe,
    /// Plausible, but a human must choose: applied only with `--unsafe-fixes`.
    Unsafe,
}

impl Applicability {
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::Safe => "safe",
            Applicability::Unsafe => "unsafe",
        }
    }
}

/// Replace the bytes `span` of `file` with `replacement`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Edit {
    pub file: FileId,
    pub span: Span,
    pub replacement: String,
}

/// What repairs a finding: edits applied together, a description and how certain it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    pub applicability: Applicability,
    /// What the fix does, in a few words: "replace `fronted` with `frontend`".
    pub description: String,
    pub edits: Vec<Edit>,
}

/// How a scalar is quoted in the source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Quoting {
    Plain,
    Single,
    Double,
}

/// The edit that turns the scalar written at `span` of `text` (whose value is `old`) into
/// `new`, quoted as it was. `None` when the source is not the plain encoding of `old` in its
/// style (a multi-line or block scalar, escapes kroute would not write): such a scalar is
/// left for a human rather than re-serialised.
pub fn replace_scalar(text: &str, file: FileId, span: Span, old: &str, new: &str) -> Option<Edit> {
    let written = text.get(span.start as usize..span.end as usize)?;
    let quoting = match written.as_bytes().first() {
        Some(b'\'') => Quoting::Single,
        Some(b'"') => Quoting::Double,
        _ => Quoting::Plain,
    };
    if encode(quoting, old)? != written {
        return None;
    }
    let quoting = match quoting {
        // A plain scalar stays plain when the new text reads as the same type and needs no
        // quotes; otherwise it is double-quoted, the only reading the API server accepts.
        Quoting::Plain if !plain_safe(new) || implicit_type(new) != implicit_type(old) => {
            Quoting::Double
        }
        q => q,
    };
    Some(Edit {
        file,
        span,
        replacement: encode(quoting, new)?,
    })
}

/// The edit that double-quotes the one-line plain scalar at `span` of `text`, keeping its
/// characters: `8080` becomes `"8080"`, `1.10` becomes `"1.10"`.
pub fn quote_scalar(text: &str, file: FileId, span: Span) -> Option<Edit> {
    let written = text.get(span.start as usize..span.end as usize)?;
    let plain = !written.is_empty()
        && !written.starts_with(['\'', '"', '|', '>', '&', '*', '!'])
        && !written.contains(['\n', '\r']);
    plain.then(|| Edit {
        file,
        span,
        replacement: encode(Quoting::Double, written).unwrap_or_default(),
    })
}

/// `value` written in `quoting`, or `None` when that style cannot write it.
fn encode(quoting: Quoting, value: &str) -> Option<String> {
    match quoting {
        Quoting::Plain => Some(value.to_string()),
        Quoting::Single => {
            (!value.contains('\n')).then(|| format!("'{}'", value.replace('\'', "''")))
        }
        Quoting::Double => {
            let mut out = String::with_capacity(value.len() + 2);
            out.push('"');
            for c in value.chars() {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    // A tab is written as itself, as editors and `kubectl` write it.
                    '\t' => out.push('\t'),
                    c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
                    c => out.push(c),
                }
            }
            out.push('"');
            Some(out)
        }
    }
}

/// Whether `value` reads back as itself when written without quotes in a block or flow
/// context.
fn plain_safe(value: &str) -> bool {
    let Some(first) = value.chars().next() else {
        return false;
    };
    !"-?:,[]{}#&*!|>'\"%@`".contains(first)
        && !value.starts_with(' ')
        && !value.ends_with(' ')
        && !value.contains(": ")
        && !value.contains(" #")
        && !value.ends_with(':')
        && !value.contains(['\n', '\r', '\t', ',', '[', ']', '{', '}'])
}

/// The type YAML 1.2's core schema (and Kubernetes' reading) gives a plain scalar.
#[derive(PartialEq, Eq)]
enum Implicit {
    Null,
    Bool,
    Number,
    String,
}

fn implicit_type(value: &str) -> Implicit {
    match value {
        "" | "~" | "null" | "Null" | "NULL" => Implicit::Null,
        "true" | "True" | "TRUE" | "false" | "False" | "FALSE" => Implicit::Bool,
        v if v.parse::<i64>().is_ok() || v.parse::<f64>().is_ok() => Implicit::Number,
        _ => Implicit::String,
    }
}

/// `value` with the one occurrence of `wanted` that stands as a whole name (bounded by the
/// ends or by `.`, `:`, `/`, `@`) replaced by `with`; `None` when there is no such
/// occurrence, or several.
pub fn substitute(value: &str, wanted: &str, with: &str) -> Option<String> {
    if wanted.is_empty() {
        return None;
    }
    let bounded = |c: Option<char>| c.is_none_or(|c| ".:/@".contains(c));
    let mut found = value.match_indices(wanted).filter(|(i, _)| {
        bounded(value[..*i].chars().next_back())
            && bounded(value[i + wanted.len()..].chars().next())
    });
    let (at, _) = found.next()?;
    if found.next().is_some() {
        return None;
    }
    Some(format!(
        "{}{with}{}",
        &value[..at],
        &value[at + wanted.len()..]
    ))
}

/// Applies `edits` (sorted, not overlapping) to `text`.
pub fn apply(text: &str, edits: &[&Edit]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for edit in edits {
        let (start, end) = (edit.span.start as usize, edit.span.end as usize);
        out.push_str(&text[at..start]);
        out.push_str(&edit.replacement);
        at = end;
    }
    out.push_str(&text[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fix(text: &str, old: &str, new: &str) -> Option<String> {
        let start = text.find(':').unwrap_or(0) + 2;
        let span = Span::new(start, text.trim_end().len());
        let edit = replace_scalar(text, FileId(0), span, old, new)?;
        Some(apply(text, &[&edit]))
    }

    #[test]
    fn keeps_the_quoting_of_the_scalar() {
        assert_eq!(
            fix("name: fronted\n", "fronted", "frontend").as_deref(),
            Some("name: frontend\n")
        );
        assert_eq!(
            fix("name: 'fronted'\n", "fronted", "frontend").as_deref(),
            Some("name: 'frontend'\n")
        );
        assert_eq!(
            fix("name: \"fronted\"\n", "fronted", "frontend").as_deref(),
            Some("name: \"frontend\"\n")
        );
        assert_eq!(
            fix("v: 'it''s a'\n", "it's a", "it's b").as_deref(),
            Some("v: 'it''s b'\n")
        );
        assert_eq!(
            fix("v: \"a\tb\\\"c\"\n", "a\tb\"c", "a\tb\"d").as_deref(),
            Some("v: \"a\tb\\\"d\"\n")
        );
    }

    #[test]
    fn quotes_a_plain_scalar_that_would_change_type_or_meaning() {
        assert_eq!(
            fix("name: web\n", "web", "true").as_deref(),
            Some("name: \"true\"\n")
        );
        assert_eq!(
            fix("name: web\n", "web", "a: b").as_deref(),
            Some("name: \"a: b\"\n")
        );
        assert_eq!(
            fix("port: 8080\n", "8080", "80").as_deref(),
            Some("port: 80\n")
        );
    }

    #[test]
    fn leaves_scalars_it_would_have_to_re_serialise() {
        // An escape kroute would not write: the value is `a\tb` but written `a\tb` escaped.
        assert_eq!(fix("v: \"a\\tb\"\n", "a\tb", "a\tc"), None);
        // The text is not the value (a folded plain scalar, or a mismatch).
        assert_eq!(fix("v: other\n", "web", "wbe"), None);
    }

    #[test]
    fn quotes_plain_scalars_only() {
        let text = "value: 1.10\nother: '1'\n";
        let edit = quote_scalar(text, FileId(0), Span::new(7, 11)).unwrap();
        assert_eq!(apply(text, &[&edit]), "value: \"1.10\"\nother: '1'\n");
        assert_eq!(quote_scalar(text, FileId(0), Span::new(19, 22)), None);
    }

    #[test]
    fn substitutes_whole_names_only() {
        assert_eq!(
            substitute("reviewz", "reviewz", "reviews").as_deref(),
            Some("reviews")
        );
        assert_eq!(
            substitute("cart.shop.svc.cluster.local:7071", "7071", "7070").as_deref(),
            Some("cart.shop.svc.cluster.local:7070")
        );
        assert_eq!(
            substitute("shop/gw", "gw", "gateway").as_deref(),
            Some("shop/gateway")
        );
        assert_eq!(substitute("gwx", "gw", "g"), None);
        assert_eq!(substitute("a.a", "a", "b"), None);
    }
}
