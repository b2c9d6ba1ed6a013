//! Expands the user's paths into the list of inputs to read.

use std::path::{Path, PathBuf};

/// One thing to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    File(PathBuf),
    Stdin,
    /// Something under a named directory that could not be listed (permissions, a broken
    /// link): reported as a finding for that path while the rest is still read.
    Unreadable {
        path: PathBuf,
        reason: String,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("{0}: no such file or directory")]
    NotFound(String),
}

const EXTENSIONS: [&str; 3] = ["yaml", "yml", "json"];

fn has_manifest_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

/// Expands `paths`: `-` is stdin, a file is taken whatever its extension, a directory is
/// walked recursively for `.yaml`/`.yml`/`.json` files, honouring `.gitignore` and hidden
/// files the way git does. The result is sorted per argument so output is deterministic.
pub fn collect_inputs(paths: &[PathBuf]) -> Result<Vec<Input>, InputError> {
    let mut inputs = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            inputs.push(Input::Stdin);
            continue;
        }
        if path.is_file() {
            inputs.push(Input::File(path.clone()));
            continue;
        }
        if !path.is_dir() {
            return Err(InputError::NotFound(path.display().to_string()));
        }
        let mut found = Vec::new();
        let walker = ignore::WalkBuilder::new(path)
            .require_git(false)
            .follow_links(false)
            .build();
        for entry in walker {
            let entry = match entry {
                Ok(entry) => entry,
                Err(err) => {
                    let at = walk_error_path(&err).unwrap_or_else(|| path.clone());
                    found.push(Input::Unreadable {
                        path: at,
                        reason: err.to_string(),
                    });
                    continue;
                }
            };
            if entry.file_type().is_some_and(|t| t.is_file())
                && has_manifest_extension(entry.path())
            {
                found.push(Input::File(entry.into_path()));
            }
        }
        found.sort_by(|a, b| input_path(a).cmp(input_path(b)));
        inputs.extend(found);
    }
    Ok(inputs)
}

fn input_path(input: &Input) -> &Path {
    match input {
        Input::File(path) | Input::Unreadable { path, .. } => path,
        Input::Stdin => Path::new("-"),
    }
}

/// The path an `ignore` error is about, when it says.
fn walk_error_path(err: &ignore::Error) -> Option<PathBuf> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            walk_error_path(err)
        }
        _ => None,
    }
}
