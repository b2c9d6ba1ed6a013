//! Schema stage: every object checked against the JSON schema of its apiVersion and kind
//! (KR101–KR104) before the graph trusts it.
//!
//! A schema comes from, in order: a `CustomResourceDefinition` of the input or the context
//! (it overrides the others), a `--schema-location`, the schemas embedded in the binary.
//! Objects are grouped by apiVersion and kind, and each group's schema is compiled once,
//! then shared by the threads validating the group's objects. Each error's instance path
//! leads back to the YAML node at fault ([`report`]). [`openapi`] turns Kubernetes' and
//! CRDs' OpenAPI schemas into the strict JSON schemas the validator reads, for the
//! generator of the embedded ones and for the CRDs met at run time alike.

pub mod crd;
pub mod deprecated;
pub mod embedded;
pub mod location;
pub mod openapi;
mod ports;
mod report;

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use rayon::prelude::*;
use serde_json::Value;

use crate::manifest::Object;
use crate::yaml::Span;
use crd::Gvk;
pub use deprecated::Release;
pub use location::{Location, LocationError};

/// The Kubernetes release checked against when none is given (`--kubernetes-version`): the
/// one the embedded schemas come from.
pub fn default_kubernetes_version() -> Release {
    Release::parse(embedded::kubernetes_release()).unwrap_or(Release(1, 37))
}

/// How objects are validated.
#[derive(Clone, Debug)]
pub struct Options {
    /// An unknown field is an error (KR102), not a warning.
    pub strict: bool,
    /// `--schema-location`s, in the order given.
    pub locations: Vec<Location>,
    /// The release whose removals KR104 reports.
    pub kubernetes_version: Release,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            strict: true,
            locations: Vec::new(),
            kubernetes_version: default_kubernetes_version(),
        }
    }
}

/// What a finding is about: one code each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// KR101: the value breaks its schema (type, enum, required, pattern, …).
    Violation,
    /// KR102: a field the schema does not have.
    UnknownField,
    /// KR103: no schema for the object's apiVersion and kind.
    NoSchema,
    /// KR104: a deprecated or removed apiVersion.
    Deprecated,
}

/// One schema finding about one object.
#[derive(Clone, Debug)]
pub struct Finding<'a> {
    pub kind: Kind,
    pub object: &'a Object,
    pub span: Span,
    /// The mapping or sequence holding the node at `span`.
    pub parent: Span,
    pub message: String,
    pub help: String,
    /// The value at `span` is unusable (wrong type, not an allowed value): findings of other
    /// rules inside it follow from this one.
    pub unusable: bool,
}

/// The findings of a run, and how strict it was.
#[derive(Debug, Default)]
pub struct Report<'a> {
    pub findings: Vec<Finding<'a>>,
    pub strict: bool,
}

impl Report<'_> {
    /// Whether a finding of another rule at `span` of `file` is about a value that a
    /// schema violation made unusable: inside it, or pointing at it from the mapping or
    /// sequence that holds it (a Service selector `{app: 123}` selects nothing because
    /// `123` is no label value). Such a finding is a consequence, not news.
    pub fn covers(&self, file: crate::source::FileId, span: Span) -> bool {
        self.findings.iter().any(|f| {
            let about = f.span.contains(span) || (f.parent.contains(span) && span.contains(f.span));
            f.unusable && f.object.file == file && about
        })
    }
}

/// Where schemas come from for one run, and the schemas compiled so far: each at most once
/// per run, however many scopes and threads ask for it.
pub struct Schemas {
    crds: HashMap<Gvk, Value>,
    opts: Options,
    compiled: Mutex<HashMap<Gvk, Cell>>,
}

/// A schema compiled once, on first use, then shared.
type Cell = Arc<OnceLock<Result<Compiled, Missing>>>;

impl Schemas {
    /// The schemas of `opts`, with those of the CRDs among `definitions` (every loaded
    /// object: input and context) first.
    pub fn new<'o>(definitions: impl Iterator<Item = &'o Object>, opts: Options) -> Self {
        let mut crds = HashMap::new();
        let found = definitions
            .filter(|o| crd::is_crd(o))
            .flat_map(|o| crd::schemas(&o.root))
            .chain(opts.locations.iter().flat_map(Location::crds));
        for (key, schema) in found {
            crds.entry(key).or_insert(schema);
        }
        Schemas {
            crds,
            opts,
            compiled: Mutex::default(),
        }
    }

    /// Validates `objects`, grouped by apiVersion and kind so that each group looks its
    /// schema up once. Objects made by a generator (a kustomization's `configMapGenerator`
    /// entry) are not written as objects: their node states no `kind` and is not checked.
    pub fn validate<'a>(&self, objects: impl Iterator<Item = &'a Object>) -> Report<'a> {
        let mut groups: Vec<Vec<&'a Object>> = Vec::new();
        let mut index: HashMap<(&str, &str), usize> = HashMap::new();
        for object in objects.filter(|o| o.root.get("kind").is_some()) {
            let key = (object.api_version.as_str(), object.kind.as_str());
            let at = *index.entry(key).or_insert_with(|| {
                groups.push(Vec::new());
                groups.len() - 1
            });
            groups[at].push(object);
        }
        let findings = groups
            .par_iter()
            .flat_map_iter(|members| self.validate_group(members))
            .collect();
        Report {
            findings,
            strict: self.opts.strict,
        }
    }

    /// The findings on `members`, objects of one apiVersion and kind.
    fn validate_group<'a>(&self, members: &[&'a Object]) -> Vec<Finding<'a>> {
        let Some(first) = members.first() else {
            return Vec::new();
        };
        let mut out = report::deprecations(members, self.opts.kubernetes_version);
        let cell = self.cell(&first.api_version, &first.kind);
        match cell.get_or_init(|| self.compile(&first.api_version, &first.kind)) {
            Ok(compiled) => out.par_extend(members.par_iter().flat_map_iter(|o| {
                let mut found = report::errors(compiled, o);
                found.extend(ports::out_of_range(o));
                found
            })),
            // A version that is gone has no schema: KR104 already says so.
            Err(Missing::Unknown) if !out.is_empty() => {}
            Err(why) => out.push(report::no_schema(first, why)),
        }
        out
    }

    /// The cell holding the compiled schema of `api_version` `kind`: the lock is held only
    /// to find it, so threads compiling other schemas do not wait.
    fn cell(&self, api_version: &str, kind: &str) -> Cell {
        let key = (api_version.to_string(), kind.to_string());
        let mut map = self.compiled.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(map.entry(key).or_default())
    }

    /// Compiles the schema of `api_version` `kind` from the first source that has one.
    fn compile(&self, api_version: &str, kind: &str) -> Result<Compiled, Missing> {
        let key = (api_version.to_string(), kind.to_string());
        if let Some(schema) = self.crds.get(&key) {
            // A CRD's `metadata` is the Kubernetes ObjectMeta, in the embedded definitions.
            let definitions = embedded::kubernetes_definitions().into_iter().collect();
            return build_registered(Cow::Owned(schema.clone()), definitions);
        }
        for location in &self.opts.locations {
            let release = self.opts.kubernetes_version;
            match location.find(api_version, kind, release) {
                Ok(Some((path, mut schema))) => {
                    openapi::normalize(&mut schema, openapi::BUILTIN_RULES);
                    return build_file(schema, &path);
                }
                Ok(None) => {}
                Err(e) => return Err(Missing::Broken(e.to_string())),
            }
        }
        let found = embedded::lookup(api_version, kind).ok_or(Missing::Unknown)?;
        build_registered(Cow::Borrowed(found.schema), found.documents)
    }
}

/// A compiled schema and the documents it was compiled from (its own first).
pub(crate) struct Compiled {
    validator: jsonschema::Validator,
    documents: Vec<Cow<'static, Value>>,
}

/// Why an object has no schema to check it against.
pub(crate) enum Missing {
    Unknown,
    Broken(String),
}

/// Compiles a schema file of a `--schema-location` (kubeconform's collections are written
/// in draft 4); its relative `$ref`s resolve beside it.
fn build_file(schema: Value, file: &Path) -> Result<Compiled, Missing> {
    let mut options = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .should_validate_formats(false)
        .with_retriever(FileRetriever);
    if let Ok(path) = std::path::absolute(file) {
        options = options.with_base_uri(format!("file://{}", path.display()));
    }
    match options.build(&schema) {
        Ok(validator) => Ok(Compiled {
            validator,
            documents: vec![Cow::Owned(schema)],
        }),
        Err(e) => Err(Missing::Broken(e.to_string())),
    }
}

/// Compiles `schema` with the shared documents its `$ref`s name registered: an embedded
/// schema, or a CRD's (whose `metadata` refers to the embedded ObjectMeta).
fn build_registered(
    schema: Cow<'static, Value>,
    documents: Vec<(String, &'static Value)>,
) -> Result<Compiled, Missing> {
    let broken = |e: &dyn std::fmt::Display| Missing::Broken(e.to_string());
    let registry = jsonschema::Registry::new()
        .extend(documents.iter().map(|(uri, doc)| (uri.as_str(), *doc)))
        .map_err(|e| broken(&e))?
        .prepare()
        .map_err(|e| broken(&e))?;
    let validator = jsonschema::options()
        .should_validate_formats(false)
        .with_registry(&registry)
        .build(&schema)
        .map_err(|e| broken(&e))?;
    let documents = std::iter::once(schema)
        .chain(documents.into_iter().map(|(_, doc)| Cow::Borrowed(doc)))
        .collect();
    Ok(Compiled {
        validator,
        documents,
    })
}

/// Reads the local files a schema of a `--schema-location` refers to; nothing remote.
struct FileRetriever;

impl jsonschema::Retrieve for FileRetriever {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        if uri.scheme().as_str() != "file" {
            return Err(format!("{uri}: only local files are read").into());
        }
        let mut schema = location::read_json(Path::new(uri.path().as_str()))?;
        openapi::normalize(&mut schema, openapi::BUILTIN_RULES);
        Ok(schema)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_and_threads_share_one_compiled_schema_per_kind() {
        let schemas = Schemas::new(std::iter::empty(), Options::default());
        let first = schemas.cell("v1", "Service");
        let again = schemas.cell("v1", "Service");
        assert!(Arc::ptr_eq(&first, &again));
        assert!(!Arc::ptr_eq(&first, &schemas.cell("apps/v1", "Deployment")));
    }
}
