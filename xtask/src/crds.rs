//! The CRDs of one upstream project release (`schemas/upstream/<project>/<release>/`):
//! every `CustomResourceDefinition` in every YAML file under it, one document per served
//! version, converted as kroute converts a CRD met in the input.

use std::fs;
use std::path::{Path, PathBuf};

use kroute::schema::openapi::crd_versions;
use kroute::yaml::{parse_stream, Limits};

use crate::documents::{gvk_name, Documents};

/// Adds the documents of the CRDs under `release`; returns how many kinds it added.
pub fn generate(release: &Path, documents: &mut Documents) -> Result<usize, String> {
    let mut added = 0;
    for file in yaml_files(release)? {
        let text = fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
        let parsed = parse_stream(&text, &Limits::default());
        if let Some(issue) = parsed.issues.first() {
            return Err(format!("{}: {}", file.display(), issue.message));
        }
        for document in parsed.documents {
            let object = document.root.to_json();
            if object["kind"] != "CustomResourceDefinition" {
                continue;
            }
            for version in crd_versions(&object) {
                let name = gvk_name(&version.group, &version.version, &version.kind);
                documents.insert(name, version.schema)?;
                added += 1;
            }
        }
    }
    Ok(added)
}

/// The `.yaml` and `.yml` files under `dir`, sorted.
fn yaml_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))? {
            let path = entry.map_err(|e| e.to_string())?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}
