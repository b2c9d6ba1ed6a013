//! What a config says about findings: which rules run, at which severity, and which
//! findings are ignored on purpose (`ignore:` entries, each with its reason).

use std::path::Path;

use globset::GlobMatcher;

use super::glob::{name_glob, PathGlob};
use crate::checks::registry;
use crate::diagnostic::{Diagnostic, ResourceRef, Severity};
use crate::yaml::read::Reader;
use crate::yaml::{Node, Span};

/// The keys of an `ignore:` entry.
pub const IGNORE_KEYS: &[&str] = &["codes", "kind", "namespace", "name", "path", "reason"];

/// Values chosen by rule code or code prefix (`KR3`): the longest prefix of a code decides.
#[derive(Clone, Debug)]
pub struct ByCode<T>(Vec<(String, T)>);

impl<T> Default for ByCode<T> {
    fn default() -> Self {
        ByCode(Vec::new())
    }
}

impl<T: Copy> ByCode<T> {
    pub fn push(&mut self, code: String, value: T) {
        self.0.push((code, value));
    }

    /// The value of the longest prefix of `code` that has one.
    pub fn get(&self, code: &str) -> Option<T> {
        self.0
            .iter()
            .filter(|(prefix, _)| code.starts_with(prefix.as_str()))
            .max_by_key(|(prefix, _)| prefix.len())
            .map(|(_, v)| *v)
    }

    /// The value given for exactly `code`.
    pub fn exact(&self, code: &str) -> Option<T> {
        self.0.iter().find(|(c, _)| c == code).map(|(_, v)| *v)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// One `ignore:` entry: findings of these codes on objects matching these globs are not
/// shown, for the reason given.
#[derive(Clone, Debug)]
pub struct Ignore {
    /// Codes or prefixes, upper case.
    pub codes: Vec<String>,
    pub kind: Option<GlobMatcher>,
    pub namespace: Option<GlobMatcher>,
    pub name: Option<GlobMatcher>,
    pub path: Option<PathGlob>,
    pub reason: String,
    /// The entry in the config file, where an entry that ignores nothing is reported.
    pub span: Span,
}

impl Ignore {
    /// Whether this entry covers `d`, found in the file at `path`.
    pub fn covers(&self, d: &Diagnostic, path: &str) -> bool {
        self.codes.iter().any(|c| d.code.starts_with(c.as_str()))
            && self.matches_resource(d.resource.as_ref())
            && self.matches_path(Path::new(path))
    }

    /// Whether the kind, namespace and name globs match `resource`.
    pub fn matches_resource(&self, resource: Option<&ResourceRef>) -> bool {
        let glob = |g: &Option<GlobMatcher>, value: Option<&str>| {
            g.as_ref()
                .is_none_or(|g| value.is_some_and(|v| g.is_match(v)))
        };
        glob(&self.kind, resource.map(|r| r.kind.as_str()))
            && glob(
                &self.namespace,
                resource.map(|r| r.namespace.as_deref().unwrap_or_default()),
            )
            && glob(&self.name, resource.map(|r| r.name.as_str()))
    }

    /// Whether the path glob (if any) matches the file at `path`.
    pub fn matches_path(&self, path: &Path) -> bool {
        self.path.as_ref().is_none_or(|p| p.matches(path))
    }
}

/// What the config says about findings; the default changes nothing.
#[derive(Clone, Debug, Default)]
pub struct Findings {
    /// Rules turned off (`false`) or back on (`true`).
    pub rules: ByCode<bool>,
    pub severity: ByCode<Severity>,
    pub ignores: Vec<Ignore>,
    /// The config file's path and text, which findings about its `ignore:` entries point
    /// into.
    pub file: Option<(String, String)>,
}

impl Findings {
    /// Whether rule `code` runs.
    pub fn enabled(&self, code: &str) -> bool {
        self.rules.get(code).unwrap_or(true)
    }

    /// Drops the findings of rules turned off and gives the others their configured
    /// severity.
    pub fn select(&self, diagnostics: &mut Vec<Diagnostic>) {
        diagnostics.retain(|d| self.enabled(d.code));
        if self.severity.is_empty() {
            return;
        }
        for d in diagnostics {
            if let Some(severity) = self.severity.get(d.code) {
                d.severity = severity;
            }
        }
    }
}

/// `code` as a rule code, a built-in policy id or a prefix of one (`KR3`), upper case; a
/// problem otherwise.
pub(super) fn code_or_prefix(reader: &mut Reader<'_>, code: &str, span: Span) -> Option<String> {
    let code = code.trim().to_ascii_uppercase();
    let policies = crate::policy::builtin::ids();
    let codes = || {
        registry()
            .iter()
            .map(|e| e.rule.code)
            .chain(policies.iter().map(String::as_str))
    };
    if code.len() >= 2 && codes().any(|c| c.starts_with(&code)) {
        return Some(code);
    }
    let hint = crate::inventory::did_you_mean(&code, codes());
    reader.fail(
        span,
        format!("no rule code starts with `{code}`{hint}; `kroute rules` lists them"),
    );
    None
}

/// The `ignore:` list.
pub(super) fn read_ignores(reader: &mut Reader<'_>, node: &Node, base: &Path) -> Vec<Ignore> {
    reader
        .list(node, "`ignore`")
        .iter()
        .filter_map(|entry| read_ignore(reader, entry, base))
        .collect()
}

fn read_ignore(reader: &mut Reader<'_>, entry: &Node, base: &Path) -> Option<Ignore> {
    let fields = reader.map(entry, "an `ignore` entry", IGNORE_KEYS);
    entry.as_map()?;
    let mut ignore = Ignore {
        codes: Vec::new(),
        kind: None,
        namespace: None,
        name: None,
        path: None,
        reason: String::new(),
        span: entry.span,
    };
    let mut ok = true;
    let has = |key: &str| fields.iter().any(|(k, _)| *k == key);
    for (required, why) in [
        ("codes", "the codes it ignores (`codes: [KR201]`)"),
        ("reason", "a `reason`: say why these findings do not apply"),
    ] {
        if !has(required) {
            reader.fail(entry.span, format!("an `ignore` entry needs {why}"));
            ok = false;
        }
    }
    for (key, value) in &fields {
        let what = format!("`ignore.{key}`");
        match *key {
            "codes" => {
                for (code, span) in reader.strings(value, &what) {
                    for code in code.split(',').filter(|c| !c.trim().is_empty()) {
                        match code_or_prefix(reader, code, span) {
                            Some(code) => ignore.codes.push(code),
                            None => ok = false,
                        }
                    }
                }
            }
            "reason" => match reader.string(value, &what) {
                Some(reason) if !reason.trim().is_empty() => ignore.reason = reason,
                Some(_) => {
                    reader.fail(value.span, "the `reason` of an `ignore` entry must say why");
                    ok = false;
                }
                None => ok = false,
            },
            "path" => {
                let pattern = reader.string(value, &what)?;
                match PathGlob::new(&pattern, base) {
                    Ok(glob) => ignore.path = Some(glob),
                    Err(e) => {
                        reader.fail(value.span, e);
                        ok = false;
                    }
                }
            }
            field => {
                let pattern = reader.string(value, &what)?;
                let glob = match name_glob(&pattern) {
                    Ok(glob) => glob,
                    Err(e) => {
                        reader.fail(value.span, e);
                        ok = false;
                        continue;
                    }
                };
                let slot = match field {
                    "kind" => &mut ignore.kind,
                    "namespace" => &mut ignore.namespace,
                    _ => &mut ignore.name,
                };
                *slot = Some(glob);
            }
        }
    }
    if ok && ignore.codes.is_empty() {
        reader.fail(entry.span, "this `ignore` entry lists no codes");
        ok = false;
    }
    ok.then_some(ignore)
}

/// `id` as a policy id or prefix, upper case: a built-in's or one of the user's policies
/// (loaded later, so any well-formed id); a rule code is a problem.
pub(super) fn policy_id(reader: &mut Reader<'_>, id: &str, span: Span) -> Option<String> {
    let id = id.trim().to_ascii_uppercase();
    let well_formed = id.len() >= 2
        && id.starts_with(|c: char| c.is_ascii_alphabetic())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'));
    if id.starts_with("KR") {
        reader.fail(
            span,
            format!("`{id}` is a rule code; select rules under `rules:`"),
        );
        return None;
    }
    if !well_formed {
        reader.fail(
            span,
            format!("`{id}` is not a policy id or prefix (letters, digits, `-` and `_`)"),
        );
        return None;
    }
    Some(id)
}
