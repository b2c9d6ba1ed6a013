//! # KR601: a ValidatingAdmissionPolicy in the input rejects an object
//!
//! ## What it checks
//! Kubernetes `ValidatingAdmissionPolicy` and `ValidatingAdmissionPolicyBinding` objects
//! (`admissionregistration.k8s.io/v1`) in the input, or in a policy path (`--policy`,
//! `policies.paths`: such a file is loaded beside the manifests, with any param objects it
//! holds), are evaluated offline against the other manifests, each as the API server would
//! see it on a `CREATE`:
//! - `matchConstraints` of the policy and `matchResources` of the binding (which narrows
//!   it): `resourceRules` and `excludeResourceRules` (API group, version, resource (the
//!   kind's lowercase plural, `NetworkPolicy` → `networkpolicies`), operations `CREATE`,
//!   `UPDATE` or `*`, `resourceNames`, `scope`), `objectSelector`, and `namespaceSelector`
//!   against the `Namespace` object of the input; without that Namespace object only an
//!   empty selector matches, since its labels are unknown;
//! - `matchConditions`, `variables` and `validations` (`message`, `messageExpression`,
//!   `reason`), in CEL with `object`, `oldObject` (null), `params`, `namespaceObject`,
//!   `request` and `variables`; `authorizer` is not available offline;
//! - `paramKind` with the binding's `paramRef` (`name` or `selector`, `namespace`): the
//!   param objects come from the input; when none is found, `parameterNotFoundAction:
//!   Deny` (the default) is an error on each matched object and `Allow` skips it;
//! - `failurePolicy`: with `Fail` (the default) an expression that errors is a finding,
//!   with `Ignore` it is skipped.
//!
//! The binding's `validationActions` set the severity: `Deny` error, `Warn` warning,
//! `Audit` info. A policy without a binding does nothing, as in a cluster: that is an
//! info, and so are `auditAnnotations` (not evaluated offline) and a binding whose policy
//! the input does not define. A policy expression that does not compile is an error at
//! the expression.
//!
//! ## Why it matters
//! A platform team's admission policies reject manifests at deploy time, after review and
//! merge. Checking the manifests against the same policies in the repository or in CI
//! shows the rejection (with the policy's own message) on the pull request instead.
//!
//! ## Example
//! ```yaml
//! apiVersion: admissionregistration.k8s.io/v1
//! kind: ValidatingAdmissionPolicy
//! metadata: {name: replica-limit}
//! spec:
//!   matchConstraints:
//!     resourceRules:
//!     - {apiGroups: [apps], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [deployments]}
//!   validations:
//!   - expression: object.spec.replicas <= 5
//! ---
//! apiVersion: admissionregistration.k8s.io/v1
//! kind: ValidatingAdmissionPolicyBinding
//! metadata: {name: replica-limit}
//! spec:
//!   policyName: replica-limit
//!   validationActions: [Deny]
//! ---
//! apiVersion: apps/v1
//! kind: Deployment
//! metadata: {name: web}
//! spec:
//!   replicas: 8            # KR601: failed expression: object.spec.replicas <= 5
//! ```
//!
//! ## How to fix
//! Change the object so the policy admits it (here `replicas: 5`), or, when the policy is
//! wrong, change the policy or its binding. Suppress one object's finding with
//! `kroute.dev/ignore: KR601` only when the cluster exempts it in a way the input does not
//! show.

use crate::checks::{Context, Rule};
use crate::diagnostic::{Diagnostic, Severity};

pub const RULE: Rule = Rule {
    code: "KR601",
    severity: Severity::Error,
    summary: "a ValidatingAdmissionPolicy of the input rejects the object (severity from the binding's validationActions)",
    run,
};

/// The policy stage evaluates admission policies (`policy::vap`), which reads CEL and the
/// policy's own objects: nothing to do beside it.
fn run(_: &Context<'_>, _: &mut Vec<Diagnostic>) {}
