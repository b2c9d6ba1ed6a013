//! `deploy/`, the manifests that install `kroute webhook` in a cluster: kroute checks them
//! cleanly, the way a user runs it on them (README, "Admission webhook").

use serde_json::Value;

mod common;

use common::kroute;

#[test]
fn kroute_checks_deploy_cleanly() {
    let assert = kroute()
        .args(["check", "--format", "json", "--config", "deploy/.kroute.yaml", "deploy/"])
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
