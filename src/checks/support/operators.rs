//! Services that operators create from their own objects, named by a fixed pattern: a
//! route to one is right when the operator's object exists, which is often installed apart
//! from the routes (a Helm release, a tutorial step). kroute cannot see it, so a missing
//! Service with such a name is worth knowing, not an error.

use crate::diagnostic::{Diagnostic, Severity};

/// `(name suffix, operator, the kinds it makes the Service from)`.
const MADE_BY_SUFFIX: &[(&str, &str, &str)] = &[
    (
        "-head-svc",
        "the KubeRay operator",
        "RayCluster or RayService",
    ),
    ("-serve-svc", "the KubeRay operator", "RayService"),
    ("-kafka-bootstrap", "the Strimzi operator", "Kafka"),
    ("-kafka-brokers", "the Strimzi operator", "Kafka"),
];

/// `(name, operator, what it makes the Service for)`.
const MADE_BY_NAME: &[(&str, &str, &str)] = &[
    (
        "prometheus-operated",
        "the Prometheus operator",
        "every Prometheus",
    ),
    (
        "alertmanager-operated",
        "the Prometheus operator",
        "every Alertmanager",
    ),
];

/// `diagnostic`, about a missing Service `name`, as an info saying which operator makes a
/// Service of that name and from what, when the name is one an operator gives.
pub fn made_by_operator(name: &str, diagnostic: Diagnostic) -> Diagnostic {
    let from_suffix = MADE_BY_SUFFIX.iter().find_map(|(suffix, operator, kinds)| {
        let base = name.strip_suffix(suffix).filter(|b| !b.is_empty())?;
        Some(format!("{operator} makes it from the {kinds} `{base}`"))
    });
    let from_name = MADE_BY_NAME
        .iter()
        .find(|(n, ..)| *n == name)
        .map(|(_, operator, what)| format!("{operator} makes it for {what}"));
    let Some(origin) = from_suffix.or(from_name) else {
        return diagnostic;
    };
    Diagnostic {
        message: format!("{}; {origin}", diagnostic.message),
        // The name is the operator's, not a typo.
        fix: None,
        ..diagnostic
    }
    .with_severity(Severity::Info)
    .with_help(format!(
        "`{name}` is the name an operator gives its Service ({origin}): check together with that object (`--context`) to verify the reference"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{FileId, Span};

    fn missing(name: &str) -> Diagnostic {
        let d = Diagnostic::new(
            "KR503",
            Severity::Error,
            FileId(0),
            Span::point(0),
            "missing",
        );
        made_by_operator(name, d)
    }

    #[test]
    fn operator_made_service_names_are_worth_knowing_others_stay_errors() {
        let ray = missing("rayllm-head-svc");
        assert_eq!(ray.severity, Severity::Info);
        assert!(ray.message.contains("KubeRay") && ray.message.contains("`rayllm`"));
        assert!(ray.help.is_some_and(|h| h.contains("--context")));
        assert_eq!(missing("prometheus-operated").severity, Severity::Info);
        assert_eq!(missing("web").severity, Severity::Error);
        assert_eq!(missing("-head-svc").severity, Severity::Error);
    }
}
