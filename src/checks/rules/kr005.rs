//! # KR005: limit exceeded
//!
//! ## What it checks
//! The bounds that keep kroute fast and safe on hostile input:
//!
//! - file size: 16 MiB per file (`--max-file-size`);
//! - all inputs together: 4 GiB (`--max-total-size`);
//! - documents: 1,000,000 per file (`--max-documents`);
//! - nesting depth: 128 levels of mappings and sequences per document;
//! - alias expansion: aliases may add at most 100,000 nodes to one document;
//! - key length: 64 KiB; scalar length: 4 MiB.
//!
//! A file with a document over a limit fails the check (exit code 1) whatever `--fail-on`
//! says: its input was not understood.
//!
//! ## Why it matters
//! A "billion laughs" document (aliases of aliases) expands to gigabytes from a few lines;
//! kroute measures what an alias would add *before* expanding it, so such a document is
//! refused in milliseconds. The same bounds protect the admission webhook.
//!
//! ## Example
//! ```yaml
//! a: &a [x, x, x, x, x, x, x, x, x]
//! b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
//! c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
//! # … nine more levels: refused with KR005
//! ```
//!
//! ## How to fix
//! Real manifests stay far below these limits: split huge files, and expand anchors by
//! hand. The document (or file) over the limit was not analysed; the others were.

use crate::checks::{report_load_issues, Context, Rule};
use crate::manifest::LoadIssueKind;
use crate::diagnostic::{Diagnostic, Severity};

pub const RULE: Rule = Rule {
    code: "KR005",
    severity: Severity::Error,
    summary: "limit exceeded: alias expansion, nesting depth or file size",
    run,
};

fn run(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    report_load_issues(
        ctx,
        &RULE,
        |k| (*k == LoadIssueKind::Limit).then_some(RULE.severity),
        "split the file or expand the aliases; this document was not analysed",
        out,
    );
}
