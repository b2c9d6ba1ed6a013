//! The built-in policies: `rules/*.yaml` at the repository root, embedded in the binary.
//! A new built-in is a file in `rules/` and a line in [`FILES`].

use super::format::{parse, Policy, PolicyError};

/// `(file name, text)` of every built-in policy, in id order.
pub const FILES: &[(&str, &str)] = &[
    ("KP001.yaml", include_str!("../../rules/KP001.yaml")),
    ("KP002.yaml", include_str!("../../rules/KP002.yaml")),
    ("KP003.yaml", include_str!("../../rules/KP003.yaml")),
    ("KP004.yaml", include_str!("../../rules/KP004.yaml")),
    ("KP005.yaml", include_str!("../../rules/KP005.yaml")),
    ("KP006.yaml", include_str!("../../rules/KP006.yaml")),
    ("KP007.yaml", include_str!("../../rules/KP007.yaml")),
    ("KP008.yaml", include_str!("../../rules/KP008.yaml")),
    ("KP009.yaml", include_str!("../../rules/KP009.yaml")),
    ("KP010.yaml", include_str!("../../rules/KP010.yaml")),
    ("KP011.yaml", include_str!("../../rules/KP011.yaml")),
    ("KP012.yaml", include_str!("../../rules/KP012.yaml")),
    ("KP013.yaml", include_str!("../../rules/KP013.yaml")),
    ("KP014.yaml", include_str!("../../rules/KP014.yaml")),
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
