//! `--inventory PATH…`: the manifests of files and directories (a GitOps checkout), loaded
//! into the store and loaded again when a file changes, is added or is removed.

use std::path::PathBuf;
use std::time::SystemTime;

use super::evaluate::Judge;
use super::store::{Store, StoreError};
use crate::manifest::LoadOptions;
use crate::source::{collect_inputs, Input};

/// What the files looked like when last loaded: each path with its modification time
/// and size.
pub type Signature = Vec<(PathBuf, Option<SystemTime>, u64)>;

/// The files `paths` name now, and their signature; an error when a path is missing.
pub fn scan(paths: &[PathBuf]) -> Result<(Vec<PathBuf>, Signature), String> {
    let inputs = collect_inputs(paths).map_err(|e| e.to_string())?;
    let files: Vec<PathBuf> = inputs
        .into_iter()
        .filter_map(|i| match i {
            Input::File(path) => Some(path),
            _ => None,
        })
        .collect();
    let signature = files
        .iter()
        .map(|path| {
            let meta = std::fs::metadata(path).ok();
            let modified = meta.as_ref().and_then(|m| m.modified().ok());
            (path.clone(), modified, meta.map_or(0, |m| m.len()))
        })
        .collect();
    Ok((files, signature))
}

/// Reads `files` into `store` in place of everything it held, refreshes the schemas of
/// `judge` (CRDs may have changed) and marks the store ready; returns how many objects it
/// holds and the texts that could not be used (files that are not manifests are common in
/// a checkout and only counted).
pub fn load(
    files: &[PathBuf],
    store: &Store,
    judge: &Judge,
    opts: &LoadOptions,
) -> (usize, Vec<StoreError>) {
    let limit = opts.limits.max_file_bytes;
    let texts: Vec<(String, String)> = files
        .iter()
        .filter(|p| std::fs::metadata(p).is_ok_and(|m| m.len() <= limit))
        .filter_map(|p| Some((p.display().to_string(), std::fs::read_to_string(p).ok()?)))
        .collect();
    let errors = store.replace_all(texts, opts);
    let snapshot = store.snapshot();
    judge.refresh(&snapshot);
    store.mark_ready();
    (snapshot.len(), errors)
}
