//! The embedded schemas: the bundle holds exactly what `schemas/` holds (which
//! `cargo xtask schemas --check` in `.ci/run` keeps equal to what the generator makes),
//! every schema compiles with the validator, every kind the inventory models has one, and
//! strictness and int-or-string come through the generator.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use jsonschema::{Registry, Validator};
use kroute::inventory::{gateway_api, knative, smi, POD_TEMPLATE_PATHS};
use kroute::schema::embedded::{self, EmbeddedSchema, BASE_URI};
use kroute::schema::openapi;
use serde_json::{json, Value};

fn schemas_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas")
}

/// The schema of `.kroute.yaml`, written by hand, beside the generated ones.
const CONFIG_SCHEMA: &str = "kroute-config.schema.json";

/// Every generated JSON document under `schemas/` (not `upstream/`), by path.
fn generated_documents() -> BTreeSet<String> {
    let root = schemas_dir();
    let mut found = BTreeSet::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("readable schemas directory") {
            let path = entry.expect("directory entry").path();
            let name = path.strip_prefix(&root).expect("under schemas/");
            let name = name.to_string_lossy().replace('\\', "/");
            if path.is_dir() && name != "upstream" {
                stack.push(path);
            } else if name.ends_with(".json") && name != CONFIG_SCHEMA {
                found.insert(name);
            }
        }
    }
    found
}

fn read_json(name: &str) -> Value {
    let text = std::fs::read_to_string(schemas_dir().join(name)).expect("readable schema");
    serde_json::from_str(&text).expect("schema is JSON")
}

fn compile(schema: &EmbeddedSchema) -> Validator {
    compile_with(schema.schema, &schema.documents)
}

fn compile_with(schema: &Value, documents: &[(String, &'static Value)]) -> Validator {
    let registry = Registry::new()
        .extend(documents.iter().map(|(uri, doc)| (uri.as_str(), *doc)))
        .expect("valid URIs")
        .prepare()
        .expect("registry");
    jsonschema::options()
        .with_registry(&registry)
        .build(schema)
        .expect("schema compiles")
}

fn lookup(api_version: &str, kind: &str) -> EmbeddedSchema {
    embedded::lookup(api_version, kind)
        .unwrap_or_else(|| panic!("{api_version} {kind} is embedded"))
}

#[test]
fn the_bundle_holds_what_schemas_holds() {
    let files = generated_documents();
    let kinds: BTreeSet<String> = embedded::kinds()
        .map(|(api_version, kind)| {
            let path = if api_version.contains('/') {
                api_version.to_string()
            } else {
                format!("core/{api_version}")
            };
            format!("{path}/{kind}.json")
        })
        .collect();
    let kind_files: BTreeSet<String> = files
        .iter()
        .filter(|f| !f.starts_with('_'))
        .cloned()
        .collect();
    assert_eq!(kinds, kind_files);
    for name in &files {
        let file = read_json(name);
        assert_eq!(file["$id"], json!(format!("{BASE_URI}{name}")));
        if let Some((api_version, kind)) = kind_of(name) {
            let embedded = lookup(&api_version, &kind);
            assert!(*embedded.schema == file, "{name} differs from the bundle");
            for (uri, document) in &embedded.documents {
                let dependency = uri.strip_prefix(BASE_URI).expect("embedded URI");
                assert!(**document == read_json(dependency), "{dependency} differs");
            }
        }
    }
}

fn kind_of(name: &str) -> Option<(String, String)> {
    let (path, kind) = name.strip_suffix(".json")?.rsplit_once('/')?;
    if path.starts_with('_') {
        return None;
    }
    let api_version = path.strip_prefix("core/").unwrap_or(path).to_string();
    Some((api_version, kind.to_string()))
}

#[test]
fn every_embedded_schema_compiles() {
    let mut count = 0;
    for (api_version, kind) in embedded::kinds() {
        compile(&lookup(api_version, kind));
        count += 1;
    }
    assert!(count > 300, "only {count} schemas");
}

/// Groups the inventory models whose schemas kroute does not embed: OpenShift, Argo
/// Rollouts and SMI are no source of `schemas/`, and the Istio, Knative and Gateway API
/// CRDs are not in `schemas/upstream/` yet (see `schemas/SOURCES.md`). Their users bring the
/// CRDs, in the input or with `--schema-location`.
const NOT_EMBEDDED: &[&str] = &[
    "apps.openshift.io",
    "argoproj.io",
    smi::GROUP,
    knative::SERVING,
    "eventing.knative.dev",
    "networking.istio.io",
    "security.istio.io",
    gateway_api::GROUP,
    gateway_api::X_GROUP,
];

/// (group, kind) of what `src/inventory` reads into its model, but for [`NOT_EMBEDDED`].
fn modelled_kinds() -> Vec<(String, String)> {
    let mut kinds: Vec<(&str, &str)> = vec![
        ("", "Service"),
        ("", "Endpoints"),
        ("", "ConfigMap"),
        ("", "Secret"),
        ("", "Namespace"),
        ("discovery.k8s.io", "EndpointSlice"),
        ("networking.k8s.io", "Ingress"),
        ("networking.k8s.io", "NetworkPolicy"),
        ("autoscaling", "HorizontalPodAutoscaler"),
        ("policy", "PodDisruptionBudget"),
        (knative::SERVING, "DomainMapping"),
        ("eventing.knative.dev", "Trigger"),
        ("networking.istio.io", "Gateway"),
        ("networking.istio.io", "VirtualService"),
        ("networking.istio.io", "DestinationRule"),
        ("networking.istio.io", "ServiceEntry"),
        ("networking.istio.io", "Sidecar"),
        ("security.istio.io", "AuthorizationPolicy"),
        ("security.istio.io", "PeerAuthentication"),
        ("security.istio.io", "RequestAuthentication"),
        (gateway_api::GROUP, "Gateway"),
        (gateway_api::GROUP, "GatewayClass"),
        (gateway_api::GROUP, "ReferenceGrant"),
        (gateway_api::GROUP, "ListenerSet"),
        (gateway_api::X_GROUP, "XListenerSet"),
    ];
    kinds.extend(
        POD_TEMPLATE_PATHS
            .iter()
            .map(|(group, kind, _)| (*group, *kind)),
    );
    kinds
        .into_iter()
        .filter(|(group, _)| !NOT_EMBEDDED.contains(group))
        .map(|(group, kind)| (group.to_string(), kind.to_string()))
        .collect()
}

#[test]
fn every_modelled_kind_has_a_schema() {
    let embedded: BTreeSet<(String, String)> = embedded::kinds()
        .map(|(api_version, kind)| {
            let group = api_version.rsplit_once('/').map_or("", |(group, _)| group);
            (group.to_string(), kind.to_string())
        })
        .collect();
    let missing: Vec<_> = modelled_kinds()
        .into_iter()
        .filter(|kind| !embedded.contains(kind))
        .collect();
    assert!(missing.is_empty(), "no schema for {missing:?}");
}

fn errors(api_version: &str, kind: &str, object: &Value) -> Vec<String> {
    compile(&lookup(api_version, kind))
        .iter_errors(object)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

#[test]
fn built_in_kinds_are_strict_and_typed() {
    let deployment = json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "labels": {"app": "web"}, "creationTimestamp": null},
        "spec": {"replicas": "3", "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}},
                              "spec": {"contaners": [{"name": "web", "image": "nginx"}]}}}
    });
    let found = errors("apps/v1", "Deployment", &deployment);
    assert!(
        found.iter().any(|e| e.starts_with("/spec/replicas:")),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|e| e.starts_with("/spec/template/spec:") && e.contains("contaners")),
        "{found:?}"
    );
}

#[test]
fn int_or_string_takes_both_but_nothing_else() {
    let service = |target_port: Value| {
        json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
               "spec": {"ports": [{"port": 80, "targetPort": target_port}]}})
    };
    assert!(errors("v1", "Service", &service(json!(8080))).is_empty());
    assert!(errors("v1", "Service", &service(json!("http"))).is_empty());
    assert_eq!(errors("v1", "Service", &service(json!(8080.5))).len(), 1);
}

/// A CRD as the generator and the input both meet it: its served version compiles against
/// the embedded definitions, `metadata` is `ObjectMeta`, the spec is strict and
/// int-or-string and preserved fields behave.
#[test]
fn a_crd_becomes_a_strict_schema_with_object_meta() {
    let crd = json!({
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {"group": "example.com", "names": {"kind": "Widget", "plural": "widgets"},
                 "scope": "Namespaced",
                 "versions": [{"name": "v1", "served": true, "storage": true, "schema": {
                     "openAPIV3Schema": {"type": "object", "properties": {
                         "spec": {"type": "object", "properties": {
                             "port": {"x-kubernetes-int-or-string": true,
                                      "anyOf": [{"type": "integer"}, {"type": "string"}]},
                             "extra": {"type": "object",
                                       "x-kubernetes-preserve-unknown-fields": true}}}}}}}]}
    });
    let versions = openapi::crd_versions(&crd);
    let definitions = embedded::kubernetes_definitions().expect("definitions");
    let validator = compile_with(&versions[0].schema, &[definitions]);
    let widget = |spec: Value, metadata: Value| {
        json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": metadata,
               "spec": spec})
    };
    let ok = widget(
        json!({"port": "http", "extra": {"anything": 1}}),
        json!({"name": "w", "labels": {"a": "b"}}),
    );
    assert!(validator.is_valid(&ok));
    let typo = widget(json!({"prot": 80}), json!({"name": "w"}));
    assert!(!validator.is_valid(&typo));
    let bad_labels = widget(json!({}), json!({"name": "w", "labels": ["a"]}));
    assert!(!validator.is_valid(&bad_labels));
    let bad_port = widget(json!({"port": 80.5}), json!({"name": "w"}));
    assert!(!validator.is_valid(&bad_port));
}
