//! Repository tasks.
//!
//! `cargo xtask schemas` regenerates `schemas/` from the upstream definitions kept in
//! `schemas/upstream/` (see `schemas/SOURCES.md`): one JSON schema per group/version/kind,
//! the shared definitions they refer to, and `schemas/embedded.bin`, the compressed bundle
//! the kroute binary embeds. `cargo xtask schemas --check` changes nothing and fails when
//! the committed output is not what the generator makes (CI runs it).

mod bundle;
mod crds;
mod documents;
mod kubernetes;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::Value;

use documents::Documents;

const USAGE: &str = "usage: cargo xtask schemas [--check]";
/// The upstream project whose definitions are the built-in kinds; every other project under
/// `schemas/upstream/` provides CRDs.
const KUBERNETES: &str = "kubernetes";
/// The bundle kroute embeds, under `schemas/`.
const BUNDLE: &str = "embedded.bin";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let check = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["schemas"] => false,
        ["schemas", "--check"] => true,
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&schemas_dir(), check) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("xtask schemas: {error}");
            ExitCode::FAILURE
        }
    }
}

fn schemas_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas")
}

fn run(schemas: &Path, check: bool) -> Result<(), String> {
    let wanted = generate(schemas)?;
    let existing = generated_files(schemas)?;
    if check {
        return compare(&wanted, &existing);
    }
    for stale in existing.keys().filter(|name| !wanted.contains_key(*name)) {
        fs::remove_file(schemas.join(stale)).map_err(|e| format!("{stale}: {e}"))?;
    }
    for (name, bytes) in &wanted {
        if existing.get(name) != Some(bytes) {
            write(&schemas.join(name), bytes)?;
        }
    }
    println!("{} files in {}", wanted.len(), schemas.display());
    Ok(())
}

/// Every generated file by its path under `schemas/`, with its contents.
fn generate(schemas: &Path) -> Result<BTreeMap<String, Vec<u8>>, String> {
    let upstream = schemas.join("upstream");
    let (release, release_dir) = only_release(&upstream.join(KUBERNETES))?;
    let mut documents = Documents::default();
    kubernetes::generate(&release_dir, &mut documents)?;
    for project in subdirectories(&upstream)? {
        if project != KUBERNETES {
            let (project_release, dir) = only_release(&upstream.join(&project))?;
            let kinds = crds::generate(&dir, &mut documents)?;
            println!("{project} {project_release}: {kinds} group/version/kinds");
        }
    }
    let mut files = BTreeMap::new();
    for (name, schema) in documents.iter() {
        let mut text = serde_json::to_string_pretty(schema).map_err(|e| e.to_string())?;
        text.push('\n');
        files.insert(name.clone(), text.into_bytes());
    }
    files.insert(BUNDLE.to_string(), bundle::bundle(&documents, &release));
    Ok(files)
}

/// The one release directory under `dir` (the pinned release).
fn only_release(dir: &Path) -> Result<(String, PathBuf), String> {
    let mut releases = subdirectories(dir)?;
    match (releases.pop(), releases.is_empty()) {
        (Some(release), true) => {
            let path = dir.join(&release);
            Ok((release, path))
        }
        _ => Err(format!("{}: expected exactly one release", dir.display())),
    }
}

fn subdirectories(dir: &Path) -> Result<Vec<String>, String> {
    let mut names = Vec::new();
    for entry in fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))? {
        let entry = entry.map_err(|e| e.to_string())?;
        if entry.path().is_dir() {
            names.push(entry.file_name().to_string_lossy().into_owned());
        }
    }
    names.sort();
    Ok(names)
}

/// The generated files now in `schemas/`: everything but the upstream sources and the
/// hand-written notes.
fn generated_files(schemas: &Path) -> Result<BTreeMap<String, Vec<u8>>, String> {
    let mut files = BTreeMap::new();
    let mut stack = vec![schemas.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))? {
            let path = entry.map_err(|e| e.to_string())?.path();
            let name = relative_name(schemas, &path);
            if path.is_dir() {
                if name != "upstream" {
                    stack.push(path);
                }
            } else if name.ends_with(".json") || name == BUNDLE {
                let bytes = fs::read(&path).map_err(|e| format!("{name}: {e}"))?;
                files.insert(name, bytes);
            }
        }
    }
    Ok(files)
}

fn relative_name(root: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(root).unwrap_or(path);
    let parts: Vec<_> = relative.iter().map(|p| p.to_string_lossy()).collect();
    parts.join("/")
}

fn compare(
    wanted: &BTreeMap<String, Vec<u8>>,
    existing: &BTreeMap<String, Vec<u8>>,
) -> Result<(), String> {
    let mut differences = Vec::new();
    for (name, bytes) in wanted {
        match existing.get(name) {
            None => differences.push(format!("missing {name}")),
            Some(old) if old != bytes => differences.push(format!("outdated {name}")),
            Some(_) => {}
        }
    }
    for name in existing.keys().filter(|name| !wanted.contains_key(*name)) {
        differences.push(format!("stale {name}"));
    }
    if differences.is_empty() {
        return Ok(());
    }
    let shown = differences
        .iter()
        .take(20)
        .cloned()
        .collect::<Vec<_>>()
        .join("\n  ");
    Err(format!(
        "schemas/ is not what `cargo xtask schemas` generates ({} differences):\n  {shown}",
        differences.len()
    ))
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), String> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    fs::write(path, bytes).map_err(|e| format!("{}: {e}", path.display()))
}

pub fn read_json(path: &Path) -> Result<Value, String> {
    let text = fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}
