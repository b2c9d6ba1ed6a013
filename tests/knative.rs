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
    // Without schemas: the Knative and Istio kinds have none embedded (each would add a
    // KR103 info).
    let unvalidated = CheckOptions {
        no_schema: true,
        ..CheckOptions::default()
    };
    let outcome = check(&[Input::File(path)], &unvalidated);
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

/// KR405 under other `config-features`: each directory of `testdata/rules/KR405/config/`
/// holds a `fail.yaml` on which KR405 reports what the webhook says (every message quotes
/// it) and a `pass.yaml` on which it stays silent.
#[test]
fn kr405_follows_config_features() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/rules/KR405/config");
    let expected = [
        (
            "init-containers-allowed",
            vec!["pod spec support for init-containers is off"],
        ),
        (
            "multi-container-off",
            vec!["multi-container is off, but found 2 containers"],
        ),
        (
            "secure-pod-defaults",
            vec![
                "must not set the field(s): securityContext.runAsNonRoot",
                "must not set the field(s): securityContext.seccompProfile",
            ],
        ),
        (
            "securitycontext-on",
            vec![
                "expected 0 <= -1 <= 2147483647",
                "must not set the field(s): securityContext.seLinuxOptions",
                "must not set the field(s): securityContext.sysctls",
            ],
        ),
    ];
    for (case, messages) in expected {
        let found = |name: &str| -> Vec<String> {
            let path = root.join(case).join(name);
            check(&[Input::File(path)], &CheckOptions::default())
                .reported()
                .filter(|d| d.code == "KR405")
                .map(|d| d.message.clone())
                .collect()
        };
        let failing = found("fail.yaml");
        assert_eq!(failing.len(), messages.len(), "{case}: {failing:#?}");
        for (message, want) in failing.iter().zip(&messages) {
            assert!(message.contains(want), "{case}: {message} lacks {want}");
        }
        assert_eq!(found("pass.yaml"), Vec::<String>::new(), "{case}");
    }
}
