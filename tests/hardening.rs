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
    // The GitHub Actions log interprets terminal escapes too.
    let out = kroute()
        .args(["check", "--format", "github"])
        .arg(dir.path())
        .env_remove("GITHUB_STEP_SUMMARY")
        .assert()
        .code(1);
    let github = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(github.contains("app=␛]0;title␇␛[31m"), "{github}");
    assert!(!github.contains('\u{1b}'), "{github:?}");
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

// --- what a path leads to ----------------------------------------------------------------

#[cfg(unix)]
#[test]
fn an_explicit_path_that_is_not_a_regular_file_is_read() {
    // `/dev/stdin`, as a shell passes a pipe to a program that wants a path.
    kroute()
        .args(["check", "--format", "json", "/dev/stdin"])
        .write_stdin(TYPO_SERVICE)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("\"KR201\""));
    // A FIFO, as `<(helm template …)` gives one (`/dev/fd/63`).
    let dir = TempDir::new().unwrap();
    let fifo = dir.path().join("rendered");
    assert!(Process::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::write(fifo, TYPO_SERVICE).unwrap())
    };
    kroute()
        .args(["check", "--format", "json"])
        .arg(&fifo)
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .code(1)
        .stdout(predicate::str::contains("\"KR201\""));
    writer.join().unwrap();
    // A device is read within the size limit, never forever.
    kroute()
        .args(["check", "--max-file-size", "4096", "/dev/zero"])
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .code(1)
        .stdout(predicate::str::contains("KR005"));
}

#[cfg(unix)]
#[test]
fn a_walk_skips_fifos_and_follows_symlinks_without_looping() {
    use std::os::unix::fs::symlink;
    let dir = TempDir::new().unwrap();
    let root = dir.path();
    // A ConfigMap mounted as a volume: files are links into a hidden `..data` link.
    std::fs::create_dir_all(root.join("cm/..2026_11_30")).unwrap();
    write(&root.join("cm/..2026_11_30"), "svc.yaml", TYPO_SERVICE);
    symlink("..2026_11_30", root.join("cm/..data")).unwrap();
    symlink("..data/svc.yaml", root.join("cm/svc.yaml")).unwrap();
    // A loop back to the top, and a FIFO nobody writes to.
    symlink("..", root.join("cm/up")).unwrap();
    assert!(Process::new("mkfifo")
        .arg(root.join("cm/stuck.yaml"))
        .status()
        .unwrap()
        .success());
    let out = kroute()
        .args(["check", "--format", "json"])
        .arg(root.join("cm"))
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("skipped"))
        .stderr(predicate::str::contains("stuck.yaml: not a regular file"))
        .stderr(predicate::str::contains("up: a symbolic link back"));
    let report: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    // The Service is read once, through the link.
    assert_eq!(report["summary"]["files"], 1, "{report}");
    assert_eq!(report["diagnostics"][0]["code"], "KR201");
}

#[cfg(unix)]
#[test]
fn a_file_gone_while_walking_is_an_io_error() {
    use std::os::unix::fs::symlink;
    // What a file deleted between listing and reading looks like, made deterministic: a
    // link whose target is gone.
    let dir = TempDir::new().unwrap();
    write(
        dir.path(),
        "ok.yaml",
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n",
    );
    symlink("deleted.yaml", dir.path().join("gone.yaml")).unwrap();
    // A broken link kroute would not read anyway is no concern of it.
    symlink("nothing", dir.path().join("README")).unwrap();
    kroute()
        .arg("check")
        .arg(dir.path())
        .assert()
        .code(2)
        .stdout(predicate::str::contains("KR001"))
        .stdout(predicate::str::contains("gone.yaml"))
        .stdout(predicate::str::contains("README").not())
        .stderr(predicate::str::contains("1 file could not be read"));
}

/// Whether this process can read a file whatever its mode (root can).
#[cfg(unix)]
fn reads_anything(dir: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    let probe = write(dir, "probe", "x");
    std::fs::set_permissions(&probe, std::fs::Permissions::from_mode(0o000)).unwrap();
    let readable = std::fs::read(&probe).is_ok();
    std::fs::remove_file(probe).unwrap();
    readable
}

#[cfg(unix)]
#[test]
fn an_unreadable_file_is_an_io_error() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new().unwrap();
    if reads_anything(dir.path()) {
        eprintln!("skipped: this process reads files of mode 000 (running as root)");
        return;
    }
    let file = write(dir.path(), "secret.yaml", TYPO_SERVICE);
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o000)).unwrap();
    kroute()
        .arg("check")
        .arg(&file)
        .assert()
        .code(2)
        .stdout(predicate::str::contains("KR001"))
        .stdout(predicate::str::contains("ermission denied"));
}

// --- a check whose input was not understood did not pass ---------------------------------

#[test]
fn a_file_that_did_not_parse_never_passes() {
    let dir = TempDir::new().unwrap();
    let broken = write(dir.path(), "broken.yaml", "metadata:\n  name: \"open\n");
    let config = write(
        dir.path(),
        "kroute.yaml",
        "rules:\n  disable: [KR001, KR005]\n",
    );
    let deep = write(
        dir.path(),
        "deep.yaml",
        &format!("a: {}1{}\n", "[".repeat(200), "]".repeat(200)),
    );
    let binary = dir.path().join("binary.yaml");
    std::fs::write(&binary, b"\x00\x01\x02").unwrap();
    for file in [&broken, &deep, &binary] {
        kroute()
            .args(["check", "--fail-on", "error", "--config"])
            .arg(&config)
            .arg(file)
            .assert()
            .code(1)
            .stderr(predicate::str::contains("could not be parsed whole"));
    }
}

// --- one reading of integers ---------------------------------------------------------------

#[test]
fn a_hexadecimal_port_is_the_same_number_everywhere() {
    let dir = TempDir::new().unwrap();
    let file = write(
        dir.path(),
        "app.yaml",
        "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx:1.27
          ports:
            - containerPort: 0x1F90
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
    - port: 80
      targetPort: 0x1F90
",
    );
    let out = kroute()
        .args(["check", "--format", "json", "--fail-on", "info"])
        .arg(&file)
        .assert()
        .code(0);
    let report: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(report["diagnostics"], serde_json::json!([]), "{report}");
    // The port traced is 8080 on both sides.
    kroute()
        .args(["trace", "web.default.svc.cluster.local:80"])
        .arg(&file)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("8080"));
}

// --- the default namespace ---------------------------------------------------------------

#[test]
fn an_invalid_default_namespace_is_a_usage_error() {
    let dir = TempDir::new().unwrap();
    let file = write(dir.path(), "svc.yaml", TYPO_SERVICE);
    for ns in ["", "Shop", "shop_1", "-shop", "a.b", &"a".repeat(64)] {
        for command in [
            &["check"][..],
            &["graph"][..],
            &["trace", "web.example.com"][..],
        ] {
            kroute()
                .args(command)
                .arg(format!("--default-namespace={ns}"))
                .arg(&file)
                .assert()
                .code(2)
                .stderr(predicate::str::contains("is not a namespace name"));
        }
    }
    let config = write(dir.path(), "kroute.yaml", "default-namespace: \"\"\n");
    kroute()
        .args(["check", "--config"])
        .arg(&config)
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is not a namespace name"));
    kroute()
        .args(["check", "-n", "shop-1"])
        .arg(&file)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("shop-1/web-typo"));
}

// --- limits ----------------------------------------------------------------------------------

/// `kroute check --format json ARGS…` with the exit code asserted.
fn check_json(args: &[&std::ffi::OsStr], code: i32) -> serde_json::Value {
    let out = kroute()
        .args(["check", "--format", "json"])
        .args(args)
        .assert()
        .code(code);
    serde_json::from_slice(&out.get_output().stdout).expect("one JSON object")
}

fn codes(report: &serde_json::Value) -> Vec<String> {
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn an_over_deep_document_is_one_kr005() {
    let dir = TempDir::new().unwrap();
    let deep = format!(
        "a: {}1{}\n---\n{}",
        "{a: ".repeat(300),
        "}".repeat(300),
        TYPO_SERVICE
    );
    let file = write(dir.path(), "deep.yaml", &deep);
    let report = check_json(&[file.as_os_str()], 1);
    assert_eq!(codes(&report), ["KR005", "KR201"], "{report}");
    let message = report["diagnostics"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("nesting deeper than 128 levels"),
        "{message}"
    );
}

// --- nothing to check ------------------------------------------------------------------------

#[test]
fn no_document_at_all_warns_and_fails_on_request() {
    let dir = TempDir::new().unwrap();
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    // An empty stdin (a failed `helm template | kroute check -`) and an empty directory.
    for input in ["-", empty.to_str().unwrap()] {
        kroute()
            .args(["check", input])
            .write_stdin("")
            .assert()
            .code(0)
            .stderr(predicate::str::contains(
                "warning: the input holds no YAML document",
            ));
        kroute()
            .args(["check", "--fail-on-empty", input])
            .write_stdin("")
            .assert()
            .code(1)
            .stderr(predicate::str::contains(
                "error: the input holds no YAML document",
            ));
    }
    let config = write(dir.path(), "kroute.yaml", "fail-on-empty: true\n");
    kroute()
        .args(["check", "--config"])
        .arg(&config)
        .arg("-")
        .write_stdin("# only a comment\n---\n")
        .assert()
        .code(1);
    // A document, even one kroute does not check, is not nothing.
    kroute()
        .args(["check", "--fail-on-empty", "-"])
        .write_stdin("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n")
        .assert()
        .code(0)
        .stderr(predicate::str::is_empty());
}

// --- long lists ------------------------------------------------------------------------------

#[test]
fn a_huge_selector_makes_a_short_message() {
    let dir = TempDir::new().unwrap();
    let labels: String = (0..50_000).map(|i| format!("    k{i}: v{i}\n")).collect();
    let text = format!(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports:\n    - port: 80\n  selector:\n{labels}---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels: {{k1: v1}}\n  template:\n    metadata:\n      labels: {{k1: v1}}\n    spec:\n      containers:\n        - name: web\n          image: nginx:1.27\n"
    );
    let file = write(dir.path(), "huge.yaml", &text);
    let report = check_json(&[file.as_os_str()], 1);
    let kr201 = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "KR201")
        .expect("KR201");
    let size = kr201.to_string().len();
    assert!(size < 10_000, "{size} bytes: {kr201}");
    let message = kr201["message"].as_str().unwrap();
    assert!(message.contains("and 49980 more"), "{message}");
}

// --- values of the wrong type ---------------------------------------------------------------

#[test]
fn a_kind_or_api_version_that_is_not_a_string_is_kr003_with_or_without_schemas() {
    let dir = TempDir::new().unwrap();
    let file = write(
        dir.path(),
        "typed.yaml",
        "apiVersion: v1\nkind: 5\nmetadata:\n  name: b\n---\napiVersion: true\nkind: Service\nmetadata:\n  name: c\n---\napiVersion: v1\nkind: [Service]\nmetadata:\n  name: d\n",
    );
    for extra in [&[][..], &["--no-schema"][..]] {
        let mut args: Vec<&std::ffi::OsStr> = extra.iter().map(std::ffi::OsStr::new).collect();
        args.push(file.as_os_str());
        let report = check_json(&args, 1);
        assert_eq!(codes(&report), ["KR003", "KR003", "KR003"], "{report}");
    }
}

#[test]
fn values_of_the_wrong_type_are_kr101_when_schemas_apply() {
    // Labels, selectors and ports of the wrong type are the schema's to report (KR101):
    // `--no-schema` turns exactly that validation off.
    let dir = TempDir::new().unwrap();
    let file = write(
        dir.path(),
        "svc.yaml",
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n  labels:\n    tier: [x]\nspec:\n  selector:\n    app: {x: 1}\n  ports:\n    - port: [80]\n",
    );
    let report = check_json(&[file.as_os_str()], 1);
    let kr101 = codes(&report).iter().filter(|c| *c == "KR101").count();
    assert_eq!(kr101, 3, "{report}");
}

/// The messages of the KR005 findings of a JSON report.
fn limit_messages(report: &serde_json::Value) -> Vec<String> {
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "KR005")
        .map(|d| d["message"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn every_limit_is_a_kr005_and_the_rest_is_still_checked() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let ok = write(d, "ok.yaml", TYPO_SERVICE);
    let os = std::ffi::OsStr::new;
    // File size, and standard input too.
    let big = write(
        d,
        "big.yaml",
        &format!("{TYPO_SERVICE}# {}\n", "x".repeat(5000)),
    );
    let report = check_json(
        &[
            os("--max-file-size"),
            os("4096"),
            big.as_os_str(),
            ok.as_os_str(),
        ],
        1,
    );
    assert_eq!(
        limit_messages(&report),
        ["file is larger than the 4096-byte limit; it was not read"]
    );
    assert!(codes(&report).contains(&"KR201".to_string()));
    kroute()
        .args(["check", "--max-file-size", "4096", "-"])
        .write_stdin(format!("{TYPO_SERVICE}# {}\n", "x".repeat(5000)))
        .assert()
        .code(1)
        .stdout(predicate::str::contains("larger than the 4096-byte limit"));
    // Documents per file: the first ones are read.
    let many: String = (0..5)
        .map(|i| TYPO_SERVICE.replace("web-typo", &format!("s{i}")) + "---\n")
        .collect();
    let many = write(d, "many.yaml", &many);
    let report = check_json(&[os("--max-documents"), os("3"), many.as_os_str()], 1);
    assert_eq!(
        limit_messages(&report),
        ["more than 3 documents in this file; the rest was not read"]
    );
    assert_eq!(
        codes(&report).iter().filter(|c| *c == "KR201").count(),
        3,
        "{report}"
    );
    // All inputs together: the files past the limit, in the order given, are not read.
    let report = check_json(
        &[
            os("--max-total-size"),
            os("200"),
            ok.as_os_str(),
            big.as_os_str(),
        ],
        1,
    );
    let messages = limit_messages(&report);
    assert_eq!(messages.len(), 1, "{report}");
    assert!(messages[0].contains("inputs together are larger than the 200-byte limit"));
    assert!(codes(&report).contains(&"KR201".to_string()));
    // Alias expansion ("billion laughs").
    let mut laughs = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..8 {
        laughs.push_str(&format!(
            "a{i}: &a{i} [{}]\n",
            vec![format!("*a{}", i - 1); 10].join(", ")
        ));
    }
    let laughs = write(d, "laughs.yaml", &laughs);
    let report = check_json(&[laughs.as_os_str()], 1);
    assert!(limit_messages(&report)[0].contains("aliases expand to more than 100000 nodes"));
    // Key and scalar length.
    // (An implicit key is at most 1024 characters in YAML: a long one is explicit, `? key`.)
    let key = write(
        d,
        "key.yaml",
        &format!("? {}\n: 1\n---\n{TYPO_SERVICE}", "k".repeat(64 * 1024 + 1)),
    );
    let report = check_json(&[key.as_os_str()], 1);
    assert_eq!(
        limit_messages(&report),
        ["a key longer than 65536 bytes; the document was not read"]
    );
    assert!(codes(&report).contains(&"KR201".to_string()));
    let value = write(
        d,
        "value.yaml",
        &format!(
            "v: {}\n---\n{TYPO_SERVICE}",
            "v".repeat(4 * 1024 * 1024 + 1)
        ),
    );
    let report = check_json(&[value.as_os_str()], 1);
    assert_eq!(
        limit_messages(&report),
        ["a value longer than 4194304 bytes; the document was not read"]
    );
    // Nesting depth is an_over_deep_document_is_one_kr005.
}

#[test]
fn non_utf8_and_binary_files_are_kr001_never_a_crash() {
    let dir = TempDir::new().unwrap();
    let latin1 = dir.path().join("latin1.yaml");
    std::fs::write(&latin1, b"metadata:\n  name: caf\xe9\n").unwrap();
    let utf16 = dir.path().join("utf16.yaml");
    std::fs::write(&utf16, b"\xff\xfea\x00:\x00").unwrap();
    let binary = dir.path().join("image.yaml");
    std::fs::write(&binary, b"\x89PNG\r\n\x1a\n\x00\x00").unwrap();
    let report = check_json(&[dir.path().as_os_str()], 1);
    assert_eq!(codes(&report), ["KR001", "KR001", "KR001"], "{report}");
}

#[test]
fn a_port_out_of_range_is_kr101() {
    let dir = TempDir::new().unwrap();
    let file = write(
        dir.path(),
        "svc.yaml",
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: a\nspec:\n  ports:\n    - port: 70000\n      targetPort: -1\n    - port: 80\n      targetPort: 0\n",
    );
    let report = check_json(&[file.as_os_str()], 1);
    let messages: Vec<&str> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "KR101")
        .map(|d| d["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        messages,
        [
            "spec.ports[0].port: 70000 is not a port number (1 to 65535)",
            "spec.ports[0].targetPort: -1 is not a port number (1 to 65535)"
        ],
        "{report}"
    );
}
