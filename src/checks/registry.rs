//! Rule entries and lookup. The list itself is the `rules!` call in `checks/mod.rs`.

use super::{Rule, RULES};
use crate::diagnostic::Applicability;

/// The fix a rule offers: the most certain applicability its fixes have, and what they do.
/// Where a fix is not certain (several names a typo away) it is offered as unsafe.
pub struct FixOffer {
    pub applicability: Applicability,
    pub what: &'static str,
}

const fn offer(applicability: Applicability, what: &'static str) -> FixOffer {
    FixOffer {
        applicability,
        what,
    }
}

/// The rules that attach fixes to their findings, by code (`tests/fixes.rs` checks that every
/// fix a fixture gets is declared here, with an applicability no more certain).
#[rustfmt::skip]
const OFFERS: &[(&str, FixOffer)] = &[
    ("KR101", offer(Applicability::Safe, "double-quotes a number or boolean written where the schema wants a string (`value: 8080` → `value: \"8080\"`)")),
    ("KR104", offer(Applicability::Safe, "replaces the apiVersion with its successor when the two have the same schema (Istio v1alpha3/v1beta1 → v1, RBAC, CronJob, HPA v2beta2, …)")),
    ("KR201", offer(Applicability::Unsafe, "changes the selector's values to the labels of the nearest workload")),
    ("KR203", offer(Applicability::Unsafe, "renames the port `<protocol>-<name>` (`web` → `http-web`, `grpcapi` → `grpc-api`): the protocol is a guess")),
    ("KR204", offer(Applicability::Safe, "renames the Service to the only one a typo away; sets the port to the Service's only port")),
    ("KR205", offer(Applicability::Safe, "renames the target to the only workload a typo away; a PDB selector takes the nearest workload's labels (unsafe)")),
    ("KR206", offer(Applicability::Unsafe, "changes the selector's values to the labels of the nearest workload")),
    ("KR207", offer(Applicability::Safe, "renames every reference to the only object of that kind a typo away")),
    ("KR210", offer(Applicability::Safe, "renames `serviceName` to the only Service a typo away")),
    ("KR211", offer(Applicability::Safe, "renames the host to the only Service a typo away; sets the port to the Service's only port")),
    ("KR212", offer(Applicability::Safe, "renames the key to the only key of the ConfigMap or Secret a typo away")),
    ("KR301", offer(Applicability::Safe, "renames the Gateway to the only one a typo away; writes `mesh` in lowercase")),
    ("KR303", offer(Applicability::Safe, "renames the host to the only Service a typo away; writes a partial name Istio takes literally in full")),
    ("KR305", offer(Applicability::Safe, "renames the subset to the only subset of the DestinationRule a typo away")),
    ("KR306", offer(Applicability::Safe, "renames the host to the only Service a typo away; writes a partial name Istio takes literally in full")),
    ("KR312", offer(Applicability::Safe, "renames `credentialName` to the only Secret a typo away")),
    ("KR313", offer(Applicability::Unsafe, "gives the difference to 100 to the destination with the largest weight")),
    ("KR314", offer(Applicability::Unsafe, "changes the selector's values to the labels of the nearest workload")),
    ("KR401", offer(Applicability::Unsafe, "gives the difference to 100 to the target with the largest percentage")),
    ("KR408", offer(Applicability::Safe, "renames the subscriber `ref` to the only object of its kind a typo away")),
    ("KR409", offer(Applicability::Safe, "renames the Broker to the only one of the namespace a typo away")),
    ("KR410", offer(Applicability::Safe, "renames the sink `ref` to the only object of its kind a typo away")),
    ("KR411", offer(Applicability::Safe, "renames the `ref` to the only object of its kind a typo away")),
    ("KR503", offer(Applicability::Safe, "renames the backend Service to the only one a typo away; sets the port to the Service's only port")),
    ("KR506", offer(Applicability::Safe, "renames the GatewayClass to the only one a typo away")),
];

/// A registered rule and the source of its file, from which its documentation is read.
pub struct RuleEntry {
    pub rule: &'static Rule,
    /// The rule's module (and file) name under `checks/rules/`.
    pub module: &'static str,
    pub(super) source: &'static str,
}

impl RuleEntry {
    /// The fix the rule offers, if it offers one.
    pub fn fix(&self) -> Option<&'static FixOffer> {
        OFFERS
            .iter()
            .find(|(code, _)| *code == self.rule.code)
            .map(|(_, offer)| offer)
    }

    /// The rule's documentation: its module doc comment, as Markdown.
    pub fn docs(&self) -> String {
        self.source
            .lines()
            .take_while(|l| l.starts_with("//!"))
            .map(|l| {
                let l = l.trim_start_matches("//!");
                l.strip_prefix(' ').unwrap_or(l)
            })
            .collect::<Vec<_>>()
            .join("\n")
            .trim()
            .to_string()
    }
}

/// All rules, ordered by code.
pub fn registry() -> &'static [RuleEntry] {
    RULES
}

/// The rule with `code` (case-insensitive).
pub fn rule(code: &str) -> Option<&'static RuleEntry> {
    RULES
        .iter()
        .find(|e| e.rule.code.eq_ignore_ascii_case(code))
}
