//! Compiling policies once per run: every expression parsed and its function names
//! checked, errors pointing inside the expression; and the index by kind that picks an
//! object's candidate policies before any CEL runs.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use cel::{Env, Program, Value};

use super::check::{self, schema, Scope, Type};
use super::format::{Expr, Filter, Policy, PolicyError, Validation};
use super::path::Path;
use super::position::{char_index, file_offset};
use super::{library, value, view};
use crate::diagnostic::Diagnostic;
use crate::manifest::Object;
use crate::yaml::Span;

/// The compiled policies of a run.
pub struct Engine {
    pub(super) policies: Vec<Compiled>,
    by_kind: HashMap<String, Vec<usize>>,
    workloads: Vec<usize>,
    any: Vec<usize>,
    env: Arc<Env>,
    uses_view: bool,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ids: Vec<&str> = self.policies.iter().map(|p| p.id).collect();
        f.debug_struct("Engine").field("policies", &ids).finish()
    }
}

pub(super) struct Compiled {
    /// The id, leaked once per run: diagnostics carry `&'static str` codes.
    pub id: &'static str,
    pub policy: Policy,
    pub params: Value,
    pub variables: Vec<(String, Program)>,
    pub validations: Vec<CompiledValidation>,
    help: Option<String>,
    /// The variables the policy's expressions name.
    reads: HashSet<String>,
}

pub(super) struct CompiledValidation {
    pub expression: Program,
    pub source: String,
    pub message: Option<String>,
    pub message_expression: Option<Program>,
    pub path: Option<Path>,
}

/// CEL's standard functions (the `cel` crate's), besides operators.
const STANDARD: &[&str] = &[
    "size",
    "contains",
    "startsWith",
    "endsWith",
    "matches",
    "int",
    "uint",
    "double",
    "string",
    "bytes",
    "bool",
    "type",
    "dyn",
    "has",
    "max",
    "min",
    "duration",
    "timestamp",
    "getDate",
    "getDayOfMonth",
    "getDayOfWeek",
    "getDayOfYear",
    "getFullYear",
    "getHours",
    "getMilliseconds",
    "getMinutes",
    "getMonth",
    "getSeconds",
    "optional.of",
    "optional.none",
    "optional.ofNonZeroValue",
    "hasValue",
    "value",
    "or",
    "orValue",
];

impl Engine {
    /// Compiles `policies`, keeping those `enabled` selects; two policies with one id,
    /// an expression that does not parse or calls an unknown function are errors.
    pub fn compile(
        policies: Vec<Policy>,
        enabled: impl Fn(&Policy) -> bool,
    ) -> Result<Engine, Vec<PolicyError>> {
        let env = Arc::new(Env::stdlib());
        let mut errors = Vec::new();
        let mut seen: HashMap<String, String> = HashMap::new();
        let mut compiled = Vec::new();
        for policy in policies {
            if let Some(first) = seen.insert(policy.id.clone(), policy.file.clone()) {
                errors.push(PolicyError::at(
                    &policy.file,
                    &policy.text,
                    0,
                    format!("policy id `{}` is also the id of {first}", policy.id),
                ));
                continue;
            }
            if !enabled(&policy) {
                continue;
            }
            match compile_policy(&env, policy) {
                Ok(c) => compiled.push(c),
                Err(e) => errors.extend(e),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let mut engine = Engine {
            // The view converts every object: build it only when an expression names it
            // (the policy's docs may well mention `kroute.dev/ignore`).
            uses_view: compiled.iter().any(|c| c.reads("kroute")),
            policies: compiled,
            by_kind: HashMap::new(),
            workloads: Vec::new(),
            any: Vec::new(),
            env,
        };
        engine.index();
        Ok(engine)
    }

    fn index(&mut self) {
        for (i, c) in self.policies.iter().enumerate() {
            let m = &c.policy.matcher;
            if m.workloads {
                self.workloads.push(i);
            }
            for kind in &m.filter.kinds {
                self.by_kind.entry(kind.clone()).or_default().push(i);
            }
            if !m.workloads && m.filter.kinds.is_empty() {
                self.any.push(i);
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.policies.is_empty()
    }

    /// The ids of the compiled (enabled) policies.
    pub fn ids(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.policies.iter().map(|p| p.id)
    }

    pub(super) fn uses_view(&self) -> bool {
        self.uses_view
    }

    pub(super) fn env(&self) -> &Arc<Env> {
        &self.env
    }

    /// The policies that apply to `object`, in order, each once.
    pub(super) fn candidates(&self, object: &Object, is_workload: bool) -> Vec<usize> {
        let by_kind = self
            .by_kind
            .get(object.kind.as_str())
            .map_or(&[][..], Vec::as_slice);
        let workloads = if is_workload {
            &self.workloads[..]
        } else {
            &[]
        };
        let mut out: Vec<usize> = by_kind
            .iter()
            .chain(workloads)
            .chain(&self.any)
            .copied()
            .filter(|i| self.policies[*i].matches(object, is_workload))
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}

impl Compiled {
    /// Whether an expression of the policy names the variable `name`.
    pub fn reads(&self, name: &str) -> bool {
        self.reads.contains(name)
    }

    fn matches(&self, object: &Object, is_workload: bool) -> bool {
        let m = &self.policy.matcher;
        let kind_ok =
            m.filter.kinds.iter().any(|k| *k == object.kind) || (m.workloads && is_workload);
        let kinds_given = !m.filter.kinds.is_empty() || m.workloads;
        (!kinds_given || kind_ok)
            && filter_matches(&m.filter, object, true)
            && m.exclude
                .as_ref()
                .is_none_or(|e| !filter_matches(e, object, false))
    }

    pub(super) fn finding(&self, object: &Object, span: Span, message: String) -> Diagnostic {
        let d = Diagnostic::on(self.id, self.policy.severity, object, span, message);
        match &self.help {
            Some(help) => d.with_help(help.clone()),
            None => d,
        }
    }
}

/// Whether `object` passes every filter given (`include`: an empty filter passes; for an
/// exclusion, an empty filter matches nothing).
fn filter_matches(f: &Filter, object: &Object, include: bool) -> bool {
    let checks = [
        (!f.api_versions.is_empty())
            .then(|| f.api_versions.iter().any(|v| *v == object.api_version)),
        (!include && !f.kinds.is_empty()).then(|| f.kinds.iter().any(|k| *k == object.kind)),
        (!f.namespaces.is_empty())
            .then(|| f.namespaces.iter().any(|g| g.is_match(&object.namespace))),
        (!f.names.is_empty()).then(|| f.names.iter().any(|g| g.is_match(&object.name))),
        f.labels.as_ref().map(|s| s.matches(&object.labels)),
    ];
    let given: Vec<bool> = checks.into_iter().flatten().collect();
    if include {
        given.iter().all(|b| *b)
    } else {
        !given.is_empty() && given.iter().all(|b| *b)
    }
}

fn compile_policy(env: &Env, policy: Policy) -> Result<Compiled, Vec<PolicyError>> {
    let mut errors = Vec::new();
    let mut scope = scope_of(&policy);
    let mut compile = |expr: &Expr, scope: &Scope| match program(env, expr, &policy, scope) {
        Ok(p) => Some(p),
        Err(e) => {
            errors.push(e);
            None
        }
    };
    let names: Vec<String> = policy.variables.iter().map(|(n, _)| n.clone()).collect();
    let mut variables: Vec<(String, Program)> = Vec::new();
    scope.declare_variables(&names, |i, scope| {
        let (name, e) = &policy.variables[i];
        let (program, ty) = compile(e, scope)?;
        variables.push((name.clone(), program));
        Some(ty)
    });
    let mut with_self = scope.clone();
    with_self.declare("self", Type::Dyn);
    let validations: Vec<CompiledValidation> = policy
        .validations
        .iter()
        .filter_map(|v: &Validation| {
            // `self` is the value at the validation's `path`.
            let scope = if v.path.is_some() { &with_self } else { &scope };
            let expression = compile(&v.expression, scope);
            let message_expression = match &v.message_expression {
                Some(e) => Some(compile(e, scope)?.0),
                None => None,
            };
            Some(CompiledValidation {
                expression: expression?.0,
                source: v.expression.source.trim().to_string(),
                message: v.message.clone(),
                message_expression,
                path: v.path.clone(),
            })
        })
        .collect();
    if !errors.is_empty() {
        return Err(errors);
    }
    let help = Some(first_paragraph(&policy.docs.fix)).filter(|h| !h.is_empty());
    let programs = variables.iter().map(|(_, p)| p).chain(
        validations
            .iter()
            .flat_map(|v| std::iter::once(&v.expression).chain(&v.message_expression)),
    );
    let reads = programs
        .flat_map(|p| {
            p.references()
                .variables()
                .into_iter()
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect();
    Ok(Compiled {
        id: Box::leak(policy.id.clone().into_boxed_str()),
        params: policy.params.as_ref().map_or(Value::Null, value::of_node),
        policy,
        variables,
        validations,
        help,
        reads,
    })
}

fn first_paragraph(text: &str) -> String {
    let para = text.trim().split("\n\n").next().unwrap_or_default();
    para.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// What a policy's expressions may name, and their types: `object` from the built-in
/// schema of the kinds `match` names with their apiVersions (kinds alone may be custom
/// resources of any group: a Knative Service is a `Service` too).
fn scope_of(policy: &Policy) -> Scope {
    let m = &policy.matcher;
    let object = if m.workloads || m.filter.api_versions.is_empty() {
        Type::Dyn
    } else {
        schema::object_of(builtin_kinds(&m.filter.api_versions, &m.filter.kinds))
    };
    let mut scope = Scope::new(object, &["params", "podSpec", "kroute"]);
    scope.absent = vec![
        (
            "authorizer",
            "kroute policies run offline, without the API server's authorizer",
        ),
        (
            "request",
            "kroute policies read manifests, not admission requests",
        ),
    ];
    scope
}

/// The (apiVersion, kind) pairs of built-in kinds among `api_versions` × `kinds`, or a
/// pair without a schema (so the object is `dyn`) when a kind or an apiVersion is not
/// built in.
fn builtin_kinds<'a>(api_versions: &'a [String], kinds: &'a [String]) -> Vec<(&'a str, &'a str)> {
    let builtin: HashSet<(&str, &str)> = crate::schema::embedded::kinds().collect();
    let mut pairs = Vec::new();
    for api_version in api_versions {
        let matched: Vec<&str> = kinds
            .iter()
            .map(String::as_str)
            .filter(|k| builtin.contains(&(api_version.as_str(), *k)))
            .collect();
        if matched.is_empty() {
            return vec![(api_version, "")];
        }
        pairs.extend(matched.into_iter().map(|k| (api_version.as_str(), k)));
    }
    for kind in kinds {
        if !pairs.iter().any(|(_, k)| k == kind) {
            return vec![("", kind)];
        }
    }
    pairs
}

/// Parses `expr`, checks the functions it calls and the names and types it uses; an
/// error points into the file.
fn program(
    env: &Env,
    expr: &Expr,
    policy: &Policy,
    scope: &Scope,
) -> Result<(Program, Type), PolicyError> {
    let at = |index: usize, message: String| {
        let offset = file_offset(expr, &policy.text, index);
        PolicyError::at(&policy.file, &policy.text, offset, message)
    };
    let program = env.compile(&expr.source).map_err(|errors| {
        let first = errors.errors.first();
        let index = first.map_or(0, |e| char_index(&expr.source, e.pos.0, e.pos.1));
        let message = first.map_or_else(|| errors.to_string(), |e| e.msg.clone());
        at(index, format!("CEL syntax error: {message}"))
    })?;
    let (ty, problems) = check::check(&program, scope);
    if let Some(p) = problems.into_iter().next() {
        return Err(at(p.index, format!("CEL type error: {}", p.message)));
    }
    match unknown_function(&program, &expr.source) {
        Some((index, message)) => Err(at(index, message)),
        None => Ok((program, ty)),
    }
}

/// The first function `program` calls that is neither CEL's nor kroute's, with its
/// character index in `source` and the message.
fn unknown_function(program: &Program, source: &str) -> Option<(usize, String)> {
    // `kroute.get(…)` parses as `get` called on `kroute`: the short names count too.
    let short_view = view::FUNCTIONS
        .iter()
        .filter_map(|f| f.strip_prefix("kroute."));
    let known: HashSet<&str> = STANDARD
        .iter()
        .chain(library::FUNCTIONS)
        .chain(view::FUNCTIONS)
        .copied()
        .chain(short_view)
        .collect();
    let references = program.references();
    let mut unknown: Vec<&str> = references
        .functions()
        .into_iter()
        .filter(|f| f.starts_with(|c: char| c.is_ascii_alphabetic()) && !known.contains(f))
        .collect();
    unknown.sort_unstable();
    let name = unknown.first()?;
    let short = name.rsplit('.').next().unwrap_or(name);
    let index = source
        .find(&format!("{short}("))
        .map_or(0, |b| source[..b].chars().count());
    let hint = crate::inventory::did_you_mean(short, known.iter().copied());
    Some((index, format!("unknown function `{name}`{hint}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(validations: &str) -> Vec<String> {
        let text =
            format!("id: ACME001\nseverity: warning\nsummary: s\nvalidations:\n{validations}");
        let policy = super::super::format::parse("p.yaml", &text).unwrap();
        match Engine::compile(vec![policy], |_| true) {
            Ok(_) => Vec::new(),
            Err(e) => e.iter().map(ToString::to_string).collect(),
        }
    }

    #[test]
    fn cel_errors_point_inside_the_expression() {
        assert_eq!(
            errors("- expression: |\n    object.metadata.name.lowerAscii() == 'x' &&\n      object.foo(1)\n"),
            ["p.yaml:7:14: unknown function `foo`; did you mean `bool`?"]
        );
        let e = errors("- expression: \"object.x == == 1\"\n");
        assert!(e[0].starts_with("p.yaml:5:28: CEL syntax error"), "{e:?}");
        // At the end of the expression: the closing quote.
        let e = errors("- expression: object.x == 1\n  messageExpression: \"'a' +\"\n");
        assert!(e[0].starts_with("p.yaml:6:28: CEL syntax error"), "{e:?}");
    }
}
