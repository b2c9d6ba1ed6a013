//! Texts read from files are not kept for the run but read back for the files a report
//! shows: what is shown or fixed is always the text that was checked, never a later one.

use kroute::report::human;
use kroute::source::{collect_inputs, FileId};
use kroute::{check, CheckOptions};

mod common;

use common::{TYPO_SERVICE, WEB};

fn rendered(outcome: &kroute::Outcome) -> String {
    let summary = outcome.summary();
    let style = human::Style { color: false };
    human::render(&outcome.diagnostics, &outcome.sources, &summary, style)
}

#[test]
fn a_file_changed_after_checking_shows_the_text_that_was_checked_or_none() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("svc.yaml");
    std::fs::write(&path, format!("{TYPO_SERVICE}---\n{WEB}")).unwrap();
    let inputs = collect_inputs(std::slice::from_ref(&path)).unwrap();
    let outcome = check(&inputs, &CheckOptions::default());
    let typo = (outcome.diagnostics.iter())
        .find(|d| d.code == "KR201")
        .expect("KR201");
    let edit = &typo.fix.as_ref().expect("a fix").edits[0];
    assert_eq!(edit.replacement, "web");

    // Another text of the same length, then a text of another length.
    for changed in [
        TYPO_SERVICE.replace("wbe", "xyz"),
        "kind: List\n".to_string(),
    ] {
        std::fs::write(&path, &changed).unwrap();
        let shown = rendered(&outcome);
        assert!(shown.contains("svc.yaml:7:5"), "{shown}");
        assert!(!shown.contains("xyz") && !shown.contains("List"), "{shown}");
        // The finding has a fix, so the file's text was read back when the check made the
        // fix: what is shown is that text, the one the fix was made for.
        assert!(shown.contains("app: wbe"), "{shown}");
    }
}

#[test]
fn a_file_without_findings_changed_after_checking_has_no_text() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deploy.yaml");
    std::fs::write(&path, WEB).unwrap();
    let inputs = collect_inputs(std::slice::from_ref(&path)).unwrap();
    let outcome = check(&inputs, &CheckOptions::default());
    assert!(outcome.diagnostics.is_empty(), "{:?}", outcome.diagnostics);
    std::fs::write(&path, WEB.replace("nginx", "nginz")).unwrap();
    let file = outcome.sources.get(FileId(0));
    // Not kept: the text is read back, and the file no longer holds it.
    assert_eq!(file.text(), None);
    assert_eq!(file.line(2), None);
    // Positions still come from the text that was checked.
    let second_line = WEB.find('\n').expect("lines") + 1;
    assert_eq!(file.line_col(second_line as u32 + 2).line, 2);
}

#[test]
fn an_unchanged_file_is_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deploy.yaml");
    std::fs::write(&path, WEB).unwrap();
    let inputs = collect_inputs(std::slice::from_ref(&path)).unwrap();
    let outcome = check(&inputs, &CheckOptions::default());
    assert_eq!(outcome.sources.get(FileId(0)).text(), Some(WEB));
}

/// A Deployment whose container reaches a Service by a URL in its environment, and that
/// Service: a reference KR211 judges, with nothing to report.
const CALLER: &str = "\
apiVersion: v1
kind: Service
metadata:
  name: api
spec:
  selector:
    app: api
  ports:
    - port: 80
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  selector:
    matchLabels:
      app: api
  template:
    metadata:
      labels:
        app: api
    spec:
      containers:
        - name: api
          image: nginx
          env:
            - name: SELF_URL
              value: http://api:80/health
";

#[test]
fn checking_reads_no_file_back_without_a_finding() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("api.yaml");
    std::fs::write(&path, CALLER).unwrap();
    let inputs = collect_inputs(std::slice::from_ref(&path)).unwrap();
    let outcome = check(&inputs, &CheckOptions::default());
    assert!(outcome.diagnostics.is_empty(), "{:?}", outcome.diagnostics);
    // Had the check read the text back, it would still be held; it was not.
    std::fs::write(&path, CALLER.replace("api:80", "api:81")).unwrap();
    assert_eq!(outcome.sources.get(FileId(0)).text(), None);
}
