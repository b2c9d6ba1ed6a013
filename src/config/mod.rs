//! `.kroute.yaml`: how a repository tunes kroute. Found in the current directory or a parent
//! up to the repository root (`--config FILE` names one, `--no-config` skips it), read with
//! the project's own YAML layer so that every mistake is reported at its line and column.
//!
//! What the file says about loading (namespace, context, platform, external objects,
//! ignored paths) becomes check options on the command line; what it says about findings
//! (rule selection, severities, `ignore:` entries) is [`Findings`], applied by the pipeline
//! after the rules ran. Flags given on the command line win over the file.

mod external;
mod findings;
mod glob;

pub use external::EXTERNAL_KEYS;
pub use external::{manifests as external_manifests, External};
pub use findings::{ByCode, Findings, Ignore, IGNORE_KEYS};
pub use glob::{PathGlob, PathGlobs};

use std::path::{Path, PathBuf};

use crate::diagnostic::Severity;
use crate::inventory::{template_path, TemplateKind, TemplateKinds};
use crate::yaml::read::{Reader, Wording};
use crate::yaml::{parse_stream, Limits, Node, Span};

/// The name kroute looks for.
pub const FILE_NAME: &str = ".kroute.yaml";

/// What `kroute init` writes.
pub const STARTER: &str = include_str!("starter.yaml");

/// The top-level keys, as `schemas/kroute-config.schema.json` lists them.
pub const KEYS: &[&str] = &[
    "rules",
    "severity",
    "default-namespace",
    "context",
    "ignore-paths",
    "platform",
    "external",
    "pod-template-kinds",
    "ignore",
    "baseline",
    "schema-locations",
    "strict",
    "policies",
    "fail-on-empty",
];
/// The keys of `rules:`.
pub const RULES_KEYS: &[&str] = &["disable", "enable"];
/// The keys of `policies:`.
pub const POLICIES_KEYS: &[&str] = &["paths", "disable", "enable", "severity"];
/// The keys of a `pod-template-kinds:` entry.
pub const TEMPLATE_KIND_KEYS: &[&str] = &["group", "kind", "template"];

/// A config file as read.
#[derive(Clone, Debug, Default)]
pub struct Config {
    /// The file, as found or named.
    pub path: PathBuf,
    pub default_namespace: Option<String>,
    /// `context:` paths, resolved against the config's directory.
    pub context: Vec<PathBuf>,
    /// Inputs and context files matching these are not read.
    pub ignore_paths: PathGlobs,
    /// `platform:` profile names (checked).
    pub platform: Vec<String>,
    /// Objects and hosts the platform provides beyond the profiles.
    pub external: Vec<External>,
    /// Custom resources that own pod templates, besides the built-in owners.
    pub template_kinds: TemplateKinds,
    /// `baseline:`, resolved against the config's directory: the config form of
    /// `--baseline FILE`.
    pub baseline: Option<PathBuf>,
    /// `policies.paths`, resolved against the config's directory: policy files or
    /// directories of them, besides the built-in policies.
    pub policy_paths: Vec<PathBuf>,
    /// `schema-locations:`, relative ones resolved against the config's directory: the
    /// config form of `--schema-location`.
    pub schema_locations: Vec<String>,
    /// `strict: false` is the config form of `--no-strict`.
    pub strict: Option<bool>,
    /// `fail-on-empty: true` is the config form of `--fail-on-empty`.
    pub fail_on_empty: bool,
    pub findings: Findings,
}

/// Why a config file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    /// Each problem as `file:line:column: message`.
    #[error("{}", .0.join("\n"))]
    Invalid(Vec<String>),
}

/// The config file for a run started in `start`: `.kroute.yaml` in `start` or the nearest
/// parent that has one, looking no higher than the repository root (the directory holding
/// `.git`); outside a repository, only `start` itself.
pub fn discover(start: &Path) -> Option<PathBuf> {
    let start = std::path::absolute(start).ok()?;
    let in_repository = start.ancestors().any(|d| d.join(".git").exists());
    for dir in start.ancestors() {
        let candidate = dir.join(FILE_NAME);
        if candidate.is_file() {
            return Some(candidate);
        }
        if !in_repository || dir.join(".git").exists() {
            return None;
        }
    }
    None
}

/// Reads and checks the config file at `path`.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let shown = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| ConfigError::Io {
        path: shown.clone(),
        source,
    })?;
    // A byte-order mark is dropped, as for manifests; binary or non-UTF-8 is refused.
    let text = crate::source::decode(bytes)
        .map_err(|_| ConfigError::Invalid(vec![format!("{shown}: not a UTF-8 text file")]))?;
    parse(path, &text)
}

/// A config file's mapping keys are keys, and a wrong type names what was found.
const WORDING: Wording = Wording {
    noun: "key",
    names_found: true,
};

/// Checks the config text `text` of the file at `path` (relative paths in it resolve
/// against the file's directory).
pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
    let mut reader = Reader::new(text, WORDING);
    let parsed = parse_stream(text, &Limits::default());
    for issue in &parsed.issues {
        reader.fail(issue.span, issue.message.clone());
    }
    let mut docs = parsed.documents.iter();
    let root = docs.next().map(|d| &d.root);
    if let Some(extra) = docs.next() {
        reader.fail(extra.root.span, "a config file holds one YAML document");
    }
    let base = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut config = Config {
        path: path.to_path_buf(),
        ..Config::default()
    };
    config.findings.file = Some((path.display().to_string(), text.to_string()));
    if let Some(root) = root.filter(|r| !r.is_null()) {
        read_root(&mut reader, root, base, &mut config);
    }
    if reader.problems.is_empty() {
        return Ok(config);
    }
    let shown = path.display();
    Err(ConfigError::Invalid(
        reader
            .problems
            .iter()
            .map(|p| {
                let at = reader.line_col(p.span);
                format!("{shown}:{}:{}: {}", at.line, at.col, p.message)
            })
            .collect(),
    ))
}

fn read_root(reader: &mut Reader<'_>, root: &Node, base: &Path, config: &mut Config) {
    for (key, value) in reader.map(root, "the config", KEYS) {
        // A key written without a value (`ignore:` before its first entry) says nothing.
        if value.is_null() {
            continue;
        }
        match key {
            "rules" => read_rules(reader, value, &mut config.findings.rules),
            "severity" => read_severity(
                reader,
                value,
                findings::code_or_prefix,
                &mut config.findings.severity,
            ),
            "default-namespace" => config.default_namespace = read_namespace(reader, value),
            "context" => config.context = read_context(reader, value, base),
            "ignore-paths" => config.ignore_paths = read_ignore_paths(reader, value, base),
            "platform" => config.platform = read_platform(reader, value),
            "external" => config.external = external::read(reader, value),
            "pod-template-kinds" => {
                config.template_kinds.declared = read_template_kinds(reader, value);
            }
            "ignore" => config.findings.ignores = findings::read_ignores(reader, value, base),
            "baseline" => {
                config.baseline = reader.string(value, "`baseline`").map(|p| base.join(p));
            }
            "schema-locations" => {
                let locations = reader.strings(value, "`schema-locations`");
                config.schema_locations = locations
                    .into_iter()
                    .map(|(l, _)| resolve_location(base, l))
                    .collect();
            }
            "fail-on-empty" => match value.as_bool() {
                Some(fail) => config.fail_on_empty = fail,
                None => reader.wrong_type(value, "`fail-on-empty`", "true or false"),
            },
            "strict" => match value.as_bool() {
                Some(strict) => config.strict = Some(strict),
                None => reader.wrong_type(value, "`strict`", "true or false"),
            },
            "policies" => read_policies(reader, value, base, config),
            _ => {}
        }
    }
}

/// A schema location against the config's directory, unless it is absolute or a URL.
fn resolve_location(base: &Path, location: String) -> String {
    if location.contains("://") || Path::new(&location).is_absolute() {
        location
    } else {
        base.join(location).display().to_string()
    }
}

/// Checks a code or prefix written in the config: a rule code, or a policy id.
type CodeCheck = fn(&mut Reader<'_>, &str, Span) -> Option<String>;

/// `policies: {paths: [policies/], disable: [KP002], enable: [KP010], severity: {KP001: error}}`:
/// policies are selected and re-levelled like rules, by id or prefix.
fn read_policies(reader: &mut Reader<'_>, node: &Node, base: &Path, config: &mut Config) {
    for (key, value) in reader.map(node, "`policies`", POLICIES_KEYS) {
        let findings = &mut config.findings;
        match key {
            "paths" => {
                for (path, span) in reader.strings(value, "`policies.paths`") {
                    let resolved = base.join(&path);
                    if resolved.exists() {
                        config.policy_paths.push(resolved);
                    } else {
                        reader.fail(span, format!("policy path `{path}` does not exist (relative paths start at the config file's directory)"));
                    }
                }
            }
            "severity" => read_severity(reader, value, findings::policy_id, &mut findings.severity),
            _ => select(
                reader,
                "policies",
                (key, value),
                findings::policy_id,
                &mut findings.rules,
            ),
        }
    }
}

/// `rules: {disable: [KR3, KR203], enable: [KR309]}`.
fn read_rules(reader: &mut Reader<'_>, node: &Node, selection: &mut ByCode<bool>) {
    for entry in reader.map(node, "`rules`", RULES_KEYS) {
        select(reader, "rules", entry, findings::code_or_prefix, selection);
    }
}

/// One `enable:` or `disable:` list of `section`.
fn select(
    reader: &mut Reader<'_>,
    section: &str,
    (key, value): (&str, &Node),
    check: CodeCheck,
    selection: &mut ByCode<bool>,
) {
    let enabled = key == "enable";
    for (code, span) in reader.strings(value, &format!("`{section}.{key}`")) {
        if let Some(code) = check(reader, &code, span) {
            if selection.exact(&code).is_some_and(|e| e != enabled) {
                reader.fail(span, format!("`{code}` is both enabled and disabled"));
            }
            selection.push(code, enabled);
        }
    }
}

/// `severity: {KR309: error, KR2: warning}`.
fn read_severity(
    reader: &mut Reader<'_>,
    node: &Node,
    check: CodeCheck,
    out: &mut ByCode<Severity>,
) {
    for (code, value) in reader.entries(node, "`severity`").unwrap_or_default() {
        let key_span = node.entry(code).map_or(node.span, |e| e.key.span);
        let Some(code) = check(reader, code, key_span) else {
            continue;
        };
        let severity = match reader
            .string(value, &format!("`severity.{code}`"))
            .as_deref()
        {
            Some("error") => Severity::Error,
            Some("warning") => Severity::Warning,
            Some("info") => Severity::Info,
            Some(other) => {
                reader.fail(
                    value.span,
                    format!("unknown severity `{other}`; the severities are error, warning and info (to turn a rule off, use `rules: {{disable: [{code}]}}`)"),
                );
                continue;
            }
            None => continue,
        };
        out.push(code, severity);
    }
}

fn read_namespace(reader: &mut Reader<'_>, node: &Node) -> Option<String> {
    let ns = reader.string(node, "`default-namespace`")?;
    if !crate::manifest::names::is_dns1123_label(&ns) {
        reader.fail(
            node.span,
            format!(
                "`{ns}` is not a namespace name (lowercase letters, digits and `-`, at most 63)"
            ),
        );
        return None;
    }
    Some(ns)
}

fn read_context(reader: &mut Reader<'_>, node: &Node, base: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for (path, span) in reader.strings(node, "`context`") {
        let resolved = base.join(&path);
        if resolved.exists() {
            out.push(resolved);
        } else {
            reader.fail(span, format!("context path `{path}` does not exist (relative paths start at the config file's directory)"));
        }
    }
    out
}

fn read_ignore_paths(reader: &mut Reader<'_>, node: &Node, base: &Path) -> PathGlobs {
    let patterns = reader.strings(node, "`ignore-paths`");
    for (pattern, span) in &patterns {
        if let Err(e) = PathGlob::new(pattern, base) {
            reader.fail(*span, e);
        }
    }
    let patterns: Vec<&str> = patterns.iter().map(|(p, _)| p.as_str()).collect();
    PathGlobs::new(&patterns, base).unwrap_or_default()
}

fn read_platform(reader: &mut Reader<'_>, node: &Node) -> Vec<String> {
    let mut out = Vec::new();
    for (name, span) in reader.strings(node, "`platform`") {
        match crate::platform::select(&[&name]) {
            Ok(_) => out.push(name),
            Err(e) => reader.fail(span, e.to_string()),
        }
    }
    out
}

/// `pod-template-kinds: [{group: argoproj.io, kind: Rollout, template: spec.template}]`.
fn read_template_kinds(reader: &mut Reader<'_>, node: &Node) -> Vec<TemplateKind> {
    let mut out = Vec::new();
    for entry in reader.list(node, "`pod-template-kinds`") {
        let fields = reader.map(entry, "a `pod-template-kinds` entry", TEMPLATE_KIND_KEYS);
        let mut get = |key: &str| {
            let (_, value) = fields.iter().find(|(k, _)| *k == key)?;
            reader.string(value, &format!("`pod-template-kinds.{key}`"))
        };
        let (group, kind, template) = (get("group"), get("kind"), get("template"));
        let (Some(kind), Some(template)) = (kind, template) else {
            if entry.as_map().is_some() {
                reader.fail(entry.span, "a `pod-template-kinds` entry needs `kind` and `template` (the path of the pod template, e.g. `spec.template`), and `group` unless the kind is in the core group");
            }
            continue;
        };
        let group = group.unwrap_or_default();
        let path: Vec<String> = template.split('.').map(str::to_string).collect();
        if path.iter().any(String::is_empty) {
            reader.fail(
                entry.span,
                format!("`{template}` is not a path of mapping keys (e.g. `spec.template`)"),
            );
        } else if template_path(&group, &kind).is_some() {
            reader.fail(
                entry.span,
                format!(
                    "{kind} ({}) owns pods already: kroute knows where its template is",
                    if group.is_empty() { "core" } else { &group }
                ),
            );
        } else {
            out.push(TemplateKind { group, kind, path });
        }
    }
    out
}

#[cfg(test)]
mod tests;
