//! `deploy/`, the manifests that install `kroute webhook` in a cluster: kroute checks them
//! cleanly, the way a user runs it on them (README, "Admission webhook").

use std::collections::BTreeSet;

use serde_json::Value;

mod common;

use common::kroute;

#[test]
fn kroute_checks_deploy_cleanly() {
    let assert = kroute()
        .args([
            "check",
            "--format",
            "json",
            "--config",
            "deploy/.kroute.yaml",
            "deploy/",
        ])
        .assert()
        .code(0);
    let report: Value = serde_json::from_slice(&assert.get_output().stdout).unwrap();
    let summary = &report["summary"];
    assert_eq!(summary["errors"], 0, "{report:#}");
    assert_eq!(summary["warnings"], 0, "{report:#}");
    assert_eq!(summary["infos"], 0, "{report:#}");
    // What the config suppresses is only the missing cert-manager schemas, nothing else.
    let suppressed = report["suppressed"].as_array().unwrap();
    assert!(!suppressed.is_empty());
    for finding in suppressed {
        assert_eq!(finding["code"], "KR103", "{finding:#}");
        assert_eq!(finding["resource"]["apiVersion"], "cert-manager.io/v1");
    }
}

/// The documents of a file under `deploy/`, as JSON.
fn documents(file: &str) -> Vec<Value> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("deploy")
        .join(file);
    let text = std::fs::read_to_string(path).unwrap();
    let parsed = kroute::yaml::parse_stream(&text, &kroute::yaml::Limits::default());
    assert!(parsed.issues.is_empty(), "{file}: {:?}", parsed.issues);
    parsed.documents.iter().map(|d| d.root.to_json()).collect()
}

fn strings(value: &Value) -> impl Iterator<Item = &str> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
}

/// (group, resource) pairs a rule list grants or matches.
fn resources(rules: &Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for rule in rules.as_array().unwrap() {
        for group in strings(&rule["apiGroups"]) {
            for resource in strings(&rule["resources"]) {
                out.insert((group.to_string(), resource.to_string()));
            }
        }
    }
    out
}

#[test]
fn cluster_role_grants_list_and_watch_on_exactly_the_watched_kinds() {
    let rbac = documents("rbac.yaml");
    let role = rbac.iter().find(|d| d["kind"] == "ClusterRole").unwrap();
    for rule in role["rules"].as_array().unwrap() {
        assert_eq!(
            rule["verbs"],
            serde_json::json!(["list", "watch"]),
            "{rule}"
        );
    }
    let watched: BTreeSet<(String, String)> = kroute::cluster::WATCHED
        .iter()
        .map(|w| (w.group.to_string(), w.plural.to_string()))
        .collect();
    assert_eq!(resources(&role["rules"]), watched);
}

#[test]
fn webhook_sends_only_watched_kinds_and_excludes_its_own_namespace() {
    let config = &documents("webhook.yaml")[0];
    let webhook = &config["webhooks"][0];
    assert_eq!(webhook["sideEffects"], "None");
    assert_eq!(
        webhook["admissionReviewVersions"],
        serde_json::json!(["v1"])
    );
    assert_eq!(webhook["matchPolicy"], "Equivalent");
    let excluded = &webhook["namespaceSelector"]["matchExpressions"][0];
    assert_eq!(excluded["operator"], "NotIn");
    let excluded: BTreeSet<&str> = strings(&excluded["values"]).collect();
    assert_eq!(excluded, BTreeSet::from(["kube-system", "kroute-system"]));
    // A kind kroute judges is one it also watches, so a delete can be checked against
    // what still names it. (`*` stands for every resource of the group.)
    let watched: BTreeSet<(&str, &str)> = kroute::cluster::WATCHED
        .iter()
        .map(|w| (w.group, w.plural))
        .collect();
    for (group, resource) in resources(&webhook["rules"]) {
        let known = if resource == "*" {
            watched.iter().any(|(g, _)| *g == group)
        } else {
            watched.contains(&(group.as_str(), resource.as_str()))
        };
        assert!(known, "{group}/{resource} is checked but not watched");
    }
}
