//! `--format json`: the contract of ARCHITECTURE.md §2. Other tools rely on it; keep it
//! stable (add fields, never rename or remove them).

use serde::Serialize;

use super::Summary;
use crate::diagnostic::{Applicability, Diagnostic, Fix, ResourceRef, Severity, Suppression};
use crate::source::SourceMap;

#[derive(Serialize)]
struct Location<'a> {
    file: &'a str,
    line: u32,
    column: u32,
    /// Where the node ends (exclusive); equal to the start for a point.
    end: End,
}

#[derive(Serialize)]
struct End {
    line: u32,
    column: u32,
}

#[derive(Serialize)]
struct RelatedOut<'a> {
    file: &'a str,
    line: u32,
    column: u32,
    message: &'a str,
}

#[derive(Serialize)]
struct DiagnosticOut<'a> {
    code: &'a str,
    severity: Severity,
    message: &'a str,
    location: Location<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    resource: Option<&'a ResourceRef>,
    related: Vec<RelatedOut<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<&'a str>,
    /// Identifies the finding across unrelated edits (what the baseline matches on).
    #[serde(skip_serializing_if = "Option::is_none")]
    fingerprint: Option<&'a str>,
    /// For a suppressed finding: what suppressed it, and the reason given.
    #[serde(skip_serializing_if = "Option::is_none")]
    suppression: Option<SuppressionOut<'a>>,
    /// The edits that repair the finding, when kroute knows them (`kroute fix`).
    #[serde(skip_serializing_if = "Option::is_none")]
    fix: Option<FixOut<'a>>,
}

#[derive(Serialize)]
struct FixOut<'a> {
    applicability: Applicability,
    description: &'a str,
    edits: Vec<EditOut<'a>>,
}

/// One replacement: byte offsets into the file's text (after a UTF-8 BOM) and the same
/// places as line and column.
#[derive(Serialize)]
struct EditOut<'a> {
    file: &'a str,
    start: Position,
    end: Position,
    replacement: &'a str,
}

#[derive(Serialize)]
struct Position {
    offset: u32,
    line: u32,
    column: u32,
}

fn fix<'a>(f: &'a Fix, sources: &'a SourceMap) -> FixOut<'a> {
    let position = |file, offset| {
        let at = sources.line_col(file, offset);
        Position {
            offset,
            line: at.line,
            column: at.col,
        }
    };
    FixOut {
        applicability: f.applicability,
        description: &f.description,
        edits: f
            .edits
            .iter()
            .map(|e| EditOut {
                file: sources.path(e.file),
                start: position(e.file, e.span.start),
                end: position(e.file, e.span.end),
                replacement: &e.replacement,
            })
            .collect(),
    }
}

#[derive(Serialize)]
struct SuppressionOut<'a> {
    by: Suppression,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
}

#[derive(Serialize)]
struct Report<'a> {
    diagnostics: Vec<DiagnosticOut<'a>>,
    /// The findings suppressed on purpose (annotation, config), each with what suppressed
    /// it and why; counted in the summary. Baselined ones are only counted.
    suppressed: Vec<DiagnosticOut<'a>>,
    summary: Summary,
}

fn diagnostic<'a>(d: &'a Diagnostic, sources: &'a SourceMap) -> DiagnosticOut<'a> {
    let (start, end) = (
        sources.line_col(d.file, d.span.start),
        sources.line_col(d.file, d.span.end),
    );
    DiagnosticOut {
        code: d.code,
        severity: d.severity,
        message: &d.message,
        location: Location {
            file: sources.path(d.file),
            line: start.line,
            column: start.col,
            end: End {
                line: end.line,
                column: end.col,
            },
        },
        resource: d.resource.as_ref(),
        related: d
            .related
            .iter()
            .map(|r| {
                let at = sources.line_col(r.file, r.span.start);
                RelatedOut {
                    file: sources.path(r.file),
                    line: at.line,
                    column: at.col,
                    message: &r.message,
                }
            })
            .collect(),
        help: d.help.as_deref(),
        suppression: d.suppressed.map(|by| SuppressionOut {
            by,
            reason: d.suppression_reason.as_deref(),
        }),
        fingerprint: d.fingerprint.as_deref(),
        fix: d.fix.as_ref().map(|f| fix(f, sources)),
    }
}

/// Renders the diagnostics that were not suppressed, those that were (with why), and the
/// summary.
pub fn render(diagnostics: &[Diagnostic], sources: &SourceMap, summary: &Summary) -> String {
    let report = Report {
        diagnostics: super::shown(diagnostics)
            .map(|d| diagnostic(d, sources))
            .collect(),
        suppressed: diagnostics
            .iter()
            .filter(|d| {
                matches!(
                    d.suppressed,
                    Some(Suppression::Annotation | Suppression::Config)
                )
            })
            .map(|d| diagnostic(d, sources))
            .collect(),
        summary: summary.clone(),
    };
    serde_json::to_string_pretty(&report).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}
