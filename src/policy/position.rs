//! Where a position inside an expression is in the policy file: the expression is the
//! value of a YAML scalar (plain, quoted or a `|`/`>` block), so its characters are the
//! file's characters minus quotes, escapes, indentation and folded line breaks.

use super::format::Expr;
use crate::yaml::Style;

/// The byte offset in `file` of character `index` of `expr`'s text (its end when past it).
pub fn file_offset(expr: &Expr, file: &str, index: usize) -> usize {
    let start = expr.span.start as usize;
    let end = (expr.span.end as usize).min(file.len());
    let written = &file[start.min(end)..end];
    let mut at = match expr.style {
        // The content starts on the line after the block header (`|`, `>-`, …), when the
        // span includes the header.
        Style::Block if written.starts_with(['|', '>']) => {
            written.find('\n').map_or(start, |n| start + n + 1)
        }
        Style::Quoted if written.starts_with(['"', '\'']) => start + 1,
        _ => start,
    };
    // Each character of the value is the next equal character of the source: what lies
    // between (indentation, a backslash, a doubled quote, a folded break) is skipped.
    for wanted in expr.source.chars().take(index) {
        match file[at..end].find(wanted) {
            Some(n) => at += n + wanted.len_utf8(),
            // A character the source writes otherwise (an escape such as `\t`): skip one.
            None => at += file[at..end].chars().next().map_or(0, char::len_utf8),
        }
    }
    skip_layout(file, at, end)
}

/// Past indentation and folded line breaks, to the next character of the value.
fn skip_layout(file: &str, at: usize, end: usize) -> usize {
    let rest = &file[at..end];
    let trimmed = rest.trim_start_matches([' ', '\n', '\r']);
    if trimmed.is_empty() {
        at
    } else {
        at + rest.len() - trimmed.len()
    }
}

/// The character index in `source` of a CEL parser position (1-based line and column, in
/// characters).
pub fn char_index(source: &str, line: isize, col: isize) -> usize {
    let line = usize::try_from(line.max(1) - 1).unwrap_or(0);
    let col = usize::try_from(col.max(1) - 1).unwrap_or(0);
    let before: usize = source
        .split('\n')
        .take(line)
        .map(|l| l.chars().count() + 1)
        .sum();
    (before + col).min(source.chars().count())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{parse_stream, Limits, Node};

    fn expr_at(text: &str) -> Expr {
        let root = parse_stream(text, &Limits::default())
            .documents
            .remove(0)
            .root;
        let node: &Node = root.get("e").unwrap();
        Expr {
            source: node.as_str().unwrap().to_string(),
            span: node.span,
            style: node.scalar().map_or(Style::Plain, |(_, style)| style),
        }
    }

    fn offset_of(text: &str, needle: &str) -> (usize, usize) {
        let e = expr_at(text);
        let index = e.source.find(needle).unwrap();
        (
            file_offset(&e, text, e.source[..index].chars().count()),
            text.find(needle).unwrap(),
        )
    }

    #[test]
    fn maps_plain_quoted_and_block_scalars() {
        let (got, want) = offset_of("e: object.x == 1\n", "==");
        assert_eq!(got, want);
        let (got, want) = offset_of("e: \"a == \\\"b\\\" && c\"\n", "&&");
        assert_eq!(got, want);
        let (got, want) = offset_of("e: '''a'' + x'\n", "+");
        assert_eq!(got, want);
        let (got, want) = offset_of("x: 1\ne: |\n  a &&\n    b ||\n  c\n", "c");
        assert_eq!(got, want);
        let (got, want) = offset_of("e: >-\n  a &&\n  b\n", "b");
        assert_eq!(got, want);
    }

    #[test]
    fn cel_positions_are_lines_and_columns() {
        assert_eq!(char_index("ab\ncd", 2, 2), 4);
        assert_eq!(char_index("ab", 1, 9), 2);
    }
}
