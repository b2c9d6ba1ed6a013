//! What the end-to-end test files share. Each test file uses part of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// A Service whose selector has a typo (KR201), in no namespace.
pub const TYPO_SERVICE: &str = "\
apiVersion: v1
kind: Service
metadata:
  name: web-typo
spec:
  selector:
    app: wbe
  ports:
    - port: 80
";

/// A Deployment and the Service that selects its pods: a file with no finding.
pub const WEB: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: nginx:1.27
          ports:
            - name: http
              containerPort: 8080
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
    - name: http
      port: 80
      targetPort: http
";

/// The `kroute` binary, run from the crate root, without colour or backtraces.
pub fn kroute() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kroute"));
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("NO_COLOR")
        .env("RUST_BACKTRACE", "0");
    cmd
}

/// Every file under `dir` whose extension is one of `extensions`, in no particular order.
pub fn files_with(dir: &Path, extensions: &[&str], out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_with(&path, extensions, out);
        } else if path
            .extension()
            .is_some_and(|e| extensions.iter().any(|x| e == *x))
        {
            out.push(path);
        }
    }
}
