//! Field paths of validations (`spec.template.spec.containers[*].image`,
//! `podSpec.containers[*].resources`, `metadata.annotations['app.io/tier']`): what a
//! finding points at, and with `[*]`, the elements a validation is evaluated for.

use crate::yaml::Node;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    Key(String),
    Index(usize),
    Each,
}

/// A parsed path; `pod_spec` when it starts at the pod spec (`podSpec.…`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Path {
    pub pod_spec: bool,
    pub steps: Vec<Step>,
}

/// The first word of a path that starts at the object's pod spec, wherever its kind
/// keeps it.
pub const POD_SPEC: &str = "podSpec";

impl Path {
    /// Parses `text`; the error is the byte offset in `text` and what is wrong there.
    pub fn parse(text: &str) -> Result<Path, (usize, String)> {
        let mut steps = Vec::new();
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'.' if i > 0 && i + 1 < bytes.len() && !matches!(bytes[i + 1], b'.' | b'[') => {
                    i += 1
                }
                b'[' => {
                    let (step, next) = bracket(text, i)?;
                    steps.push(step);
                    i = next;
                }
                _ => {
                    let end = text[i..].find(['.', '[']).map_or(text.len(), |n| i + n);
                    if end == i {
                        return Err((i, "expected a field name".into()));
                    }
                    steps.push(Step::Key(text[i..end].to_string()));
                    i = end;
                }
            }
        }
        if steps.is_empty() {
            return Err((0, "the path is empty".into()));
        }
        let pod_spec = steps.first() == Some(&Step::Key(POD_SPEC.to_string()));
        if pod_spec {
            steps.remove(0);
        }
        Ok(Path { pod_spec, steps })
    }

    pub fn has_each(&self) -> bool {
        self.steps.contains(&Step::Each)
    }

    /// Every place the path reaches from `start`: the node there, if it exists, and the
    /// deepest node on the way that does (where a finding about a missing field points).
    /// `[*]` branches over the elements of a list or the values of a map.
    pub fn resolve<'n>(&self, start: &'n Node) -> Vec<Hit<'n>> {
        let mut out = Vec::new();
        walk(start, &self.steps, &mut out);
        out
    }
}

#[derive(Clone, Copy, Debug)]
pub struct Hit<'n> {
    pub node: Option<&'n Node>,
    pub anchor: &'n Node,
}

fn walk<'n>(node: &'n Node, steps: &[Step], out: &mut Vec<Hit<'n>>) {
    let Some((step, rest)) = steps.split_first() else {
        out.push(Hit {
            node: Some(node),
            anchor: node,
        });
        return;
    };
    let next = match step {
        Step::Key(key) => node.get(key),
        Step::Index(i) => node.as_seq().and_then(|items| items.get(*i)),
        Step::Each => {
            let children: Vec<&Node> = match (node.as_seq(), node.as_map()) {
                (Some(items), _) => items.iter().collect(),
                (_, Some(entries)) => entries.iter().map(|e| &e.value).collect(),
                _ => Vec::new(),
            };
            for child in children {
                walk(child, rest, out);
            }
            return;
        }
    };
    match next.filter(|n| !n.is_null()) {
        Some(next) => walk(next, rest, out),
        // A wildcard below a missing field has no element to evaluate.
        None if rest.contains(&Step::Each) => {}
        None => out.push(Hit {
            node: None,
            anchor: node,
        }),
    }
}

/// `[*]`, `[3]`, `['key']` or `["key"]` at `start`; the step and the offset after it.
fn bracket(text: &str, start: usize) -> Result<(Step, usize), (usize, String)> {
    let close = text[start..]
        .find(']')
        .map(|n| start + n)
        .ok_or((start, "unclosed `[`".to_string()))?;
    let inner = &text[start + 1..close];
    let step = if inner == "*" {
        Step::Each
    } else if let Ok(i) = inner.parse() {
        Step::Index(i)
    } else if inner.len() >= 2
        && (inner.starts_with('\'') && inner.ends_with('\'')
            || inner.starts_with('"') && inner.ends_with('"'))
    {
        Step::Key(inner[1..inner.len() - 1].to_string())
    } else {
        return Err((
            start,
            format!("`[{inner}]` is not `[*]`, an index or a quoted key"),
        ));
    };
    Ok((step, close + 1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{parse_stream, Limits};

    #[test]
    fn parses_keys_wildcards_indexes_and_quoted_keys() {
        let p = Path::parse("podSpec.containers[*].image").unwrap();
        assert!(p.pod_spec && p.has_each());
        assert_eq!(p.steps[1], Step::Each);
        let p = Path::parse("metadata.annotations['a.b/c'].x[2]").unwrap();
        assert_eq!(p.steps[2], Step::Key("a.b/c".into()));
        assert_eq!(p.steps[4], Step::Index(2));
        assert!(Path::parse("a[x]").is_err());
        assert!(Path::parse("a..b").is_err());
        assert!(Path::parse("").is_err());
    }

    #[test]
    fn resolves_present_and_missing_fields() {
        let text = "c:\n- name: a\n  image: x\n- name: b\n";
        let root = &parse_stream(text, &Limits::default()).documents[0].root;
        let hits = Path::parse("c[*].image").unwrap().resolve(root);
        assert_eq!(hits.len(), 2);
        assert_eq!(hits[0].node.and_then(Node::as_str), Some("x"));
        assert!(hits[1].node.is_none());
        assert_eq!(hits[1].anchor.str_at("name"), Some("b"));
        assert!(Path::parse("d[*].x").unwrap().resolve(root).is_empty());
    }
}
