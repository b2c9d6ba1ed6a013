//! `kroute fix` through the real binary: every fixable rule's failing fixture fixed (the diff
//! is a snapshot, and the written file differs from the fixture only on the lines it shows),
//! idempotency, formatting kept byte for byte (comments, quotes, flow style, CRLF, BOM,
//! tabs, JSON, `List` items, several documents), rollback, stdin, permissions, the README
//! demo, and JSON and SARIF carrying the same fixes.
//!
//! Fixtures are copied to temporary directories: nothing under `testdata/` is written.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;
use tempfile::TempDir;

mod common;

use common::kroute;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `kroute ARGS…` in `dir`; returns exit code, stdout and stderr.
fn run_in(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let output = kroute()
        .current_dir(dir)
        .args(args)
        .output()
        .expect("kroute runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stdout).expect("UTF-8 stdout"),
        String::from_utf8(output.stderr).expect("UTF-8 stderr"),
    )
}

/// A temporary directory holding `files` (name, bytes).
fn dir_with(files: &[(&str, &[u8])]) -> TempDir {
    let dir = TempDir::new().expect("temp dir");
    for (name, bytes) in files {
        std::fs::write(dir.path().join(name), bytes).expect("write fixture");
    }
    dir
}

/// The codes of the rules that declare a fix, from `kroute rules --format json`.
fn fixable_rules() -> Vec<(String, String)> {
    let (_, stdout, _) = run_in(root(), &["rules", "--format", "json"]);
    let rules: Value = serde_json::from_str(&stdout).expect("rules JSON");
    rules
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|r| {
            let applicability = r["fix"]["applicability"].as_str()?;
            Some((r["code"].as_str()?.to_string(), applicability.to_string()))
        })
        .collect()
}

/// Lines with their terminators, so that CRLF counts.
fn lines(text: &str) -> Vec<&str> {
    text.split_inclusive('\n').collect()
}

#[test]
fn every_fixable_rule_fixes_its_failing_fixture_and_nothing_else() {
    let rules = fixable_rules();
    assert!(rules.len() >= 10, "{rules:?}");
    for (code, _) in rules {
        let fixture = root().join(format!("testdata/rules/{code}/fail.yaml"));
        let original = std::fs::read_to_string(&fixture).expect("fixture");
        let dir = dir_with(&[("fail.yaml", original.as_bytes())]);
        let (status, diff, notes) = run_in(
            dir.path(),
            &["fix", "--unsafe-fixes", "--diff", "fail.yaml"],
        );
        assert_eq!(
            status, 1,
            "{code}: --diff exits 1 when there is something to fix\n{notes}"
        );
        assert!(
            notes.contains(&format!("would fix {code} ")),
            "{code}: {notes}"
        );
        insta::assert_snapshot!(format!("fix_{code}"), diff);
        assert_eq!(
            std::fs::read_to_string(dir.path().join("fail.yaml")).unwrap(),
            original,
            "{code}: --diff writes nothing"
        );

        run_in(dir.path(), &["fix", "--unsafe-fixes", "fail.yaml"]);
        let fixed = std::fs::read_to_string(dir.path().join("fail.yaml")).unwrap();
        let removed: Vec<&str> = diff
            .lines()
            .filter(|l| l.starts_with('-') && !l.starts_with("---"))
            .map(|l| &l[1..])
            .collect();
        let added: Vec<&str> = diff
            .lines()
            .filter(|l| l.starts_with('+') && !l.starts_with("+++"))
            .map(|l| &l[1..])
            .collect();
        let (before, after) = (lines(&original), lines(&fixed));
        assert_eq!(
            before.len(),
            after.len(),
            "{code}: a fix never adds or removes lines"
        );
        let changed: Vec<(&str, &str)> = before
            .iter()
            .zip(&after)
            .filter(|(b, a)| b != a)
            .map(|(b, a)| (b.trim_end_matches('\n'), a.trim_end_matches('\n')))
            .collect();
        let expected: Vec<(&str, &str)> = removed.into_iter().zip(added).collect();
        assert_eq!(
            changed, expected,
            "{code}: only the lines of the diff change"
        );

        let (status, again, _) = run_in(
            dir.path(),
            &["fix", "--unsafe-fixes", "--diff", "fail.yaml"],
        );
        assert_eq!(
            (status, again.as_str()),
            (0, ""),
            "{code}: a second run changes nothing"
        );
    }
}

#[test]
fn every_fix_a_finding_carries_is_declared_by_its_rule() {
    let declared: std::collections::BTreeMap<String, String> =
        fixable_rules().into_iter().collect();
    let (_, stdout, _) = run_in(root(), &["check", "--format", "json", "testdata/rules"]);
    let report: Value = serde_json::from_str(&stdout).expect("JSON");
    for d in report["diagnostics"].as_array().expect("array") {
        let Some(applicability) = d["fix"]["applicability"].as_str() else {
            continue;
        };
        let code = d["code"].as_str().unwrap();
        let offered = declared.get(code).map(String::as_str);
        assert!(
            offered.is_some(),
            "{code} attaches a fix it does not declare"
        );
        assert!(
            offered == Some("unsafe") || applicability == "safe" || offered == Some("safe"),
            "{code}"
        );
        if offered == Some("unsafe") {
            assert_eq!(applicability, "unsafe", "{code} declares only unsafe fixes");
        }
    }
}

/// A Deployment `frontend` that the HPAs of the formatting tests point at.
const FRONTEND: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: frontend}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: web, image: \"web:1.0\"}]}\n";

fn hpa(name_field: &str) -> String {
    format!(
        "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: web # the autoscaler\n  annotations:\n    note: \"tab\there, and a quote: \\\" \"\nspec:\n  scaleTargetRef:\n    apiVersion: apps/v1\n    kind: Deployment\n    {name_field}\n  maxReplicas: 3\n"
    )
}

#[test]
fn fixes_keep_every_other_byte_of_each_file() {
    let plain = hpa("name: fronted    # misspelled");
    let single = hpa("name: 'fronted'");
    let double = hpa("name: \"fronted\"");
    let flow = "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: flow}\nspec: {scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: fronted}, maxReplicas: 3}\n".to_string();
    let crlf = format!("\u{feff}{}", hpa("name: fronted").replace('\n', "\r\n"));
    let json = r#"{
  "apiVersion": "autoscaling/v2",
  "kind": "HorizontalPodAutoscaler",
  "metadata": {"name": "json"},
  "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "fronted"}, "maxReplicas": 3}
}
"#
    .to_string();
    let list = format!(
        "apiVersion: v1\nkind: List\nitems:\n  - apiVersion: autoscaling/v2\n    kind: HorizontalPodAutoscaler\n    metadata: {{name: listed}}\n    spec:\n      scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: fronted}}\n      maxReplicas: 3\n---\n# a second document\n{FRONTEND}"
    );
    let files = [
        ("plain.yaml", plain),
        ("single.yaml", single),
        ("double.yaml", double),
        ("flow.yaml", flow),
        ("crlf.yaml", crlf),
        ("hpa.json", json),
        ("list.yaml", list),
    ];
    let mut all: Vec<(&str, &[u8])> = files.iter().map(|(n, t)| (*n, t.as_bytes())).collect();
    all.push(("frontend.yaml", FRONTEND.as_bytes()));
    let dir = dir_with(&all);
    let (status, _, notes) = run_in(dir.path(), &["fix", "--no-policies", "."]);
    assert_eq!(status, 0, "{notes}");
    for (name, original) in &files {
        let fixed = std::fs::read(dir.path().join(name)).unwrap();
        let expected = original.replacen("fronted", "frontend", 1);
        assert_eq!(String::from_utf8(fixed).unwrap(), expected, "{name}");
    }
    assert_eq!(
        std::fs::read(dir.path().join("frontend.yaml")).unwrap(),
        FRONTEND.as_bytes()
    );
    let (status, diff, _) = run_in(dir.path(), &["fix", "--diff", "."]);
    assert_eq!((status, diff.as_str()), (0, ""), "idempotent");
}

#[test]
fn a_fix_that_creates_a_finding_is_rolled_back() {
    // Pointing the selector at the pods would make the Service target a port they lack.
    let app = "apiVersion: v1\nkind: Service\nmetadata: {name: checkout}\nspec:\n  selector: {app: chekout}\n  ports: [{port: 80, targetPort: http}]\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: checkout}\nspec:\n  selector: {matchLabels: {app: checkout}}\n  template:\n    metadata: {labels: {app: checkout}}\n    spec:\n      containers:\n        - name: app\n          image: checkout:1.0\n          ports: [{name: grpc, containerPort: 7070}]\n";
    let dir = dir_with(&[("app.yaml", app.as_bytes())]);
    let (status, _, notes) = run_in(dir.path(), &["fix", "--unsafe-fixes", "app.yaml"]);
    assert_eq!(status, 1, "the KR201 finding remains");
    assert!(
        notes.contains("not fixed: KR201 at app.yaml:5")
            && notes.contains("rolled back: it creates a finding (KR202"),
        "{notes}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("app.yaml")).unwrap(),
        app
    );
}

#[test]
fn stdin_is_fixed_as_a_diff_only() {
    let input = format!("{FRONTEND}---\n{}", hpa("name: fronted"));
    let output = kroute()
        .args(["check", "--diff", "-"])
        .write_stdin(input.clone())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let diff = String::from_utf8(output.stdout).unwrap();
    assert!(
        diff.contains("-    name: fronted\n+    name: frontend\n"),
        "{diff}"
    );
    let output = kroute()
        .args(["fix", "-"])
        .write_stdin(input)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("use --diff"));
}

#[cfg(unix)]
#[test]
fn a_fixed_file_keeps_its_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let dir = dir_with(&[
        ("frontend.yaml", FRONTEND.as_bytes()),
        ("hpa.yaml", hpa("name: fronted").as_bytes()),
    ]);
    let path = dir.path().join("hpa.yaml");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    let (status, _, notes) = run_in(dir.path(), &["fix", "."]);
    assert_eq!(status, 0, "{notes}");
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 2, "no temporary file left: {names:?}");
}

/// The README demo: on a copy of testdata/demo, `kroute fix` repairs the findings with a
/// certain answer, changes nothing else, and what remains needs a human.
#[test]
fn the_demo_is_fixed_where_the_answer_is_certain() {
    let dir = TempDir::new().unwrap();
    let demo = root().join("testdata/demo");
    let mut originals = Vec::new();
    for entry in std::fs::read_dir(&demo).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(dir.path().join(&name), &text).unwrap();
        originals.push((name, text));
    }
    let (_, _, notes) = run_in(dir.path(), &["fix", "."]);
    let fixed: BTreeSet<&str> = notes
        .lines()
        .filter_map(|l| l.strip_prefix("kroute: fixed "))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(
        fixed,
        BTreeSet::from(["KR204", "KR205", "KR211"]),
        "{notes}"
    );
    let expected = [
        (
            "checkout.yaml",
            "cart.shop.svc.cluster.local:7071",
            "cart.shop.svc.cluster.local:7070",
        ),
        ("frontend.yaml", "number: 8080", "number: 80"),
        ("policies.yaml", "name: fronted", "name: frontend"),
    ];
    for (name, text) in &originals {
        let now = std::fs::read_to_string(dir.path().join(name)).unwrap();
        let want = expected
            .iter()
            .filter(|(n, ..)| n == name)
            .fold(text.clone(), |t, (_, from, to)| t.replacen(from, to, 1));
        assert_eq!(&now, &want, "{name}");
    }
    let (_, stdout, _) = run_in(dir.path(), &["check", "--format", "json", "."]);
    let report: Value = serde_json::from_str(&stdout).unwrap();
    let left: BTreeSet<&str> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["severity"] != "info")
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert_eq!(left, BTreeSet::from(["KR201", "KR303", "KR401", "KR404"]));
    let safe_left = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["fix"]["applicability"] == "safe")
        .count();
    assert_eq!(safe_left, 0, "no safe fix remains");
}

/// `(file, start line, start column, end line, end column, replacement)` of every edit.
type Edits = BTreeSet<(String, u64, u64, u64, u64, String)>;

#[test]
fn json_and_sarif_carry_the_same_fixes() {
    let (_, json, _) = run_in(root(), &["check", "--format", "json", "testdata/demo"]);
    let (_, sarif, _) = run_in(root(), &["check", "--format", "sarif", "testdata/demo"]);
    let json: Value = serde_json::from_str(&json).unwrap();
    let sarif: Value = serde_json::from_str(&sarif).unwrap();
    let n = |v: &Value| v.as_u64().unwrap();
    let from_json: Edits = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| d["fix"]["edits"].as_array().cloned().unwrap_or_default())
        .map(|e| {
            (
                e["file"].as_str().unwrap().to_string(),
                n(&e["start"]["line"]),
                n(&e["start"]["column"]),
                n(&e["end"]["line"]),
                n(&e["end"]["column"]),
                e["replacement"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let mut from_sarif = Edits::new();
    for result in sarif["runs"][0]["results"].as_array().unwrap() {
        for fix in result["fixes"].as_array().cloned().unwrap_or_default() {
            for change in fix["artifactChanges"].as_array().unwrap() {
                let file = change["artifactLocation"]["uri"]
                    .as_str()
                    .unwrap()
                    .to_string();
                for r in change["replacements"].as_array().unwrap() {
                    let region = &r["deletedRegion"];
                    from_sarif.insert((
                        file.clone(),
                        n(&region["startLine"]),
                        n(&region["startColumn"]),
                        n(&region["endLine"]),
                        n(&region["endColumn"]),
                        r["insertedContent"]["text"].as_str().unwrap().to_string(),
                    ));
                }
            }
        }
    }
    assert_eq!(from_json.len(), 5, "{from_json:?}");
    assert_eq!(from_json, from_sarif);
}

/// The README's "Fixing findings" shows what `kroute check --diff testdata/demo` prints.
#[test]
fn readme_shows_the_demo_diff() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let (status, diff, notes) = run_in(root(), &["check", "--diff", "testdata/demo"]);
    assert_eq!(status, 1);
    let shown = format!("$ kroute check --diff testdata/demo\n{diff}{notes}```");
    assert!(
        readme.contains(&shown),
        "README.md's demo is out of date:\n{shown}"
    );
}
