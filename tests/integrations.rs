//! The pre-commit hooks (`.pre-commit-hooks.yaml`) and the GitHub Action (`action.yml`)
//! through their real clients: `pre-commit try-repo` runs this repository's hooks on a
//! temporary git repository, `actionlint` checks the README's workflow against
//! `action.yml`, `shellcheck` the action's, the benchmark's, the fuzzing and the webhook's
//! end-to-end scripts (the action's also runs here the way the action runs it; the webhook's
//! skips here without a cluster). `.ci/run` installs the clients; under CI=true a missing one
//! fails the test instead of skipping it.

use std::path::Path;
use std::process::{Command, Output};

use tempfile::TempDir;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Whether `tool` runs; under CI=true it must (`.ci/run` installs it).
fn client(tool: &str) -> bool {
    let found = Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        found || std::env::var("CI").as_deref() != Ok("true"),
        "{tool} is required under CI=true (.ci/run installs it)"
    );
    if !found {
        eprintln!("note: {tool} not found; test skipped");
    }
    found
}

fn write(dir: &Path, name: &str, contents: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, contents).unwrap();
}

/// stdout and stderr together, as a user reads them.
fn text(output: &Output) -> String {
    let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&output.stderr));
    text
}

/// `PATH` with the directory of the `kroute` under test first.
fn path_with_kroute() -> std::ffi::OsString {
    let bin = Path::new(env!("CARGO_BIN_EXE_kroute")).parent().unwrap();
    let path = std::env::var_os("PATH").unwrap_or_default();
    let dirs = std::iter::once(bin.to_path_buf()).chain(std::env::split_paths(&path));
    std::env::join_paths(dirs).unwrap()
}

// ---------------------------------------------------------------------------------------
// pre-commit

const DEPLOYMENT: &str = "apiVersion: apps/v1
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
          ports: [{name: http, containerPort: 8080}]
";

/// Selects the Deployment of the other file; `SELECTOR` is at line 6, column 13.
const SERVICE: &str = "apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: SELECTOR
  ports: [{port: 80, targetPort: http}]
";

const FIXED: &str = "{app: web}";
const TYPO: &str = "{app: wbe}";

/// What else a repository of manifests holds: YAML and JSON that is not Kubernetes, which
/// never fails the hooks.
const OTHER_FILES: &[(&str, &str)] = &[
    (
        ".github/workflows/ci.yml",
        "name: CI\non:\n  push:\n    branches: [main]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v5\n      - run: make test\n",
    ),
    (
        "docker-compose.yml",
        "services:\n  web:\n    image: nginx:1.27\n    ports: [\"8080:80\"]\n",
    ),
    ("chart/Chart.yaml", "apiVersion: v2\nname: web\nversion: 0.1.0\n"),
    ("chart/values.yaml", "replicaCount: 1\n"),
    (
        "chart/templates/deployment.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  {{- if .Values.replicaCount }}\n  replicas: {{ .Values.replicaCount }}\n  {{- end }}\n",
    ),
    (
        ".pre-commit-config.yaml",
        "repos:\n  - repo: https://github.com/pre-commit/pre-commit-hooks\n    rev: v5.0.0\n    hooks:\n      - id: check-yaml\n",
    ),
    (
        "mkdocs.yml",
        "site_name: Web\nmarkdown_extensions:\n  - pymdownx.emoji:\n      emoji_index: !!python/name:material.extensions.emoji.twemoji\nextra:\n  analytics:\n    property: !ENV GOOGLE_ANALYTICS_KEY\n",
    ),
    // An Ansible playbook, with a duplicate key Ansible accepts.
    (
        "ansible/site.yml",
        "- hosts: all\n  become: true\n  become: false\n  tasks:\n    - ping:\n",
    ),
    (
        "cloudformation/bucket.yaml",
        "AWSTemplateFormatVersion: \"2010-09-09\"\nResources:\n  Bucket:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: !Sub \"${AWS::StackName}-web\"\n",
    ),
    (
        ".devcontainer/devcontainer.json",
        "{\n  // JSON with comments\n  \"name\": \"web\",\n  \"image\": \"mcr.microsoft.com/devcontainers/rust:1\",\n}\n",
    ),
    ("package.json", "{\"name\": \"web\", \"version\": \"1.0.0\"}\n"),
];

/// A git repository with a Deployment, the Service of another file that selects it, and
/// [`OTHER_FILES`]; and a `PRE_COMMIT_HOME` of its own.
struct Repository {
    dir: TempDir,
    home: TempDir,
}

impl Repository {
    fn new() -> Repository {
        let repo = Repository {
            dir: TempDir::new().unwrap(),
            home: TempDir::new().unwrap(),
        };
        let d = repo.dir.path();
        write(d, "k8s/deployment.yaml", DEPLOYMENT);
        repo.service(FIXED);
        for (name, contents) in OTHER_FILES {
            write(d, name, contents);
        }
        repo.git(&["init", "-q"]);
        repo.git(&["add", "-A"]);
        repo.git(&["commit", "-q", "-m", "manifests"]);
        repo
    }

    fn service(&self, selector: &str) {
        write(
            self.dir.path(),
            "k8s/service.yaml",
            &SERVICE.replace("SELECTOR", selector),
        );
    }

    fn git(&self, args: &[&str]) {
        let status = Command::new("git")
            .args(args)
            .current_dir(self.dir.path())
            .envs(GIT_IDENTITY)
            .status()
            .unwrap();
        assert!(status.success(), "git {args:?}");
    }

    /// `pre-commit try-repo` of this repository's `hook` on `files` (all when empty):
    /// whether it passed, and what it printed.
    fn try_hook(&self, hook: &str, files: &[&str], env: &[(&str, &str)]) -> (bool, String) {
        let mut cmd = Command::new("pre-commit");
        cmd.args(["try-repo", ROOT, hook, "--color", "never"]);
        if files.is_empty() {
            cmd.arg("--all-files");
        } else {
            cmd.arg("--files").args(files);
        }
        let output = cmd
            .current_dir(self.dir.path())
            .env("PATH", path_with_kroute())
            .env("PRE_COMMIT_HOME", self.home.path())
            .envs(GIT_IDENTITY)
            .envs(env.iter().copied())
            .output()
            .unwrap();
        (output.status.success(), text(&output))
    }
}

/// For the commits of the test repository and of pre-commit's copy of this one.
const GIT_IDENTITY: [(&str, &str); 4] = [
    ("GIT_AUTHOR_NAME", "kroute tests"),
    ("GIT_AUTHOR_EMAIL", "tests@kroute.invalid"),
    ("GIT_COMMITTER_NAME", "kroute tests"),
    ("GIT_COMMITTER_EMAIL", "tests@kroute.invalid"),
];

/// The hook failed on the Service's selector, and on nothing else.
fn assert_fails_on_the_selector(passed: bool, output: &str) {
    assert!(!passed, "{output}");
    assert!(output.contains("error[KR201]"), "{output}");
    assert!(output.contains("k8s/service.yaml:6:13"), "{output}");
    assert_eq!(output.matches("error[").count(), 1, "{output}");
}

#[test]
fn pre_commit_checks_changed_files_against_the_repository() {
    if !client("pre-commit") {
        return;
    }
    let repo = Repository::new();
    let hook = |files: &[&str]| repo.try_hook("kroute-system", files, &[]);

    // The Service resolves only with the rest of the repository: alone, it selects nothing.
    let alone = Command::new(env!("CARGO_BIN_EXE_kroute"))
        .args(["check", "k8s/service.yaml"])
        .current_dir(repo.dir.path())
        .output()
        .unwrap();
    assert_eq!(alone.status.code(), Some(1), "{}", text(&alone));
    let (passed, output) = hook(&["k8s/service.yaml"]);
    assert!(passed, "{output}");
    // Every file at once: the files that are not Kubernetes never fail the hook, and the
    // files that are both passed and in the context are read once (no KR006).
    let (passed, output) = hook(&[]);
    assert!(passed, "{output}");

    repo.service(TYPO);
    let (passed, output) = hook(&["k8s/service.yaml", "mkdocs.yml", "docker-compose.yml"]);
    assert_fails_on_the_selector(passed, &output);
    let (passed, output) = hook(&[]);
    assert_fails_on_the_selector(passed, &output);
    assert!(!output.contains("KR006"), "{output}");
    // Only the changed files' findings are reported.
    let (passed, output) = hook(&["k8s/deployment.yaml", ".github/workflows/ci.yml"]);
    assert!(passed, "{output}");

    // The repository's `.kroute.yaml` applies, to the changed files and the context: its
    // `ignore-paths` are never read, even when they change.
    write(repo.dir.path(), "legacy/service.yaml", LEGACY);
    let (passed, output) = hook(&["legacy/service.yaml"]);
    assert!(
        !passed && output.contains("legacy/service.yaml:6:13"),
        "{output}"
    );
    write(
        repo.dir.path(),
        ".kroute.yaml",
        "ignore-paths: [legacy/]
",
    );
    let (passed, output) = hook(&["legacy/service.yaml", ".kroute.yaml"]);
    assert!(passed, "{output}");
}

/// An autoscaler whose target is a typo of the Deployment `web`: a safe fix.
const HPA_TYPO: &str = "apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: web
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: wbe   # the Deployment is `web`
  maxReplicas: 3
";

/// `kroute-fix-system` repairs the changed file; pre-commit fails the hook because it
/// modified a file and shows the diff, and the next run (after `git add`) passes. A finding
/// with no safe fix fails the hook and leaves the file as it was.
#[test]
fn pre_commit_fix_hook_repairs_the_changed_files() {
    if !client("pre-commit") {
        return;
    }
    let repo = Repository::new();
    write(repo.dir.path(), "k8s/hpa.yaml", HPA_TYPO);
    repo.git(&["add", "-A"]);
    let hook = |files: &[&str]| repo.try_hook("kroute-fix-system", files, &[]);
    let (passed, output) = hook(&["k8s/hpa.yaml"]);
    assert!(!passed, "{output}");
    assert!(
        output.contains("files were modified by this hook"),
        "{output}"
    );
    assert!(output.contains("fixed KR205 at k8s/hpa.yaml:9"), "{output}");
    let fixed = std::fs::read_to_string(repo.dir.path().join("k8s/hpa.yaml")).unwrap();
    assert_eq!(fixed, HPA_TYPO.replace("name: wbe", "name: web"));
    repo.git(&["add", "-A"]);
    let (passed, output) = hook(&["k8s/hpa.yaml"]);
    assert!(passed, "{output}");

    // Which side of a selector mismatch is wrong is for a human to say.
    repo.service(TYPO);
    let (passed, output) = hook(&["k8s/service.yaml"]);
    assert_fails_on_the_selector(passed, &output);
    let service = std::fs::read_to_string(repo.dir.path().join("k8s/service.yaml")).unwrap();
    assert_eq!(service, SERVICE.replace("SELECTOR", TYPO));
}

/// A Service of a directory the repository's configuration ignores, that selects nothing.
const LEGACY: &str = "apiVersion: v1
kind: Service
metadata:
  name: legacy
spec:
  selector: {app: legacy}
  ports: [{port: 80}]
";

/// The `language: rust` hooks, `kroute` and `kroute-all`, which pre-commit builds from this
/// repository with `cargo install` once for both. A target directory kept between runs and
/// an unoptimised release profile keep that to about a minute on a fresh clone; what is
/// tested is that pre-commit builds and runs the hooks, not the optimiser.
#[test]
fn pre_commit_builds_the_rust_hooks_from_this_repository() {
    if !client("pre-commit") {
        return;
    }
    let target = Path::new(env!("CARGO_BIN_EXE_kroute"))
        .ancestors()
        .nth(2)
        .unwrap()
        .join("pre-commit");
    let target = target.to_str().unwrap();
    let env = [
        ("CARGO_TARGET_DIR", target),
        ("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0"),
        ("CARGO_PROFILE_RELEASE_LTO", "false"),
        ("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "256"),
    ];
    let repo = Repository::new();
    repo.service(TYPO);
    let (passed, output) = repo.try_hook("kroute", &["k8s/service.yaml"], &env);
    assert_fails_on_the_selector(passed, &output);
    // Whatever file changed, `kroute-all` checks the whole repository.
    let (passed, output) = repo.try_hook("kroute-all", &["mkdocs.yml"], &env);
    assert_fails_on_the_selector(passed, &output);
    repo.service(FIXED);
    for hook in ["kroute", "kroute-all", "kroute-fix"] {
        let (passed, output) = repo.try_hook(hook, &["k8s/service.yaml"], &env);
        assert!(passed, "{hook}: {output}");
    }
}

/// The `.pre-commit-config.yaml` entry of the README.
#[test]
fn readme_pre_commit_entry_is_a_valid_config() {
    if !client("pre-commit") {
        return;
    }
    let dir = TempDir::new().unwrap();
    write(dir.path(), "config.yaml", &readme_block("### pre-commit"));
    let output = Command::new("pre-commit")
        .args(["validate-config", "config.yaml"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output));
    let output = Command::new("pre-commit")
        .args(["validate-manifest", ".pre-commit-hooks.yaml"])
        .current_dir(ROOT)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output));
}

/// The first YAML block of the README after `heading`.
fn readme_block(heading: &str) -> String {
    let readme = std::fs::read_to_string(Path::new(ROOT).join("README.md")).unwrap();
    let section = &readme[readme.find(heading).expect(heading)..];
    let start = section.find("```yaml\n").expect("a yaml block") + "```yaml\n".len();
    let end = section[start..].find("```").unwrap();
    section[start..start + end].to_string()
}

// ---------------------------------------------------------------------------------------
// GitHub Action

/// The README's workflow as it is, and using the action from the workspace (`uses: ./`),
/// which actionlint checks against `action.yml`: inputs, outputs and expressions.
#[test]
fn readme_workflow_passes_actionlint() {
    if !client("actionlint") {
        return;
    }
    let workflow = readme_block("### GitHub Action");
    let remote = "uses: OWNER/kroute@v0.1.0";
    assert!(workflow.contains(remote), "{workflow}");
    let local = workflow.replace(remote, "uses: ./");
    let action = std::fs::read_to_string(Path::new(ROOT).join("action.yml")).unwrap();
    for (workflow, problem) in [
        (workflow.clone(), None),
        (local.clone(), None),
        (
            local.replace("paths: k8s/", "paths: k8s/\n          path: k8s/"),
            Some("input \"path\" is not defined"),
        ),
        (
            local.replace("outputs.sarif-file", "outputs.sarif"),
            Some("property \"sarif\" is not defined"),
        ),
    ] {
        let dir = TempDir::new().unwrap();
        write(dir.path(), ".github/workflows/kroute.yml", &workflow);
        write(dir.path(), "action.yml", &action);
        // actionlint reads local actions in the git repository of the workflow.
        let init = Command::new("git")
            .args(["init", "-q"])
            .current_dir(dir.path())
            .status();
        assert!(init.unwrap().success());
        let output = Command::new("actionlint")
            .args(["-no-color", ".github/workflows/kroute.yml"])
            .current_dir(dir.path())
            .output()
            .unwrap();
        let found = text(&output);
        match problem {
            None => assert!(output.status.success(), "{found}\n{workflow}"),
            // What makes sure the action was read.
            Some(problem) => assert!(found.contains(problem), "{found}\n{workflow}"),
        }
    }
}

#[test]
fn scripts_pass_shellcheck() {
    if !client("shellcheck") {
        return;
    }
    for script in [
        "scripts/github-action.sh",
        "scripts/bench.sh",
        "scripts/fuzz.sh",
        "scripts/webhook-e2e.sh",
    ] {
        let output = Command::new("shellcheck")
            .arg(script)
            .current_dir(ROOT)
            .output()
            .unwrap();
        assert!(output.status.success(), "{script}: {}", text(&output));
    }
}

/// Without a cluster (no kubeconfig), the webhook's end-to-end script skips cleanly.
#[test]
fn webhook_e2e_script_skips_without_a_cluster() {
    let home = TempDir::new().unwrap();
    let output = Command::new("bash")
        .arg("scripts/webhook-e2e.sh")
        .current_dir(ROOT)
        .env_remove("KUBECONFIG")
        .env("HOME", home.path())
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output));
    assert!(
        text(&output).contains("webhook-e2e: skipped:"),
        "{}",
        text(&output)
    );
}

/// Without the corpus generator the benchmark script says so and stops before building.
#[test]
fn bench_script_skips_without_the_generator() {
    let output = Command::new("bash")
        .args(["scripts/bench.sh", "1000"])
        .env("GEN_CORPUS", "/nonexistent/gen-corpus")
        .current_dir(ROOT)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("skipped: no corpus generator"),
        "{}",
        text(&output)
    );
}

/// Runs a step of the action's script with `env`; its exit code, what it printed and the
/// outputs it wrote to `$GITHUB_OUTPUT`.
fn action_step(step: &str, env: &[(&str, &str)]) -> (Option<i32>, String, Vec<String>) {
    let dir = TempDir::new().unwrap();
    let outputs = dir.path().join("outputs");
    let output = Command::new("bash")
        .arg(Path::new(ROOT).join("scripts/github-action.sh"))
        .arg(step)
        .current_dir(ROOT)
        .env("PATH", path_with_kroute())
        .env("GITHUB_OUTPUT", &outputs)
        .env("GITHUB_ACTION_PATH", ROOT)
        .env("RUNNER_OS", "Linux")
        .env("RUNNER_TEMP", dir.path())
        .env("HOME", dir.path())
        .envs(env.iter().copied())
        .output()
        .unwrap();
    let written = std::fs::read_to_string(&outputs).unwrap_or_default();
    let lines = written.lines().map(str::to_string).collect();
    (output.status.code(), text(&output), lines)
}

#[test]
fn action_installs_from_its_own_source_or_the_version_asked_for() {
    let (code, out, outputs) = action_step("key", &[("KROUTE_ACTION_REF", "v0.1.0")]);
    assert_eq!(code, Some(0), "{out}");
    assert_eq!(outputs[..2], ["version=v0.1.0", "source=path"], "{out}");
    let key = outputs[2].strip_prefix("key=kroute-Linux-v0.1.0-").unwrap();
    assert!(key.len() == 16 && key.bytes().all(|b| b.is_ascii_hexdigit()));
    // The same source, the same key.
    let (_, _, again) = action_step("key", &[("KROUTE_ACTION_REF", "v0.1.0")]);
    assert_eq!(again, outputs);

    let other = [
        ("KROUTE_ACTION_REF", "v0.1.0"),
        ("KROUTE_ACTION_REPOSITORY", "example/kroute"),
        ("KROUTE_VERSION", "v0.0.9"),
        ("GITHUB_SERVER_URL", "https://github.example"),
    ];
    let (code, out, outputs) = action_step("key", &other);
    assert_eq!(code, Some(0), "{out}");
    assert_eq!(
        outputs,
        [
            "version=v0.0.9",
            "source=https://github.example/example/kroute",
            "key=kroute-Linux-v0.0.9",
        ]
    );

    // `install` hands them to `cargo install --locked`; a stand-in cargo records how.
    let bin = TempDir::new().unwrap();
    let calls = bin.path().join("calls");
    write(
        bin.path(),
        "cargo",
        &format!("#!/bin/sh\necho \"$@\" >> '{}'\n", calls.display()),
    );
    make_executable(&bin.path().join("cargo"));
    let path = std::env::join_paths(
        std::iter::once(bin.path().to_path_buf())
            .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
    )
    .unwrap();
    let path = path.to_str().unwrap();
    for (source, version) in [
        ("path", "v0.1.0"),
        ("https://github.example/example/kroute", "v0.0.9"),
    ] {
        let env = [
            ("PATH", path),
            ("KROUTE_SOURCE", source),
            ("KROUTE_VERSION", version),
        ];
        let (code, out, _) = action_step("install", &env);
        assert_eq!(code, Some(0), "{out}");
    }
    let calls = std::fs::read_to_string(&calls).unwrap();
    let calls: Vec<&str> = calls.lines().collect();
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert!(
        calls[0].starts_with("install --locked --force --root ")
            && calls[0].ends_with(&format!("/.cargo --path {ROOT}")),
        "{calls:?}"
    );
    assert!(
        calls[1]
            .ends_with("/.cargo --git https://github.example/example/kroute --rev v0.0.9 kroute"),
        "{calls:?}"
    );
}

fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// The `fix` input writes the safe fixes as a patch that `git apply` takes, and changes
/// no manifest.
#[test]
fn action_fix_writes_a_patch_of_the_safe_fixes() {
    let dir = TempDir::new().unwrap();
    let demo = dir.path().join("demo");
    std::fs::create_dir(&demo).unwrap();
    for entry in std::fs::read_dir(Path::new(ROOT).join("testdata/demo")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, demo.join(path.file_name().unwrap())).unwrap();
    }
    let patch = dir.path().join("out/kroute.patch");
    let (patch, demo) = (patch.to_str().unwrap(), demo.to_str().unwrap());
    let (code, out, outputs) = action_step("check", &[("INPUT_PATHS", demo), ("INPUT_FIX", patch)]);
    assert_eq!(code, Some(1), "{out}");
    assert_eq!(
        outputs.last().map(String::as_str),
        Some(format!("fix-file={patch}").as_str())
    );
    let diff = std::fs::read_to_string(patch).unwrap();
    assert!(
        diff.contains("-    name: fronted\n+    name: frontend\n"),
        "{diff}"
    );
    for name in ["checkout.yaml", "frontend.yaml", "policies.yaml"] {
        let before = std::fs::read(Path::new(ROOT).join("testdata/demo").join(name)).unwrap();
        assert_eq!(
            std::fs::read(Path::new(demo).join(name)).unwrap(),
            before,
            "{name}"
        );
    }
    // `git apply` (outside a repository: as a plain patch) takes it at the root of the paths.
    let applied = Command::new("git")
        .args(["apply", "--unsafe-paths", "-p1", "--directory=."])
        .arg(patch)
        .current_dir("/")
        .output()
        .unwrap();
    assert!(applied.status.success(), "{}", text(&applied));
    let fixed = std::fs::read_to_string(Path::new(demo).join("policies.yaml")).unwrap();
    assert!(fixed.contains("name: frontend"), "{fixed}");
}

#[test]
fn action_check_annotates_writes_sarif_and_sets_the_outputs() {
    let dir = TempDir::new().unwrap();
    let sarif = dir.path().join("reports/kroute.sarif");
    let sarif = sarif.to_str().unwrap();
    let env = [
        ("INPUT_PATHS", "testdata/demo"),
        ("INPUT_SARIF_FILE", sarif),
    ];
    let (code, out, outputs) = action_step("check", &env);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("::error file=testdata/demo/checkout.yaml,line=79,col=5,"),
        "{out}"
    );
    let sarif_output = format!("sarif-file={sarif}");
    assert_eq!(outputs, ["errors=6", "warnings=1", sarif_output.as_str()]);
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(sarif).unwrap()).unwrap();
    assert_eq!(report["version"], "2.1.0");
    // The demo's findings, and a KR103 info for each Istio, Knative and Gateway API kind,
    // which have no embedded schema.
    let results = report["runs"][0]["results"].as_array().unwrap();
    let findings = results.iter().filter(|r| r["ruleId"] != "KR103").count();
    assert_eq!(findings, 7);

    // Paths on several lines; a baseline of the demo's findings, so nothing is new, not
    // even at the lowest `fail-on`.
    let baseline = dir.path().join("baseline.json");
    let written = Command::new(env!("CARGO_BIN_EXE_kroute"))
        .args(["check", "--write-baseline"])
        .arg(&baseline)
        .arg("testdata/demo")
        .current_dir(ROOT)
        .output()
        .unwrap();
    assert!(written.status.success(), "{}", text(&written));
    let env = [
        (
            "INPUT_PATHS",
            "testdata/demo/checkout.yaml\n  testdata/demo\n",
        ),
        ("INPUT_BASELINE", baseline.to_str().unwrap()),
        ("INPUT_FAIL_ON", "info"),
    ];
    let (code, out, outputs) = action_step("check", &env);
    assert_eq!(code, Some(0), "{out}");
    assert_eq!(outputs, ["errors=0", "warnings=0", "sarif-file="]);

    // A configuration file that turns the Kubernetes rules off.
    let config = dir.path().join("kroute.yaml");
    std::fs::write(&config, "rules:\n  disable: [KR2]\n").unwrap();
    let env = [
        ("INPUT_PATHS", "testdata/demo"),
        ("INPUT_CONFIG", config.to_str().unwrap()),
    ];
    let (code, out, outputs) = action_step("check", &env);
    assert_eq!(code, Some(1), "{out}");
    assert!(!out.contains("title=KR2"), "{out}");
    assert_eq!(outputs, ["errors=3", "warnings=0", "sarif-file="]);
}
