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
    /// The `Chart.yaml` of a Helm chart (a directory with `Chart.yaml` and `templates/`).
    /// The files under `templates/` are template sources, not manifests, even when one looks
    /// rendered: they are not inputs, and the chart is reported once, on this file.
    HelmChart(PathBuf),
    /// Bytes already in memory, shown under `name`: for embedding kroute and for the fuzz
    /// targets, which check one input without touching the file system.
    Memory {
        name: String,
        bytes: Vec<u8>,
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

/// Something found while walking a directory that is not read, and why: a FIFO or a device
/// (reading one could block forever or never end), a symbolic link that leads back into a
/// directory being walked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub path: PathBuf,
    pub reason: String,
}

/// Expands `paths`: `-` is stdin, a path named explicitly is read whatever it is (a file of
/// any extension, `/dev/stdin`, a FIFO, the `/dev/fd/63` of a shell's `<(…)`), a directory
/// is walked recursively for `.yaml`/`.yml`/`.json` files, honouring `.gitignore` and
/// hidden files the way git does, and following symbolic links (a ConfigMap mounted as a
/// volume is a directory of `..data` links) with loop detection. The result is sorted per
/// argument so output is deterministic. A Helm chart's templates, found or named, become
/// one [`Input::HelmChart`] for the chart. A file named twice (`k8s/ k8s/app.yaml`) is read
/// once. What a walk skips is dropped; [`collect_inputs_noting`] says what it was.
pub fn collect_inputs(paths: &[PathBuf]) -> Result<Vec<Input>, InputError> {
    collect_inputs_noting(paths, &mut Vec::new())
}

/// [`collect_inputs`], adding to `skipped` what the walks skipped.
pub fn collect_inputs_noting(
    paths: &[PathBuf],
    skipped: &mut Vec<Skipped>,
) -> Result<Vec<Input>, InputError> {
    Ok(helm_charts(once_each(expand(paths, skipped)?)))
}

/// The inputs without the files already in them, the first time they appear.
fn once_each(inputs: Vec<Input>) -> Vec<Input> {
    let mut seen = std::collections::HashSet::new();
    inputs
        .into_iter()
        .filter(|input| match input {
            Input::File(path) => seen.insert(std::fs::canonicalize(path).unwrap_or(path.clone())),
            _ => true,
        })
        .collect()
}

fn expand(paths: &[PathBuf], skipped: &mut Vec<Skipped>) -> Result<Vec<Input>, InputError> {
    let mut inputs = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            inputs.push(Input::Stdin);
            continue;
        }
        // What the path leads to: a named symbolic link, FIFO or device is read as the user
        // asked; only a directory is walked.
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => {}
            Ok(_) => {
                inputs.push(Input::File(path.clone()));
                continue;
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(InputError::NotFound(path.display().to_string()));
            }
            Err(e) => {
                inputs.push(Input::Unreadable {
                    path: path.clone(),
                    reason: e.to_string(),
                });
                continue;
            }
        }
        let mut found = Vec::new();
        let walker = ignore::WalkBuilder::new(path)
            .require_git(false)
            .follow_links(true)
            .build();
        for entry in walker {
            let entry = match entry {
                Ok(entry) => entry,
                Err(err) => {
                    let at = walk_error_path(&err).unwrap_or_else(|| path.clone());
                    if is_dangling(&at) && !has_manifest_extension(&at) {
                        // A broken link to something kroute would not read anyway.
                        continue;
                    }
                    if is_loop(&err) {
                        skipped.push(Skipped {
                            path: at,
                            reason: "a symbolic link back into a directory being walked (a loop)"
                                .to_string(),
                        });
                    } else {
                        let reason = err
                            .io_error()
                            .map_or_else(|| err.to_string(), |e| e.to_string());
                        found.push(Input::Unreadable { path: at, reason });
                    }
                    continue;
                }
            };
            if !has_manifest_extension(entry.path()) {
                continue;
            }
            match entry.file_type() {
                Some(t) if t.is_file() => found.push(Input::File(entry.into_path())),
                Some(t) if !t.is_dir() => skipped.push(Skipped {
                    path: entry.into_path(),
                    reason: "not a regular file (a FIFO, socket or device); name it to read it"
                        .to_string(),
                }),
                _ => {}
            }
        }
        found.sort_by(|a, b| input_path(a).cmp(input_path(b)));
        inputs.extend(found);
    }
    Ok(inputs)
}

/// A symbolic link whose target does not exist.
fn is_dangling(path: &Path) -> bool {
    path.symlink_metadata().is_ok_and(|m| m.is_symlink()) && !path.exists()
}

fn is_loop(err: &ignore::Error) -> bool {
    match err {
        ignore::Error::Loop { .. } => true,
        ignore::Error::WithPath { err, .. }
        | ignore::Error::WithDepth { err, .. }
        | ignore::Error::WithLineNumber { err, .. } => is_loop(err),
        _ => false,
    }
}

/// Replaces each file of a Helm chart's `templates/` and the chart's `Chart.yaml` by one
/// [`Input::HelmChart`], where the chart first appears.
fn helm_charts(inputs: Vec<Input>) -> Vec<Input> {
    let mut charts = std::collections::HashSet::new();
    inputs
        .into_iter()
        .filter_map(|input| {
            let Input::File(path) = &input else {
                return Some(input);
            };
            let Some(chart) = chart_of(path) else {
                return Some(input);
            };
            let chart_yaml = chart.join(CHART_FILE);
            charts
                .insert(chart_yaml.clone())
                .then_some(Input::HelmChart(chart_yaml))
        })
        .collect()
}

const CHART_FILE: &str = "Chart.yaml";

/// The chart directory `path` belongs to as its `Chart.yaml` or as a file under its
/// `templates/`, if it does. Only a directory that has both is a chart: a `Chart.yaml`
/// alone (a library or umbrella chart) is plain tool configuration.
fn chart_of(path: &Path) -> Option<PathBuf> {
    let is_chart = |dir: &Path| dir.join(CHART_FILE).is_file() && dir.join("templates").is_dir();
    if path.file_name().is_some_and(|n| n == CHART_FILE) {
        let dir = path.parent()?;
        return is_chart(dir).then(|| dir.to_path_buf());
    }
    path.ancestors()
        .skip(1)
        .filter(|a| a.file_name().is_some_and(|n| n == "templates"))
        .filter_map(Path::parent)
        .find(|dir| is_chart(dir))
        .map(Path::to_path_buf)
}

fn input_path(input: &Input) -> &Path {
    match input {
        Input::File(path) | Input::Unreadable { path, .. } | Input::HelmChart(path) => path,
        Input::Stdin => Path::new("-"),
        Input::Memory { name, .. } => Path::new(name),
    }
}

/// The path an `ignore` error is about, when it says.
fn walk_error_path(err: &ignore::Error) -> Option<PathBuf> {
    match err {
        ignore::Error::Loop { child, .. } => Some(child.clone()),
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            walk_error_path(err)
        }
        _ => None,
    }
}
