//! How sure a missing Secret is a mistake: Secrets are usually kept out of the repository
//! on purpose (created by hand, by a pipeline or by an operator), so a Secret the input
//! does not define is worth knowing, not an error, unless `--strict-secrets` says the
//! repository holds all of them.

use crate::checks::Context;
use crate::diagnostic::Severity;

/// The severity of a reference to a Secret the input does not define, for a rule whose
/// severity is `rule`, and what the help adds to say so.
pub fn missing_secret(ctx: &Context<'_>, rule: Severity) -> (Severity, &'static str) {
    if ctx.strict_secrets {
        (rule, "")
    } else {
        (
            Severity::Info,
            " (Secrets are usually created outside the repository, so this is an info; `--strict-secrets` makes it an error)",
        )
    }
}
