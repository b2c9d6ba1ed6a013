//! Policy stage: policies written in YAML with CEL validations, beside `checks`. It reads
//! the inventory and routing graph and emits diagnostics whose code is the policy id.
//!
//! A policy file ([`format`]) is read once; [`Engine::compile`] compiles every expression
//! once per run; [`Engine::evaluate`] finds each object's candidate policies by kind
//! (before any CEL runs), checks their `match`, then evaluates their validations, objects
//! in parallel. `rules/README.md` is the user documentation.

pub mod builtin;
mod check;
mod compile;
pub mod format;
pub mod library;
pub mod path;
mod position;
pub mod value;
pub mod vap;
pub mod view;

use std::cell::OnceCell;
use std::collections::HashMap;
use std::path::{Path as FsPath, PathBuf};
use std::sync::Arc;

use cel::{Context, Program, Value};
use rayon::prelude::*;

use crate::diagnostic::Diagnostic;
use crate::graph::RoutingGraph;
use crate::inventory::Inventory;
use crate::manifest::Object;
use crate::yaml::Node;
pub use compile::Engine;
pub use format::{parse, Docs, Policy, PolicyError};

/// Reads the policy files at `paths`: files, or directories whose `*.yaml`/`*.yml` files
/// (recursively, in name order) are policies.
pub fn load_paths(paths: &[PathBuf]) -> Result<Vec<Policy>, Vec<PolicyError>> {
    let mut files = Vec::new();
    for path in paths {
        collect(path, &mut files).map_err(|e| vec![io_error(path, &e)])?;
    }
    let mut policies = Vec::new();
    let mut errors = Vec::new();
    for file in files {
        let shown = file.display().to_string();
        match std::fs::read(&file)
            .map_err(|e| io_error(&file, &e))
            .and_then(|bytes| {
                crate::source::decode(bytes)
                    .map_err(|_| PolicyError::at(&shown, "", 0, "not a UTF-8 text file"))
            }) {
            // Kubernetes admission policies are manifests: the check reads them as such.
            Ok(text) if is_admission_policy(&text) => {}
            Ok(text) => match format::parse(&shown, &text) {
                Ok(p) => policies.push(p),
                Err(e) => errors.extend(e),
            },
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(policies)
    } else {
        Err(errors)
    }
}

/// Whether `text` holds Kubernetes `ValidatingAdmissionPolicy` objects or their bindings
/// (`admissionregistration.k8s.io`) rather than a kroute policy (which has no
/// `apiVersion`).
pub fn is_admission_policy(text: &str) -> bool {
    text.lines()
        .any(|l| l.starts_with("apiVersion:") && l.contains("admissionregistration.k8s.io/"))
}

/// The files of `paths` (as [`load_paths`] walks them) that hold Kubernetes admission
/// policies: `kroute check` loads them beside the manifests, like `--context` files.
pub fn admission_files(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for path in paths {
        // An unreadable path is reported by `load_paths`.
        let _ = collect(path, &mut files);
    }
    files.retain(|f| {
        std::fs::read(f)
            .ok()
            .and_then(|b| crate::source::decode(b).ok())
            .is_some_and(|t| is_admission_policy(&t))
    });
    files
}

fn io_error(path: &FsPath, e: &std::io::Error) -> PolicyError {
    PolicyError {
        file: path.display().to_string(),
        line: 1,
        col: 1,
        message: e.to_string(),
    }
}

fn collect(path: &FsPath, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if !path.is_dir() {
        std::fs::metadata(path)?;
        out.push(path.to_path_buf());
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for entry in entries {
        let is_yaml = entry.extension().is_some_and(|e| e == "yaml" || e == "yml");
        if entry.is_dir() {
            collect(&entry, out)?;
        } else if is_yaml {
            out.push(entry);
        }
    }
    Ok(())
}

/// What one object's evaluation reads; the CEL values are made on first use, as most
/// policies read only a few of them (often only `self`).
struct Subject<'a> {
    object: &'a Object,
    /// The object as converted for the `kroute.*` view, when there is one.
    converted: Option<&'a Value>,
    value: OnceCell<Value>,
    pod_spec: Option<&'a Node>,
    pod_spec_value: OnceCell<Value>,
    namespace: Option<&'a Object>,
    namespace_value: OnceCell<Value>,
}

impl Subject<'_> {
    fn value(&self) -> Value {
        let convert = || {
            self.converted
                .cloned()
                .unwrap_or_else(|| value::of_node(&self.object.root))
        };
        self.value.get_or_init(convert).clone()
    }

    fn pod_spec(&self) -> Value {
        let convert = || self.pod_spec.map_or(Value::Null, value::of_node);
        self.pod_spec_value.get_or_init(convert).clone()
    }

    fn namespace(&self) -> Value {
        let convert = || {
            self.namespace
                .map_or(Value::Null, |ns| value::of_node(&ns.root))
        };
        self.namespace_value.get_or_init(convert).clone()
    }
}

impl Engine {
    /// Evaluates every enabled policy on the objects of `inv` (not on what the platform
    /// provides).
    pub fn evaluate(&self, inv: &Inventory, graph: &RoutingGraph) -> Vec<Diagnostic> {
        if self.is_empty() {
            return Vec::new();
        }
        let view = self
            .uses_view()
            .then(|| Arc::new(view::View::build(inv, graph)));
        let root = match self.root_context(view.as_ref()) {
            Ok(root) => root,
            Err(e) => return vec![self.internal_error(inv, &e.to_string())],
        };
        let namespaces: HashMap<&str, &Object> = inv
            .objects
            .iter()
            .filter(|o| o.kind == "Namespace" && o.group.is_empty())
            .map(|o| (o.name.as_str(), o))
            .collect();
        inv.objects
            .par_iter()
            .enumerate()
            .filter(|(_, o)| !inv.from_platform(o))
            .flat_map_iter(|(i, object)| {
                let pod_spec = inv.template_kinds.pods(object).and_then(|p| p.get("spec"));
                let candidates = self.candidates(object, pod_spec.is_some());
                if candidates.is_empty() {
                    return Vec::new();
                }
                let subject = Subject {
                    object,
                    converted: view.as_ref().map(|v| &v.objects[i]),
                    value: OnceCell::new(),
                    pod_spec,
                    pod_spec_value: OnceCell::new(),
                    namespace: namespaces.get(object.namespace.as_str()).copied(),
                    namespace_value: OnceCell::new(),
                };
                let mut out = Vec::new();
                for policy in candidates {
                    self.run(&root, policy, &subject, &mut out);
                }
                out
            })
            .collect()
    }

    fn root_context(
        &self,
        view: Option<&Arc<view::View>>,
    ) -> Result<Context<'static, 'static>, cel::DeclarationError> {
        let mut ctx = Context::with_env(Arc::clone(self.env()));
        library::register(&mut ctx)?;
        if let Some(view) = view {
            view::register(&mut ctx, view)?;
        }
        Ok(ctx)
    }

    fn internal_error(&self, inv: &Inventory, message: &str) -> Diagnostic {
        let file = inv
            .objects
            .first()
            .map(|o| o.file)
            .unwrap_or(crate::source::FileId(0));
        Diagnostic::new(
            "KP000",
            crate::diagnostic::Severity::Error,
            file,
            crate::yaml::Span::point(0),
            format!("the policy engine could not start: {message}"),
        )
    }

    /// Evaluates one policy's variables and validations on `subject`.
    fn run(
        &self,
        root: &Context<'_, '_>,
        i: usize,
        subject: &Subject<'_>,
        out: &mut Vec<Diagnostic>,
    ) {
        let policy = &self.policies[i];
        let mut ctx = root.new_inner_scope();
        // Only what the policy's expressions name is bound: converting is most of the cost.
        let bind = |ctx: &mut Context<'_, '_>, name: &str, value: &dyn Fn() -> Value| {
            if policy.reads(name) {
                ctx.add_variable_from_value(name, value());
            }
        };
        bind(&mut ctx, "object", &|| subject.value());
        bind(&mut ctx, "oldObject", &|| Value::Null);
        bind(&mut ctx, "namespaceObject", &|| subject.namespace());
        bind(&mut ctx, "params", &|| policy.params.clone());
        bind(&mut ctx, "podSpec", &|| subject.pod_spec());
        let mut variables: Vec<(&str, Value)> = Vec::new();
        for (name, program) in &policy.variables {
            // A variable that fails is absent: an expression reading it fails in turn.
            if let Ok(v) = program.execute(&ctx) {
                variables.push((name.as_str(), v));
            }
            ctx.add_variable_from_value("variables", value::map(variables.iter().cloned()));
        }
        if policy.variables.is_empty() {
            ctx.add_variable_from_value("variables", value::map([]));
        }
        for validation in &policy.validations {
            self.validate(&mut ctx, policy, validation, subject, out);
        }
    }

    fn validate(
        &self,
        ctx: &mut Context<'_, '_>,
        policy: &compile::Compiled,
        validation: &compile::CompiledValidation,
        subject: &Subject<'_>,
        out: &mut Vec<Diagnostic>,
    ) {
        let object = subject.object;
        let Some(path) = &validation.path else {
            let verdict = verdict(&validation.expression, ctx);
            if let Some(problem) = verdict {
                out.push(policy.finding(
                    object,
                    object.name_span(),
                    message(validation, ctx, problem),
                ));
            }
            return;
        };
        let start = if path.pod_spec {
            match subject.pod_spec {
                Some(spec) => spec,
                // Not a workload: the validation does not apply.
                None => return,
            }
        } else {
            &object.root
        };
        for hit in path.resolve(start) {
            ctx.add_variable_from_value("self", hit.node.map_or(Value::Null, value::of_node));
            if let Some(problem) = verdict(&validation.expression, ctx) {
                let span = hit.node.unwrap_or(hit.anchor).span;
                out.push(policy.finding(object, span, message(validation, ctx, problem)));
            }
        }
    }
}

/// Why a validation failed, or nothing when it passed.
enum Problem {
    False,
    NotBool(Value),
    Error(String),
}

fn verdict(program: &Program, ctx: &Context<'_, '_>) -> Option<Problem> {
    match program.execute(ctx) {
        Ok(Value::Bool(true)) => None,
        Ok(Value::Bool(false)) => Some(Problem::False),
        Ok(other) => Some(Problem::NotBool(other)),
        Err(e) => Some(Problem::Error(e.to_string())),
    }
}

/// The finding's message: `messageExpression`, else `message`, else the failed
/// expression, as the API server words it.
fn message(
    validation: &compile::CompiledValidation,
    ctx: &Context<'_, '_>,
    problem: Problem,
) -> String {
    match problem {
        Problem::False => {}
        Problem::NotBool(v) => {
            return format!(
                "the expression `{}` gave {v:?}, not a bool",
                validation.source
            );
        }
        Problem::Error(e) => {
            return format!(
                "the expression `{}` could not be evaluated: {e}",
                validation.source
            );
        }
    }
    if let Some(Ok(Value::String(s))) = validation
        .message_expression
        .as_ref()
        .map(|p| p.execute(ctx))
    {
        if !s.trim().is_empty() {
            return s.to_string();
        }
    }
    validation
        .message
        .clone()
        .unwrap_or_else(|| format!("failed expression: {}", validation.source))
}
