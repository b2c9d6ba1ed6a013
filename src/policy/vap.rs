//! Kubernetes `ValidatingAdmissionPolicy` and `ValidatingAdmissionPolicyBinding`
//! (admissionregistration.k8s.io) found in the input, evaluated offline against the other
//! manifests as the API server would admit them (each object as a `CREATE`).
//!
//! A policy acts only through its bindings, as in the cluster: a policy without one is
//! reported as an info and does nothing. Each binding's `validationActions` sets the
//! severity of its findings (`Deny` → error, `Warn` → warning, `Audit` → info), all under
//! the code [`CODE`]. `auditAnnotations` are not evaluated (an info says so). Every
//! expression of a policy is compiled once per run. `kroute explain KR601` is the user
//! documentation.

use std::collections::BTreeMap;
use std::sync::Arc;

use cel::{Context, Env, Program, Value};

use super::check::{self, schema, Scope, Type};
use super::position::{char_index, file_offset};
use super::{library, value};
use crate::diagnostic::{Diagnostic, Severity};
use crate::inventory::{Inventory, Selector};
use crate::manifest::{Labels, Object};
use crate::source::SourceMap;
use crate::yaml::{Node, Span};

/// The code of every finding of a ValidatingAdmissionPolicy.
pub const CODE: &str = "KR601";

const GROUP: &str = "admissionregistration.k8s.io";

/// Kinds that have no namespace (the common ones; any other object without
/// `metadata.namespace` is taken to live in the default namespace).
const CLUSTER_KINDS: &[&str] = &[
    "Namespace",
    "Node",
    "PersistentVolume",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "StorageClass",
    "PriorityClass",
    "IngressClass",
    "GatewayClass",
    "RuntimeClass",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
    "APIService",
    "CSIDriver",
    "ClusterIssuer",
];

/// Kind → resource names that do not follow the plural rules of [`resource_of`].
const IRREGULAR: &[(&str, &str)] = &[
    ("Endpoints", "endpoints"),
    ("PodMetrics", "pods"),
    ("NodeMetrics", "nodes"),
];

/// One compiled expression and where the policy writes it.
struct Expr {
    program: Program,
    source: String,
    span: Span,
    /// Whether it names `authorizer`, which only the API server has.
    offline: bool,
}

struct Validation {
    expr: Expr,
    message: Option<String>,
    message_expr: Option<Expr>,
    reason: Option<String>,
}

/// A policy, its expressions compiled.
struct Vap<'a> {
    object: &'a Object,
    spec: Option<&'a Node>,
    /// `(apiVersion, kind)` of its params.
    param_kind: Option<(String, String)>,
    ignore_failures: bool,
    conditions: Vec<Expr>,
    variables: Vec<(String, Expr)>,
    validations: Vec<Validation>,
}

/// What happened to one object under one binding.
enum Outcome {
    Admitted,
    /// Denied (or warned about) with this message, at the validation's expression if any.
    Failed(String, Option<Span>),
}

/// The findings of every bound ValidatingAdmissionPolicy of `inv` on its other objects
/// (`sources` holds their text, for errors inside an expression).
pub fn evaluate(inv: &Inventory, sources: &SourceMap) -> Vec<Diagnostic> {
    let is = |o: &&Object, kind: &str| o.kind == kind && o.group == GROUP;
    let policies: Vec<&Object> = inv
        .objects
        .iter()
        .filter(|o| is(o, "ValidatingAdmissionPolicy"))
        .collect();
    let bindings: Vec<&Object> = inv
        .objects
        .iter()
        .filter(|o| is(o, "ValidatingAdmissionPolicyBinding"))
        .collect();
    if policies.is_empty() && bindings.is_empty() {
        return Vec::new();
    }
    let env = Arc::new(Env::stdlib());
    let mut root = Context::with_env(Arc::clone(&env));
    let mut out = Vec::new();
    if let Err(e) = library::register(&mut root) {
        // One of the two lists is not empty.
        if let Some(first) = policies.first().or(bindings.first()) {
            out.push(info(first, format!("CEL library unavailable: {e}")));
        }
        return out;
    }
    let mut compiled = Vec::new();
    for policy in &policies {
        // Without the text (its file changed since), an error points at its expression.
        let text = sources.get(policy.file).text().unwrap_or_default();
        match compile(&env, policy, text) {
            Ok((vap, offline)) => {
                out.extend(offline.map(|(span, message)| {
                    Diagnostic::on(CODE, Severity::Info, policy, span, message)
                }));
                compiled.extend(vap);
            }
            Err(errors) => out.extend(errors),
        }
        if let Some(audit) = policy.root.at(&["spec", "auditAnnotations"]) {
            out.push(Diagnostic::on(
                CODE,
                Severity::Info,
                policy,
                audit.span,
                format!(
                    "ValidatingAdmissionPolicy '{}': auditAnnotations are not evaluated offline",
                    policy.name
                ),
            ));
        }
    }
    for policy in &policies {
        if !bindings.iter().any(|b| binds(b, &policy.name)) {
            out.push(info(
                policy,
                format!(
                    "ValidatingAdmissionPolicy '{}' has no ValidatingAdmissionPolicyBinding in the input: it does nothing (as in a cluster)",
                    policy.name
                ),
            ));
        }
    }
    for binding in &bindings {
        let name = binding
            .root
            .str_at_path(&["spec", "policyName"])
            .unwrap_or("");
        match compiled.iter().find(|v| v.object.name == name) {
            Some(vap) => out.extend(run_binding(inv, &root, vap, binding)),
            None if !policies.iter().any(|p| p.name == name) => out.push(info(
                binding,
                format!(
                    "ValidatingAdmissionPolicyBinding '{}' binds policy '{name}', which the input does not define",
                    binding.name
                ),
            )),
            // The policy did not compile: reported above.
            None => {}
        }
    }
    out
}

fn info(object: &Object, message: String) -> Diagnostic {
    Diagnostic::on(CODE, Severity::Info, object, object.name_span(), message)
}

fn binds(binding: &Object, policy: &str) -> bool {
    binding.root.str_at_path(&["spec", "policyName"]) == Some(policy)
}

trait StrAt {
    fn str_at_path(&self, path: &[&str]) -> Option<&str>;
}

impl StrAt for Node {
    fn str_at_path(&self, path: &[&str]) -> Option<&str> {
        self.at(path).and_then(Node::as_str)
    }
}

/// A policy compiled (`None` when it cannot be judged offline) and the info saying what
/// is skipped because it asks the API server's `authorizer`.
type CompiledVap<'a> = (Option<Vap<'a>>, Option<(Span, String)>);

/// Compiles a policy's expressions; a CEL error is an error finding inside the expression
/// (`text` is the policy's file).
fn compile<'a>(
    env: &Env,
    policy: &'a Object,
    text: &str,
) -> Result<CompiledVap<'a>, Vec<Diagnostic>> {
    let spec = policy.root.get("spec");
    let seq = |key: &str| spec.map_or(&[][..], |s| s.seq_at(key));
    let mut errors = Vec::new();
    let mut scope = scope_of(spec);
    let mut expr = |node: &Node, scope: &Scope| -> Option<(Expr, Type)> {
        let source = node.as_str()?.to_string();
        let (program, ty) = match checked(env, &source, scope) {
            Ok(found) => found,
            Err((index, message)) => {
                let offset = inside(node, text, &source, index);
                let message = format!(
                    "ValidatingAdmissionPolicy '{}': expression does not compile: {message}",
                    policy.name,
                );
                errors.push(Diagnostic::on(
                    CODE,
                    Severity::Error,
                    policy,
                    Span::point(offset),
                    message,
                ));
                return None;
            }
        };
        let offline = program.references().has_variable("authorizer");
        let expr = Expr {
            program,
            source,
            span: node.span,
            offline,
        };
        Some((expr, ty))
    };
    let conditions: Vec<Expr> = seq("matchConditions")
        .iter()
        .filter_map(|item| Some(expr(item.get("expression")?, &scope)?.0))
        .collect();
    let items = seq("variables");
    let names: Vec<String> = items
        .iter()
        .map(|item| item.str_at("name").unwrap_or_default().to_string())
        .collect();
    let mut variables = Vec::new();
    scope.declare_variables(&names, |i, scope| {
        let (e, ty) = expr(items[i].get("expression")?, scope)?;
        variables.push((names[i].clone(), e));
        Some(ty)
    });
    let validations: Vec<Validation> = seq("validations")
        .iter()
        .filter_map(|item| {
            Some(Validation {
                expr: expr(item.get("expression")?, &scope)?.0,
                message: item.str_at("message").map(str::to_string),
                message_expr: item
                    .get("messageExpression")
                    .and_then(|n| expr(n, &scope))
                    .map(|(e, _)| e),
                reason: item.str_at("reason").map(str::to_string),
            })
        })
        .collect();
    if !errors.is_empty() {
        return Err(errors);
    }
    let param_kind = spec.and_then(|s| s.get("paramKind")).map(|p| {
        (
            p.str_at("apiVersion").unwrap_or_default().to_string(),
            p.str_at("kind").unwrap_or_default().to_string(),
        )
    });
    let mut vap = Vap {
        object: policy,
        spec,
        param_kind,
        ignore_failures: spec.and_then(|s| s.str_at("failurePolicy")) == Some("Ignore"),
        conditions,
        variables,
        validations,
    };
    let offline = offline(&mut vap);
    let judged = offline.as_ref().is_none_or(|o| !o.whole);
    Ok((judged.then_some(vap), offline.map(|o| (o.span, o.message))))
}

/// What of a policy asks the `authorizer`, which kroute does not have.
struct Offline {
    /// The first expression that asks it.
    span: Span,
    /// Whether the whole policy is unavailable (a match condition or variable asks it).
    whole: bool,
    message: String,
}

/// Drops the validations that ask the `authorizer`; says what cannot be judged.
fn offline(vap: &mut Vap<'_>) -> Option<Offline> {
    let name = &vap.object.name;
    let gating = vap
        .conditions
        .iter()
        .chain(vap.variables.iter().map(|(_, e)| e))
        .find(|e| e.offline);
    if let Some(e) = gating {
        return Some(Offline {
            span: e.span,
            whole: true,
            message: format!("ValidatingAdmissionPolicy '{name}' is not evaluated offline: its matchConditions or variables use `authorizer`, which only the API server has"),
        });
    }
    let asks =
        |v: &Validation| v.expr.offline || v.message_expr.as_ref().is_some_and(|e| e.offline);
    let span = vap.validations.iter().find(|v| asks(v))?.expr.span;
    let skipped = vap.validations.iter().filter(|v| asks(v)).count();
    vap.validations.retain(|v| !asks(v));
    let noun = if skipped == 1 {
        "validation"
    } else {
        "validations"
    };
    Some(Offline {
        span,
        whole: false,
        message: format!("ValidatingAdmissionPolicy '{name}': {skipped} {noun} using `authorizer` not evaluated offline (only the API server has it)"),
    })
}

/// Parses `source` and checks it in `scope`: the program and its type, or the character
/// index and message of the first mistake. Functions kroute lacks are not refused: the
/// policy is the API server's (and `authorizer`'s are never called offline).
fn checked(env: &Env, source: &str, scope: &Scope) -> Result<(Program, Type), (usize, String)> {
    let program = env.compile(source).map_err(|e| match e.errors.first() {
        Some(first) => (
            char_index(source, first.pos.0, first.pos.1),
            first.msg.clone(),
        ),
        None => (0, e.to_string()),
    })?;
    let (ty, problems) = check::check(&program, scope);
    match problems.into_iter().next() {
        Some(p) => Err((p.index, format!("CEL type error: {}", p.message))),
        None => Ok((program, ty)),
    }
}

/// The byte offset in `text` of character `index` of the expression `source`, which is
/// the scalar `node`.
fn inside(node: &Node, text: &str, source: &str, index: usize) -> usize {
    let style = (node.scalar()).map_or(crate::yaml::Style::Plain, |(_, style)| style);
    let expr = super::format::Expr {
        source: source.to_string(),
        span: node.span,
        style,
    };
    file_offset(&expr, text, index)
}

/// What a policy's expressions may name: `object` typed from the built-in schemas of
/// the resources `matchConstraints` names (`dyn` when one has none, or is `*`).
fn scope_of(spec: Option<&Node>) -> Scope {
    let object = spec
        .and_then(|s| s.get("matchConstraints"))
        .map_or(Type::Dyn, |c| {
            schema::object_of(matched_kinds(c.seq_at("resourceRules")))
        });
    Scope::new(object, &["params", "request", "authorizer"])
}

/// The built-in (apiVersion, kind) pairs `rules` select, or a pair without a schema when
/// a rule selects something else (a custom resource, a subresource, every group).
fn matched_kinds(rules: &[Node]) -> Vec<(&'static str, &'static str)> {
    const NONE: (&str, &str) = ("", "");
    let mut pairs = Vec::new();
    for rule in rules {
        let list = |key: &str| rule.get(key).map(Node::seq_strs).unwrap_or_default();
        let (groups, versions) = (list("apiGroups"), list("apiVersions"));
        if groups.contains(&"*") {
            return vec![NONE];
        }
        for resource in list("resources") {
            let found: Vec<(&str, &str)> = crate::schema::embedded::kinds()
                .filter(|(api_version, kind)| {
                    let group = crate::manifest::group_of(api_version);
                    let version = api_version.rsplit('/').next().unwrap_or_default();
                    groups.contains(&group)
                        && (versions.contains(&"*") || versions.contains(&version))
                        && resource_of(kind) == resource
                })
                .collect();
            if found.is_empty() {
                return vec![NONE];
            }
            pairs.extend(found);
        }
    }
    pairs
}

/// The severity of a binding's findings, from its `validationActions`.
fn severity_of(binding: &Object) -> Option<Severity> {
    let actions: Vec<&str> = binding
        .root
        .at(&["spec", "validationActions"])
        .map(Node::seq_strs)
        .unwrap_or_default();
    [
        ("Deny", Severity::Error),
        ("Warn", Severity::Warning),
        ("Audit", Severity::Info),
    ]
    .into_iter()
    .find(|(action, _)| actions.contains(action))
    .map(|(_, s)| s)
}

trait SeqStrs {
    fn seq_strs(&self) -> Vec<&str>;
}

impl SeqStrs for Node {
    fn seq_strs(&self) -> Vec<&str> {
        self.as_seq()
            .unwrap_or_default()
            .iter()
            .filter_map(Node::as_str)
            .collect()
    }
}

fn run_binding(
    inv: &Inventory,
    root: &Context<'_, '_>,
    vap: &Vap<'_>,
    binding: &Object,
) -> Vec<Diagnostic> {
    let Some(severity) = severity_of(binding) else {
        return vec![info(
            binding,
            format!(
                "ValidatingAdmissionPolicyBinding '{}' has no validationActions (Deny, Warn or Audit): it is invalid and does nothing",
                binding.name
            ),
        )];
    };
    let namespaces: BTreeMap<&str, &Object> = inv
        .objects
        .iter()
        .filter(|o| o.kind == "Namespace" && o.group.is_empty())
        .map(|o| (o.name.as_str(), o))
        .collect();
    let narrowing = binding.root.at(&["spec", "matchResources"]);
    let constraints = vap.spec.and_then(|s| s.get("matchConstraints"));
    let mut out = Vec::new();
    for object in inv.objects.iter().filter(|o| !inv.from_platform(o)) {
        let ns = namespaces.get(object.namespace.as_str()).copied();
        let policy_matches = constraints.is_some_and(|c| resources_match(c, object, ns, false));
        if !policy_matches || !narrowing.is_none_or(|m| resources_match(m, object, ns, true)) {
            continue;
        }
        let params = match params_for(inv, vap, binding, object) {
            Ok(params) => params,
            Err(why) => {
                out.extend(why.map(|m| {
                    let message = denied(vap, binding, severity, &m);
                    Diagnostic::on(CODE, Severity::Error, object, object.name_span(), message)
                }));
                continue;
            }
        };
        for param in params {
            let activation = Activation {
                object,
                namespace: ns,
                params: param,
            };
            if let Outcome::Failed(message, at) = admit(root, vap, &activation) {
                let message = denied(vap, binding, severity, &message);
                let mut d = Diagnostic::on(CODE, severity, object, object.name_span(), message);
                if let Some(span) = at {
                    d = d.with_related(vap.object.file, span, "the failed validation");
                }
                out.push(d);
            }
        }
    }
    out
}

/// The API server's wording of a failed validation.
fn denied(vap: &Vap<'_>, binding: &Object, severity: Severity, message: &str) -> String {
    let (policy, binding) = (&vap.object.name, &binding.name);
    if severity == Severity::Error {
        format!("ValidatingAdmissionPolicy '{policy}' with binding '{binding}' denied request: {message}")
    } else {
        format!("Validation failed for ValidatingAdmissionPolicy '{policy}' with binding '{binding}': {message}")
    }
}

/// Whether `object` is selected by a `matchConstraints` / `matchResources` block. In a
/// binding (`narrowing`), no `resourceRules` means every resource of the policy.
fn resources_match(block: &Node, object: &Object, ns: Option<&Object>, narrowing: bool) -> bool {
    let rules = block.seq_at("resourceRules");
    let included = if rules.is_empty() {
        narrowing
    } else {
        rules.iter().any(|r| rule_matches(r, object))
    };
    included
        && !block
            .seq_at("excludeResourceRules")
            .iter()
            .any(|r| rule_matches(r, object))
        && selector_matches(block.get("objectSelector"), &object.labels)
        && namespace_matches(block.get("namespaceSelector"), object, ns)
}

fn selector_matches(selector: Option<&Node>, labels: &Labels) -> bool {
    selector.is_none_or(|s| s.is_null() || Selector::from_label_selector(s).matches(labels))
}

/// A `namespaceSelector` against the object's Namespace, when the input has it: without
/// one only an empty selector matches. Cluster-scoped objects are not filtered by it
/// (a Namespace by its own labels), as in the API server.
fn namespace_matches(selector: Option<&Node>, object: &Object, ns: Option<&Object>) -> bool {
    let Some(selector) = selector.filter(|s| !s.is_null()) else {
        return true;
    };
    let selector = Selector::from_label_selector(selector);
    if object.kind == "Namespace" && object.group.is_empty() {
        return selector.matches(&object.labels);
    }
    if is_cluster_scoped(object) {
        return true;
    }
    match ns {
        Some(ns) => selector.matches(&ns.labels),
        None => selector.is_empty(),
    }
}

fn is_cluster_scoped(object: &Object) -> bool {
    object.root.at(&["metadata", "namespace"]).is_none()
        && CLUSTER_KINDS.contains(&object.kind.as_str())
}

/// One `resourceRules` entry: apiGroups, apiVersions, resources (subresources never
/// match a manifest), operations (a manifest is a `CREATE` or an `UPDATE`),
/// resourceNames and scope.
fn rule_matches(rule: &Node, object: &Object) -> bool {
    let list = |key: &str| rule.get(key).map(Node::seq_strs).unwrap_or_default();
    let any = |values: Vec<&str>, value: &str| values.iter().any(|v| *v == "*" || *v == value);
    let version = object.api_version.rsplit('/').next().unwrap_or_default();
    let resource = resource_of(&object.kind);
    let names = list("resourceNames");
    let scope = rule.str_at("scope").unwrap_or("*");
    any(list("apiGroups"), &object.group)
        && any(list("apiVersions"), version)
        && list("resources")
            .iter()
            .any(|r| *r == "*" || *r == resource)
        && list("operations")
            .iter()
            .any(|op| matches!(*op, "*" | "CREATE" | "UPDATE"))
        && (names.is_empty() || names.contains(&object.name.as_str()))
        && match scope {
            "Cluster" => is_cluster_scoped(object),
            "Namespaced" => !is_cluster_scoped(object),
            _ => true,
        }
}

/// The resource name of a kind: its lowercase plural (`NetworkPolicy` → `networkpolicies`,
/// `Ingress` → `ingresses`), with the usual irregulars.
pub fn resource_of(kind: &str) -> String {
    if let Some((_, r)) = IRREGULAR.iter().find(|(k, _)| *k == kind) {
        return (*r).to_string();
    }
    let lower = kind.to_ascii_lowercase();
    if let Some(stem) = lower.strip_suffix('y') {
        if !stem.ends_with(['a', 'e', 'i', 'o', 'u']) {
            return format!("{stem}ies");
        }
    }
    if lower.ends_with('s')
        || lower.ends_with("ch")
        || lower.ends_with("sh")
        || lower.ends_with('x')
    {
        return format!("{lower}es");
    }
    format!("{lower}s")
}

/// The params to evaluate `object` with: `[null]` for a policy without `paramKind`, else
/// every param object of the input the binding's `paramRef` selects. `Err(Some(reason))`
/// when none is found and the binding denies that (`parameterNotFoundAction: Deny`, the
/// default), `Err(None)` when it allows it.
fn params_for(
    inv: &Inventory,
    vap: &Vap<'_>,
    binding: &Object,
    object: &Object,
) -> Result<Vec<Value>, Option<String>> {
    let Some((api_version, kind)) = &vap.param_kind else {
        return Ok(vec![Value::Null]);
    };
    let Some(param_ref) = binding.root.at(&["spec", "paramRef"]) else {
        return Err(Some(format!(
            "the policy has paramKind {kind} but the binding has no paramRef"
        )));
    };
    let wanted_ns = param_ref.str_at("namespace");
    let name = param_ref.str_at("name");
    let selector = param_ref.get("selector").map(Selector::from_label_selector);
    let found: Vec<Value> = inv
        .objects
        .iter()
        .filter(|p| p.api_version == *api_version && p.kind == *kind)
        .filter(|p| {
            let own_ns = p.root.at(&["metadata", "namespace"]).and_then(Node::as_str);
            match (wanted_ns, own_ns) {
                (Some(want), _) => p.namespace == want,
                // Cluster-scoped params, or the validated object's namespace.
                (None, None) => true,
                (None, Some(ns)) => !is_cluster_scoped(object) && ns == object.namespace,
            }
        })
        .filter(|p| name.is_none_or(|n| p.name == n))
        .filter(|p| selector.as_ref().is_none_or(|s| s.matches(&p.labels)))
        .map(|p| value::of_node(&p.root))
        .collect();
    if !found.is_empty() {
        return Ok(found);
    }
    if param_ref.str_at("parameterNotFoundAction") == Some("Allow") {
        return Err(None);
    }
    let what = name.map_or_else(|| "matching the selector".to_string(), |n| format!("'{n}'"));
    Err(Some(format!(
        "no {kind} param {what} in the input (parameterNotFoundAction: Deny)"
    )))
}

/// What one evaluation reads.
struct Activation<'a> {
    object: &'a Object,
    namespace: Option<&'a Object>,
    params: Value,
}

/// Evaluates the match conditions, variables and validations of `vap` on one object.
fn admit(root: &Context<'_, '_>, vap: &Vap<'_>, a: &Activation<'_>) -> Outcome {
    let mut ctx = root.new_inner_scope();
    ctx.add_variable_from_value("object", value::of_node(&a.object.root));
    ctx.add_variable_from_value("oldObject", Value::Null);
    ctx.add_variable_from_value("params", a.params.clone());
    ctx.add_variable_from_value(
        "namespaceObject",
        a.namespace.map_or(Value::Null, |n| value::of_node(&n.root)),
    );
    ctx.add_variable_from_value("request", request(a.object));
    ctx.add_variable_from_value("variables", value::map([]));
    for condition in &vap.conditions {
        match condition.program.execute(&ctx) {
            Ok(Value::Bool(true)) => {}
            Ok(Value::Bool(false)) => return Outcome::Admitted,
            Ok(_) | Err(_) if vap.ignore_failures => return Outcome::Admitted,
            other => return failure(&condition.source, other.err(), Some(condition.span)),
        }
    }
    let mut variables: Vec<(&str, Value)> = Vec::new();
    for (name, expr) in &vap.variables {
        // A variable that fails is absent: a validation reading it fails in turn.
        if let Ok(v) = expr.program.execute(&ctx) {
            variables.push((name.as_str(), v));
        }
        ctx.add_variable_from_value("variables", value::map(variables.iter().cloned()));
    }
    for validation in &vap.validations {
        match validation.expr.program.execute(&ctx) {
            Ok(Value::Bool(true)) => {}
            Ok(Value::Bool(false)) => {
                return Outcome::Failed(
                    failed_message(validation, &ctx),
                    Some(validation.expr.span),
                )
            }
            Ok(_) | Err(_) if vap.ignore_failures => {}
            other => {
                return failure(
                    &validation.expr.source,
                    other.err(),
                    Some(validation.expr.span),
                )
            }
        }
    }
    Outcome::Admitted
}

/// An expression that did not give a bool, under `failurePolicy: Fail`.
fn failure(source: &str, error: Option<cel::ExecutionError>, at: Option<Span>) -> Outcome {
    let why = error.map_or_else(|| "did not give a bool".to_string(), |e| e.to_string());
    Outcome::Failed(
        format!("expression '{source}' resulted in error: {why}"),
        at,
    )
}

/// `messageExpression` (when it gives a non-empty string), else `message`, else the
/// API server's `failed expression: …`; a `reason` other than `Invalid` is appended.
fn failed_message(validation: &Validation, ctx: &Context<'_, '_>) -> String {
    let from_expr = validation
        .message_expr
        .as_ref()
        .and_then(|e| match e.program.execute(ctx) {
            Ok(Value::String(s)) if !s.trim().is_empty() => Some(s.to_string()),
            _ => None,
        });
    let message = from_expr
        .or_else(|| validation.message.clone())
        .unwrap_or_else(|| format!("failed expression: {}", validation.expr.source));
    match validation.reason.as_deref() {
        Some(reason) if reason != "Invalid" => format!("{message} (reason: {reason})"),
        _ => message,
    }
}

/// The admission `request` of an object applied as a `CREATE`.
fn request(object: &Object) -> Value {
    let version = object.api_version.rsplit('/').next().unwrap_or_default();
    let text = |s: &str| Value::String(Arc::new(s.to_string()));
    let gvk = value::map([
        ("group", text(&object.group)),
        ("version", text(version)),
        ("kind", text(&object.kind)),
    ]);
    let gvr = value::map([
        ("group", text(&object.group)),
        ("version", text(version)),
        ("resource", text(&resource_of(&object.kind))),
    ]);
    value::map([
        ("operation", text("CREATE")),
        ("name", text(&object.name)),
        (
            "namespace",
            text(if is_cluster_scoped(object) {
                ""
            } else {
                &object.namespace
            }),
        ),
        ("kind", gvk),
        ("resource", gvr),
        ("dryRun", Value::Bool(false)),
        ("userInfo", value::map([])),
    ])
}

#[cfg(test)]
mod tests {
    use super::resource_of;

    #[test]
    fn kinds_map_to_their_resources() {
        for (kind, resource) in [
            ("Deployment", "deployments"),
            ("NetworkPolicy", "networkpolicies"),
            ("Ingress", "ingresses"),
            ("Gateway", "gateways"),
            ("Endpoints", "endpoints"),
            ("GatewayClass", "gatewayclasses"),
            ("ConfigMap", "configmaps"),
        ] {
            assert_eq!(resource_of(kind), resource, "{kind}");
        }
    }
}
