//! The policy file: one YAML document per file, read with the project's YAML layer so
//! that every mistake is reported at its line and column (`rules/README.md` documents
//! the format).

use globset::{Glob, GlobMatcher};

use super::path::Path;
use crate::diagnostic::Severity;
use crate::inventory::Selector;
use crate::source::LineCol;
use crate::yaml::{parse_stream, read, Limits, Node, Span, Style};

pub const KEYS: &[&str] = &[
    "id",
    "severity",
    "summary",
    "enabled",
    "docs",
    "match",
    "params",
    "variables",
    "validations",
];
pub const DOCS_KEYS: &[&str] = &["why", "example", "fix"];
pub const MATCH_KEYS: &[&str] = &[
    "apiVersions",
    "kinds",
    "workloads",
    "namespaces",
    "names",
    "labels",
    "exclude",
];
pub const EXCLUDE_KEYS: &[&str] = &["apiVersions", "kinds", "namespaces", "names", "labels"];
pub const VARIABLE_KEYS: &[&str] = &["name", "expression"];
pub const VALIDATION_KEYS: &[&str] = &["expression", "message", "messageExpression", "path"];

/// A policy file as written.
#[derive(Clone, Debug)]
pub struct Policy {
    pub id: String,
    pub severity: Severity,
    pub summary: String,
    /// Off unless the config enables it (`enabled: false`: an opt-in policy).
    pub enabled: bool,
    pub docs: Docs,
    pub matcher: Match,
    /// The `params` object expressions see.
    pub params: Option<Node>,
    pub variables: Vec<(String, Expr)>,
    pub validations: Vec<Validation>,
    /// Where the policy was read from, for errors (`rules/KP001.yaml` for a built-in).
    pub file: String,
    pub text: String,
}

#[derive(Clone, Debug, Default)]
pub struct Docs {
    pub why: String,
    pub example: String,
    pub fix: String,
}

/// A CEL expression and where it is written, so that errors point inside it.
#[derive(Clone, Debug)]
pub struct Expr {
    pub source: String,
    pub span: Span,
    pub style: Style,
}

#[derive(Clone, Debug)]
pub struct Validation {
    pub expression: Expr,
    pub message: Option<String>,
    pub message_expression: Option<Expr>,
    pub path: Option<Path>,
    pub span: Span,
}

/// Which objects a policy applies to: all the given filters, and none of `exclude`'s.
#[derive(Clone, Debug, Default)]
pub struct Match {
    pub filter: Filter,
    /// Objects that own a pod template (Pod, Deployment, CronJob, Knative Service, …).
    pub workloads: bool,
    pub exclude: Option<Filter>,
}

/// Object filters; an empty list filters nothing.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub api_versions: Vec<String>,
    pub kinds: Vec<String>,
    pub namespaces: Vec<GlobMatcher>,
    pub names: Vec<GlobMatcher>,
    pub labels: Option<Selector>,
}

impl Policy {
    /// The documentation as `kroute explain` prints it, in the sections of a rule's.
    pub fn docs_markdown(&self) -> String {
        let mut out = format!("# {}: {}\n", self.id, self.summary);
        let sections = [
            ("Why it matters", self.docs.why.trim().to_string()),
            ("Example", fenced(&self.docs.example)),
            ("How to fix", self.docs.fix.trim().to_string()),
        ];
        for (heading, text) in sections.iter().filter(|(_, t)| !t.is_empty()) {
            out.push_str(&format!("\n## {heading}\n{text}\n"));
        }
        out
    }

    /// `on by default` or `opt-in`, as listings say.
    pub fn default_state(&self) -> &'static str {
        if self.enabled {
            "on by default"
        } else {
            "opt-in"
        }
    }
}

/// A YAML example in a code block (empty stays empty).
fn fenced(example: &str) -> String {
    let example = example.trim_end();
    if example.is_empty() {
        return String::new();
    }
    format!("```yaml\n{example}\n```")
}

/// A mistake in a policy file, at its place.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{col}: {message}")]
pub struct PolicyError {
    pub file: String,
    pub line: u32,
    pub col: u32,
    pub message: String,
}

impl PolicyError {
    pub fn at(file: &str, text: &str, offset: usize, message: impl Into<String>) -> Self {
        let LineCol { line, col } = LineCol::of(text, u32::try_from(offset).unwrap_or(u32::MAX));
        PolicyError {
            file: file.to_string(),
            line,
            col,
            message: message.into(),
        }
    }
}

/// Reads the policy file `file` holding `text`; every mistake in it is an error.
pub fn parse(file: &str, text: &str) -> Result<Policy, Vec<PolicyError>> {
    let mut r = Reader {
        file,
        read: read::Reader::new(text, WORDING),
    };
    let parsed = parse_stream(text, &Limits::default());
    for issue in &parsed.issues {
        r.read.fail(issue.span, issue.message.clone());
    }
    let mut docs = parsed.documents.iter();
    let root = docs.next().map(|d| &d.root);
    if let Some(extra) = docs.next() {
        r.read.fail(
            extra.root.span,
            "a policy file holds one policy (one YAML document)",
        );
    }
    let policy = match root {
        Some(root) if r.read.problems.is_empty() => r.policy(root),
        None => {
            r.read.fail(Span::point(0), "the policy file is empty");
            None
        }
        _ => None,
    };
    match policy {
        Some(policy) if r.read.problems.is_empty() => Ok(policy),
        _ => Err(r
            .read
            .problems
            .into_iter()
            .map(|p| PolicyError::at(file, text, p.span.start as usize, p.message))
            .collect()),
    }
}

/// The policy file's reader: the shared YAML reader, worded for policies.
struct Reader<'a> {
    file: &'a str,
    read: read::Reader<'a>,
}

/// A policy's mapping keys are fields, and a wrong type says only what was expected.
const WORDING: read::Wording = read::Wording {
    noun: "field",
    names_found: false,
};

impl Reader<'_> {
    fn globs(&mut self, node: &Node, what: &str) -> Vec<GlobMatcher> {
        let mut out = Vec::new();
        for (pattern, span) in self.read.strings(node, what) {
            match Glob::new(&pattern) {
                Ok(glob) => out.push(glob.compile_matcher()),
                Err(e) => self
                    .read
                    .fail(span, format!("invalid glob `{pattern}`: {}", e.kind())),
            }
        }
        out
    }

    fn expr(&mut self, node: &Node, what: &str) -> Option<Expr> {
        let source = self.read.string(node, what)?;
        let style = node.scalar().map_or(Style::Plain, |(_, style)| style);
        Some(Expr {
            source,
            span: node.span,
            style,
        })
    }

    fn policy(&mut self, root: &Node) -> Option<Policy> {
        let fields = self.read.map(root, "the policy", KEYS);
        let get = |key: &str| fields.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
        let missing = |r: &mut Self, key: &str| {
            if get(key).is_none() {
                r.read.fail(root.span, format!("the policy needs `{key}`"));
            }
        };
        for key in ["id", "severity", "summary", "validations"] {
            missing(self, key);
        }
        let id = get("id").and_then(|n| self.id(n));
        let severity = get("severity").and_then(|n| self.severity(n));
        let summary = get("summary").and_then(|n| self.read.string(n, "`summary`"));
        let enabled = match get("enabled") {
            Some(node) => node.as_bool().or_else(|| {
                self.read.fail(node.span, "`enabled` must be true or false");
                None
            })?,
            None => true,
        };
        let docs = get("docs").map(|n| self.docs(n)).unwrap_or_default();
        let matcher = get("match").map(|n| self.matcher(n)).unwrap_or_default();
        let variables = get("variables")
            .map(|n| self.variables(n))
            .unwrap_or_default();
        let validations = get("validations")
            .map(|n| self.validations(n))
            .unwrap_or_default();
        Some(Policy {
            id: id?,
            severity: severity?,
            summary: summary?,
            enabled,
            docs,
            matcher,
            params: get("params").cloned(),
            variables,
            validations,
            file: self.file.to_string(),
            text: self.read.text.to_string(),
        })
    }

    /// An id: letters then digits or `-`/`_` words (`KP001`, `ACME-007`); `KR` codes are
    /// kroute's rules.
    fn id(&mut self, node: &Node) -> Option<String> {
        let id = self.read.string(node, "`id`")?;
        let valid = id.len() >= 2
            && id.starts_with(|c: char| c.is_ascii_alphabetic())
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'));
        if !valid {
            self.read.fail(node.span, format!("`{id}` is not a policy id (letters, digits, `-` and `_`, starting with a letter, e.g. `ACME001`)"));
            return None;
        }
        if id.to_ascii_uppercase().starts_with("KR") {
            self.read.fail(node.span, format!("`{id}`: ids starting with `KR` are kroute's rule codes; choose your own prefix"));
            return None;
        }
        Some(id.to_ascii_uppercase())
    }

    fn severity(&mut self, node: &Node) -> Option<Severity> {
        match self.read.string(node, "`severity`")?.as_str() {
            "error" => Some(Severity::Error),
            "warning" => Some(Severity::Warning),
            "info" => Some(Severity::Info),
            other => {
                self.read.fail(
                    node.span,
                    format!(
                        "unknown severity `{other}`; the severities are error, warning and info"
                    ),
                );
                None
            }
        }
    }

    fn docs(&mut self, node: &Node) -> Docs {
        let mut docs = Docs::default();
        for (key, value) in self.read.map(node, "`docs`", DOCS_KEYS) {
            let text = self
                .read
                .string(value, &format!("`docs.{key}`"))
                .unwrap_or_default();
            match key {
                "why" => docs.why = text,
                "example" => docs.example = text,
                _ => docs.fix = text,
            }
        }
        docs
    }

    fn matcher(&mut self, node: &Node) -> Match {
        let mut matcher = Match::default();
        for (key, value) in self.read.map(node, "`match`", MATCH_KEYS) {
            match key {
                "workloads" => match value.as_bool() {
                    Some(b) => matcher.workloads = b,
                    None => self
                        .read
                        .fail(value.span, "`match.workloads` must be true or false"),
                },
                "exclude" => {
                    let mut exclude = Filter::default();
                    for (key, value) in self.read.map(value, "`match.exclude`", EXCLUDE_KEYS) {
                        self.filter(&mut exclude, key, value, "match.exclude");
                    }
                    matcher.exclude = Some(exclude);
                }
                _ => self.filter(&mut matcher.filter, key, value, "match"),
            }
        }
        matcher
    }

    fn filter(&mut self, filter: &mut Filter, key: &str, value: &Node, within: &str) {
        let what = format!("`{within}.{key}`");
        let plain = |list: Vec<(String, Span)>| list.into_iter().map(|(s, _)| s).collect();
        match key {
            "apiVersions" => filter.api_versions = plain(self.read.strings(value, &what)),
            "kinds" => filter.kinds = plain(self.read.strings(value, &what)),
            "namespaces" => filter.namespaces = self.globs(value, &what),
            "names" => filter.names = self.globs(value, &what),
            _ => {
                if value.as_map().is_none() {
                    self.read.fail(
                        value.span,
                        format!(
                            "{what} must be a label selector (`matchLabels`, `matchExpressions`)"
                        ),
                    );
                } else {
                    filter.labels = Some(Selector::from_label_selector(value));
                }
            }
        }
    }

    fn variables(&mut self, node: &Node) -> Vec<(String, Expr)> {
        let mut out = Vec::new();
        for item in self.read.list(node, "`variables`") {
            let fields = self.read.map(item, "a variable", VARIABLE_KEYS);
            let get = |key: &str| fields.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
            let name = get("name").and_then(|n| self.read.string(n, "a variable's `name`"));
            let expr = get("expression").and_then(|n| self.expr(n, "a variable's `expression`"));
            match (name, expr) {
                (Some(name), Some(expr)) => out.push((name, expr)),
                _ if item.as_map().is_some() => {
                    self.read
                        .fail(item.span, "a variable needs `name` and `expression`");
                }
                _ => {}
            }
        }
        out
    }

    fn validations(&mut self, node: &Node) -> Vec<Validation> {
        let items = self.read.list(node, "`validations`");
        if items.is_empty() && node.as_seq().is_some() {
            self.read.fail(
                node.span,
                "`validations` is empty: a policy checks something",
            );
        }
        items
            .iter()
            .filter_map(|item| self.validation(item))
            .collect()
    }

    fn validation(&mut self, item: &Node) -> Option<Validation> {
        let fields = self.read.map(item, "a validation", VALIDATION_KEYS);
        let get = |key: &str| fields.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
        let Some(expression) = get("expression") else {
            if item.as_map().is_some() {
                self.read.fail(item.span, "a validation needs `expression`");
            }
            return None;
        };
        let expression = self.expr(expression, "`expression`")?;
        let message = get("message").and_then(|n| self.read.string(n, "`message`"));
        let message_expression =
            get("messageExpression").and_then(|n| self.expr(n, "`messageExpression`"));
        let path = match get("path") {
            Some(node) => Some(self.path(node)?),
            None => None,
        };
        Some(Validation {
            expression,
            message,
            message_expression,
            path,
            span: item.span,
        })
    }

    fn path(&mut self, node: &Node) -> Option<Path> {
        let text = self.read.string(node, "`path`")?;
        match Path::parse(&text) {
            Ok(path) => Some(path),
            Err((offset, message)) => {
                let quoted = usize::from(matches!(node.scalar(), Some((_, Style::Quoted))));
                let at = node.span.start as usize + quoted + offset;
                self.read
                    .fail(Span::point(at), format!("invalid path `{text}`: {message}"));
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(text: &str) -> Vec<String> {
        parse("p.yaml", text)
            .err()
            .unwrap_or_default()
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    const GOOD: &str = "id: ACME001\nseverity: warning\nsummary: s\nmatch:\n  kinds: [Deployment]\n  exclude: {namespaces: [kube-*]}\nvalidations:\n- expression: 'true'\n  message: m\n  path: spec.replicas\n";

    #[test]
    fn reads_a_policy() {
        let p = parse("p.yaml", GOOD).unwrap();
        assert_eq!(p.id, "ACME001");
        assert_eq!(p.matcher.filter.kinds, ["Deployment"]);
        assert!(p.matcher.exclude.is_some());
        assert_eq!(p.validations[0].expression.source, "true");
        assert!(p.enabled);
    }

    #[test]
    fn unknown_fields_and_bad_values_are_errors_at_their_place() {
        let text = GOOD
            .replace("summary: s", "summary: s\nsevrity: x")
            .replace("severity: warning", "severity: fatal");
        assert_eq!(
            errors(&text),
            [
                "p.yaml:4:1: unknown field `sevrity` in the policy; did you mean `severity`? (the fields are: id, severity, summary, enabled, docs, match, params, variables, validations)",
                "p.yaml:2:11: unknown severity `fatal`; the severities are error, warning and info",
            ]
        );
        assert_eq!(
            errors("id: KR001\nseverity: error\nsummary: s\nvalidations: []\n").len(),
            2
        );
        assert!(!errors("id: [x\n").is_empty());
        assert!(errors(&GOOD.replace("spec.replicas", "spec..x"))[0]
            .starts_with("p.yaml:10:13: invalid path"));
    }
}
