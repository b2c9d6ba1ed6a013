//! `--schema-location`: a directory, or a path template in kubeconform's syntax, holding
//! JSON schemas (and, for a directory, CRD manifests whose schemas count too).

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::crd::{self, Gvk};
use super::deprecated::Release;

/// What went wrong with a schema location.
#[derive(Debug, thiserror::Error)]
pub enum LocationError {
    #[error("schema location {0}: http(s) locations are not supported; download the schemas and give their directory (kroute never touches the network)")]
    Remote(String),
    #[error(
        "schema location {0}: no such directory, and not a template (`{{{{ .ResourceKind }}}}`, …)"
    )]
    Missing(String),
    #[error("schema location {path}: {message}")]
    Unreadable { path: String, message: String },
}

/// One `--schema-location`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// A directory: kubeconform's layouts under it, and the CRDs of its YAML files.
    Directory(PathBuf),
    /// A path with `{{ .ResourceKind }}`-style fields.
    Template(String),
}

impl Location {
    /// Reads a location as the user wrote it.
    pub fn parse(text: &str) -> Result<Location, LocationError> {
        if text.starts_with("http://") || text.starts_with("https://") {
            return Err(LocationError::Remote(text.to_string()));
        }
        if text.contains("{{") {
            return Ok(Location::Template(text.to_string()));
        }
        let path = PathBuf::from(text);
        if path.is_dir() {
            Ok(Location::Directory(path))
        } else {
            Err(LocationError::Missing(text.to_string()))
        }
    }

    /// The templates a lookup tries, in order: a template as given; under a directory, the
    /// flat layout of a schema collection, kubeconform's default one (per Kubernetes
    /// version, strict or not) and the CRDs-catalog one (`group/kind_version.json`).
    fn templates(&self) -> Vec<String> {
        match self {
            Location::Template(t) => vec![t.clone()],
            Location::Directory(dir) => {
                let dir = dir.display();
                [
                    "{{ .ResourceKind }}{{ .KindSuffix }}.json",
                    "{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json",
                    "{{ .NormalizedKubernetesVersion }}-standalone/{{ .ResourceKind }}{{ .KindSuffix }}.json",
                    "{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json",
                ]
                .iter()
                .map(|t| format!("{dir}/{t}"))
                .collect()
            }
        }
    }

    /// The schema file for `api_version` `kind` and its JSON, if this location has one.
    pub fn find(
        &self,
        api_version: &str,
        kind: &str,
        release: Release,
    ) -> Result<Option<(PathBuf, Value)>, LocationError> {
        let fields = Fields::new(api_version, kind, release);
        for template in self.templates() {
            let path = PathBuf::from(fields.fill(&template));
            if !path.is_file() {
                continue;
            }
            return read_json(&path).map(|v| Some((path, v)));
        }
        Ok(None)
    }

    /// The schemas of the CRDs in this directory's YAML files.
    pub fn crds(&self) -> Vec<(Gvk, Value)> {
        let Location::Directory(dir) = self else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for path in yaml_files(dir) {
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            let parsed = crate::yaml::parse_stream(&text, &crate::yaml::Limits::default());
            for document in &parsed.documents {
                let root = &document.root;
                let is_crd = root.str_at("kind") == Some("CustomResourceDefinition")
                    && root
                        .str_at("apiVersion")
                        .is_some_and(|v| v.starts_with("apiextensions.k8s.io/"));
                if is_crd {
                    out.extend(crd::schemas(root));
                }
            }
        }
        out
    }
}

/// Reads a JSON schema file.
pub fn read_json(path: &Path) -> Result<Value, LocationError> {
    let unreadable = |message: String| LocationError::Unreadable {
        path: path.display().to_string(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| unreadable(e.to_string()))?;
    serde_json::from_str(&text).map_err(|e| unreadable(e.to_string()))
}

/// The YAML files under `dir`, sorted (the first CRD of a kind wins).
fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = ignore::WalkBuilder::new(dir)
        .standard_filters(false)
        .build()
        .flatten()
        .map(ignore::DirEntry::into_path)
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .collect();
    out.sort();
    out
}

/// kubeconform's template fields for one apiVersion and kind.
struct Fields {
    kind: String,
    version: String,
    group: String,
    suffix: String,
    kubernetes: String,
}

impl Fields {
    fn new(api_version: &str, kind: &str, release: Release) -> Fields {
        // As kubeconform computes them: the group of `v1` is `v1`, the suffix takes the
        // group's first label (`-networking-v1` for `networking.istio.io/v1`).
        let (group, version) = api_version
            .rsplit_once('/')
            .unwrap_or((api_version, api_version));
        let first_label = group.split('.').next().unwrap_or(group).to_lowercase();
        let suffix = if api_version.contains('/') {
            format!("-{first_label}-{}", version.to_lowercase())
        } else {
            format!("-{first_label}")
        };
        Fields {
            kind: kind.to_lowercase(),
            version: version.to_string(),
            group: group.to_string(),
            suffix,
            kubernetes: format!("v{}.{}.0", release.0, release.1),
        }
    }

    fn fill(&self, template: &str) -> String {
        let mut out = template.to_string();
        for (name, value) in [
            ("ResourceKind", self.kind.as_str()),
            ("ResourceAPIVersion", &self.version),
            ("Group", &self.group),
            ("KindSuffix", &self.suffix),
            ("NormalizedKubernetesVersion", &self.kubernetes),
            ("StrictSuffix", "-strict"),
        ] {
            for spelling in [format!("{{{{ .{name} }}}}"), format!("{{{{.{name}}}}}")] {
                out = out.replace(&spelling, value);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_follow_kubeconform() {
        let t = "{{ .ResourceKind }}{{ .KindSuffix }}.json";
        let fill = |v, k| Fields::new(v, k, Release(1, 33)).fill(t);
        assert_eq!(fill("apps/v1", "Deployment"), "deployment-apps-v1.json");
        assert_eq!(fill("v1", "Service"), "service-v1.json");
        assert_eq!(
            fill("networking.istio.io/v1", "VirtualService"),
            "virtualservice-networking-v1.json"
        );
        let catalog = Fields::new("networking.istio.io/v1", "VirtualService", Release(1, 33))
            .fill("{{.Group}}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json");
        assert_eq!(catalog, "networking.istio.io/virtualservice_v1.json");
    }

    #[test]
    fn http_locations_are_refused() {
        assert!(matches!(
            Location::parse("https://example.com/{{ .ResourceKind }}.json"),
            Err(LocationError::Remote(_))
        ));
    }
}
