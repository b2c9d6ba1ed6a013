//! # KR101: schema violation (wrong type, value not allowed, required field missing, …)
//!
//! ## What it checks
//! Every object against the JSON schema of its apiVersion and kind: the schemas of
//! Kubernetes, Istio, Knative and Gateway API embedded in kroute, the schema of a
//! `CustomResourceDefinition` in the input or the context, or one from `--schema-location`.
//! Each error points at the field at fault (a missing required field at the mapping that
//! lacks it) and says what is wrong: `spec.ports[0].port: "eighty" is not an integer`.
//! Values are typed as Kubernetes reads YAML: `replicas: "3"` is a string, `port: 80` an
//! integer; a field set to `null` counts as absent. Beyond the schemas, which only say
//! `integer`, a port number of a built-in kind (`port`, `containerPort`, `targetPort`,
//! `hostPort`, `nodePort`) outside 1 to 65535 is reported as the API server's validation
//! refuses it.
//!
//! Findings of the routing rules inside a value this rule found unusable are not reported:
//! they follow from it (a Service port written `eighty` is not also "a port no container
//! listens on").
//!
//! ## Why it matters
//! The API server refuses the object: `kubectl apply` fails, or, in a GitOps pipeline, the
//! whole sync fails at deploy time. The routing checks would judge a value that never
//! reaches the cluster.
//!
//! ## Example
//! ```yaml
//! apiVersion: v1
//! kind: Service
//! metadata: {name: web}
//! spec:
//!   selector: {app: web}
//!   ports:
//!   - port: eighty        # KR101: "eighty" is not an integer
//!     targetPort: 8080.5  # KR101: 8080.5 is not an integer or a string
//! ```
//!
//! ## How to fix
//! Write the value the schema wants (`port: 80`, `targetPort: 8080`), or add the missing
//! field. `--no-schema` turns schema validation off.

use crate::checks::{report_schema_findings_with, Context, Rule};
use crate::diagnostic::fix::quote_scalar;
use crate::diagnostic::{Applicability, Diagnostic, Fix, Severity};
use crate::schema::{Finding, Kind};
use crate::yaml::Style;

pub const RULE: Rule = Rule {
    code: "KR101",
    severity: Severity::Error,
    summary: "schema violation (type, allowed values, required field, pattern, …)",
    run,
};

fn run(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    report_schema_findings_with(ctx, &RULE, Kind::Violation, RULE.severity, |f| quote(ctx, f), out);
}

/// A number or boolean where the schema wants a string, double-quoted as written.
fn quote(ctx: &Context<'_>, finding: &Finding<'_>) -> Option<Fix> {
    let object = finding.object;
    let node = object.root.find(finding.span)?;
    if !finding.wants_string || node.is_null() || !matches!(node.scalar(), Some((_, Style::Plain))) {
        return None;
    }
    let text = ctx.sources.get(object.file).text()?;
    let edit = quote_scalar(text, object.file, finding.span)?;
    Some(Fix {
        applicability: Applicability::Safe,
        description: format!("quote {}", edit.replacement),
        edits: vec![edit],
    })
}
