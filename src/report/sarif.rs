//! `--format sarif`: SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
//!
//! One run: `tool.driver.rules` lists every rule (id, PascalCase name, summary, the "What
//! it checks" section, the full documentation as help, default level); each shown finding
//! is a result with its region (1-based lines, columns in characters, end exclusive), an
//! artifact URI relative to the repository root (`%SRCROOT%`), the object as a logical
//! location, its related locations and the fingerprint as `partialFingerprints`. A clean
//! run has `results: []`, which code scanning needs to close earlier alerts.

use serde_json::{json, Value};

use super::{rules, Run};
use crate::diagnostic::{Diagnostic, Fix, ResourceRef, Severity};
use crate::source::{FileId, Span};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// The `uriBaseId` of artifact locations: the repository root.
const ROOT: &str = "%SRCROOT%";
/// Where findings on standard input are said to be.
const STDIN_URI: &str = "file:///dev/stdin";
/// The key of kroute's fingerprint in `partialFingerprints` (versioned, as SARIF asks).
pub const FINGERPRINT_KEY: &str = "kroute/v1";

pub fn render(run: &Run<'_>) -> String {
    let rules = rule_ids(run);
    let log = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": driver(&rules)},
            "originalUriBaseIds": {
                ROOT: {"uri": directory_uri(&run.root.dir().to_string_lossy())},
            },
            "columnKind": "unicodeCodePoints",
            "results": super::shown(run.diagnostics)
                .map(|d| result(run, &rules, d))
                .collect::<Vec<_>>(),
            "invocations": [{"executionSuccessful": true}],
        }],
    });
    serde_json::to_string_pretty(&log).unwrap_or_default() + "\n"
}

/// The driver's rules: every rule and built-in policy with its documentation, then each
/// user policy a finding names (its file is not at hand here: id and level only), so that
/// every result's `ruleId` has an entry.
fn rule_ids(run: &Run<'_>) -> Vec<Value> {
    let mut out: Vec<Value> = rules::documented()
        .iter()
        .map(|d| {
            json!({
                "id": d.code,
                "name": rules::name(&d.summary),
                "shortDescription": {"text": d.summary},
                "fullDescription": {"text": full_description(d)},
                "help": {"text": d.docs, "markdown": d.docs},
                "defaultConfiguration": {"level": level(d.severity)},
                "properties": {"tags": [family(&d.code)]},
            })
        })
        .collect();
    for d in super::shown(run.diagnostics) {
        if !out.iter().any(|r| r["id"] == d.code) {
            out.push(json!({
                "id": d.code,
                "shortDescription": {"text": format!("policy {}", d.code)},
                "defaultConfiguration": {"level": level(d.severity)},
                "properties": {"tags": ["policy"]},
            }));
        }
    }
    out
}

/// A rule's "What it checks", a policy's "Why it matters" (policies have no such section).
fn full_description(d: &rules::Documented) -> String {
    let what = rules::section(&d.docs, "What it checks");
    if what.is_empty() {
        rules::section(&d.docs, "Why it matters")
    } else {
        what
    }
}

fn driver(rules: &[Value]) -> Value {
    json!({
        "name": "kroute",
        "version": env!("CARGO_PKG_VERSION"),
        "semanticVersion": env!("CARGO_PKG_VERSION"),
        "rules": rules,
    })
}

/// The family a code belongs to, as a tag code scanning can filter on.
fn family(code: &str) -> &'static str {
    match code.as_bytes().get(2) {
        Some(b'0') => "input",
        Some(b'1') => "schema",
        Some(b'2') => "kubernetes",
        Some(b'3') => "istio",
        Some(b'4') => "knative",
        Some(b'5') => "gateway-api",
        Some(b'6') => "policy",
        _ if code.starts_with("KP") => "policy",
        _ => "other",
    }
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn result(run: &Run<'_>, rules: &[Value], d: &Diagnostic) -> Value {
    let rule_index = rules.iter().position(|r| r["id"] == d.code);
    let text = match &d.help {
        Some(help) => format!("{}\nHelp: {help}", d.message),
        None => d.message.clone(),
    };
    let mut location = physical(run, d.file, d.span);
    if let Some(resource) = &d.resource {
        location["logicalLocations"] = json!([logical(resource)]);
    }
    let related: Vec<Value> = d
        .related
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let mut at = physical(run, r.file, r.span);
            at["id"] = json!(i);
            at["message"] = json!({"text": r.message});
            at
        })
        .collect();
    let mut out = json!({
        "ruleId": d.code,
        "level": level(d.severity),
        "message": {"text": text},
        "locations": [location],
    });
    if let Some(index) = rule_index {
        out["ruleIndex"] = json!(index);
    }
    if !related.is_empty() {
        out["relatedLocations"] = json!(related);
    }
    if let Some(fp) = &d.fingerprint {
        out["partialFingerprints"] = json!({FINGERPRINT_KEY: fp});
    }
    if let Some(fix) = &d.fix {
        out["fixes"] = json!([sarif_fix(run, fix)]);
    }
    out
}

/// A `fix`: one `artifactChange` per file, each edit a `replacement` of its region.
fn sarif_fix(run: &Run<'_>, fix: &Fix) -> Value {
    let mut files: Vec<FileId> = fix.edits.iter().map(|e| e.file).collect();
    files.sort();
    files.dedup();
    let changes: Vec<Value> = files
        .into_iter()
        .map(|file| {
            let replacements: Vec<Value> = fix
                .edits
                .iter()
                .filter(|e| e.file == file)
                .map(|e| {
                    let at = physical(run, file, e.span);
                    json!({
                        "deletedRegion": at["physicalLocation"]["region"],
                        "insertedContent": {"text": e.replacement},
                    })
                })
                .collect();
            let at = physical(run, file, Span::default());
            json!({
                "artifactLocation": at["physicalLocation"]["artifactLocation"],
                "replacements": replacements,
            })
        })
        .collect();
    json!({
        "description": {"text": fix.description},
        "artifactChanges": changes,
        "properties": {"applicability": fix.applicability},
    })
}

/// A `location` with the `physicalLocation` of `span` in `file`.
fn physical(run: &Run<'_>, file: FileId, span: Span) -> Value {
    let (start, end) = (
        run.sources.line_col(file, span.start),
        run.sources.line_col(file, span.end),
    );
    let artifact = match run.path(file) {
        Some(path) if !path.starts_with('/') => json!({"uri": encode(&path), "uriBaseId": ROOT}),
        Some(path) => json!({"uri": format!("file://{}", encode(&path))}),
        None => json!({"uri": STDIN_URI}),
    };
    json!({
        "physicalLocation": {
            "artifactLocation": artifact,
            "region": {
                "startLine": start.line,
                "startColumn": start.col,
                "endLine": end.line,
                "endColumn": end.col,
            },
        },
    })
}

fn logical(r: &ResourceRef) -> Value {
    let namespace = r
        .namespace
        .as_deref()
        .map_or(String::new(), |n| format!("{n}/"));
    json!({
        "name": r.name,
        "fullyQualifiedName": format!("{}/{}/{namespace}{}", r.api_version, r.kind, r.name),
        "kind": "resource",
    })
}

/// The `file:` URI of directory `dir`, ending in `/` as a base URI must.
fn directory_uri(dir: &str) -> String {
    let dir = dir.replace('\\', "/");
    let dir = dir.trim_end_matches('/');
    let dir = if dir.starts_with('/') {
        dir.to_string()
    } else {
        format!("/{dir}")
    };
    format!("file://{}/", encode(&dir))
}

/// `path` percent-encoded as a URI path: unreserved characters and `/` stay, every other
/// byte of its UTF-8 is `%XX`.
pub fn encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_percent_encoded() {
        assert_eq!(encode("k8s/my app/ü.yaml"), "k8s/my%20app/%C3%BC.yaml");
        assert_eq!(encode("a#b?c%.yaml"), "a%23b%3Fc%25.yaml");
        assert_eq!(directory_uri("/repo dir"), "file:///repo%20dir/");
    }
}
