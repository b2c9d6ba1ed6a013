//! `--format human`: compiler-style diagnostics with the offending node underlined.

use std::fmt::Write;

use super::escape;
use super::Summary;
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::SourceMap;

/// ANSI styling, or none.
#[derive(Clone, Copy, Debug)]
pub struct Style {
    pub color: bool,
}

impl Style {
    fn paint(self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    fn severity(self, s: Severity) -> &'static str {
        match s {
            Severity::Error => "1;31",
            Severity::Warning => "1;33",
            Severity::Info => "1;36",
        }
    }
}

/// Longest source line shown whole; longer ones (minified JSON, generated YAML) are cut to
/// a window around the node.
const MAX_LINE: usize = 160;

/// The part of `text` to show around column `start` (0-based, in characters), and how many
/// characters were cut in front, `…` included, so carets can be shifted.
fn window(text: &str, start: usize, width: usize) -> (String, usize) {
    if width <= MAX_LINE {
        return (text.to_string(), 0);
    }
    let from = start.saturating_sub(MAX_LINE / 4).min(width - MAX_LINE);
    let body: String = text.chars().skip(from).take(MAX_LINE).collect();
    let head = if from > 0 { "…" } else { "" };
    let tail = if from + MAX_LINE < width { "…" } else { "" };
    // The `…` in front takes one column, which the carets must skip too.
    let offset = from.saturating_sub(head.chars().count());
    (format!("{head}{body}{tail}"), offset)
}

fn render_one(d: &Diagnostic, sources: &SourceMap, style: Style, out: &mut String) {
    let sev = style.paint(
        style.severity(d.severity),
        &format!("{}[{}]", d.severity.as_str(), d.code),
    );
    let _ = writeln!(
        out,
        "{sev}: {}",
        style.paint("1", &escape::text(&d.message))
    );
    let file = sources.get(d.file);
    let (start_at, end_at) = (file.line_col(d.span.start), file.line_col(d.span.end));
    let line_no = start_at.line;
    let gutter = " ".repeat(line_no.to_string().len());
    let _ = writeln!(
        out,
        "{gutter}{} {}:{}:{}",
        style.paint("1;34", "-->"),
        escape::text(&file.path),
        line_no,
        start_at.col
    );
    if let Some(text) = file.line(line_no) {
        // A tab shown as one space keeps the carets under the columns they count.
        let text = escape::text(&text.replace('\t', " ")).into_owned();
        let bar = style.paint("1;34", "|");
        let start = start_at.col.saturating_sub(1) as usize;
        let width = text.chars().count();
        let end = if d.span.end == d.span.start {
            start + 1
        } else if end_at.line == line_no {
            (end_at.col - 1) as usize
        } else {
            width
        };
        let (shown, offset) = window(&text, start, width);
        let shown_width = shown.chars().count();
        let caret_start = start.saturating_sub(offset);
        let caret_end = end.saturating_sub(offset).min(shown_width);
        let marks = "^".repeat(caret_end.saturating_sub(caret_start).max(1));
        let _ = writeln!(out, "{gutter} {bar}");
        let _ = writeln!(
            out,
            "{} {bar} {shown}",
            style.paint("1;34", &line_no.to_string())
        );
        let _ = writeln!(
            out,
            "{gutter} {bar} {}{}",
            " ".repeat(caret_start),
            style.paint(style.severity(d.severity), &marks)
        );
    }
    let eq = style.paint("1;34", "=");
    if let Some(r) = &d.resource {
        let ns = r
            .namespace
            .as_deref()
            .map_or(String::new(), |n| format!("{n}/"));
        let _ = writeln!(
            out,
            "{gutter} {eq} resource: {}",
            escape::text(&format!("{} {ns}{} ({})", r.kind, r.name, r.api_version))
        );
    }
    for related in &d.related {
        let at = sources.line_col(related.file, related.span.start);
        let _ = writeln!(
            out,
            "{gutter} {eq} note: {} ({}:{}:{})",
            escape::text(&related.message),
            escape::text(sources.path(related.file)),
            at.line,
            at.col
        );
    }
    if let Some(help) = &d.help {
        let help = escape::text(help);
        let _ = writeln!(out, "{gutter} {eq} {}: {help}", style.paint("1", "help"));
    }
    out.push('\n');
}

/// Renders the diagnostics that were not suppressed, then the summary line.
pub fn render(
    diagnostics: &[Diagnostic],
    sources: &SourceMap,
    summary: &Summary,
    style: Style,
) -> String {
    let mut out = String::new();
    for d in super::shown(diagnostics) {
        render_one(d, sources, style, &mut out);
    }
    let line = summary.line();
    let line = if summary.errors > 0 {
        style.paint("1;31", &line)
    } else if summary.warnings > 0 {
        style.paint("1;33", &line)
    } else {
        style.paint("1;32", &line)
    };
    let _ = writeln!(out, "{line}");
    out
}

#[cfg(test)]
mod tests {
    use super::window;

    #[test]
    fn long_lines_are_cut_around_the_node() {
        let line = format!("{}TARGET{}", "a".repeat(500), "b".repeat(500));
        let width = line.chars().count();
        let (shown, offset) = window(&line, 500, width);
        assert!(shown.starts_with('…') && shown.ends_with('…'));
        assert!(shown.chars().count() <= super::MAX_LINE + 2);
        let at: String = shown.chars().skip(500 - offset).take(6).collect();
        assert_eq!(at, "TARGET");
        assert_eq!(window("short", 1, 5), ("short".to_string(), 0));
    }
}
