//! Report stage: diagnostics and their renderers.

pub mod escape;
pub mod github;
pub mod graph;
pub mod human;
pub mod json;
pub mod junit;
pub mod rules;
pub mod sarif;
mod summary;
pub mod trace;

pub use summary::Summary;

use crate::diagnostic::{Checked, Diagnostic, Severity};
use crate::source::{LineCol, RepoRoot, SourceMap};

/// The diagnostics a report shows: those neither suppressed (by `kroute.dev/ignore` or the
/// config's `ignore:`) nor in the baseline.
pub fn shown(diagnostics: &[Diagnostic]) -> impl Iterator<Item = &Diagnostic> {
    diagnostics.iter().filter(|d| d.suppressed.is_none())
}

/// What the CI renderers (`sarif`, `github`, `junit`) read of a `check` run.
pub struct Run<'a> {
    /// Every finding, suppressed ones included (renderers show [`shown`] ones).
    pub diagnostics: &'a [Diagnostic],
    pub sources: &'a SourceMap,
    pub summary: &'a Summary,
    /// The objects of the checked files.
    pub objects: &'a [Checked],
    /// What file paths are made relative to.
    pub root: &'a RepoRoot,
    /// The lowest severity that fails the run (`--fail-on`).
    pub fail_on: Severity,
}

impl Run<'_> {
    /// The start and end (exclusive) of a diagnostic's node.
    fn range(&self, d: &Diagnostic) -> (LineCol, LineCol) {
        (
            self.sources.line_col(d.file, d.span.start),
            self.sources.line_col(d.file, d.span.end),
        )
    }

    /// The path of `d`'s file relative to the repository root, or `None` for stdin.
    fn path(&self, file: crate::source::FileId) -> Option<String> {
        let path = self.sources.path(file);
        (path != crate::source::STDIN).then(|| self.root.display(path))
    }
}
