//! The JSON schemas built into kroute: one per group/version/kind of the pinned Kubernetes
//! release and of the CRDs under `schemas/upstream/`, generated into `schemas/` by
//! `cargo xtask schemas` (see `schemas/SOURCES.md`) and embedded as the compressed bundle
//! `schemas/embedded.bin`.
//!
//! Each document in the bundle is deflated on its own and inflated the first time a run
//! asks for it, at most once per process: a run that meets three kinds pays for three kinds
//! and the shared definitions they refer to, not for the whole collection.
//!
//! A kind's schema refers to shared documents by absolute `$ref` (the built-in kinds to
//! the Kubernetes definitions, every CRD's `metadata` to `ObjectMeta`);
//! [`EmbeddedSchema::documents`] hands them over with their URIs, to register with the
//! validator, which then never needs to fetch anything.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde_json::Value;

/// The base of every embedded document's `$id` (`.invalid` never resolves).
pub const BASE_URI: &str = "https://kroute.invalid/schemas/";

/// The shared document with the Kubernetes definitions: every built-in kind refers into it,
/// and so does every CRD's `metadata` (`ObjectMeta`).
pub const KUBERNETES_DEFINITIONS: &str = "_definitions/kubernetes.json";

/// The bundle `cargo xtask schemas` writes; its layout is described in `xtask/src/bundle.rs`.
static BUNDLE: &[u8] = include_bytes!("../../schemas/embedded.bin");
/// The first line of the bundle: its format.
pub const HEADER: &str = "kroute-schemas 1";

/// The schema of one group/version/kind, with the shared documents it refers to.
#[derive(Debug, Clone)]
pub struct EmbeddedSchema {
    /// The schema itself; its `$id` is [`BASE_URI`] followed by its path under `schemas/`.
    pub schema: &'static Value,
    /// (URI, document) for every document `schema` refers to by `$ref`.
    pub documents: Vec<(String, &'static Value)>,
}

/// The embedded schema of `kind` in `api_version` (`v1`, `apps/v1`,
/// `networking.istio.io/v1`), if kroute has one.
pub fn lookup(api_version: &str, kind: &str) -> Option<EmbeddedSchema> {
    let index = index()?;
    let &entry = index
        .by_kind
        .get(&(api_version.to_string(), kind.to_string()))?;
    let schema = index.document(entry)?;
    let documents = index.entries[entry]
        .dependencies
        .iter()
        .map(|name| {
            let &dependency = index.by_name.get(name)?;
            Some((uri(name), index.document(dependency)?))
        })
        .collect::<Option<Vec<_>>>()?;
    Some(EmbeddedSchema { schema, documents })
}

/// Every embedded (apiVersion, kind), in the bundle's order (by group, version, kind).
pub fn kinds() -> impl Iterator<Item = (&'static str, &'static str)> {
    index()
        .into_iter()
        .flat_map(|index| index.entries.iter())
        .filter_map(|entry| {
            let (api_version, kind) = entry.kind.as_ref()?;
            Some((api_version.as_str(), kind.as_str()))
        })
}

/// (URI, document) of [`KUBERNETES_DEFINITIONS`], for a CRD's schema
/// ([`super::openapi::crd_versions`]) to be compiled with.
pub fn kubernetes_definitions() -> Option<(String, &'static Value)> {
    let index = index()?;
    let &entry = index.by_name.get(KUBERNETES_DEFINITIONS)?;
    Some((uri(KUBERNETES_DEFINITIONS), index.document(entry)?))
}

/// The Kubernetes release the built-in schemas come from (`v1.37.0`): the default of
/// `--kubernetes-version`.
pub fn kubernetes_release() -> &'static str {
    index().map_or("", |index| index.kubernetes_release.as_str())
}

/// The URI a document of the bundle is known by: its `$id`.
pub fn uri(name: &str) -> String {
    format!("{BASE_URI}{name}")
}

/// The bundle's table of contents, read once.
struct Index {
    kubernetes_release: String,
    entries: Vec<Entry>,
    by_name: HashMap<String, usize>,
    by_kind: HashMap<(String, String), usize>,
    /// Where the deflated documents start in [`BUNDLE`].
    data: usize,
}

struct Entry {
    /// The document's path under `schemas/`.
    name: String,
    /// (apiVersion, kind), or `None` for a shared document (`_definitions/…`).
    kind: Option<(String, String)>,
    dependencies: Vec<String>,
    offset: usize,
    length: usize,
    /// The inflated document; `None` inside if it does not inflate or parse, which the
    /// tests rule out for the bundle that ships.
    document: OnceLock<Option<Value>>,
}

fn index() -> Option<&'static Index> {
    static INDEX: OnceLock<Option<Index>> = OnceLock::new();
    INDEX.get_or_init(|| Index::parse(BUNDLE)).as_ref()
}

impl Index {
    fn parse(bundle: &[u8]) -> Option<Index> {
        let end = bundle.windows(2).position(|w| w == b"\n\n")?;
        let text = std::str::from_utf8(&bundle[..end]).ok()?;
        let mut lines = text.lines();
        if lines.next()? != HEADER {
            return None;
        }
        let kubernetes_release = lines.next()?.strip_prefix("kubernetes ")?.to_string();
        let entries = lines.map(Entry::parse).collect::<Option<Vec<_>>>()?;
        let by_name = entries
            .iter()
            .enumerate()
            .map(|(i, entry)| (entry.name.clone(), i))
            .collect();
        let by_kind = entries
            .iter()
            .enumerate()
            .filter_map(|(i, entry)| Some((entry.kind.clone()?, i)))
            .collect();
        Some(Index {
            kubernetes_release,
            entries,
            by_name,
            by_kind,
            data: end + 2,
        })
    }

    fn document(&'static self, entry: usize) -> Option<&'static Value> {
        let entry = &self.entries[entry];
        entry
            .document
            .get_or_init(|| {
                let start = self.data.checked_add(entry.offset)?;
                let compressed = BUNDLE.get(start..start.checked_add(entry.length)?)?;
                let json = miniz_oxide::inflate::decompress_to_vec(compressed).ok()?;
                serde_json::from_slice(&json).ok()
            })
            .as_ref()
    }
}

impl Entry {
    /// `<name> TAB <dependencies> TAB <offset> TAB <length>`.
    fn parse(line: &str) -> Option<Entry> {
        let mut fields = line.split('\t');
        let name = fields.next()?;
        let dependencies = fields
            .next()?
            .split(',')
            .filter(|d| !d.is_empty())
            .map(str::to_string)
            .collect();
        let offset = fields.next()?.parse().ok()?;
        let length = fields.next()?.parse().ok()?;
        Some(Entry {
            name: name.to_string(),
            kind: api_version_kind(name),
            dependencies,
            offset,
            length,
            document: OnceLock::new(),
        })
    }
}

/// `apps/v1/Deployment.json` → (`apps/v1`, `Deployment`); `core/v1/Service.json` →
/// (`v1`, `Service`); shared documents (`_definitions/…`) have none.
fn api_version_kind(name: &str) -> Option<(String, String)> {
    let mut parts = name.strip_suffix(".json")?.split('/');
    let (group, version, kind) = (parts.next()?, parts.next()?, parts.next()?);
    if group.starts_with('_') || parts.next().is_some() {
        return None;
    }
    let api_version = match group {
        "core" => version.to_string(),
        _ => format!("{group}/{version}"),
    };
    Some((api_version, kind.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_map_to_api_versions() {
        assert_eq!(
            api_version_kind("core/v1/Service.json"),
            Some(("v1".into(), "Service".into()))
        );
        assert_eq!(
            api_version_kind("networking.istio.io/v1/Gateway.json"),
            Some(("networking.istio.io/v1".into(), "Gateway".into()))
        );
        assert_eq!(api_version_kind("_definitions/kubernetes.json"), None);
    }

    #[test]
    fn built_in_kinds_come_with_the_definitions_they_refer_to() {
        let deployment = lookup("apps/v1", "Deployment").expect("Deployment is embedded");
        assert_eq!(
            deployment.schema["$id"],
            Value::String(uri("apps/v1/Deployment.json"))
        );
        let (definitions, document) = &deployment.documents[0];
        assert_eq!(definitions, &uri(KUBERNETES_DEFINITIONS));
        let (_, shared) = kubernetes_definitions().expect("definitions are embedded");
        assert!(std::ptr::eq(*document, shared));
        assert!(document["$defs"]["io.k8s.api.apps.v1.Deployment"].is_object());
        assert!(lookup("apps/v1", "Nonexistent").is_none());
        assert!(lookup("v1", "Service").is_some());
    }

    #[test]
    fn a_document_is_inflated_once() {
        let first = lookup("v1", "Pod").expect("Pod is embedded");
        let second = lookup("v1", "Pod").expect("Pod is embedded");
        assert!(std::ptr::eq(first.schema, second.schema));
        assert!(std::ptr::eq(first.documents[0].1, second.documents[0].1));
    }

    #[test]
    fn the_release_is_recorded() {
        assert!(kubernetes_release().starts_with("v1."));
        assert!(kinds().any(|kind| kind == ("v1", "ConfigMap")));
    }
}
