//! Recognises Helm / Go templates, which are not manifests until rendered.
//!
//! Parsing comes first: a document that parses is a manifest even when a scalar holds
//! `{{ … }}` (rendered output carries Grafana, Argo or Kyverno templates as data). A
//! document is a template only where template syntax keeps it from being YAML that
//! Kubernetes reads: it does not parse and has an action in its structure, or it parses
//! only because an unquoted `{{ … }}` reads as a mapping used as a key, which Kubernetes'
//! YAML reader refuses.

use crate::yaml::{Node, Span, Value};

/// The first unquoted `{{ … }}` of a parsed document: a flow mapping whose text starts with
/// `{{` (YAML reads `{{ .Values.name }}` as a mapping whose key is a mapping).
pub fn unquoted_action(root: &Node, text: &str) -> Option<Span> {
    let body = text.get(root.span.bytes())?;
    if !body.contains("{{") {
        return None;
    }
    first_action(root, text)
}

fn first_action(node: &Node, text: &str) -> Option<Span> {
    match &node.value {
        Value::Scalar(_) | Value::Styled(_) => None,
        Value::Map(_)
            if text
                .get(node.span.bytes())
                .is_some_and(|t| t.starts_with("{{")) =>
        {
            Some(Span::point(node.span.start as usize))
        }
        Value::Map(entries) => entries
            .iter()
            .find_map(|e| first_action(&e.key, text).or_else(|| first_action(&e.value, text))),
        Value::Seq(items) => items.iter().find_map(|n| first_action(n, text)),
    }
}

/// The first template action of the document that a syntax error at byte `error_at` broke,
/// if it has one. The document runs from the `---` line before the error's line to the
/// `---` line at or after it, where parsing resumed; only that part of the text is read, so
/// a stream of many broken documents stays linear.
pub fn action_in_broken_document(text: &str, error_at: usize) -> Option<Span> {
    let error_at = error_at.min(text.len());
    let line_start = text[..error_at].rfind('\n').map_or(0, |i| i + 1);
    let mut start = line_start;
    for raw in text[..line_start].split_inclusive('\n').rev() {
        start -= raw.len();
        if is_document_marker(raw) {
            break;
        }
    }
    let mut end = line_start;
    for raw in text[line_start..].split_inclusive('\n') {
        if is_document_marker(raw) {
            break;
        }
        end += raw.len();
    }
    let found = find_template_marker(&text[start..end])?;
    Some(Span::point(start + found.start as usize))
}

/// Whether a line (with its terminator) is a `---` document marker.
fn is_document_marker(raw: &str) -> bool {
    let line = raw.trim_end_matches(['\n', '\r']);
    line == "---" || line.starts_with("--- ") || line.starts_with("---\t")
}

/// The position of the first Go-template action in structural YAML (a line that starts with
/// `{{`, or a plain value or list item that does), if any. Text inside block scalars (`|`,
/// `>`) is skipped: ConfigMaps legitimately carry templates of other tools there, and so do
/// quoted values.
pub fn find_template_marker(text: &str) -> Option<Span> {
    if !text.contains("{{") {
        return None;
    }
    let mut block_indent: Option<usize> = None;
    let mut line_start = 0;
    for raw in text.split_inclusive('\n') {
        let line = raw.trim_end_matches(['\n', '\r']);
        let this_line = line_start;
        line_start += raw.len();
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        if let Some(parent) = block_indent {
            if trimmed.is_empty() || indent > parent {
                continue;
            }
            block_indent = None;
        }
        let body = trimmed.trim_start_matches("- ").trim_start();
        let value = body.split_once(": ").map_or(body, |(_, v)| v.trim_start());
        let at = if body.starts_with("{{") {
            Some(line.len() - body.len())
        } else if value.starts_with("{{") {
            Some(line.len() - value.len())
        } else {
            None
        };
        if let Some(at) = at {
            return Some(Span::point(this_line + at));
        }
        let stripped = trimmed.split(" #").next().unwrap_or(trimmed).trim_end();
        if stripped.ends_with('|')
            || stripped.ends_with('>')
            || ["|-", "|+", ">-", ">+"]
                .iter()
                .any(|s| stripped.ends_with(s))
        {
            block_indent = Some(indent);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_helm_actions_but_not_block_or_quoted_text() {
        let helm = "apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Values.name }}\n";
        assert_eq!(find_template_marker(helm), Some(Span::point(47)));
        let ctrl = "{{- if .Values.enabled }}\napiVersion: v1\n";
        assert_eq!(find_template_marker(ctrl), Some(Span::point(0)));
        let cm = "data:\n  tpl: |\n    {{ .Name }}\n  other: \"{{.Name}}.{{.Domain}}\"\n";
        assert_eq!(find_template_marker(cm), None);
    }

    #[test]
    fn a_syntax_error_is_the_templates_only_in_a_document_with_actions() {
        let text = "a: 1\n---\nname: {{ .Values.name }}\nlabels:\n  {{- include \"l\" . }}\n---\nb: [\n---\nc: 3\n";
        // The error in the second document (line 5) points back at its first action.
        let at = text.find("{{- include").unwrap();
        assert_eq!(
            action_in_broken_document(text, at + 2),
            Some(Span::point(text.find("{{ .Values").unwrap()))
        );
        // The third document is broken too, but has no template action.
        assert_eq!(
            action_in_broken_document(text, text.find("b: [").unwrap() + 4),
            None
        );
        // An error on the `---` that ends an unclosed document belongs to that document.
        let unclosed = "x: 1\n---\nname: {{ .Values.name\n---\ny: 2\n";
        let marker = unclosed.rfind("---").unwrap();
        assert_eq!(
            action_in_broken_document(unclosed, marker),
            Some(Span::point(unclosed.find("{{").unwrap()))
        );
    }

    #[test]
    fn only_unquoted_actions_of_a_parsed_document_count() {
        let parse = |text: &str| {
            let parsed = crate::yaml::parse_stream(text, &crate::yaml::Limits::default());
            unquoted_action(&parsed.documents[0].root, text)
        };
        let helm = "metadata:\n  name: {{ .Values.name }}\n";
        assert_eq!(parse(helm), Some(Span::point(helm.find("{{").unwrap())));
        let key = "{{ .Values.key }}: value\n";
        assert_eq!(parse(key), Some(Span::point(0)));
        let data = "data:\n  a: \"{{ .Name }}\"\n  b: |\n    {{ .Name }}\n  c: x-{{ .Name }}\n  d: {x: 1}\n";
        assert_eq!(parse(data), None);
    }
}
