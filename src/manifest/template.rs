//! Recognises Helm / Go templates, which are not manifests until rendered.

use crate::yaml::Span;

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
}
