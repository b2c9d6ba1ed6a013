//! Reads every input in parallel and turns its documents into objects.

use std::collections::{BTreeMap, HashMap};
use std::io::Read;

use rayon::prelude::*;

use super::object::{group_of, Object, ObjectId, ObjectKey};
use super::scope::is_cluster_scoped;
use super::template::find_template_marker;
use crate::source::LineCol;
use crate::source::{decode, FileId, Input, Refusal, SourceMap};
use crate::yaml::{parse_stream, Limits, Node, Span, YamlIssueKind};

#[derive(Clone, Debug)]
pub struct LoadOptions {
    /// Namespace given to namespaced objects that name none.
    pub default_namespace: String,
    pub limits: Limits,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            default_namespace: "default".to_string(),
            limits: Limits::default(),
        }
    }
}

/// The kinds of problem met while loading; each maps to one KR0xx rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LoadIssueKind {
    /// Unreadable, binary, non-UTF-8 or malformed YAML/JSON.
    Syntax,
    DuplicateKey,
    /// Not a Kubernetes object; `obvious` when it is plainly some other YAML (no
    /// `apiVersion` and no `kind`), as opposed to a broken Kubernetes object.
    NotAnObject {
        obvious: bool,
    },
    Template,
    Limit,
    /// The same object defined again; `first` is the object that was kept.
    DuplicateObject {
        first: ObjectId,
    },
}

#[derive(Clone, Debug)]
pub struct LoadIssue {
    pub kind: LoadIssueKind,
    pub file: FileId,
    pub span: Span,
    pub message: String,
    /// The object concerned, for object-level issues.
    pub object: Option<Box<Object>>,
}

/// Everything read from the inputs.
#[derive(Debug, Default)]
pub struct Loaded {
    pub sources: SourceMap,
    pub objects: Vec<Object>,
    pub issues: Vec<LoadIssue>,
    /// YAML documents read (empty ones excluded).
    pub documents: usize,
    /// Documents read per file, by `FileId`.
    pub file_documents: Vec<usize>,
}

/// What one text holds: its documents, objects and the problems met reading them.
#[derive(Debug, Default)]
pub struct Found {
    /// YAML documents read (empty ones excluded).
    pub documents: usize,
    /// Objects in document order; their ids are assigned by [`load`].
    pub objects: Vec<Object>,
    pub issues: Vec<LoadIssue>,
}

struct FileResult {
    path: String,
    text: String,
    found: Found,
}

/// Reads and parses `inputs` in parallel; the order of files, objects and issues follows the
/// order of `inputs`, whatever the thread schedule.
pub fn load(inputs: &[Input], opts: &LoadOptions) -> Loaded {
    let results: Vec<FileResult> = inputs
        .par_iter()
        .enumerate()
        .map(|(i, input)| load_file(FileId(u32::try_from(i).unwrap_or(u32::MAX)), input, opts))
        .collect();

    let mut loaded = Loaded::default();
    let mut seen: HashMap<ObjectKey, ObjectId> = HashMap::new();
    for result in results {
        loaded.sources.add(result.path, result.text);
        loaded.documents += result.found.documents;
        loaded.file_documents.push(result.found.documents);
        loaded.issues.extend(result.found.issues);
        for mut object in result.found.objects {
            let id = ObjectId(u32::try_from(loaded.objects.len()).unwrap_or(u32::MAX));
            if !object.generated_name {
                if let Some(&first) = seen.get(&object.key()) {
                    loaded.issues.push(LoadIssue {
                        kind: LoadIssueKind::DuplicateObject { first },
                        file: object.file,
                        span: object.name_span(),
                        message: format!("{} is defined more than once", object.display()),
                        object: Some(Box::new(object)),
                    });
                    continue;
                }
                seen.insert(object.key(), id);
            }
            object.id = id;
            loaded.objects.push(object);
        }
    }
    loaded
}

fn read_input(input: &Input, limit: u64) -> Result<(String, Vec<u8>), (String, String)> {
    match input {
        Input::Stdin => {
            let mut bytes = Vec::new();
            std::io::stdin()
                .take(limit + 1)
                .read_to_end(&mut bytes)
                .map(|_| ("<stdin>".to_string(), bytes))
                .map_err(|e| ("<stdin>".to_string(), format!("cannot read stdin: {e}")))
        }
        Input::Unreadable { path, reason } => {
            Err((path.display().to_string(), format!("cannot read: {reason}")))
        }
        Input::File(path) => {
            let name = path.display().to_string();
            let read = || -> std::io::Result<Vec<u8>> {
                let file = std::fs::File::open(path)?;
                let mut bytes = Vec::new();
                file.take(limit + 1).read_to_end(&mut bytes)?;
                Ok(bytes)
            };
            match read() {
                Ok(bytes) => Ok((name, bytes)),
                Err(e) => Err((name, format!("cannot read file: {e}"))),
            }
        }
    }
}

fn file_issue(file: FileId, kind: LoadIssueKind, span: Span, message: String) -> LoadIssue {
    LoadIssue {
        kind,
        file,
        span,
        message,
        object: None,
    }
}

fn load_file(file: FileId, input: &Input, opts: &LoadOptions) -> FileResult {
    let limit = opts.limits.max_file_bytes;
    let mut result = FileResult {
        path: String::new(),
        text: String::new(),
        found: Found::default(),
    };
    let bytes = match read_input(input, limit) {
        Ok((path, bytes)) => {
            result.path = path;
            bytes
        }
        Err((path, message)) => {
            result.path = path;
            let issue = file_issue(file, LoadIssueKind::Syntax, Span::point(0), message);
            result.found.issues.push(issue);
            return result;
        }
    };
    let refusal = if bytes.len() as u64 > limit {
        Err(Refusal::TooLarge {
            size: bytes.len() as u64,
            limit,
        })
    } else {
        decode(bytes)
    };
    let text = match refusal {
        Ok(text) => text,
        Err(refusal) => {
            let (kind, message) = match &refusal {
                Refusal::TooLarge { limit, .. } => (
                    LoadIssueKind::Limit,
                    format!("file is larger than the {limit}-byte limit; it was not read"),
                ),
                Refusal::Utf16 => (
                    LoadIssueKind::Syntax,
                    "UTF-16 text; manifests must be UTF-8: re-save the file as UTF-8".to_string(),
                ),
                Refusal::Binary => (
                    LoadIssueKind::Syntax,
                    "binary file (contains NUL bytes), not YAML or JSON".to_string(),
                ),
                Refusal::InvalidUtf8 { .. } => (
                    LoadIssueKind::Syntax,
                    "invalid UTF-8; manifests must be UTF-8 text".to_string(),
                ),
            };
            // Invalid UTF-8 keeps the text before the bad byte, and points at its end, so
            // the diagnostic shows where the byte is.
            if let Refusal::InvalidUtf8 { valid } = refusal {
                result.text = valid;
            }
            let span = Span::point(result.text.len());
            result
                .found
                .issues
                .push(file_issue(file, kind, span, message));
            return result;
        }
    };
    result.found = read_text(file, &text, opts);
    result.text = text;
    result
}

/// Reads the manifests of one text (a file's, stdin's, a request body's).
pub fn read_text(file: FileId, text: &str, opts: &LoadOptions) -> Found {
    let mut found = Found::default();
    if let Some(span) = find_template_marker(text) {
        found.issues.push(file_issue(
            file,
            LoadIssueKind::Template,
            span,
            "this file is a Helm/Go template (`{{ … }}`), not a rendered manifest".to_string(),
        ));
        return found;
    }

    let parsed = parse_stream(text, &opts.limits);
    found.documents = parsed.documents.len();
    for issue in parsed.issues {
        let kind = match issue.kind {
            YamlIssueKind::Syntax => LoadIssueKind::Syntax,
            YamlIssueKind::Limit => LoadIssueKind::Limit,
            YamlIssueKind::DuplicateKey { first, .. } => {
                let at = LineCol::of(text, first.start);
                let message = format!(
                    "{} (first defined at line {}, column {})",
                    issue.message, at.line, at.col
                );
                found.issues.push(file_issue(
                    file,
                    LoadIssueKind::DuplicateKey,
                    issue.span,
                    message,
                ));
                continue;
            }
        };
        found
            .issues
            .push(file_issue(file, kind, issue.span, issue.message));
    }
    for doc in parsed.documents {
        objects_of(file, doc.index, doc.root, opts, &mut found);
    }
    found
}

/// Kinds of tool configuration that carry `apiVersion`/`kind` but are not API objects.
fn is_tool_config(group: &str, kind: &str) -> bool {
    group.starts_with("kustomize.config.k8s.io")
        || group.ends_with(".config.k8s.io")
        || group == "skaffold"
        || kind == "Config"
        || kind.ends_with("Configuration") && !group.contains("admissionregistration")
}

fn objects_of(file: FileId, doc: u32, root: Node, opts: &LoadOptions, out: &mut Found) {
    let not_object = |obvious: bool, span: Span, message: String| LoadIssue {
        kind: LoadIssueKind::NotAnObject { obvious },
        file,
        span,
        message,
        object: None,
    };
    if root.as_map().is_none() {
        out.issues.push(not_object(
            true,
            root.span,
            "document is not a mapping, so not a Kubernetes object; ignored".to_string(),
        ));
        return;
    }
    let api_version = root.get("apiVersion");
    let kind = root.get("kind");
    let (api_version, kind) = match (api_version, kind) {
        (None, None) => {
            out.issues.push(not_object(
                true,
                root.span,
                "document has no `apiVersion` or `kind`: not a Kubernetes object; ignored"
                    .to_string(),
            ));
            return;
        }
        (Some(a), Some(k)) => match (a.as_str(), k.as_str()) {
            (Some(a), Some(k)) => (a.to_string(), k.to_string()),
            (None, _) => {
                let message = "`apiVersion` must be a string such as `apps/v1`".to_string();
                out.issues.push(not_object(false, a.span, message));
                return;
            }
            (_, None) => {
                let message = "`kind` must be a string such as `Deployment`".to_string();
                out.issues.push(not_object(false, k.span, message));
                return;
            }
        },
        (Some(_), None) => {
            let message = "document has `apiVersion` but no `kind`".to_string();
            out.issues.push(not_object(false, root.span, message));
            return;
        }
        (None, Some(_)) => {
            let message = "document has `kind` but no `apiVersion`".to_string();
            out.issues.push(not_object(false, root.span, message));
            return;
        }
    };
    if let Some(items) = root.get("items").filter(|_| kind.ends_with("List")) {
        match items.as_seq() {
            Some(items) => {
                for item in items {
                    objects_of(file, doc, item.clone(), opts, out);
                }
            }
            None if items.is_null() => {}
            None => out.issues.push(not_object(
                false,
                items.span,
                format!("`items` of this {kind} must be a list of objects"),
            )),
        }
        return;
    }
    let group = group_of(&api_version).to_string();
    let metadata = root.get("metadata");
    let name = metadata.and_then(|m| m.str_at("name"));
    let generate = metadata.and_then(|m| m.str_at("generateName"));
    let (name, generated_name) = match (name, generate) {
        (Some(n), _) => (n.to_string(), false),
        (None, Some(g)) => (g.to_string(), true),
        (None, None) => {
            if metadata.is_none() && is_tool_config(&group, &kind) {
                let message = format!("`{kind}` ({api_version}) is tool configuration, not a Kubernetes object; ignored");
                out.issues.push(not_object(true, root.span, message));
            } else {
                let at = metadata.map_or(root.span, |m| m.span);
                let message = format!("{kind} has no `metadata.name`");
                out.issues.push(not_object(false, at, message));
            }
            return;
        }
    };
    let namespace = if is_cluster_scoped(&group, &kind) {
        String::new()
    } else {
        metadata
            .and_then(|m| m.str_at("namespace"))
            .unwrap_or(&opts.default_namespace)
            .to_string()
    };
    let pairs = |key: &str| -> BTreeMap<String, String> {
        metadata
            .and_then(|m| m.get(key))
            .map(Node::string_map)
            .unwrap_or_default()
    };
    out.objects.push(Object {
        id: ObjectId(0),
        file,
        doc,
        labels: pairs("labels"),
        annotations: pairs("annotations"),
        api_version,
        group,
        kind,
        name,
        generated_name,
        namespace,
        root,
    });
}
