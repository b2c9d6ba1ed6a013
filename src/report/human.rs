//! `--format human`: compiler-style diagnostics with the offending node underlined.

use std::fmt::Write;

use super::{Diagnostic, Severity, Summary};
use crate::pipeline::Outcome;
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

fn render_one(d: &Diagnostic, sources: &SourceMap, style: Style, out: &mut String) {
    let sev = style.paint(
        style.severity(d.severity),
        &format!("{}[{}]", d.severity.as_str(), d.code),
    );
    let _ = writeln!(out, "{sev}: {}", style.paint("1", &d.message));
    let file = sources.get(d.file);
    let line_no = d.span.start.line;
    let gutter = " ".repeat(line_no.to_string().len());
    let _ = writeln!(
        out,
        "{gutter}{} {}:{}:{}",
        style.paint("1;34", "-->"),
        file.path,
        line_no,
        d.span.start.col
    );
    if let Some(text) = file.line(line_no) {
        // A tab shown as one space keeps the carets under the columns they count.
        let text = text.replace('\t', " ");
        let bar = style.paint("1;34", "|");
        let start = d.span.start.col.saturating_sub(1) as usize;
        let width = text.chars().count();
        let end = if d.span.end == d.span.start {
            start + 1
        } else if d.span.end.line == line_no {
            (d.span.end.col - 1) as usize
        } else {
            width
        };
        let marks = "^".repeat(end.min(width).saturating_sub(start).max(1));
        let _ = writeln!(out, "{gutter} {bar}");
        let _ = writeln!(
            out,
            "{} {bar} {text}",
            style.paint("1;34", &line_no.to_string())
        );
        let _ = writeln!(
            out,
            "{gutter} {bar} {}{}",
            " ".repeat(start),
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
            "{gutter} {eq} resource: {} {ns}{} ({})",
            r.kind, r.name, r.api_version
        );
    }
    for related in &d.related {
        let _ = writeln!(
            out,
            "{gutter} {eq} note: {} ({}:{}:{})",
            related.message,
            sources.path(related.file),
            related.span.start.line,
            related.span.start.col
        );
    }
    if let Some(help) = &d.help {
        let _ = writeln!(out, "{gutter} {eq} {}: {help}", style.paint("1", "help"));
    }
    out.push('\n');
}

pub fn render(outcome: &Outcome, style: Style) -> String {
    let mut out = String::new();
    for d in outcome.reported() {
        render_one(d, &outcome.sources, style, &mut out);
    }
    let summary = Summary::of(outcome);
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
