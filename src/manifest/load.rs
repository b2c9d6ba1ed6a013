//! Reads every input in parallel and turns its documents into objects.

use std::io::Read;

use rayon::prelude::*;

use super::object::{group_of, Object, ObjectData, ObjectId};
use super::scope::is_cluster_scoped;
use super::template::{action_in_broken_document, unquoted_action};
use super::tool::{self, Class};
use super::Labels;
use crate::source::LineCol;
use crate::source::{decode, Contents, FileId, Input, ReadBack, Refusal, SourceMap};
use crate::yaml::{parse_stream, Document, Limits, Node, Span, YamlIssue, YamlIssueKind};

#[derive(Clone, Debug)]
pub struct LoadOptions {
    /// Namespace given to namespaced objects that name none.
    pub default_namespace: String,
    pub limits: Limits,
    /// Texts read instead of the inputs of these names (the path as named, `<stdin>`):
    /// `kroute fix` checks its edits before it writes them.
    pub replaced: Option<std::sync::Arc<std::collections::HashMap<String, String>>>,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            default_namespace: "default".to_string(),
            limits: Limits::default(),
            replaced: None,
        }
    }
}

/// The kinds of problem met while loading; each maps to one KR0xx rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LoadIssueKind {
    /// Binary, non-UTF-8 or malformed YAML/JSON.
    Syntax,
    /// The input could not be read at all (it vanished, permissions, an I/O error): KR001,
    /// and an I/O error for the exit code.
    Io,
    DuplicateKey,
    /// Not a Kubernetes object; `obvious` when it is plainly some other YAML that kroute
    /// does not recognise (said once per file, at info level), as opposed to a broken
    /// Kubernetes object. Recognised tool configuration raises no issue at all.
    NotAnObject {
        obvious: bool,
    },
    /// A document that is not YAML Kubernetes reads because of Go-template syntax.
    Template,
    /// A Helm chart, whose templates were not read: said once per chart, on `Chart.yaml`,
    /// with the command that renders it.
    HelmChart {
        render: String,
    },
    Limit,
    /// The same object defined again; `same_stream` when in the same file, or in files built
    /// into one stream (a kustomization root). `first` is the definition references resolve
    /// to.
    DuplicateObject {
        first: ObjectId,
        same_stream: bool,
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
    /// Every object read, each definition of one object included
    /// ([`first_definitions`](super::first_definitions) keeps one).
    pub objects: Vec<Object>,
    pub issues: Vec<LoadIssue>,
    /// Documents read per file, by `FileId`.
    pub file_documents: Vec<usize>,
    /// Whether each file, by `FileId`, was skipped as not a manifest (see [`Found::skipped`]).
    pub file_skipped: Vec<bool>,
    /// How far each file, by `FileId`, was understood.
    pub file_read: Vec<Reading>,
}

/// How far a file was understood: a check whose input was not understood did not pass.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reading {
    /// Every document was parsed (whatever it holds).
    #[default]
    Whole,
    /// A document (or all of the file) was not parsed: a syntax error, a refused encoding, a
    /// limit.
    Broken,
    /// The file could not be read at all.
    Failed,
}

impl Reading {
    /// How far the text with these issues was understood.
    pub fn of(issues: &[LoadIssue]) -> Reading {
        issues
            .iter()
            .map(|i| match i.kind {
                LoadIssueKind::Io => Reading::Failed,
                LoadIssueKind::Syntax | LoadIssueKind::Limit => Reading::Broken,
                _ => Reading::Whole,
            })
            .max()
            .unwrap_or_default()
    }
}

/// What one text holds: its documents, objects and the problems met reading them.
#[derive(Clone, Debug, Default)]
pub struct Found {
    /// YAML documents read (empty ones excluded).
    pub documents: usize,
    /// Objects in document order; their ids are assigned by [`load`].
    pub objects: Vec<Object>,
    pub issues: Vec<LoadIssue>,
    /// Not a manifest: a Helm chart, or a text whose every document is tool configuration or
    /// other non-Kubernetes YAML.
    pub skipped: bool,
}

impl Found {
    /// What was read, as read from `file`: for a text read before its file was known.
    pub fn in_file(mut self, file: FileId) -> Found {
        for object in &mut self.objects {
            object.file = file;
        }
        for issue in &mut self.issues {
            issue.file = file;
            if let Some(object) = &mut issue.object {
                object.file = file;
            }
        }
        self
    }
}

struct FileResult {
    path: String,
    text: Contents,
    found: Found,
}

/// Reads and parses `inputs` in parallel; the order of files, objects and issues follows the
/// order of `inputs`, whatever the thread schedule.
pub fn load(inputs: &[Input], opts: &LoadOptions) -> Loaded {
    let sizes: Vec<Size> = inputs.par_iter().map(size).collect();
    let over = over_total(&sizes, opts.limits.max_total_bytes);
    let results: Vec<FileResult> = inputs
        .par_iter()
        .zip(over)
        .zip(sizes)
        .enumerate()
        .map(|(i, ((input, over), size))| {
            let file = FileId(u32::try_from(i).unwrap_or(u32::MAX));
            if over {
                return refused_over_total(file, input, opts.limits.max_total_bytes);
            }
            load_file(file, input, size.regular, opts)
        })
        .collect();

    let mut loaded = Loaded::default();
    for result in results {
        let (issues, _) = loaded.add_file(result.path, result.text, result.found);
        loaded.issues.extend(issues);
    }
    loaded
}

impl Loaded {
    /// The id the next file added gets: the one to read its text with.
    pub fn next_file(&self) -> FileId {
        FileId(u32::try_from(self.sources.len()).unwrap_or(u32::MAX))
    }

    /// Adds a file whose text `found` was read from: its source, counts and objects, which
    /// are numbered after those before. Every vector indexed by `FileId` grows here, so
    /// they stay aligned. Returns the file's issues, for the caller to place, and the
    /// indexes of its objects.
    pub fn add_file(
        &mut self,
        path: String,
        text: impl Into<Contents>,
        found: Found,
    ) -> (Vec<LoadIssue>, std::ops::Range<usize>) {
        self.sources.add(path, text);
        self.file_documents.push(found.documents);
        self.file_skipped.push(found.skipped);
        self.file_read.push(Reading::of(&found.issues));
        let first = self.objects.len();
        for mut object in found.objects {
            object.id = ObjectId(u32::try_from(self.objects.len()).unwrap_or(u32::MAX));
            self.objects.push(object);
        }
        (found.issues, first..self.objects.len())
    }
}

/// The bytes of an input as read: its name, and the path of the file they were read from
/// (`None` for a text given in its place, stdin, a text in memory).
struct ReadInput {
    name: String,
    bytes: Vec<u8>,
    again: Option<std::path::PathBuf>,
}

impl ReadInput {
    fn once(name: String, bytes: Vec<u8>) -> ReadInput {
        ReadInput {
            name,
            bytes,
            again: None,
        }
    }
}

fn read_input(input: &Input, opts: &LoadOptions) -> Result<ReadInput, (String, String)> {
    let limit = opts.limits.max_file_bytes;
    let name = match input {
        Input::Stdin => Some(crate::source::STDIN.to_string()),
        Input::File(path) => Some(path.display().to_string()),
        _ => None,
    };
    if let Some((name, text)) = name.and_then(|n| {
        let text = opts.replaced.as_ref()?.get(&n)?.clone();
        Some((n, text))
    }) {
        return Ok(ReadInput::once(name, text.into_bytes()));
    }
    match input {
        Input::Stdin => {
            let mut bytes = Vec::new();
            std::io::stdin()
                .take(limit + 1)
                .read_to_end(&mut bytes)
                .map(|_| ReadInput::once(crate::source::STDIN.to_string(), bytes))
                .map_err(|e| {
                    (
                        crate::source::STDIN.to_string(),
                        format!("cannot read stdin: {e}"),
                    )
                })
        }
        Input::Unreadable { path, reason } => {
            Err((path.display().to_string(), format!("cannot read: {reason}")))
        }
        Input::Memory { name, bytes } => {
            let end = usize::try_from(limit.saturating_add(1)).unwrap_or(usize::MAX);
            Ok(ReadInput::once(
                name.clone(),
                bytes[..bytes.len().min(end)].to_vec(),
            ))
        }
        Input::File(path) | Input::HelmChart(path) => {
            let name = path.display().to_string();
            let read = || -> std::io::Result<Vec<u8>> {
                let file = std::fs::File::open(path)?;
                let mut bytes = Vec::new();
                file.take(limit + 1).read_to_end(&mut bytes)?;
                Ok(bytes)
            };
            match read() {
                Ok(bytes) => Ok(ReadInput {
                    name,
                    bytes,
                    again: Some(path.clone()),
                }),
                Err(e) => Err((name, format!("cannot read file: {e}"))),
            }
        }
    }
}

/// What is known of an input before it is read.
struct Size {
    /// Its size, when known (a regular file's, a text's in memory); 0 otherwise.
    bytes: u64,
    /// A regular file: its text can be read again.
    regular: bool,
}

fn size(input: &Input) -> Size {
    match input {
        Input::File(path) | Input::HelmChart(path) => {
            let regular = std::fs::metadata(path)
                .ok()
                .filter(std::fs::Metadata::is_file);
            Size {
                bytes: regular.as_ref().map_or(0, std::fs::Metadata::len),
                regular: regular.is_some(),
            }
        }
        Input::Memory { bytes, .. } => Size {
            bytes: u64::try_from(bytes.len()).unwrap_or(u64::MAX),
            regular: false,
        },
        Input::Stdin | Input::Unreadable { .. } => Size {
            bytes: 0,
            regular: false,
        },
    }
}

/// Which inputs go over the limit on all inputs together: the sizes of the regular files
/// are added in the order given (so which files are refused does not depend on the thread
/// schedule); what has no size before it is read (stdin, a pipe) counts for nothing here,
/// as the file-size limit bounds it.
fn over_total(sizes: &[Size], limit: u64) -> Vec<bool> {
    let mut total = 0u64;
    sizes
        .iter()
        .map(|size| {
            total = total.saturating_add(size.bytes);
            total > limit
        })
        .collect()
}

fn refused_over_total(file: FileId, input: &Input, limit: u64) -> FileResult {
    let path = match input {
        Input::File(path) | Input::HelmChart(path) | Input::Unreadable { path, .. } => {
            path.display().to_string()
        }
        Input::Stdin => crate::source::STDIN.to_string(),
        Input::Memory { name, .. } => name.clone(),
    };
    let message = format!(
        "the inputs together are larger than the {limit}-byte limit (--max-total-size); this file was not read"
    );
    FileResult {
        path,
        text: String::new().into(),
        found: Found {
            issues: vec![file_issue(
                file,
                LoadIssueKind::Limit,
                Span::point(0),
                message,
            )],
            ..Found::default()
        },
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

/// Reads and parses one input; `regular` when it was a regular file before it was read (its
/// text can be read again: a pipe's cannot).
fn load_file(file: FileId, input: &Input, regular: bool, opts: &LoadOptions) -> FileResult {
    let limit = opts.limits.max_file_bytes;
    let mut result = FileResult {
        path: String::new(),
        text: String::new().into(),
        found: Found::default(),
    };
    let (bytes, again) = match read_input(input, opts) {
        Ok(read) => {
            result.path = read.name;
            (read.bytes, read.again)
        }
        Err((path, message)) => {
            result.path = path;
            let issue = file_issue(file, LoadIssueKind::Io, Span::point(0), message);
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
            let valid = match refusal {
                Refusal::InvalidUtf8 { valid } => valid,
                _ => String::new(),
            };
            let span = Span::point(valid.len());
            result.text = valid.into();
            result
                .found
                .issues
                .push(file_issue(file, kind, span, message));
            return result;
        }
    };
    result.found = match input {
        Input::HelmChart(_) => read_chart(file, &result.path, &text, opts),
        _ => read_named(file, &result.path, &text, opts),
    };
    // What can be read again from its file keeps only its line table; a pipe or a device
    // given as a path cannot be read again.
    result.text = match again.filter(|_| regular) {
        Some(path) => ReadBack::of(path, &text).map_or(Contents::Kept(text), Contents::ReadBack),
        None => Contents::Kept(text),
    };
    result
}

/// Reads the manifests of one text (a file's, stdin's, a request body's).
pub fn read_text(file: FileId, text: &str, opts: &LoadOptions) -> Found {
    read_named(file, "", text, opts)
}

/// Reads the manifests of the text of the file at `path` (whose name may say it is a tool's
/// configuration). A document that parses is read, whatever its scalars hold.
fn read_named(file: FileId, path: &str, text: &str, opts: &LoadOptions) -> Found {
    let parsed = parse_stream(text, &opts.limits);
    let mut found = Found {
        documents: parsed.documents.len(),
        ..Found::default()
    };
    let tool_file = tool::is_tool_file(path);
    let skipped = read_documents(file, text, parsed.documents, tool_file, opts, &mut found);
    let yaml: Vec<YamlIssue> = (parsed.issues.into_iter())
        .filter(|issue| is_reported(issue, tool_file, &skipped))
        .collect();
    found.issues.splice(0..0, yaml_issues(file, text, yaml));
    let only_info = found
        .issues
        .iter()
        .all(|i| i.kind == LoadIssueKind::NotAnObject { obvious: true });
    found.skipped = found.objects.is_empty() && only_info && (tool_file || !skipped.is_empty());
    found
}

/// Whether a YAML problem is kroute's to report. Whether a tool's file is well-formed is the
/// tool's business (tsconfig.json has comments, docker-compose its own rules), and so is a
/// duplicate key in a document that is not Kubernetes (an Ansible playbook, a compose file
/// under another name): only the objects they may hold, and the limits, are kroute's.
fn is_reported(issue: &YamlIssue, tool_file: bool, skipped: &[Span]) -> bool {
    match &issue.kind {
        YamlIssueKind::Limit => true,
        _ if tool_file => false,
        // The first occurrence is in the document's tree (the second is dropped from it).
        YamlIssueKind::DuplicateKey { first, .. } => !skipped.iter().any(|s| s.contains(*first)),
        YamlIssueKind::Syntax => true,
    }
}

/// Reads the parsed `documents` of a text into `found`; returns the spans of those skipped
/// as not Kubernetes objects.
fn read_documents(
    file: FileId,
    text: &str,
    documents: Vec<Document>,
    tool_file: bool,
    opts: &LoadOptions,
    found: &mut Found,
) -> Vec<Span> {
    let (mut skipped, mut told) = (Vec::new(), false);
    for doc in documents {
        let class = tool::classify(&doc.root, tool_file);
        let template = (class != Class::Tool)
            .then(|| unquoted_action(&doc.root, text))
            .flatten();
        if let Some(span) = template {
            let message = "unquoted `{{ … }}`: YAML reads it as a mapping, which Kubernetes refuses here; this document is a Helm/Go template, not a rendered manifest";
            let issue = file_issue(file, LoadIssueKind::Template, span, message.to_string());
            found.issues.push(issue);
            continue;
        }
        match class {
            Class::Manifest => objects_of(file, doc.index, doc.root, opts, found),
            Class::Tool => skipped.push(doc.root.span),
            Class::Other(message) => {
                skipped.push(doc.root.span);
                // Once per file is enough to say that it was not read.
                if !told {
                    let kind = LoadIssueKind::NotAnObject { obvious: true };
                    found
                        .issues
                        .push(file_issue(file, kind, doc.root.span, message));
                    told = true;
                }
            }
        }
    }
    skipped
}

/// The load issues of the YAML problems of `text`.
fn yaml_issues(file: FileId, text: &str, issues: Vec<YamlIssue>) -> Vec<LoadIssue> {
    issues
        .into_iter()
        .map(|issue| match issue.kind {
            YamlIssueKind::Syntax => syntax_issue(file, text, issue),
            YamlIssueKind::Limit => {
                file_issue(file, LoadIssueKind::Limit, issue.span, issue.message)
            }
            YamlIssueKind::DuplicateKey { first, .. } => {
                let at = LineCol::of(text, first.start);
                let message = format!(
                    "{} (first defined at line {}, column {})",
                    issue.message, at.line, at.col
                );
                file_issue(file, LoadIssueKind::DuplicateKey, issue.span, message)
            }
        })
        .collect()
}

/// A syntax error in a document that has template actions is the template's doing: KR004
/// at its first action, not KR001.
fn syntax_issue(file: FileId, text: &str, issue: YamlIssue) -> LoadIssue {
    match action_in_broken_document(text, issue.span.start as usize) {
        Some(span) => {
            let message = format!(
                "this document is a Helm/Go template (`{{{{ … }}}}`), not a rendered manifest: it does not parse as YAML ({})",
                issue.message
            );
            file_issue(file, LoadIssueKind::Template, span, message)
        }
        None => file_issue(file, LoadIssueKind::Syntax, issue.span, issue.message),
    }
}

/// Reads a Helm chart's `Chart.yaml`: the chart is reported once, with the command that
/// renders it, and skipped (whether `Chart.yaml` is well-formed is Helm's business).
fn read_chart(file: FileId, path: &str, text: &str, opts: &LoadOptions) -> Found {
    let parsed = parse_stream(text, &opts.limits);
    let root = parsed.documents.first().map(|d| &d.root);
    let dir = std::path::Path::new(path)
        .parent()
        .map(|d| d.display().to_string())
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| ".".to_string());
    let name_node = root.and_then(|r| r.get("name"));
    let name = name_node.and_then(Node::as_str).unwrap_or("RELEASE");
    let message = format!(
        "Helm chart `{name}`: its templates are not manifests until rendered, so they were not checked"
    );
    let render = format!("helm template {name} {dir} | kroute check -");
    let span = name_node.or(root).map_or(Span::point(0), |n| n.span);
    Found {
        documents: parsed.documents.len(),
        objects: Vec::new(),
        issues: vec![file_issue(
            file,
            LoadIssueKind::HelmChart { render },
            span,
            message,
        )],
        skipped: true,
    }
}

/// Reads a document meant as a Kubernetes object (or an item of a `List`); what keeps it
/// from being one is an error.
fn objects_of(file: FileId, doc: u32, root: Node, opts: &LoadOptions, out: &mut Found) {
    let mut broken = |span: Span, message: String| {
        let kind = LoadIssueKind::NotAnObject { obvious: false };
        out.issues.push(file_issue(file, kind, span, message));
    };
    if root.as_map().is_none() {
        broken(
            root.span,
            "not a mapping, so not a Kubernetes object".to_string(),
        );
        return;
    }
    // Kubernetes reads these as strings: `kind: 5` or `apiVersion: true` is refused, not
    // looked up (and has no schema to say so).
    let string = |n: &Node| match n.typed() {
        Some(crate::yaml::Typed::Str(s)) => Some(s.to_string()),
        _ => None,
    };
    let (api_version, kind) = match (root.get("apiVersion"), root.get("kind")) {
        (Some(a), Some(k)) => match (string(a), string(k)) {
            (Some(a), Some(k)) => (a, k),
            (None, _) => {
                let message = "`apiVersion` must be a string such as `apps/v1`".to_string();
                broken(a.span, message);
                return;
            }
            (_, None) => {
                let message = "`kind` must be a string such as `Deployment`".to_string();
                broken(k.span, message);
                return;
            }
        },
        (api_version, kind) => {
            let message = match (api_version, kind) {
                (Some(_), None) => "document has `apiVersion` but no `kind`",
                (None, Some(_)) => "document has `kind` but no `apiVersion`",
                _ => "document has no `apiVersion` or `kind`",
            };
            broken(root.span, message.to_string());
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
            None => broken(
                items.span,
                format!("`items` of this {kind} must be a list of objects"),
            ),
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
            let at = metadata.map_or(root.span, |m| m.span);
            broken(at, format!("{kind} has no `metadata.name`"));
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
    let pairs = |key: &str| {
        metadata
            .and_then(|m| m.get(key))
            .map(Labels::of)
            .unwrap_or_default()
    };
    let data = ObjectData {
        doc,
        labels: pairs("labels"),
        annotations: pairs("annotations"),
        api_version: api_version.into(),
        group: group.into(),
        kind: kind.into(),
        name: name.into(),
        generated_name,
        namespace: namespace.into(),
        root,
    };
    out.objects.push(Object::new(file, data));
}
