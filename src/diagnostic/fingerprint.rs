//! Fingerprints: what identifies a finding across edits that do not touch it, for the
//! baseline (`--baseline`) and SARIF's `partialFingerprints`.
//!
//! A fingerprint hashes the rule's code, the object (group, kind, namespace, name; not the
//! version, so `v1alpha3` → `v1` keeps it), the path of the offending node inside the
//! object (`spec.http[0].route[0].destination.host`, a list item with a `name` by that
//! name) and the node's value. Line numbers and the file's name are left out, so moving
//! lines or files keeps it; a finding outside any object (a syntax error) takes the file's
//! path relative to the repository root and its message without digits instead. Findings
//! that hash the same get an occurrence number, in report order: `<hash>:1`, `<hash>:2`.

use std::collections::HashMap;

use sha2::{Digest, Sha256};

use super::Diagnostic;
use crate::manifest::{group_of, Object};
use crate::source::{FileId, SourceMap, Span};
use crate::yaml::{Node, Value};

/// Bumped when what is hashed changes: baselines written before then no longer match.
const VERSION: &str = "kroute-fingerprint/1";

/// Gives each diagnostic without a fingerprint yet that lies in one of `objects` the hash
/// of its place in that object (the innermost: a `List` holds its items).
pub fn locate<'a>(
    diagnostics: &mut [Diagnostic],
    objects: impl IntoIterator<Item = &'a Object>,
    sources: &SourceMap,
) {
    let mut by_file: HashMap<FileId, Vec<&Object>> = HashMap::new();
    for d in diagnostics.iter() {
        by_file.entry(d.file).or_default();
    }
    for object in objects {
        if let Some(list) = by_file.get_mut(&object.file) {
            list.push(object);
        }
    }
    for d in diagnostics.iter_mut().filter(|d| d.fingerprint.is_none()) {
        let object = by_file
            .get(&d.file)
            .and_then(|list| innermost(list, d.span));
        if let Some(object) = object {
            let file = sources.get(d.file);
            d.fingerprint = of_node(d.code, object, d.span, &|| file.text());
        }
    }
}

/// Completes the fingerprints once every finding is known and sorted: a finding outside
/// any object gets the hash of its file (named by `file_key`, the same from any working
/// directory) and message, and every hash its occurrence number.
pub fn number(diagnostics: &mut [Diagnostic], file_key: impl Fn(FileId) -> String) {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for d in diagnostics.iter_mut() {
        let hash = match d.fingerprint.take() {
            Some(hash) => hash,
            None => of_file(d, &file_key(d.file)),
        };
        let n = seen.entry(hash.clone()).or_default();
        *n += 1;
        d.fingerprint = Some(format!("{hash}:{n}"));
    }
}

/// The smallest object whose text holds `span` (a `List` holds its items).
fn innermost<'a>(objects: &[&'a Object], span: Span) -> Option<&'a Object> {
    objects
        .iter()
        .filter(|o| o.span().contains(span))
        .min_by_key(|o| o.span().end - o.span().start)
        .copied()
}

/// The text of the file, read only for a finding on part of a node: nearly all findings
/// name whole nodes, and a file's text is not kept in memory. `None` when the file changed
/// since it was checked: such a finding is fingerprinted by file and message instead.
type Text<'a> = dyn Fn() -> Option<&'a str> + 'a;

fn of_node(code: &str, object: &Object, span: Span, text: &Text<'_>) -> Option<String> {
    let mut path = String::new();
    let value = walk(&object.root, span, text, &mut path)?;
    Some(digest(&[
        code,
        group_of(&object.api_version),
        &object.kind,
        &object.namespace,
        &object.name,
        &path,
        &value,
    ]))
}

fn of_file(d: &Diagnostic, file: &str) -> String {
    let message: String = d.message.chars().filter(|c| !c.is_ascii_digit()).collect();
    digest(&[d.code, file, &message])
}

/// Walks from `node` down to the deepest node holding `span`, writing the path taken to
/// `path`; returns what identifies the place there: a scalar's value, and the text of
/// `span` when it is only part of the node.
fn walk(node: &Node, span: Span, text: &Text<'_>, path: &mut String) -> Option<String> {
    let child = match &node.value {
        Value::Scalar(_) | Value::Styled(_) => None,
        Value::Seq(items) => items
            .iter()
            .enumerate()
            .find(|(_, item)| item.span.contains(span))
            .map(|(i, item)| {
                match item.str_at("name") {
                    Some(name) => path.push_str(&format!("[name={name}]")),
                    None => path.push_str(&format!("[{i}]")),
                }
                item
            }),
        Value::Map(entries) => entries.iter().find_map(|e| {
            let key = e.key.as_str().unwrap_or("?");
            if e.key.span.contains(span) {
                path.push_str(&format!(".{key}(key)"));
                Some(&e.key)
            } else if e.value.span.contains(span) {
                path.push_str(&format!(".{key}"));
                Some(&e.value)
            } else {
                None
            }
        }),
    };
    match child {
        Some(child) => walk(child, span, text, path),
        None => {
            let value = node.as_str().unwrap_or_default();
            if node.span == span {
                return Some(value.to_string());
            }
            let part = text()?.get(span.bytes()).unwrap_or_default();
            Some(format!("{value}\u{0}{}", normalized(part)))
        }
    }
}

/// `text` with runs of whitespace made one space: re-indenting keeps the fingerprint.
fn normalized(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The first 128 bits of the SHA-256 of the fields, in hex.
fn digest(fields: &[&str]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(VERSION.as_bytes());
    for field in fields {
        // Length-prefixed, so that no two different field lists hash the same bytes.
        hasher.update((field.len() as u64).to_le_bytes());
        hasher.update(field.as_bytes());
    }
    hasher.finalize()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Severity;
    use crate::manifest::{load, LoadOptions};
    use crate::source::Input;

    /// The fingerprints of a finding at the node holding `needle` in `yaml`.
    fn fingerprint_at(yaml: &str, needle: &str) -> String {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("m.yaml");
        std::fs::write(&path, yaml).expect("write");
        let loaded = load(&[Input::File(path)], &LoadOptions::default());
        let at = yaml.find(needle).expect("needle in yaml");
        let span = Span::new(at, at + needle.len());
        let object = &loaded.objects[0];
        let mut d = vec![Diagnostic::on("KR303", Severity::Error, object, span, "m")];
        locate(&mut d, &loaded.objects, &loaded.sources);
        number(&mut d, |_| "m.yaml".into());
        d[0].fingerprint.clone().expect("assigned")
    }

    const VS: &str = "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: shop\nspec:\n  http:\n  - route:\n    - destination:\n        host: cart\n";

    #[test]
    fn moving_lines_keeps_the_fingerprint_and_changing_the_node_does_not() {
        let before = fingerprint_at(VS, "cart");
        let moved = format!(
            "# a comment\n\n{}",
            VS.replace("metadata:\n  name: shop\n", "")
        )
        .replace(
            "kind: VirtualService\n",
            "kind: VirtualService\nmetadata: {name: shop}\n",
        );
        assert_eq!(fingerprint_at(&moved, "cart"), before);
        assert_ne!(
            fingerprint_at(&VS.replace("cart", "carts"), "carts"),
            before
        );
        assert!(before.ends_with(":1"), "{before}");
    }

    #[test]
    fn identical_findings_are_numbered() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("m.yaml");
        std::fs::write(&path, VS).expect("write");
        let loaded = load(&[Input::File(path)], &LoadOptions::default());
        let at = VS.find("cart").expect("cart");
        let span = Span::new(at, at + 4);
        let finding = || Diagnostic::on("KR303", Severity::Error, &loaded.objects[0], span, "m");
        let mut d = vec![finding(), finding()];
        locate(&mut d, &loaded.objects, &loaded.sources);
        number(&mut d, |_| "m.yaml".into());
        let [first, second] = [&d[0], &d[1]].map(|d| d.fingerprint.clone().expect("set"));
        assert_eq!(
            first.split_once(':').map(|p| p.0),
            second.split_once(':').map(|p| p.0)
        );
        assert!(
            first.ends_with(":1") && second.ends_with(":2"),
            "{first} {second}"
        );
    }

    #[test]
    fn another_object_or_version_of_the_group() {
        let before = fingerprint_at(VS, "cart");
        let v1beta1 = VS.replace("istio.io/v1", "istio.io/v1beta1");
        assert_eq!(fingerprint_at(&v1beta1, "cart"), before);
        assert_ne!(fingerprint_at(&VS.replace("shop", "shop2"), "cart"), before);
    }
}
