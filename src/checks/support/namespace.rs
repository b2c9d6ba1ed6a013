//! References into namespaces the input says nothing about: kroute cannot tell whether
//! their targets exist, so a finding about one is only worth knowing.

use crate::checks::Context;
use crate::diagnostic::{Diagnostic, Severity};

/// `diagnostic`, about a reference into `namespace` whose target is missing, as an info
/// saying so when the input holds no object at all in that namespace (nor its Namespace).
/// Every rule that reports a missing target in a namespace its reference names goes
/// through here, so that they all judge such references alike.
pub fn outside_input(ctx: &Context<'_>, namespace: &str, diagnostic: Diagnostic) -> Diagnostic {
    if namespace.is_empty() || ctx.inv.knows_namespace(namespace) {
        return diagnostic;
    }
    Diagnostic {
        message: format!(
            "{}; namespace `{namespace}` is not in the input; add it with `--context`",
            diagnostic.message
        ),
        ..diagnostic
    }
    .with_severity(Severity::Info)
}
