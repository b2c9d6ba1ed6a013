//! `--format junit`: JUnit XML, for CI systems that show test results.
//!
//! One test suite; one test case for each object of the checked files (`Kind
//! namespace/name`, class name its file relative to the repository root), which fails
//! when it has findings at or above `--fail-on` (one `<failure>` whose type is their codes
//! and whose text lists each with its location); findings below the threshold go to the
//! case's `<system-out>`. A finding outside any object (a file that does not parse) is a
//! test case of its own for the file, an `<error>` when it fails: the file could not be
//! checked.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::Run;
use crate::diagnostic::{Diagnostic, ResourceRef};
use crate::source::{FileId, Span};

/// A test case: one object, or the findings of one file outside any object.
struct Case<'a> {
    file: FileId,
    resource: Option<ResourceRef>,
    span: Span,
    findings: Vec<&'a Diagnostic>,
}

pub fn render(run: &Run<'_>) -> String {
    let cases = cases(run);
    let failing = |object: bool| {
        cases
            .iter()
            .filter(|c| c.resource.is_some() == object && fails(run, c))
            .count()
    };
    let (failures, errors) = (failing(true), failing(false));
    let time = format!("{:.3}", run.summary.elapsed_ms as f64 / 1000.0);
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let counts = format!(
        "tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\" time=\"{time}\"",
        cases.len()
    );
    let _ = writeln!(out, "<testsuites name=\"kroute\" {counts}>");
    let _ = writeln!(
        out,
        "  <testsuite name=\"kroute check\" {counts} skipped=\"0\">"
    );
    for case in &cases {
        render_case(run, case, &mut out);
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

/// The objects in file order, each with its shown findings, then a case per file for the
/// findings outside every object.
fn cases<'a>(run: &'a Run<'a>) -> Vec<Case<'a>> {
    let mut cases: Vec<Case<'a>> = run
        .objects
        .iter()
        .map(|o| Case {
            file: o.file(),
            resource: Some(o.resource()),
            span: o.span(),
            findings: Vec::new(),
        })
        .collect();
    let mut loose: BTreeMap<FileId, Case<'a>> = BTreeMap::new();
    for d in super::shown(run.diagnostics) {
        let object = d.resource.as_ref().and_then(|r| {
            cases.iter().position(|c| {
                c.file == d.file && c.span.contains(d.span) && c.resource.as_ref() == Some(r)
            })
        });
        match object {
            Some(i) => cases[i].findings.push(d),
            None => loose
                .entry(d.file)
                .or_insert_with(|| Case {
                    file: d.file,
                    resource: None,
                    span: d.span,
                    findings: Vec::new(),
                })
                .findings
                .push(d),
        }
    }
    cases.extend(loose.into_values());
    cases
}

fn fails(run: &Run<'_>, case: &Case<'_>) -> bool {
    case.findings.iter().any(|d| d.severity >= run.fail_on)
}

fn render_case(run: &Run<'_>, case: &Case<'_>, out: &mut String) {
    let file = run
        .path(case.file)
        .unwrap_or_else(|| crate::source::STDIN.to_string());
    let name = match &case.resource {
        Some(r) => {
            let ns = r
                .namespace
                .as_deref()
                .map_or(String::new(), |n| format!("{n}/"));
            format!("{} {ns}{}", r.kind, r.name)
        }
        None => format!("file {file}"),
    };
    let line = run.sources.line_col(case.file, case.span.start).line;
    let _ = write!(
        out,
        "    <testcase name=\"{}\" classname=\"{}\" file=\"{}\" line=\"{line}\" time=\"0\"",
        xml(&name),
        xml(&file),
        xml(&file)
    );
    if case.findings.is_empty() {
        out.push_str("/>\n");
        return;
    }
    out.push_str(">\n");
    let (failing, below): (Vec<&Diagnostic>, Vec<&Diagnostic>) = case
        .findings
        .iter()
        .partition(|d| d.severity >= run.fail_on);
    if let Some(first) = failing.first() {
        let element = if case.resource.is_some() {
            "failure"
        } else {
            "error"
        };
        let mut codes: Vec<&str> = failing.iter().map(|d| d.code).collect();
        codes.sort_unstable();
        codes.dedup();
        let more = match failing.len() {
            1 => String::new(),
            n => format!(" (and {} more)", n - 1),
        };
        let _ = writeln!(
            out,
            "      <{element} message=\"{}\" type=\"{}\">{}</{element}>",
            xml(&format!("{}: {}{more}", first.code, first.message)),
            xml(&codes.join(",")),
            xml(&listing(run, &failing, &file))
        );
    }
    if !below.is_empty() {
        let _ = writeln!(
            out,
            "      <system-out>{}</system-out>",
            xml(&listing(run, &below, &file))
        );
    }
    out.push_str("    </testcase>\n");
}

/// `file:line:col: severity[CODE]: message` and the help, a finding a line.
fn listing(run: &Run<'_>, findings: &[&Diagnostic], file: &str) -> String {
    let mut text = String::new();
    for d in findings {
        let (start, _) = run.range(d);
        let _ = writeln!(
            text,
            "{file}:{}:{}: {}[{}]: {}",
            start.line,
            start.col,
            d.severity.as_str(),
            d.code,
            d.message
        );
        if let Some(help) = &d.help {
            let _ = writeln!(text, "  help: {help}");
        }
    }
    text
}

/// `text` as XML character data or attribute value: markup escaped, and the characters
/// XML 1.0 cannot hold at all (most control characters) left out.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\t' | '\r' => out.push_str(&format!("&#{};", c as u32)),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::xml;

    #[test]
    fn markup_and_control_characters_are_escaped() {
        assert_eq!(
            xml("a<b>&\"c'\u{1}\nd"),
            "a&lt;b&gt;&amp;&quot;c&apos;&#10;d"
        );
    }
}
