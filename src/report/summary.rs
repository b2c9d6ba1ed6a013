use serde::Serialize;

use super::Severity;
use crate::pipeline::Outcome;

/// Counts shown at the end of every report.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Summary {
    pub files: usize,
    pub documents: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    pub suppressed: usize,
    pub elapsed_ms: u128,
}

impl Summary {
    pub fn of(outcome: &Outcome) -> Summary {
        let count = |s: Severity| outcome.reported().filter(|d| d.severity == s).count();
        Summary {
            files: outcome.files,
            documents: outcome.documents,
            errors: count(Severity::Error),
            warnings: count(Severity::Warning),
            infos: count(Severity::Info),
            suppressed: outcome.suppressed(),
            elapsed_ms: outcome.elapsed.as_millis(),
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

    /// `2 errors, 1 warning, 0 infos in 12 documents from 3 files (1 suppressed) in 4 ms`
    pub fn line(&self) -> String {
        let plural = |n: usize, word: &str| {
            if n == 1 {
                format!("{n} {word}")
            } else {
                format!("{n} {word}s")
            }
        };
        let suppressed = if self.suppressed > 0 {
            format!(" ({} suppressed)", self.suppressed)
        } else {
            String::new()
        };
        format!(
            "{}, {}, {} in {} from {}{suppressed} in {} ms",
            plural(self.errors, "error"),
            plural(self.warnings, "warning"),
            plural(self.infos, "info"),
            plural(self.documents, "document"),
            plural(self.files, "file"),
            self.elapsed_ms
        )
    }
}
