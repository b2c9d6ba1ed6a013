//! YAML nodes as CEL values, typed the way Kubernetes reads YAML (as [`Node::to_json`]
//! does): plain scalars become null, booleans, integers or doubles, everything else a
//! string.

use std::collections::HashMap;
use std::sync::Arc;

use cel::objects::{Key, Map};
use cel::Value;

use crate::yaml::{Node, Typed, Value as Yaml};

pub fn of_node(node: &Node) -> Value {
    match &node.value {
        Yaml::Scalar(_) | Yaml::Styled(_) => scalar(node),
        Yaml::Seq(items) => Value::List(Arc::new(items.iter().map(of_node).collect())),
        Yaml::Map(entries) => {
            let map: HashMap<Key, Value> = entries
                .iter()
                .map(|e| {
                    let key = e
                        .key
                        .as_str()
                        .map_or_else(|| e.key.to_json().to_string(), str::to_string);
                    (Key::from(key), of_node(&e.value))
                })
                .collect();
            Value::Map(Map { map: Arc::new(map) })
        }
    }
}

fn scalar(node: &Node) -> Value {
    match node.typed() {
        Some(Typed::Bool(b)) => Value::Bool(b),
        Some(Typed::Int(i)) => Value::Int(i),
        Some(Typed::Float(f)) => Value::Float(f),
        Some(Typed::Str(s)) => s.into(),
        Some(Typed::Null) | None => Value::Null,
    }
}

/// A CEL map of string keys.
pub fn map<'a>(entries: impl IntoIterator<Item = (&'a str, Value)>) -> Value {
    let map: HashMap<Key, Value> = entries
        .into_iter()
        .map(|(k, v)| (Key::from(k), v))
        .collect();
    Value::Map(Map { map: Arc::new(map) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{parse_stream, Limits};

    #[test]
    fn scalars_are_typed_as_kubernetes_reads_them() {
        let parsed = parse_stream(
            "a: 1\nb: '1'\nc: true\nd: ~\ne: 1.5\nf: [x]\n",
            &Limits::default(),
        );
        let Value::Map(m) = of_node(&parsed.documents[0].root) else {
            panic!("not a map");
        };
        let get = |k: &str| m.map.get(&Key::from(k)).cloned();
        assert_eq!(get("a"), Some(Value::Int(1)));
        assert_eq!(get("b"), Some(Value::from("1")));
        assert_eq!(get("c"), Some(Value::Bool(true)));
        assert_eq!(get("d"), Some(Value::Null));
        assert_eq!(get("e"), Some(Value::Float(1.5)));
        assert_eq!(get("f"), Some(Value::from(vec![Value::from("x")])));
    }
}
