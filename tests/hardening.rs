//! Bad input and limits, through the real binary: what a careless script or an attacker
//! gives kroute (issue 14, points 5 and 6). Every input is generated in a temporary
//! directory; nothing hostile is committed.

use std::io::Read;
use std::path::Path;
use std::process::{Command as Process, Stdio};

use predicates::prelude::*;
use tempfile::TempDir;

mod common;

use common::{kroute, TYPO_SERVICE};

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write fixture");
    path
}

// --- --jobs ---------------------------------------------------------------------------

#[test]
fn jobs_out_of_range_is_a_usage_error_not_a_panic() {
    let dir = TempDir::new().unwrap();
    let file = write(dir.path(), "svc.yaml", TYPO_SERVICE);
    for jobs in ["100000", "20000", "0", "many"] {
        kroute()
            .args(["check", "-j", jobs])
            .arg(&file)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(
                "number of worker threads from 1 to 1024",
            ))
            .stderr(predicate::str::contains("panicked").not());
    }
    // In range, the findings decide.
    kroute()
        .args(["check", "-j", "3"])
        .arg(&file)
        .assert()
        .code(1);
}

// --- a reader that closes early ---------------------------------------------------------

#[test]
fn a_closed_stdout_keeps_the_exit_code_of_the_findings() {
    let dir = TempDir::new().unwrap();
    // Enough findings that the report is far larger than a pipe's buffer: the write meets
    // the closed pipe whatever the timing.
    let many: String = (0..3000)
        .map(|i| TYPO_SERVICE.replace("web-typo", &format!("web-{i}")) + "---\n")
        .collect();
    let file = write(dir.path(), "many.yaml", &many);
    let mut child = Process::new(env!("CARGO_BIN_EXE_kroute"))
        .args(["check", "--color", "never"])
        .arg(&file)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut head = [0u8; 10];
    stdout.read_exact(&mut head).unwrap();
    drop(stdout);
    let status = child.wait().unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(status.code(), Some(1), "stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

// --- control characters -----------------------------------------------------------------

const ESCAPES: &str = "\
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: \"\\e]0;title\\a\\e[31m\"
  ports:
    - port: 80
";

fn has_controls(text: &str) -> bool {
    text.chars().any(|c| c.is_control() && c != '\n')
}

#[test]
fn control_characters_from_the_input_are_escaped_in_human_output() {
    let dir = TempDir::new().unwrap();
    let name = "bad\u{1b}[31mname\n.yaml";
    write(dir.path(), name, ESCAPES);
    let out = kroute()
        .args(["check", "--color", "never"])
        .arg(dir.path())
        .assert()
        .code(1);
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(!has_controls(&stdout), "{stdout:?}");
    assert!(stdout.contains("app=␛]0;title␇␛[31m"), "{stdout}");
    assert!(stdout.contains("bad␛[31mname␊.yaml:7:5"), "{stdout}");
    // JSON keeps the exact value, escaped the JSON way.
    let out = kroute()
        .args(["check", "--format", "json"])
        .arg(dir.path())
        .assert()
        .code(1);
    let report: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let d = &report["diagnostics"][0];
    assert!(d["message"]
        .as_str()
        .unwrap()
        .contains("\u{1b}]0;title\u{7}"));
    assert!(d["location"]["file"].as_str().unwrap().ends_with(name));
}

#[test]
fn control_characters_are_escaped_in_trace_and_graph_text() {
    let dir = TempDir::new().unwrap();
    let file = write(dir.path(), "svc.yaml", ESCAPES);
    for args in [
        &["trace", "web.default.svc.cluster.local"][..],
        &["graph", "--format", "dot"][..],
        &["graph", "--format", "mermaid"][..],
    ] {
        let out = kroute().args(args).arg(&file).output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(!has_controls(&stdout), "{args:?}: {stdout:?}");
        assert!(stdout.contains("␛]0"), "{args:?}: {stdout}");
    }
    // A request that is refused is quoted back escaped too.
    kroute()
        .args(["trace", "w\u{1b}[2Jeb.example.com"])
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("w␛[2"));
}
