//! The entry points of the fuzz targets (`fuzz/`) and of the test that replays their
//! regression corpus (`tests/fuzz.rs`): one function per target, taking the fuzzer's bytes,
//! so that the fuzzer and `cargo test` run the same code. Each returns on any input; a
//! panic, an endless loop or an allocation without bound is the bug they look for. The few
//! assertions here state properties the functions promise (symmetry, round trips, spans
//! inside their file), which no input may break.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use crate::config;
use crate::graph::{istio_fqdn, wildcard, ServiceHost};
use crate::inventory::Selector;
use crate::manifest::names::is_dns1123_label;
use crate::pipeline::{self, CheckOptions, Outcome};
use crate::policy::{self, Engine};
use crate::report::{human, json};
use crate::source::{self, Input};
use crate::webhook::{metrics::Metrics, server, App, Judge, Policy, Store};
use crate::yaml::{parse_stream, Limits};

/// A target's entry point: the bytes the fuzzer made.
pub type Target = fn(&[u8]);

/// Every target: its name (the directory of its corpus) and its entry point.
pub const TARGETS: &[(&str, Target)] = &[
    ("check", check),
    ("hosts", hosts),
    ("selectors", selectors),
    ("policy", policy),
    ("cel", cel),
    ("config", config),
    ("admission", admission),
];

/// Objects of every routing family, which the policy, CEL and config targets check.
const FIXTURE: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop, labels: {app: web}}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web, tier: front}}
    spec:
      containers:
      - {name: web, image: nginx, ports: [{containerPort: 8080, name: http}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web, namespace: shop}
spec:
  hosts: [web.example.com]
  gateways: [shop/gw]
  http: [{route: [{destination: {host: web, port: {number: 80}}}]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web, namespace: shop}
spec:
  parentRefs: [{name: gw}]
  hostnames: [web.example.com]
  rules: [{backendRefs: [{name: web, port: 80}]}]
";

/// Bytes as one manifest file, through the whole check with schemas and every built-in
/// policy (the opt-in ones too), then rendered as a person and a program read it.
pub fn check(data: &[u8]) {
    let opts = CheckOptions {
        policies: Some(builtin_engine()),
        ..CheckOptions::default()
    };
    run(data, &opts);
}

/// Host names, one a line (`pattern`, `host`, `namespace`): matched by the wildcard rules,
/// read as Service names and Istio hosts, then written into the hosts of Istio, Gateway API
/// and ServiceEntry objects that one check resolves against each other.
pub fn hosts(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut lines = text.split('\n');
    let a = lines.next().unwrap_or_default();
    let b = lines.next().unwrap_or_default();
    let namespace = lines.next().unwrap_or_default();
    assert!(wildcard::covers(a, a), "{a:?} does not cover itself");
    assert_eq!(
        wildcard::intersect(a, b),
        wildcard::intersect(b, a),
        "intersection of {a:?} and {b:?} is not symmetric"
    );
    for host in [a, b] {
        istio_fqdn(host, namespace);
        let Some(parsed) = ServiceHost::parse(host, namespace) else {
            continue;
        };
        if is_dns1123_label(namespace) {
            let again = ServiceHost::parse(&parsed.fqdn(), "elsewhere");
            assert_eq!(
                again.map(|h| (h.name, h.namespace)),
                Some((parsed.name.clone(), parsed.namespace.clone())),
                "{host:?} in {namespace:?} does not read back from its FQDN"
            );
        }
    }
    let opts = CheckOptions {
        no_schema: true,
        ..CheckOptions::default()
    };
    run(hosts_manifests(a, b, namespace).as_bytes(), &opts);
}

/// A Gateway API Gateway and HTTPRoute, an Istio Gateway, VirtualService and
/// DestinationRule, and a ServiceEntry, whose hosts are `a` and `b` (JSON strings are YAML
/// flow scalars, so any text stays one scalar).
fn hosts_manifests(a: &str, b: &str, namespace: &str) -> String {
    let [a, b, ns] = [a, b, namespace].map(|s| serde_json::Value::from(s).to_string());
    format!(
        "\
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {{name: gw, namespace: {ns}}}
spec:
  gatewayClassName: istio
  listeners: [{{name: http, port: 80, protocol: HTTP, hostname: {a}, allowedRoutes: {{namespaces: {{from: All}}}}}}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {{name: route, namespace: {ns}}}
spec:
  parentRefs: [{{name: gw}}]
  hostnames: [{b}, {a}]
  rules: [{{backendRefs: [{{name: {b}, port: 80}}]}}]
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {{name: igw, namespace: {ns}}}
spec:
  selector: {{istio: ingressgateway}}
  servers: [{{port: {{number: 80, name: http, protocol: HTTP}}, hosts: [{a}, {b}]}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: vs, namespace: {ns}}}
spec:
  hosts: [{b}]
  gateways: [igw, mesh]
  http: [{{route: [{{destination: {{host: {a}}}}}]}}]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {{name: dr, namespace: {ns}}}
spec:
  host: {a}
  subsets: [{{name: v1, labels: {{version: v1}}}}]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {{name: se, namespace: {ns}}}
spec:
  hosts: [{b}]
  ports: [{{number: 80, name: http, protocol: HTTP}}]
  resolution: DNS
"
    )
}

/// A YAML stream whose first document is a label selector and whose others are label
/// maps: the selector read both ways, matched against each map, described and explained.
pub fn selectors(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let parsed = parse_stream(&text, &Limits::default());
    let mut documents = parsed.documents.iter();
    let Some(first) = documents.next() else {
        return;
    };
    let root = &first.root;
    let maps: Vec<BTreeMap<String, String>> = documents.map(|d| d.root.string_map()).collect();
    for selector in [
        Selector::from_label_selector(root),
        Selector::from_map(root),
    ] {
        selector.describe();
        let within = |span: crate::yaml::Span| {
            assert!(
                text.get(span.bytes()).is_some(),
                "span {span:?} is not inside the text"
            );
        };
        within(selector.mismatch_span(root, None::<&BTreeMap<String, String>>));
        for labels in &maps {
            let differences = selector.explain_diff(labels, |k, want| format!("{k}={want}"));
            if selector.matches(labels) {
                assert!(
                    differences.is_empty(),
                    "{labels:?} matches {selector:?} yet differs: {differences:?}"
                );
            }
            within(selector.mismatch_span(root, Some(labels)));
        }
    }
}

/// Bytes as a policy file: read, compiled and, when it compiles, evaluated on [`FIXTURE`].
pub fn policy(data: &[u8]) {
    let Ok(text) = source::decode(data.to_vec()) else {
        return;
    };
    policy::is_admission_policy(&text);
    match policy::parse("fuzz.yaml", &text) {
        Ok(p) => evaluate(vec![p]),
        Err(errors) => errors.iter().for_each(|e| drop(e.to_string())),
    }
}

/// Bytes as one CEL expression: a validation's `expression` and `messageExpression` of a
/// policy for every object, compiled and evaluated on [`FIXTURE`].
pub fn cel(data: &[u8]) {
    let expression = serde_json::Value::from(String::from_utf8_lossy(data)).to_string();
    let text = format!(
        "id: KP900\nseverity: warning\nsummary: fuzzed expression\n\
         validations:\n- expression: {expression}\n  message: fuzzed\n\
         - expression: 'false'\n  messageExpression: {expression}\n"
    );
    match policy::parse("fuzz.yaml", &text) {
        Ok(p) => evaluate(vec![p]),
        Err(errors) => errors.iter().for_each(|e| drop(e.to_string())),
    }
}

/// Bytes as `.kroute.yaml`: read and, when valid, applied to a check of [`FIXTURE`].
pub fn config(data: &[u8]) {
    let Ok(text) = source::decode(data.to_vec()) else {
        return;
    };
    let config = match config::parse(Path::new(".kroute.yaml"), &text) {
        Ok(config) => config,
        Err(e) => return drop(e.to_string()),
    };
    let mut opts = CheckOptions {
        external: config::external_manifests(&config.external),
        findings: config.findings,
        template_kinds: config.template_kinds,
        no_schema: true,
        ..CheckOptions::default()
    };
    if let Some(namespace) = config.default_namespace {
        opts.load.default_namespace = namespace;
    }
    run(FIXTURE.as_bytes(), &opts);
}

/// Compiles `policies` and, when they compile, checks [`FIXTURE`] with them.
fn evaluate(policies: Vec<policy::Policy>) {
    match Engine::compile(policies, |_| true) {
        Ok(engine) => {
            let opts = CheckOptions {
                policies: Some(Arc::new(engine)),
                no_schema: true,
                ..CheckOptions::default()
            };
            run(FIXTURE.as_bytes(), &opts);
        }
        Err(errors) => errors.iter().for_each(|e| drop(e.to_string())),
    }
}

/// Every built-in policy, compiled once per process.
fn builtin_engine() -> Arc<Engine> {
    static ENGINE: OnceLock<Arc<Engine>> = OnceLock::new();
    ENGINE
        .get_or_init(|| {
            let policies = policy::builtin::policies().expect("the built-in policies load");
            let engine = Engine::compile(policies, |_| true).expect("built-in policies compile");
            Arc::new(engine)
        })
        .clone()
}

/// Checks `data` as the file `fuzz.yaml` with `opts` and renders the outcome.
fn run(data: &[u8], opts: &CheckOptions) {
    let input = Input::Memory {
        name: "fuzz.yaml".to_string(),
        bytes: data.to_vec(),
    };
    let outcome = pipeline::check(&[input], opts);
    spans_inside_their_files(&outcome);
    let summary = outcome.summary();
    human::render(
        &outcome.diagnostics,
        &outcome.sources,
        &summary,
        human::Style { color: true },
    );
    json::render(&outcome.diagnostics, &outcome.sources, &summary);
}

/// Every finding and related location points at text of its file.
fn spans_inside_their_files(outcome: &Outcome) {
    let located = outcome.diagnostics.iter().flat_map(|d| {
        std::iter::once((d.file, d.span)).chain(d.related.iter().map(|r| (r.file, r.span)))
    });
    for (file, span) in located {
        let text = outcome.sources.get(file).text().unwrap_or_default();
        assert!(
            text.get(span.bytes()).is_some(),
            "{span:?} is outside {} ({} bytes) or splits a character",
            outcome.sources.path(file),
            text.len()
        );
    }
}

/// An AdmissionReview body as `/validate` receives it: decoded, and the object it carries
/// (or the deletion it asks) judged over the fixture's objects, as the webhook judges.
/// An answer is a JSON AdmissionReview; a refusal (400) says why in words.
pub fn admission(data: &[u8]) {
    static APP: OnceLock<App> = OnceLock::new();
    let app = APP.get_or_init(|| {
        let opts = CheckOptions::default();
        let store = Store::new();
        let _ = store.replace_all(vec![("fixture.yaml".into(), FIXTURE.into())], &opts.load);
        store.mark_ready();
        App {
            store: Arc::new(store),
            judge: Arc::new(Judge::new(opts)),
            policy: Policy::default(),
            metrics: Metrics::default(),
        }
    });
    let (status, body) = server::answer_now(app, data);
    if status.is_success() {
        let answer: serde_json::Value = serde_json::from_slice(&body).expect("a JSON answer");
        assert!(answer["response"]["allowed"].is_boolean(), "{answer}");
    } else {
        assert!(!body.is_empty(), "a refusal says why");
    }
}
