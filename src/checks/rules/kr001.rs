//! # KR001: YAML/JSON syntax error
//!
//! ## What it checks
//! That every input file is readable UTF-8 text and valid YAML (or JSON, which is read as
//! YAML). Tabs used for indentation, unclosed quotes or brackets, bad indentation, binary
//! files and invalid UTF-8 are all reported here, at the line and column where reading
//! stopped. A document that does not parse because it is a Helm/Go template (`{{ … }}` in
//! its structure) is reported as KR004 instead; `{{ … }}` inside a quoted or block scalar
//! does not make it one. Tool and configuration files (docker-compose, `tsconfig.json`
//! with comments, Helm values, …) are not kroute's to judge and are skipped (see KR003).
//! An input that cannot be read at all (it vanished while the directory was walked, a
//! broken link, no permission) is reported here too.
//!
//! A check whose input was not understood did not pass: when a checked file has a
//! document that did not parse (KR001, or a limit, KR005), the exit code is at least 1
//! whatever `--fail-on`, the config's severities or a baseline say, and when an input could
//! not be read at all it is 2, an I/O error.
//!
//! ## Why it matters
//! `kubectl apply` refuses the whole file, and tools that skip unparsable files silently
//! (a frequent complaint about other linters) let the rest of the change through unchecked.
//! kroute loses only the broken document: it resumes at the next `---` line and analyses
//! everything else.
//!
//! ## Example
//! ```yaml
//! metadata:
//!   name: "checkout      # the quote is never closed
//! ```
//!
//! ## How to fix
//! Fix the syntax at the reported position. Indent with spaces, never tabs; close every
//! quote and bracket; save the file as UTF-8.

use crate::checks::{report_load_issues, Context, Rule};
use crate::manifest::LoadIssueKind;
use crate::diagnostic::{Diagnostic, Severity};

pub const RULE: Rule = Rule {
    code: "KR001",
    severity: Severity::Error,
    summary: "YAML/JSON syntax error, binary file or invalid UTF-8",
    run,
};

fn run(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    report_load_issues(
        ctx,
        &RULE,
        |k| (*k == LoadIssueKind::Syntax).then_some(RULE.severity),
        "fix the syntax at this position (indent with spaces, close quotes and brackets); the other documents of the file were still checked",
        out,
    );
    report_load_issues(
        ctx,
        &RULE,
        |k| (*k == LoadIssueKind::Io).then_some(RULE.severity),
        "check that the path exists and is readable (permissions, a broken link); an input that cannot be read makes the exit code 2",
        out,
    );
}
