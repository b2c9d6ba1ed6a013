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

/// Expands `paths`: `-` is stdin, a file is taken whatever its extension, a directory is
/// walked recursively for `.yaml`/`.yml`/`.json` files, honouring `.gitignore` and hidden
/// files the way git does. The result is sorted per argument so output is deterministic.
/// A Helm chart's templates, found or named, become one [`Input::HelmChart`] for the chart.
/// A file named twice (`k8s/ k8s/app.yaml`) is read once.
pub fn collect_inputs(paths: &[PathBuf]) -> Result<Vec<Input>, InputError> {
    Ok(helm_charts(once_each(expand(paths)?)))
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

fn expand(paths: &[PathBuf]) -> Result<Vec<Input>, InputError> {
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
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            walk_error_path(err)
        }
        _ => None,
    }
}
