//! The built-in policies: `rules/*.yaml` at the repository root, embedded in the binary.
//! A new built-in is a file in `rules/` and a line in [`FILES`].

use super::format::{parse, Policy, PolicyError};

/// `(file name, text)` of every built-in policy, in id order.
pub const FILES: &[(&str, &str)] = &[
    ("KP001.yaml", include_str!("../../rules/KP001.yaml")),
    ("KP002.yaml", include_str!("../../rules/KP002.yaml")),
];

/// The built-in policies, parsed.
pub fn policies() -> Result<Vec<Policy>, Vec<PolicyError>> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (name, text) in FILES {
        match parse(&format!("rules/{name}"), text) {
            Ok(p) => out.push(p),
            Err(e) => errors.extend(e),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// The built-in policy `id` (case-insensitive).
pub fn find(id: &str) -> Option<Policy> {
    policies()
        .ok()?
        .into_iter()
        .find(|p| p.id.eq_ignore_ascii_case(id))
}

/// The ids of the built-in policies.
pub fn ids() -> Vec<String> {
    policies()
        .unwrap_or_default()
        .into_iter()
        .map(|p| p.id)
        .collect()
}
