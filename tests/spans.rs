//! Every reported location names a node exactly: its byte offsets fall on characters, the
//! line and column shown for them lead back to the same bytes, and the bytes it covers are
//! the text of a YAML node of the file (or a part of a one-line scalar, where a rule points
//! inside a value). SARIF regions and automatic fixes rely on both.

use std::path::{Path, PathBuf};

use kroute::source::{collect_inputs, Input, SourceFile, Span};
use kroute::yaml::{parse_stream, Limits, Node, Value};
use kroute::{check, CheckOptions};

fn inputs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths = vec![root.join("testdata/demo")];
    let rules = std::fs::read_dir(root.join("testdata/rules")).expect("testdata/rules");
    let mut rules: Vec<PathBuf> = rules.filter_map(|e| Some(e.ok()?.path())).collect();
    rules.sort();
    paths.extend(rules);
    paths
}

/// Every node of `node`'s tree (keys included), with its text when it is a scalar.
fn nodes(node: &Node, out: &mut Vec<(Span, Option<String>)>) {
    match &node.value {
        Value::Scalar(_) | Value::Styled(_) => {
            let text = node.scalar().map(|(text, _)| text.to_string());
            out.push((node.span, text));
        }
        Value::Seq(items) => {
            out.push((node.span, None));
            items.iter().for_each(|n| nodes(n, out));
        }
        Value::Map(entries) => {
            out.push((node.span, None));
            for e in entries {
                nodes(&e.key, out);
                nodes(&e.value, out);
            }
        }
    }
}

/// Why `span` is not a precise location in `file`, if it is not.
fn problem(file: &SourceFile, tree: &[(Span, Option<String>)], span: Span) -> Option<String> {
    let text = file
        .text()
        .expect("the file is unchanged since it was checked");
    for (what, offset) in [("start", span.start), ("end", span.end)] {
        if !text.is_char_boundary(offset as usize) {
            return Some(format!("{what} {offset} is not a character boundary"));
        }
        // The line and column reports show must lead back to the same byte.
        let at = file.line_col(offset);
        let back = file.offset(at.line, at.col);
        if back != offset as usize {
            return Some(format!(
                "{what} {offset} is shown as {}:{}, which is byte {back}",
                at.line, at.col
            ));
        }
    }
    if span.start == span.end {
        // A point: a syntax error or a file-level problem, which names no node.
        return None;
    }
    let text = &text[span.bytes()];
    let is_node = tree.iter().any(|(s, _)| *s == span);
    // A rule may point at a part of a scalar (a host in an env value): one line of it, whose
    // text is part of the scalar's value.
    let in_scalar = !text.contains('\n')
        && tree.iter().any(|(s, value)| {
            s.start <= span.start
                && span.end <= s.end
                && value.as_deref().is_some_and(|v| v.contains(text))
        });
    if is_node || in_scalar {
        return None;
    }
    Some(format!("`{text}` is not the text of a node"))
}

#[test]
fn reported_spans_are_the_bytes_of_the_named_node() {
    let mut checked = 0;
    let mut failures = Vec::new();
    for path in inputs() {
        let inputs: Vec<Input> = collect_inputs(std::slice::from_ref(&path)).expect("inputs");
        let outcome = check(&inputs, &CheckOptions::default());
        let trees: Vec<Vec<(Span, Option<String>)>> = outcome
            .sources
            .iter()
            .map(|file| {
                let parsed = parse_stream(file.text().unwrap_or_default(), &Limits::default());
                let mut tree = Vec::new();
                for doc in &parsed.documents {
                    nodes(&doc.root, &mut tree);
                }
                // Nodes the parser left out of the tree (a duplicate key, an alias beyond
                // the limit) are named by the issue it raised about them.
                tree.extend(parsed.issues.iter().map(|i| (i.span, None)));
                tree
            })
            .collect();
        for d in &outcome.diagnostics {
            let places = std::iter::once((d.file, d.span, "location"))
                .chain(d.related.iter().map(|r| (r.file, r.span, "related")));
            for (file, span, what) in places {
                let source = outcome.sources.get(file);
                checked += 1;
                if let Some(problem) = problem(source, &trees[file.0 as usize], span) {
                    let at = source.line_col(span.start);
                    failures.push(format!(
                        "{} {what} {}:{}:{}: {problem}",
                        d.code, source.path, at.line, at.col
                    ));
                }
            }
        }
    }
    assert!(checked > 100, "only {checked} locations checked");
    assert!(failures.is_empty(), "{failures:#?}");
}
