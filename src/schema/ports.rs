//! Port numbers out of range: the API server's validation refuses `port: 70000` or
//! `containerPort: -1` ("must be between 1 and 65535, inclusive"), but the OpenAPI schemas
//! only say `integer` (`int32`), so schema validation alone lets them through. They are
//! reported as KR101 beside the schema's own findings, on the built-in kinds.

use super::{Finding, Kind};
use crate::manifest::Object;
use crate::yaml::{Node, Typed, Value};

/// Fields that hold a port number, and whether 0 means "not set" there (an absent
/// `targetPort`, `hostPort`, `nodePort` or `port` of a probe is defaulted or allocated).
const PORT_FIELDS: &[(&str, bool)] = &[
    ("containerPort", false),
    ("port", false),
    ("targetPort", true),
    ("hostPort", true),
    ("nodePort", true),
];

/// Groups of the built-in kinds whose `port` fields are port numbers.
const GROUPS: &[&str] = &["", "apps", "batch", "networking.k8s.io"];

/// The KR101 findings of every port number in the `spec` of `object` outside 1 to 65535
/// (not in `data`, where a `port` key is any string).
pub(super) fn out_of_range(object: &Object) -> Vec<Finding<'_>> {
    let mut out = Vec::new();
    let spec = object.root.get("spec");
    if let Some(spec) = spec.filter(|_| GROUPS.contains(&object.group.as_str())) {
        walk(
            object,
            spec,
            &object.root,
            &mut "spec".to_string(),
            &mut out,
        );
    }
    out
}

fn walk<'a>(
    object: &'a Object,
    node: &Node,
    parent: &Node,
    path: &mut String,
    out: &mut Vec<Finding<'a>>,
) {
    match &node.value {
        Value::Scalar(_) | Value::Styled(_) => check(object, node, parent, path, out),
        Value::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                walk(object, item, node, path, out);
                path.truncate(len);
            }
        }
        Value::Map(entries) => {
            for entry in entries {
                let Some(key) = entry.key.as_str() else {
                    continue;
                };
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
                walk(object, &entry.value, node, path, out);
                path.truncate(len);
            }
        }
    }
}

fn check<'a>(
    object: &'a Object,
    node: &Node,
    parent: &Node,
    path: &str,
    out: &mut Vec<Finding<'a>>,
) {
    let field = path.rsplit('.').next().unwrap_or(path);
    let Some(&(_, zero_unset)) = PORT_FIELDS.iter().find(|(f, _)| *f == field) else {
        return;
    };
    let Some(Typed::Int(n)) = node.typed() else {
        return;
    };
    if (1..=65535).contains(&n) || (zero_unset && n == 0) {
        return;
    }
    out.push(Finding {
        kind: Kind::Violation,
        object,
        span: node.span,
        parent: parent.span,
        message: format!("{path}: {n} is not a port number (1 to 65535)"),
        help: "use a port from 1 to 65535; the API server refuses the object otherwise".to_string(),
        unusable: true,
        wants_string: false,
    });
}

#[cfg(test)]
mod tests {
    use crate::inventory::Inventory;

    #[test]
    fn ports_outside_1_to_65535_are_found() {
        let inv = Inventory::from_yaml(
            "apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec:\n  ports:\n  - {port: 70000, targetPort: 0}\n  - {port: 80, targetPort: -1, nodePort: 0}\n",
        );
        let found = super::out_of_range(&inv.objects[0]);
        let messages: Vec<&str> = found.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "spec.ports[0].port: 70000 is not a port number (1 to 65535)",
                "spec.ports[1].targetPort: -1 is not a port number (1 to 65535)"
            ]
        );
    }
}
