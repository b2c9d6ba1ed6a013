use serde::Serialize;

use crate::diagnostic::Severity;
use std::time::Duration;

use crate::diagnostic::Diagnostic;

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
    pub suppressed: usize,
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
                .count(),
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
    /// in 4 ms`
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
        format!(
            "{}, {}, {} in {} from {}{skipped}{suppressed} in {} ms",
            plural(self.errors, "error"),
            plural(self.warnings, "warning"),
            plural(self.infos, "info"),
            plural(self.documents, "document"),
            plural(self.files, "file"),
            self.elapsed_ms
        )
    }
}
