//! The baseline file: the findings a repository had when it adopted kroute, which are then
//! counted but not shown (`--baseline FILE`), so that only new findings fail.
//!
//! `--write-baseline FILE` writes it: JSON, versioned, sorted, one entry per finding with
//! its code, object, file (relative to the repository root), message (for people reading
//! the file) and fingerprint (`diagnostic::fingerprint`), which alone decides what matches.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::diagnostic::{Diagnostic, ResourceRef, Suppression};
use crate::source::{RepoRoot, SourceMap};

/// The format version this kroute writes and reads.
pub const VERSION: u32 = 1;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Baseline {
    pub version: u32,
    pub findings: Vec<Entry>,
}

/// One accepted finding.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Entry {
    pub file: String,
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<ResourceRef>,
    pub fingerprint: String,
    pub message: String,
}

#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("baseline {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("baseline {}: not a kroute baseline: {source}", path.display())]
    Format {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("baseline {}: version {found} is not one this kroute reads (it writes version {VERSION}); write it anew with --write-baseline", path.display())]
    Version { path: PathBuf, found: u32 },
}

impl Baseline {
    pub fn read(path: &Path) -> Result<Baseline, BaselineError> {
        let io = |source| BaselineError::Io {
            path: path.to_path_buf(),
            source,
        };
        let text = std::fs::read_to_string(path).map_err(io)?;
        let baseline: Baseline =
            serde_json::from_str(&text).map_err(|source| BaselineError::Format {
                path: path.to_path_buf(),
                source,
            })?;
        if baseline.version != VERSION {
            return Err(BaselineError::Version {
                path: path.to_path_buf(),
                found: baseline.version,
            });
        }
        Ok(baseline)
    }

    pub fn write(&self, path: &Path) -> Result<(), BaselineError> {
        let text = serde_json::to_string_pretty(self).unwrap_or_default() + "\n";
        std::fs::write(path, text).map_err(|source| BaselineError::Io {
            path: path.to_path_buf(),
            source,
        })
    }

    /// The baseline of the findings a report shows or a baseline hides (not those
    /// suppressed otherwise: they are accepted already).
    pub fn of(diagnostics: &[Diagnostic], sources: &SourceMap, root: &RepoRoot) -> Baseline {
        let mut findings: Vec<Entry> = diagnostics
            .iter()
            .filter(|d| d.suppressed.is_none_or(|s| s == Suppression::Baseline))
            .filter_map(|d| {
                Some(Entry {
                    file: root.display(sources.path(d.file)),
                    code: d.code.to_string(),
                    resource: d.resource.clone(),
                    fingerprint: d.fingerprint.clone()?,
                    message: d.message.clone(),
                })
            })
            .collect();
        findings.sort();
        Baseline {
            version: VERSION,
            findings,
        }
    }

    /// Marks the findings the baseline lists; returns how many of its entries for the
    /// `checked` files (or for files that no longer exist) matched nothing.
    pub fn apply(
        &self,
        diagnostics: &mut [Diagnostic],
        checked: &HashSet<String>,
        root: &RepoRoot,
    ) -> usize {
        let mut matched = HashSet::new();
        let listed: HashSet<&str> = self
            .findings
            .iter()
            .map(|e| e.fingerprint.as_str())
            .collect();
        for d in diagnostics.iter_mut() {
            if d.suppressed.is_some() {
                continue;
            }
            if let Some(fp) = d.fingerprint.as_deref().filter(|fp| listed.contains(fp)) {
                matched.insert(fp.to_string());
                d.suppressed = Some(Suppression::Baseline);
            }
        }
        self.findings
            .iter()
            .filter(|e| !matched.contains(&e.fingerprint))
            .filter(|e| checked.contains(&e.file) || !root.dir().join(&e.file).exists())
            .count()
    }
}
