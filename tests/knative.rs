//! Acceptance tests for the Knative guide: kroute checked through its library entry point.

use std::path::Path;

use kroute::diagnostic::Severity;
use kroute::source::Input;
use kroute::{check, CheckOptions};

/// The guide's own example (a `hello-world` Knative Service plus the
/// `knative-ingress-gateway` Gateway with hosts `*`, and the Istio ingress gateway the
/// installation provides) yields exactly one warning: the wildcard host (KR309).
#[test]
fn guide_example_yields_only_the_wildcard_host_warning() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/knative/guide-example.yaml");
    let outcome = check(&[Input::File(path)], &CheckOptions::default());
    let found: Vec<(&str, Severity, String)> = outcome
        .reported()
        .map(|d| (d.code, d.severity, d.message.clone()))
        .collect();
    assert_eq!(
        found.len(),
        1,
        "expected exactly one diagnostic, got {found:#?}"
    );
    let (code, severity, message) = &found[0];
    assert_eq!(*code, "KR309");
    assert_eq!(*severity, Severity::Warning);
    assert!(
        message.contains("knative-serving/knative-ingress-gateway"),
        "{message}"
    );
    assert_eq!(outcome.documents, 4);
}
