//! The static check of a compiled CEL expression, once per expression when policies are
//! compiled (never per object): names that are not declared, fields a schema-typed
//! object does not have, and operators or functions applied to types they do not take,
//! in cel-go's words. Types are inferred bottom-up; what is not known is `dyn`, and `dyn`
//! is never an error, so a policy the API server would accept is never refused here.

pub mod schema;
pub mod types;

use cel::common::ast::{EntryExpr, Expr, LiteralValue, SourceInfo};
use std::sync::Arc;

use cel::{IdedExpr, Program};

pub use types::Type;

/// Names that are not variables but CEL's type and namespace identifiers.
const BUILTIN_NAMES: &[&str] = &[
    "int",
    "uint",
    "double",
    "bool",
    "string",
    "bytes",
    "list",
    "map",
    "null_type",
    "type",
    "dyn",
    "optional",
];

/// What an expression may name.
#[derive(Clone, Debug, Default)]
pub struct Scope {
    /// The variables, with their types.
    pub names: Vec<(String, Type)>,
    /// Names that are not declared here for a reason worth saying (`authorizer` in a
    /// kroute policy), with the reason.
    pub absent: Vec<(&'static str, &'static str)>,
}

impl Scope {
    /// The names every policy sees, `object` (and `oldObject`) of type `object`, a
    /// Namespace as `namespaceObject`, and `dynamic` names of unknown type.
    pub fn new(object: Type, dynamic: &[&str]) -> Scope {
        let mut scope = Scope::default();
        scope.declare("object", object.clone());
        scope.declare("oldObject", object);
        scope.declare("namespaceObject", schema::object_of([("v1", "Namespace")]));
        for name in dynamic {
            scope.declare(name, Type::Dyn);
        }
        scope
    }

    /// Declares `variables` with the fields `names`, each variable's expression checked
    /// in turn by `check` (index, scope), which gives its type: the variables after it
    /// see that type, those before it `dyn`.
    pub fn declare_variables(
        &mut self,
        names: &[String],
        mut check: impl FnMut(usize, &Scope) -> Option<Type>,
    ) {
        let mut declared: Vec<(String, Type)> =
            names.iter().map(|n| (n.clone(), Type::Dyn)).collect();
        for i in 0..names.len() {
            self.declare("variables", Type::Record(Arc::new(declared.clone())));
            if let Some(ty) = check(i, self) {
                declared[i].1 = ty;
            }
            self.names.pop();
        }
        self.declare("variables", Type::Record(Arc::new(declared)));
    }

    pub fn declare(&mut self, name: &str, ty: Type) {
        self.names.push((name.to_string(), ty));
    }
}

/// One mistake, at a character of the expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub index: usize,
    pub message: String,
}

/// The type of `program`'s expression and the mistakes in it.
pub fn check(program: &Program, scope: &Scope) -> (Type, Vec<Problem>) {
    let mut checker = Checker {
        scope,
        info: program.source_info(),
        locals: Vec::new(),
        problems: Vec::new(),
    };
    let ty = checker.ty(program.expression());
    (ty, checker.problems)
}

struct Checker<'a> {
    scope: &'a Scope,
    info: &'a SourceInfo,
    /// Comprehension variables, innermost last.
    locals: Vec<(String, Type)>,
    problems: Vec<Problem>,
}

impl Checker<'_> {
    fn ty(&mut self, e: &IdedExpr) -> Type {
        match &e.expr {
            Expr::Literal(literal) => literal_type(literal),
            Expr::Ident(name) => self.ident(e.id, name),
            Expr::Select(select) => {
                let operand = self.ty(&select.operand);
                let field = self.field(e.id, &operand, &select.field);
                if select.test {
                    Type::Bool
                } else {
                    field
                }
            }
            Expr::Call(call) => {
                let target = call.target.as_ref().map(|t| self.ty(t));
                let args: Vec<Type> = call.args.iter().map(|a| self.ty(a)).collect();
                self.call(e.id, &call.func_name, target.as_ref(), &args)
            }
            Expr::List(list) => {
                let elements: Vec<Type> = list.elements.iter().map(|x| self.ty(x)).collect();
                let element = elements
                    .iter()
                    .skip(1)
                    .fold(elements.first().cloned().unwrap_or(Type::Dyn), |a, b| {
                        a.join(b)
                    });
                Type::List(Box::new(element))
            }
            Expr::Map(map) => {
                let mut key = None::<Type>;
                let mut value = None::<Type>;
                for entry in &map.entries {
                    if let EntryExpr::MapEntry(entry) = &entry.expr {
                        let k = self.ty(&entry.key);
                        let v = self.ty(&entry.value);
                        key = Some(key.map_or(k.clone(), |a| a.join(&k)));
                        value = Some(value.map_or(v.clone(), |a| a.join(&v)));
                    }
                }
                let or_dyn = |t: Option<Type>| Box::new(t.unwrap_or(Type::Dyn));
                Type::Map(or_dyn(key), or_dyn(value))
            }
            Expr::Struct(st) => {
                for entry in &st.entries {
                    if let EntryExpr::StructField(field) = &entry.expr {
                        self.ty(&field.value);
                    }
                }
                Type::Dyn
            }
            Expr::Comprehension(c) => {
                let range = self.ty(&c.iter_range);
                let element = range.element().unwrap_or_else(|| {
                    self.fail(
                        c.iter_range.id,
                        format!(
                            "expression of type '{}' cannot be range of a comprehension (must be list, map, or dynamic)",
                            range.name()
                        ),
                    );
                    Type::Dyn
                });
                let accumulator = self.ty(&c.accu_init).widened();
                let base = self.locals.len();
                self.locals.push((c.accu_var.clone(), accumulator));
                match &c.iter_var2 {
                    // Two variables: index and element of a list, key and value of a map.
                    Some(second) => {
                        let (first, value) = match &range {
                            Type::List(t) => (Type::Int, (**t).clone()),
                            Type::Map(k, v) => ((**k).clone(), (**v).clone()),
                            _ => (Type::Dyn, Type::Dyn),
                        };
                        self.locals.push((c.iter_var.clone(), first));
                        self.locals.push((second.clone(), value));
                    }
                    None => self.locals.push((c.iter_var.clone(), element)),
                }
                self.ty(&c.loop_cond);
                self.ty(&c.loop_step);
                self.locals.truncate(base + 1);
                let result = self.ty(&c.result);
                self.locals.truncate(base);
                result
            }
            Expr::Unspecified => Type::Dyn,
        }
    }

    fn ident(&mut self, id: u64, name: &str) -> Type {
        let local = self.locals.iter().rev().find(|(n, _)| n == name);
        let global = || self.scope.names.iter().find(|(n, _)| n == name);
        if let Some((_, ty)) = local.or_else(global) {
            return ty.clone();
        }
        if BUILTIN_NAMES.contains(&name) {
            return Type::Dyn;
        }
        let mut message = format!("undeclared reference to '{name}'");
        if let Some((_, why)) = self.scope.absent.iter().find(|(n, _)| *n == name) {
            message.push_str(&format!(" ({why})"));
        } else {
            let visible = self
                .locals
                .iter()
                .chain(&self.scope.names)
                .map(|(n, _)| n.as_str())
                .filter(|n| !n.starts_with('@'));
            message.push_str(&hint(name, visible));
        }
        self.fail(id, message);
        Type::Dyn
    }

    fn field(&mut self, id: u64, operand: &Type, name: &str) -> Type {
        let missing = match operand {
            Type::Schema(schemas) => match schema::field(schemas, name) {
                Ok(ty) => return ty,
                Err(known) => known,
            },
            Type::Record(fields) => match fields.iter().find(|(n, _)| n == name) {
                Some((_, ty)) => return ty.clone(),
                None => fields.iter().map(|(n, _)| n.as_str()).collect(),
            },
            Type::Map(_, value) => return (**value).clone(),
            Type::Dyn | Type::Null => return Type::Dyn,
            other => {
                let message = format!("type '{}' does not support field selection", other.name());
                self.fail_field(id, name, message);
                return Type::Dyn;
            }
        };
        let message = format!("undefined field '{name}'{}", hint(name, missing));
        self.fail_field(id, name, message);
        Type::Dyn
    }

    fn call(&mut self, id: u64, function: &str, target: Option<&Type>, args: &[Type]) -> Type {
        let result = if is_operator(function) {
            types::operator(function, args)
        } else {
            types::function(function, target, args)
        };
        if let Some(ty) = result {
            return ty;
        }
        let names: Vec<String> = args.iter().map(Type::name).collect();
        let applied = match target {
            Some(t) => format!("{}.({})", t.name(), names.join(", ")),
            None => format!("({})", names.join(", ")),
        };
        self.fail(
            id,
            format!("found no matching overload for '{function}' applied to '{applied}'"),
        );
        Type::Dyn
    }

    /// The character index of node `id` in the expression (the parser gives bytes).
    fn index(&self, id: u64) -> usize {
        let byte = self
            .info
            .offset_for(id)
            .map_or(0, |(start, _)| start as usize);
        let source = &self.info.source;
        source.get(..byte).map_or(byte, |head| head.chars().count())
    }

    fn fail(&mut self, id: u64, message: String) {
        let index = self.index(id);
        self.problems.push(Problem { index, message });
    }

    /// A problem with a selected field, at the field's name: the first `.name` from the
    /// node (which is at its dot, or at the `(` of `has(`).
    fn fail_field(&mut self, id: u64, name: &str, message: String) {
        let from = self.index(id);
        let source: Vec<char> = self.info.source.chars().collect();
        let name: Vec<char> = name.chars().collect();
        let is_name_at = |i: usize| {
            source.get(i..i + name.len()) == Some(&name[..])
                && !source
                    .get(i + name.len())
                    .is_some_and(|c| c.is_alphanumeric() || *c == '_')
        };
        let index = (from..source.len())
            .filter(|i| source[*i] == '.')
            .map(|dot| {
                let gap = source[dot + 1..]
                    .iter()
                    .take_while(|c| c.is_whitespace() || **c == '?')
                    .count();
                dot + 1 + gap
            })
            .find(|i| is_name_at(*i))
            .unwrap_or(from);
        self.problems.push(Problem { index, message });
    }
}

fn is_operator(function: &str) -> bool {
    function.starts_with(['_', '!', '-', '@'])
}

fn literal_type(literal: &LiteralValue) -> Type {
    match literal {
        LiteralValue::Boolean(_) => Type::Bool,
        LiteralValue::Bytes(_) => Type::Bytes,
        LiteralValue::Double(_) => Type::Double,
        LiteralValue::Int(_) => Type::Int,
        LiteralValue::Null => Type::Null,
        LiteralValue::String(_) => Type::String,
        LiteralValue::UInt(_) => Type::Uint,
    }
}

/// `; did you mean 'x'?` in cel-go's quotes, or nothing.
fn hint<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    crate::source::nearest(wanted, candidates)
        .map_or_else(String::new, |c| format!("; did you mean '{c}'?"))
}
