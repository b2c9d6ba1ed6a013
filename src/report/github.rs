//! `--format github`: GitHub Actions workflow commands, which the runner turns into
//! annotations on the pull request's lines, and a Markdown job summary.
//!
//! One command a shown finding: `::error file=k8s/vs.yaml,line=12,col=7,endLine=12,
//! endColumn=19,title=KR301::message` (`warning` for warnings, `notice` for infos), with
//! the file relative to the repository root and the escaping the runner undoes: `%`, CR and
//! LF in the message, and also `:` and `,` in property values. Columns are given only for
//! a finding on one line (the runner refuses them otherwise); the end column is exclusive,
//! as in the other formats. The summary line follows as plain log text.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::Run;
use crate::checks;
use crate::diagnostic::{Diagnostic, Severity};

pub fn render(run: &Run<'_>) -> String {
    let mut out = String::new();
    for d in super::shown(run.diagnostics) {
        let _ = writeln!(out, "{}", command(run, d));
    }
    let _ = writeln!(out, "kroute: {}", run.summary.line());
    out
}

fn command(run: &Run<'_>, d: &Diagnostic) -> String {
    let name = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    };
    let mut properties: Vec<(&str, String)> = Vec::new();
    if let Some(path) = run.path(d.file) {
        let (start, end) = run.range(d);
        properties.push(("file", path));
        properties.push(("line", start.line.to_string()));
        if start.line == end.line {
            properties.push(("col", start.col.to_string()));
            properties.push(("endLine", end.line.to_string()));
            properties.push(("endColumn", end.col.max(start.col).to_string()));
        } else {
            properties.push(("endLine", end.line.to_string()));
        }
    }
    properties.push(("title", d.code.to_string()));
    let properties: Vec<String> = properties
        .iter()
        .map(|(k, v)| format!("{k}={}", escape_property(&super::escape::text(v))))
        .collect();
    format!(
        "::{name} {}::{}",
        properties.join(","),
        escape_data(&message(run, d))
    )
}

/// The message with the related locations and the help on lines of their own; the
/// runner's log interprets terminal escapes, so the input's control characters are shown
/// escaped (`report::escape`).
fn message(run: &Run<'_>, d: &Diagnostic) -> String {
    use super::escape::text as esc;
    let mut text = esc(&d.message).into_owned();
    for r in &d.related {
        let at = run.sources.line_col(r.file, r.span.start);
        let path = run
            .path(r.file)
            .unwrap_or_else(|| crate::source::STDIN.to_string());
        let _ = write!(
            text,
            "\nnote: {} ({}:{}:{})",
            esc(&r.message),
            esc(&path),
            at.line,
            at.col
        );
    }
    if let Some(help) = &d.help {
        let _ = write!(text, "\nhelp: {}", esc(help));
    }
    text
}

/// A message as the runner reads it back.
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A property value as the runner reads it back.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// The Markdown job summary (for `$GITHUB_STEP_SUMMARY`): the counts, then the shown
/// findings counted by code and severity.
pub fn step_summary(run: &Run<'_>) -> String {
    let mut out = format!("### kroute\n\n{}\n\n", run.summary.line());
    let mut counts: BTreeMap<(&str, Severity), usize> = BTreeMap::new();
    for d in super::shown(run.diagnostics) {
        *counts.entry((d.code, d.severity)).or_default() += 1;
    }
    if counts.is_empty() {
        out.push_str("No findings.\n");
        return out;
    }
    out.push_str("| Code | Severity | Findings | Rule |\n|---|---|---:|---|\n");
    for ((code, severity), n) in counts {
        let summary = checks::rule(code).map_or("", |e| e.rule.summary);
        let _ = writeln!(
            out,
            "| {code} | {} | {n} | {} |",
            severity.as_str(),
            cell(summary)
        );
    }
    out
}

/// Text for a Markdown table cell: no line breaks, `|` escaped.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_follows_the_runner() {
        assert_eq!(escape_data("50% a\r\nb: c, d"), "50%25 a%0D%0Ab: c, d");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }
}
