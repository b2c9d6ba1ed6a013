//! Report stage: diagnostics and their renderers.

pub mod graph;
pub mod human;
pub mod json;
mod summary;
pub mod trace;

pub use summary::Summary;

use crate::diagnostic::Diagnostic;

/// The diagnostics a report shows: those not suppressed (by `kroute.dev/ignore` or the
/// config's `ignore:`).
pub fn shown(diagnostics: &[Diagnostic]) -> impl Iterator<Item = &Diagnostic> {
    diagnostics.iter().filter(|d| d.suppressed.is_none())
}
