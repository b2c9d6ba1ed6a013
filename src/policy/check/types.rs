//! The types the static check infers, and the overloads of CEL's operators and of the
//! functions policies call, as cel-go's checker knows them. Only what is known is judged:
//! `dyn` (unknown) matches everything, and so do mixed numbers, which kroute's evaluator
//! compares and adds as the API server does with heterogeneous numbers.

use std::sync::Arc;

use super::schema::SchemaRef;

#[derive(Clone, Debug, PartialEq)]
pub enum Type {
    Dyn,
    Null,
    Bool,
    Int,
    Uint,
    Double,
    String,
    Bytes,
    Duration,
    Timestamp,
    List(Box<Type>),
    Map(Box<Type>, Box<Type>),
    /// An object typed by schemas: any of them, as a policy may match several kinds.
    Schema(Vec<SchemaRef>),
    /// An object with exactly these fields (`variables`).
    Record(Arc<Vec<(String, Type)>>),
}

impl Type {
    pub fn is_dyn(&self) -> bool {
        matches!(self, Type::Dyn)
    }

    fn is_number(&self) -> bool {
        matches!(self, Type::Int | Type::Uint | Type::Double)
    }

    /// Objects and maps: what field selection and `in` read alike.
    fn is_object(&self) -> bool {
        matches!(self, Type::Map(..) | Type::Schema(_) | Type::Record(_))
    }

    /// cel-go's name of the type, as its messages print it.
    pub fn name(&self) -> String {
        match self {
            Type::Dyn => "dyn".into(),
            Type::Null => "null_type".into(),
            Type::Bool => "bool".into(),
            Type::Int => "int".into(),
            Type::Uint => "uint".into(),
            Type::Double => "double".into(),
            Type::String => "string".into(),
            Type::Bytes => "bytes".into(),
            Type::Duration => "google.protobuf.Duration".into(),
            Type::Timestamp => "google.protobuf.Timestamp".into(),
            Type::List(t) => format!("list({})", t.name()),
            Type::Map(k, v) => format!("map({}, {})", k.name(), v.name()),
            Type::Schema(_) | Type::Record(_) => "object".into(),
        }
    }

    /// The type of a value that is `self` or `other`: one of them when they agree.
    pub fn join(&self, other: &Type) -> Type {
        match (self, other) {
            _ if self == other => self.clone(),
            (Type::Null, t) | (t, Type::Null) => t.clone(),
            (Type::List(a), Type::List(b)) => Type::List(Box::new(a.join(b))),
            _ => Type::Dyn,
        }
    }

    /// The type of the accumulator a comprehension starts with: element types widen as
    /// the loop adds to it.
    pub fn widened(&self) -> Type {
        match self {
            Type::List(_) => Type::List(Box::new(Type::Dyn)),
            Type::Map(..) => Type::Map(Box::new(Type::Dyn), Box::new(Type::Dyn)),
            t => t.clone(),
        }
    }

    /// The type of one element when iterating over a value of this type; `None` when it
    /// cannot be iterated.
    pub fn element(&self) -> Option<Type> {
        match self {
            Type::List(t) => Some((**t).clone()),
            Type::Map(k, _) => Some((**k).clone()),
            Type::Dyn | Type::Null | Type::Schema(_) | Type::Record(_) => Some(Type::Dyn),
            _ => None,
        }
    }
}

/// Whether `==` may compare values of `a` and `b`.
fn comparable(a: &Type, b: &Type) -> bool {
    let loose = |t: &Type| t.is_dyn() || *t == Type::Null;
    loose(a)
        || loose(b)
        || (a.is_number() && b.is_number())
        || (a.is_object() && b.is_object())
        || matches!((a, b), (Type::List(_), Type::List(_)))
        || a == b
}

fn orderable(t: &Type) -> bool {
    matches!(
        t,
        Type::Bool | Type::String | Type::Bytes | Type::Duration | Type::Timestamp
    ) || t.is_number()
}

/// The result of operator `op` (cel-go's name, `_+_`) on `args`; `None` when no overload
/// takes them. Only types that are both known are judged.
pub fn operator(op: &str, args: &[Type]) -> Option<Type> {
    use Type::*;
    let known = |t: &Type| !t.is_dyn();
    match (op, args) {
        ("_==_" | "_!=_", [a, b]) => comparable(a, b).then_some(Bool),
        ("_<_" | "_<=_" | "_>_" | "_>=_", [a, b]) if known(a) && known(b) => {
            let ok = orderable(a) && orderable(b) && (a == b || (a.is_number() && b.is_number()));
            ok.then_some(Bool)
        }
        ("_&&_" | "_||_", [a, b]) => [a, b]
            .iter()
            .all(|t| matches!(t, Dyn | Bool))
            .then_some(Bool),
        ("!_", [a]) => matches!(a, Dyn | Bool).then_some(Bool),
        ("-_", [a]) => (a.is_dyn() || a.is_number() || *a == Duration).then(|| a.clone()),
        ("_+_" | "_-_" | "_*_" | "_/_" | "_%_", [a, b]) if known(a) && known(b) => {
            arithmetic(op, a, b)
        }
        ("_+_" | "_-_" | "_*_" | "_/_" | "_%_", _) => Some(Dyn),
        ("@in", [a, b]) => match b {
            List(t) | Map(t, _) => comparable(a, t).then_some(Bool),
            Dyn | Null | Schema(_) | Record(_) => Some(Bool),
            _ => None,
        },
        ("_[_]", [target, index]) => match target {
            List(t) => (index.is_dyn() || index.is_number()).then(|| (**t).clone()),
            Map(k, v) => comparable(k, index).then(|| (**v).clone()),
            Dyn | Null | Schema(_) | Record(_) => Some(Dyn),
            _ => None,
        },
        ("_?_:_", [_, a, b]) => Some(a.join(b)),
        ("@not_strictly_false", _) => Some(Bool),
        _ => Some(Dyn),
    }
}

fn arithmetic(op: &str, a: &Type, b: &Type) -> Option<Type> {
    use Type::*;
    if a.is_number() && b.is_number() {
        return Some(if a == b { a.clone() } else { Dyn });
    }
    match (op, a, b) {
        ("_+_", String, String) | ("_+_", Bytes, Bytes) => Some(a.clone()),
        ("_+_", List(x), List(y)) => Some(List(Box::new(x.join(y)))),
        ("_+_" | "_-_", Duration, Duration) => Some(Duration),
        ("_+_", Timestamp, Duration) | ("_+_", Duration, Timestamp) => Some(Timestamp),
        ("_-_", Timestamp, Duration) => Some(Timestamp),
        ("_-_", Timestamp, Timestamp) => Some(Duration),
        _ => None,
    }
}

/// The result of calling `function` (on `target`, for a method) with `args`; `None` when
/// no overload takes a known target or argument. Functions it does not know give `dyn`.
pub fn function(function: &str, target: Option<&Type>, args: &[Type]) -> Option<Type> {
    use Type::*;
    // The value a function reads: the target of a method, else the first argument.
    let (subject, rest) = match (target, args) {
        (Some(t), _) => (t, args),
        (None, [first, rest @ ..]) => (first, rest),
        (None, []) => return Some(Dyn),
    };
    let is = |allowed: &[fn(&Type) -> bool]| subject.is_dyn() || allowed.iter().any(|f| f(subject));
    let string = |t: &Type| *t == String;
    let list = |t: &Type| matches!(t, List(_));
    let strings_only = || rest.iter().all(|a| a.is_dyn() || *a == String);
    match function {
        "size" => is(&[string, |t| *t == Bytes, list, Type::is_object]).then_some(Int),
        "contains" => is(&[list, Type::is_object])
            .then_some(Bool)
            .or_else(|| (string(subject) && strings_only()).then_some(Bool)),
        "startsWith" | "endsWith" | "matches" => (is(&[string]) && strings_only()).then_some(Bool),
        "lowerAscii" | "upperAscii" | "trim" | "replace" | "substring" | "charAt" | "find" => {
            is(&[string]).then_some(String)
        }
        "split" | "findAll" => is(&[string]).then(|| List(Box::new(String))),
        "join" => is(&[list]).then_some(String),
        "indexOf" | "lastIndexOf" => is(&[string, list]).then_some(Int),
        "isSorted" => is(&[list]).then_some(Bool),
        "getSeconds" | "getMinutes" | "getHours" | "getMilliseconds" => {
            is(&[|t| matches!(t, Duration | Timestamp)]).then_some(Int)
        }
        "getDate" | "getDayOfMonth" | "getDayOfWeek" | "getDayOfYear" | "getFullYear"
        | "getMonth" => is(&[|t| *t == Timestamp]).then_some(Int),
        "duration" => is(&[string]).then_some(Duration),
        "timestamp" => is(&[string, |t| *t == Int]).then_some(Timestamp),
        "int" => Some(Int),
        "uint" => Some(Uint),
        "double" => Some(Double),
        "string" => Some(String),
        "bytes" => Some(Bytes),
        "bool" => Some(Bool),
        "isQuantity" | "isURL" | "isInteger" => Some(Bool),
        _ => Some(Dyn),
    }
}
