use super::*;

fn errors(text: &str) -> Vec<String> {
    match parse(Path::new("dir/.kroute.yaml"), text) {
        Ok(_) => Vec::new(),
        Err(ConfigError::Invalid(errors)) => errors,
        Err(e) => vec![e.to_string()],
    }
}

#[test]
fn the_starter_loads() {
    let config = parse(Path::new(".kroute.yaml"), STARTER).unwrap();
    assert_eq!(config.default_namespace.as_deref(), Some("default"));
    assert!(config.findings.rules.is_empty());
}

#[test]
fn unknown_keys_and_wrong_types_are_located() {
    let errs = errors("rulez:\n  disable: [KR3]\nseverity: [KR309]\n");
    assert_eq!(errs.len(), 2, "{errs:?}");
    assert!(
        errs[0].starts_with("dir/.kroute.yaml:1:1: unknown key `rulez`"),
        "{errs:?}"
    );
    assert!(errs[0].contains("did you mean `rules`?"), "{errs:?}");
    assert!(
        errs[1].starts_with("dir/.kroute.yaml:3:11: `severity` must be a mapping, not a list"),
        "{errs:?}"
    );
}

#[test]
fn rules_and_severities_choose_by_longest_prefix() {
    let config = parse(
        Path::new(".kroute.yaml"),
        "rules: {disable: [kr3], enable: [KR309]}\nseverity: {KR2: info, KR201: warning}\n",
    )
    .unwrap();
    let f = &config.findings;
    assert!(!f.enabled("KR301") && f.enabled("KR309") && f.enabled("KR201"));
    assert_eq!(f.severity.get("KR201"), Some(Severity::Warning));
    assert_eq!(f.severity.get("KR202"), Some(Severity::Info));
    assert_eq!(f.severity.get("KR301"), None);
}

#[test]
fn codes_severities_namespaces_and_platforms_are_checked() {
    let errs = errors(
        "rules: {disable: [KR999, KR201], enable: [KR201]}\nseverity: {KR201: fatal}\ndefault-namespace: Shop\nplatform: [itsio]\npolicies: 3\n",
    );
    let expected = [
        ":1:19: no rule code starts with `KR999`",
        ":1:43: `KR201` is both enabled and disabled",
        ":2:19: unknown severity `fatal`",
        ":3:20: `Shop` is not a namespace name",
        ":4:12: unknown platform `itsio`; did you mean `istio`?",
        ":5:11: `policies` must be a mapping, not a scalar",
    ];
    assert_eq!(errs.len(), expected.len(), "{errs:#?}");
    for (err, want) in errs.iter().zip(expected) {
        assert!(err.contains(want), "{err} lacks {want}");
    }
}

#[test]
fn ignore_entries_need_codes_and_a_reason() {
    let errs = errors(
        "ignore:\n  - codes: [KR201]\n    kind: Service\n  - {codes: KR309, reason: \" \"}\n",
    );
    assert!(
        errs[0].starts_with("dir/.kroute.yaml:2:5: an `ignore` entry needs a `reason`"),
        "{errs:?}"
    );
    assert!(
        errs[1].contains(":4:28: the `reason` of an `ignore` entry must say why"),
        "{errs:?}"
    );
    let ok = parse(
        Path::new(".kroute.yaml"),
        "ignore:\n  - {codes: \"KR201,KR3\", namespace: \"legacy-*\", reason: operator pods}\n",
    )
    .unwrap();
    assert_eq!(ok.findings.ignores[0].codes, ["KR201", "KR3"]);
}

#[test]
fn external_entries_become_stub_manifests() {
    let config = parse(
        Path::new(".kroute.yaml"),
        "external:\n  - {kind: Service, namespace: billing, name: payments}\n  - {host: \"*.internal.example.com\"}\n",
    )
    .unwrap();
    let text = external_manifests(&config.external).unwrap();
    let found = crate::manifest::read_text(
        crate::source::FileId(0),
        &text,
        &crate::manifest::LoadOptions::default(),
    );
    assert!(found.issues.is_empty(), "{:?}", found.issues);
    let names: Vec<String> = found.objects.iter().map(|o| o.display()).collect();
    assert_eq!(names.len(), 2, "{names:?}");
    let errs = errors("external:\n  - {kind: Gateway, name: gw}\n  - {host: \"a b\"}\n");
    assert!(errs[0].contains(":2:5: say which `Gateway`"), "{errs:?}");
    assert!(
        errs[1].contains(":3:5: `a b` is not a host name"),
        "{errs:?}"
    );
}

#[test]
fn syntax_errors_and_several_documents_are_errors() {
    assert!(errors("rules: [\n")[0].starts_with("dir/.kroute.yaml:"));
    assert!(errors("rules: {}\n---\nrules: {}\n")[0].contains("one YAML document"));
    assert!(errors("").is_empty());
}

#[test]
fn odd_input_is_an_error_never_a_panic() {
    let odd = [
        "[1, 2]\n",
        "? [a]\n: 1\n",
        "rules: {disable: [[KR3]], enable: {a: b}}\n",
        "a: &x {b: *x}\n",
        "ignore: [1, null]\n",
        "ignore: [{codes: [], reason: r}]\n",
        "external: [{host: \"*.\"}, {kind: 3, name: [x]}]\n",
        "severity: {KR: error, \"\": info}\n",
        "context: [\"\\u0000\"]\n",
    ];
    for text in odd {
        assert!(!errors(text).is_empty(), "{text}");
    }
}
