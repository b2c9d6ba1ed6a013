use serde::Serialize;

use crate::diagnostic::Severity;
use std::time::Duration;

use crate::diagnostic::{Diagnostic, Suppression};

/// Counts shown at the end of every report.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Summary {
    pub files: usize,
    pub documents: usize,
    /// Files of `files` that are not manifests (tool and configuration files, Helm charts),
    /// so were not checked as such.
    pub skipped: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    /// Findings the objects (or the configuration) opted out of.
    pub suppressed: usize,
    /// Findings the baseline (`--baseline`) lists, not shown.
    pub baselined: usize,
    /// Baseline entries of the checked files that no finding matches any more: fixed, so
    /// the baseline can be written anew (`--write-baseline`).
    pub baseline_stale: usize,
    pub elapsed_ms: u128,
}

impl Summary {
    /// The counts of a run over `files` files holding `documents` documents, `skipped` of
    /// the files not manifests.
    pub fn new(
        diagnostics: &[Diagnostic],
        files: usize,
        documents: usize,
        skipped: usize,
        elapsed: Duration,
    ) -> Summary {
        let count = |s: Severity| {
            super::shown(diagnostics)
                .filter(|d| d.severity == s)
                .count()
        };
        let baselined = diagnostics
            .iter()
            .filter(|d| d.suppressed == Some(Suppression::Baseline))
            .count();
        Summary {
            files,
            documents,
            skipped,
            errors: count(Severity::Error),
            warnings: count(Severity::Warning),
            infos: count(Severity::Info),
            suppressed: diagnostics
                .iter()
                .filter(|d| d.suppressed.is_some())
                .count()
                - baselined,
            baselined,
            baseline_stale: 0,
            elapsed_ms: elapsed.as_millis(),
        }
    }

    /// Whether any finding is at or above `threshold`.
    pub fn fails(&self, threshold: Severity) -> bool {
        match threshold {
            Severity::Error => self.errors > 0,
            Severity::Warning => self.errors + self.warnings > 0,
            Severity::Info => self.errors + self.warnings + self.infos > 0,
        }
    }

    /// `2 errors, 1 warning, 0 infos in 12 documents from 3 files (1 skipped) (1 suppressed)
    /// (3 baselined) (1 stale baseline entry) in 4 ms`
    pub fn line(&self) -> String {
        let plural = |n: usize, word: &str| {
            if n == 1 {
                format!("{n} {word}")
            } else {
                format!("{n} {word}s")
            }
        };
        let count = |n: usize, word: &str| {
            if n > 0 {
                format!(" ({n} {word})")
            } else {
                String::new()
            }
        };
        let skipped = count(self.skipped, "skipped");
        let suppressed = count(self.suppressed, "suppressed");
        let baselined = count(self.baselined, "baselined");
        let stale = match self.baseline_stale {
            0 => String::new(),
            1 => " (1 stale baseline entry)".to_string(),
            n => format!(" ({n} stale baseline entries)"),
        };
        format!(
            "{}, {}, {} in {} from {}{skipped}{suppressed}{baselined}{stale} in {} ms",
            plural(self.errors, "error"),
            plural(self.warnings, "warning"),
            plural(self.infos, "info"),
            plural(self.documents, "document"),
            plural(self.files, "file"),
            self.elapsed_ms
        )
    }
}
