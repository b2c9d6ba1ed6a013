//! Rule entries and lookup. The list itself is the `rules!` call in `checks/mod.rs`.

use super::{Rule, RULES};

/// A registered rule and the source of its file, from which its documentation is read.
pub struct RuleEntry {
    pub rule: &'static Rule,
    /// The rule's module (and file) name under `checks/rules/`.
    pub module: &'static str,
    pub(super) source: &'static str,
}

impl RuleEntry {
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
