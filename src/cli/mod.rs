//! Command-line interface: argument parsing and the commands. `main` maps the result to an
//! exit code.

mod policy_test;
mod webhook;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::builder::{PossibleValue, PossibleValuesParser};
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::checks::{registry, rule};
use crate::config::{self, Config};
use crate::diagnostic::Severity;
use crate::pipeline::baseline::Baseline;
use crate::pipeline::render::Renderer;
use crate::pipeline::{check, CheckOptions, Outcome};
use crate::platform::{self, Profile};
use crate::policy::Engine;
use crate::report::{escape, github, human, json, junit, sarif, Summary};
use crate::source::collect_inputs_noting;
use crate::yaml::Limits;

/// Exit codes: nothing at or above `--fail-on`, findings at or above it, usage or I/O error.
pub const EXIT_OK: u8 = 0;
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_USAGE: u8 = 2;

#[derive(Parser, Debug)]
#[command(
    name = "kroute",
    version,
    about = "Statically check the routing chain of Kubernetes, Istio and Knative manifests",
    long_about = "kroute loads Kubernetes manifests, builds the routing graph of gateways, hosts, routes, \
services and workloads, and reports every broken discovery path with the file, line and column of the node at fault.",
    after_help = "Examples:\n  kroute check k8s/\n  kroute check --format json deploy/*.yaml\n  helm template my-app ./chart | kroute check -\n  kroute graph testdata/demo | dot -Tsvg > shop.svg\n  kroute trace shop.example.com/cart testdata/demo\n  kroute rules\n  kroute explain KR201\n\nExit codes: 0 no findings at or above --fail-on, 1 findings, 2 usage or I/O error."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check manifests and report broken discovery paths
    #[command(
        after_help = "Examples:\n  kroute check testdata/demo\n  kroute check --format json --fail-on warning k8s/ istio/\n  kubectl kustomize overlays/prod | kroute check -\n  kroute check --default-namespace shop shop/*.yaml\n  kroute check --context k8s/ k8s/shop/cart.yaml   # a changed file against the repository\n  kroute check --platform istio,knative-istio k8s/\n  kroute check --context platform-stubs/ k8s/\n  kroute check --format github --output sarif=kroute.sarif k8s/   # in a GitHub Actions job\n  kroute check --write-baseline kroute-baseline.json k8s/   # accept today's findings\n  kroute check --baseline kroute-baseline.json k8s/         # fail on new ones only"
    )]
    Check(CheckArgs),
    /// Apply the safe fixes of the findings and report what remains (`check --fix`)
    #[command(
        after_help = "Examples:\n  kroute fix k8s/\n  kroute fix --diff k8s/              # show the fixes, write nothing\n  kroute fix --unsafe-fixes k8s/      # also the fixes a human should confirm\n\nExit codes: as `check`, for the findings that remain; with --diff 1 when there is something to fix."
    )]
    Fix(CheckArgs),
    /// List every rule with its code, default severity and summary
    #[command(
        after_help = "Examples:\n  kroute rules\n  kroute rules --format json\n  kroute rules --format markdown > docs/rules.md"
    )]
    Rules(RulesArgs),
    /// Print the full documentation of a rule
    #[command(after_help = "Examples:\n  kroute explain KR201\n  kroute explain kr005")]
    Explain {
        /// Rule code, e.g. KR201
        code: String,
    },
    /// Draw the routing graph: entry points, routes, Services and workloads, broken edges in red
    #[command(
        after_help = "Examples:\n  kroute graph testdata/demo | dot -Tsvg > shop.svg\n  kroute graph --format mermaid k8s/ istio/\n  kroute graph --focus Service/shop/cart testdata/demo\n  kroute graph --focus shop.example.com --format json testdata/demo\n\nExit codes: 0 graph printed, 2 usage or I/O error (also: --focus matches nothing)."
    )]
    Graph(GraphArgs),
    /// Follow a request for HOST[:PORT][/PATH] hop by hop to the pods, or to where it breaks
    #[command(
        after_help = "Examples:\n  kroute trace shop.example.com/cart testdata/demo\n  kroute trace shop.example.com:80/checkout testdata/demo\n  kroute trace cart.shop.svc.cluster.local:7070 testdata/demo\n  kroute trace --format json bookinfo.example.com/productpage samples/bookinfo/\n\nWithout a port every port is traced; without a path every rule that may match is.\n\nExit codes: 0 at least one complete path, 1 every path breaks or none exists, 2 usage or I/O error."
    )]
    Trace(TraceArgs),
    /// Write a commented starter `.kroute.yaml` (never over an existing one)
    #[command(
        after_help = "Examples:\n  kroute init\n  kroute init deploy/\n\nExit codes: 0 written, 2 the file exists or cannot be written."
    )]
    Init {
        /// Directory to write `.kroute.yaml` in
        #[arg(default_value = ".", value_name = "DIR")]
        dir: PathBuf,
    },
    /// Work with policies: `kroute policy test DIR`
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Serve a Kubernetes validating admission webhook over HTTPS
    #[command(
        after_help = "Examples:\n  kroute webhook --tls-cert tls.crt --tls-key tls.key --inventory gitops/\n  kroute webhook --listen 127.0.0.1:8443 --tls-cert tls.crt --tls-key tls.key --dry-run\n\nEndpoints: POST /validate (AdmissionReview v1, v1beta1), GET /healthz, /readyz, /metrics.\nExit codes: 0 stopped by SIGTERM or SIGINT, 2 usage, certificate or bind error."
    )]
    Webhook(webhook::WebhookArgs),
}

#[derive(Subcommand, Debug)]
pub enum PolicyCommand {
    /// Run the policy test cases under DIR: each directory with a `kroute-test.yaml` (the
    /// policies, and the findings they must report on the manifests beside it)
    #[command(
        after_help = "Examples:\n  kroute policy test policies/tests\n\nExit codes: 0 every case passes, 1 a case fails (the differences are listed), 2 a test file or policy is wrong."
    )]
    Test {
        /// Directory searched for `kroute-test.yaml` files
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },
}

/// Report formats of `check`.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Format {
    /// Source snippets with the node underlined (the default)
    Human,
    /// One JSON object: the findings and the summary
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and SARIF viewers
    Sarif,
    /// GitHub Actions workflow commands (annotations), and a job summary in $GITHUB_STEP_SUMMARY
    Github,
    /// JUnit XML: a test case for each object
    Junit,
}

/// `--output FORMAT=PATH`: one more report, written to a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Output {
    pub format: Format,
    pub path: PathBuf,
}

fn parse_output(value: &str) -> Result<Output, String> {
    let (format, path) = value
        .split_once('=')
        .filter(|(_, p)| !p.is_empty())
        .ok_or_else(|| format!("`{value}` is not FORMAT=PATH (e.g. sarif=kroute.sarif)"))?;
    let format = Format::from_str(format, true)?;
    Ok(Output {
        format,
        path: PathBuf::from(path),
    })
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Files, directories (searched recursively for .yaml/.yml/.json, honouring .gitignore) or `-` for stdin
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Output format (on stdout)
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Also write a report in FORMAT to PATH (repeatable), e.g. `--output sarif=kroute.sarif`
    #[arg(long, value_name = "FORMAT=PATH", value_parser = parse_output)]
    pub output: Vec<Output>,
    /// Hide the findings listed in FILE (written by --write-baseline): they are counted in
    /// the summary, and only new findings fail
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Write the current findings to FILE as a baseline, then report as if it were given
    /// with --baseline
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// Lowest severity that makes the exit code 1
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    #[command(flatten)]
    pub load: LoadArgs,
    /// Only read and parse the inputs (input rules KR0xx); skip the graph and other rules
    #[arg(long)]
    pub parse_only: bool,
    /// Fail (exit code 1) when the input holds no YAML document at all (an empty directory,
    /// an empty stdin from a failed `helm template | kroute check -`), instead of warning
    #[arg(long)]
    pub fail_on_empty: bool,
    /// Colour the human output
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
    /// Worker threads, 1 to 1024 (default: one per CPU)
    #[arg(long, short = 'j', value_name = "N", value_parser = parse_jobs)]
    pub jobs: Option<usize>,
    /// Also load PATH so that references resolve, without reporting on it: the rest of the
    /// repository (when checking changed files), or stub manifests of what the platform
    /// provides beyond the `--platform` profiles. Repeatable.
    #[arg(long, value_name = "PATH")]
    pub context: Vec<PathBuf>,
    /// Report a Secret that is referenced but not defined as an error, not an info: for
    /// repositories that keep every Secret (sealed, generated, or as stubs)
    #[arg(long)]
    pub strict_secrets: bool,
    /// Check each kustomization root as `kustomize build` (or `kubectl kustomize`) renders
    /// it, instead of its files; findings on objects a file defines unchanged are shown in
    /// that file
    #[arg(long)]
    pub kustomize: bool,
    /// Also enforce the policies in PATH (a policy file, or a directory of them), besides
    /// the built-in ones and the config's `policies.paths` (repeatable)
    #[arg(long = "policy", value_name = "PATH")]
    pub policy: Vec<PathBuf>,
    /// Evaluate no policy (built-in or other): the rules only
    #[arg(long, conflicts_with = "policy")]
    pub no_policies: bool,
    /// Skip schema validation (KR101-KR104)
    #[arg(long)]
    pub no_schema: bool,
    /// Report an unknown field (KR102) as a warning, not an error
    #[arg(long)]
    pub no_strict: bool,
    /// Also look for schemas in LOCATION (repeatable): a directory of JSON schemas (the
    /// layouts of kubeconform's schema collections) and CRD manifests, or a kubeconform
    /// path template such as `schemas/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json`.
    /// Local only: kroute never downloads schemas
    #[arg(long, value_name = "LOCATION")]
    pub schema_location: Vec<String>,
    /// Apply the safe fixes of the findings to the files (each checked again first: a fix
    /// that leaves its finding or creates another is rolled back), then report what remains
    #[arg(long)]
    pub fix: bool,
    /// With --fix or --diff: also apply the fixes a human should confirm (which side of a
    /// selector mismatch to change)
    #[arg(long)]
    pub unsafe_fixes: bool,
    /// Print the fixes --fix would apply as a unified diff, and write nothing; the exit code
    /// is 1 when there is something to fix. Works on stdin (`-`)
    #[arg(long)]
    pub diff: bool,
    /// The Kubernetes release whose removed and deprecated apiVersions KR104 reports
    #[arg(long, value_name = "VERSION", value_parser = parse_release,
          default_value_t = crate::schema::default_kubernetes_version())]
    pub kubernetes_version: crate::schema::Release,
}

/// Most worker threads `--jobs` accepts: far more than any machine has cores, and few
/// enough that the operating system can start them all.
pub const MAX_JOBS: usize = 1024;

/// `--jobs`: a number of threads from 1 to [`MAX_JOBS`].
fn parse_jobs(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(n) if (1..=MAX_JOBS).contains(&n) => Ok(n),
        _ => Err(format!(
            "`{text}` is not a number of worker threads from 1 to {MAX_JOBS}"
        )),
    }
}

/// `--kubernetes-version`: `1.33`, `v1.33` or `1.33.2`.
fn parse_release(text: &str) -> Result<crate::schema::Release, String> {
    crate::schema::Release::parse(text)
        .ok_or_else(|| format!("`{text}` is not a Kubernetes release (write it as 1.33)"))
}

/// The severity threshold of `--fail-on`; the command line's own type, so the diagnostic
/// model does not depend on clap.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum FailOn {
    Info,
    Warning,
    Error,
}

impl From<FailOn> for Severity {
    fn from(f: FailOn) -> Severity {
        match f {
            FailOn::Info => Severity::Info,
            FailOn::Warning => Severity::Warning,
            FailOn::Error => Severity::Error,
        }
    }
}

/// How manifests are read, shared by `check`, `graph` and `trace`.
#[derive(Args, Debug)]
pub struct LoadArgs {
    /// Namespace of objects that name none (for `trace`, also the namespace of a short host
    /// name) [default: the config's `default-namespace`, else `default`]
    #[arg(long, short = 'n', value_name = "NS", value_parser = parse_namespace)]
    pub default_namespace: Option<String>,
    /// Largest file accepted, in bytes
    #[arg(long, default_value_t = Limits::default().max_file_bytes, value_name = "BYTES")]
    pub max_file_size: u64,
    /// Most bytes read from all inputs together; files past it are not read (KR005)
    #[arg(long, default_value_t = Limits::default().max_total_bytes, value_name = "BYTES")]
    pub max_total_size: u64,
    /// Most YAML documents read from one file; the rest is not read (KR005)
    #[arg(long, default_value_t = Limits::default().max_documents, value_name = "N")]
    pub max_documents: usize,
    /// Also load what a standard install of platform NAME provides, so that references to it
    /// resolve (repeatable or comma-separated)
    ///
    /// Its gateways, Services and GatewayClasses are loaded like `--context` files: nothing
    /// is reported about them. What every Kubernetes cluster has (the `kubernetes` and
    /// `kube-dns` Services, each namespace's `default` ServiceAccount and `kube-root-ca.crt`
    /// ConfigMap) is always known.
    #[arg(long, value_name = "NAME", value_delimiter = ',', value_parser = platform_names())]
    pub platform: Vec<String>,
    /// Read this config file instead of the `.kroute.yaml` found in the current directory or
    /// a parent up to the repository root
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,
    /// Read no config file
    #[arg(long)]
    pub no_config: bool,
}

/// `--default-namespace`: a namespace name (a DNS-1123 label), as the config's
/// `default-namespace` must be.
fn parse_namespace(text: &str) -> Result<String, String> {
    if crate::manifest::names::is_dns1123_label(text) {
        Ok(text.to_string())
    } else {
        Err(format!(
            "`{}` is not a namespace name (lowercase letters, digits and `-`, at most 63, starting and ending with a letter or digit)",
            escape::text(text)
        ))
    }
}

/// The `--platform` names, with what each stands for in `--help`.
fn platform_names() -> PossibleValuesParser {
    PossibleValuesParser::new(platform::PROFILES.iter().map(|p| {
        let mut help = p.about.to_string();
        for r in p.requires {
            help.push_str(&format!(" (brings `{r}`)"));
        }
        PossibleValue::new(p.name).help(help)
    }))
}

/// How a command reads its inputs: the flags, over the config file's settings.
struct Loading {
    options: crate::manifest::LoadOptions,
    platforms: Vec<&'static Profile>,
    /// Stub manifests of the config's `external:` entries.
    external: Option<String>,
    config: Config,
}

impl LoadArgs {
    /// The config file these flags name or imply; `None` (after saying why) when it cannot
    /// be read or is wrong.
    fn config(&self, err: &mut dyn Write) -> std::io::Result<Option<Config>> {
        let path = match (&self.config, self.no_config) {
            (_, true) => None,
            (Some(path), false) => Some(path.clone()),
            (None, false) => config::discover(Path::new(".")).map(|p| relative_to_cwd(&p)),
        };
        let Some(path) = path else {
            return Ok(Some(Config::default()));
        };
        match config::load(&path) {
            Ok(config) => Ok(Some(config)),
            Err(e) => {
                writeln!(
                    err,
                    "kroute: config: {}",
                    e.to_string().replace('\n', "\nkroute: config: ")
                )?;
                Ok(None)
            }
        }
    }

    /// The flags over the config; `None` (after saying why) on a config or usage error.
    fn loading(&self, err: &mut dyn Write) -> std::io::Result<Option<Loading>> {
        let Some(config) = self.config(err)? else {
            return Ok(None);
        };
        let names = if self.platform.is_empty() {
            &config.platform
        } else {
            &self.platform
        };
        let platforms = match platform::select(names) {
            Ok(profiles) => profiles,
            Err(e) => {
                writeln!(err, "kroute: --platform: {e}")?;
                return Ok(None);
            }
        };
        let default_namespace = self
            .default_namespace
            .clone()
            .or_else(|| config.default_namespace.clone())
            .unwrap_or_else(|| "default".to_string());
        Ok(Some(Loading {
            options: crate::manifest::LoadOptions {
                default_namespace,
                limits: Limits {
                    max_file_bytes: self.max_file_size,
                    max_total_bytes: self.max_total_size,
                    max_documents: self.max_documents,
                    ..Limits::default()
                },
                replaced: None,
            },
            platforms,
            external: config::external_manifests(&config.external),
            config,
        }))
    }
}

/// `path` relative to the current directory when it is under it: how reports name it.
fn relative_to_cwd(path: &Path) -> PathBuf {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(cwd).ok())
        .map_or_else(|| path.to_path_buf(), Path::to_path_buf)
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum GraphFormat {
    Dot,
    Mermaid,
    Json,
}

#[derive(Args, Debug)]
pub struct GraphArgs {
    /// Files, directories or `-` for stdin, as for `check`
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Output format: Graphviz DOT, a Mermaid flowchart, or JSON
    #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
    pub format: GraphFormat,
    /// Keep only what is reachable from or to a host or an object (KIND/NAMESPACE/NAME, e.g. Service/shop/cart)
    #[arg(long, value_name = "HOST|KIND/NS/NAME")]
    pub focus: Option<String>,
    #[command(flatten)]
    pub load: LoadArgs,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum TraceFormat {
    Text,
    Json,
}

#[derive(Args, Debug)]
pub struct TraceArgs {
    /// The request: HOST[:PORT][/PATH], e.g. shop.example.com:80/cart or cart.shop.svc.cluster.local:7070
    #[arg(value_name = "HOST[:PORT][/PATH]")]
    pub request: String,
    /// Files, directories or `-` for stdin, as for `check`
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = TraceFormat::Text)]
    pub format: TraceFormat,
    #[command(flatten)]
    pub load: LoadArgs,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum RulesFormat {
    Human,
    Json,
    /// The rule reference with every rule's documentation (docs/rules.md)
    Markdown,
}

#[derive(Args, Debug)]
pub struct RulesArgs {
    /// Output format
    #[arg(long, value_enum, default_value_t = RulesFormat::Human)]
    pub format: RulesFormat,
}

/// Runs a parsed command line, writing to `out` and `err`; returns the exit code.
pub fn run(cli: Cli, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let result = match cli.command {
        Command::Check(args) => run_check(args, out, err),
        Command::Fix(args) => run_check(CheckArgs { fix: true, ..args }, out, err),
        Command::Rules(args) => run_rules(&args, out),
        Command::Explain { code } => run_explain(&code, out, err),
        Command::Graph(args) => run_graph(&args, out, err),
        Command::Trace(args) => run_trace(&args, out, err),
        Command::Init { dir } => run_init(&dir, out, err),
        Command::Policy(PolicyCommand::Test { dir }) => policy_test::run(&dir, out, err),
        Command::Webhook(args) => webhook::run(&args, err),
    };
    result.unwrap_or_else(|e| {
        // A reader that stops early (`kroute explain KR302 | head`) is not an error.
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            return EXIT_OK;
        }
        let _ = writeln!(err, "kroute: {e}");
        EXIT_USAGE
    })
}

/// Writes a report to standard output. A reader that stopped early (`| head`) is not an
/// error: the exit code must still say what the findings say.
fn write_report(out: &mut dyn Write, text: &str) -> std::io::Result<()> {
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// The worker threads: `--jobs` of them, else one per CPU; `None` (after saying why) when
/// they cannot be started.
fn worker_pool(
    jobs: Option<usize>,
    err: &mut dyn Write,
) -> std::io::Result<Option<rayon::ThreadPool>> {
    // 0 is rayon's "one per CPU".
    match rayon::ThreadPoolBuilder::new()
        .num_threads(jobs.unwrap_or(0))
        .build()
    {
        Ok(pool) => Ok(Some(pool)),
        Err(e) => {
            writeln!(err, "kroute: cannot start the worker threads: {e}")?;
            Ok(None)
        }
    }
}

fn run_check(args: CheckArgs, out: &mut dyn Write, err: &mut dyn Write) -> std::io::Result<u8> {
    // A pool of its own, not the global one: its size is this command's, and a failure to
    // start it is an error to report rather than a panic at the first parallel loop.
    let Some(pool) = worker_pool(args.jobs, err)? else {
        return Ok(EXIT_USAGE);
    };
    let Some(loading) = args.load.loading(err)? else {
        return Ok(EXIT_USAGE);
    };
    let Some(inputs) = inputs(&args.paths, &loading.config, err)? else {
        return Ok(EXIT_USAGE);
    };
    let fail_on_empty = args.fail_on_empty || loading.config.fail_on_empty;
    let Some(opts) = check_options(&args, loading, err)? else {
        return Ok(EXIT_USAGE);
    };
    let mut outcome = if args.fix || args.diff {
        match fix_inputs(&args, &inputs, &opts, &pool, out, err)? {
            Fixing::Done(code) => return Ok(code),
            Fixing::Remains(outcome) => *outcome,
        }
    } else {
        pool.install(|| check(&inputs, &opts))
    };
    for warning in &outcome.warnings {
        writeln!(err, "kroute: warning: {}", escape::text(warning))?;
    }
    if let Some(path) = &args.write_baseline {
        let baseline = Baseline::of(&outcome.diagnostics, &outcome.sources, &outcome.root);
        if let Err(e) = baseline.write(path) {
            writeln!(err, "kroute: {e}")?;
            return Ok(EXIT_USAGE);
        }
        outcome.apply_baseline(&baseline);
    }
    let summary = outcome.summary();
    let color = match args.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    let render = |format: Format, color: bool| report(format, &outcome, &summary, &args, color);
    write_report(out, &render(args.format, color))?;
    for output in &args.output {
        if let Err(e) = std::fs::write(&output.path, render(output.format, false)) {
            writeln!(err, "kroute: --output {}: {e}", output.path.display())?;
            return Ok(EXIT_USAGE);
        }
    }
    let github = std::iter::once(args.format)
        .chain(args.output.iter().map(|o| o.format))
        .any(|f| f == Format::Github);
    if github {
        append_step_summary(&outcome, &summary, &args, err)?;
    }
    let mut fails = summary.fails(args.fail_on.into());
    if outcome.documents == 0 && outcome.broken_files + outcome.failed_files == 0 {
        // Nothing checked is not a pass to rely on: a renderer that failed upstream
        // leaves an empty pipe.
        let what = if fail_on_empty { "error" } else { "warning" };
        writeln!(
            err,
            "kroute: {what}: the input holds no YAML document: nothing was checked{}",
            if fail_on_empty {
                ""
            } else {
                " (--fail-on-empty makes this fail)"
            }
        )?;
        fails |= fail_on_empty;
    }
    let code = exit_code(&outcome, fails, err)?;
    // The process ends right after this: freeing millions of nodes one by one would only
    // delay the exit.
    std::mem::forget(outcome);
    Ok(code)
}

/// The exit code of a check: 2 when an input could not be read (an I/O error), else 1 when
/// findings fail the run or a file was not understood (a check whose input was not
/// understood did not pass, whatever `--fail-on` or the config's severities say).
fn exit_code(outcome: &Outcome, fails: bool, err: &mut dyn Write) -> std::io::Result<u8> {
    let files = |n: usize| {
        if n == 1 {
            "1 file".to_string()
        } else {
            format!("{n} files")
        }
    };
    if outcome.failed_files > 0 {
        let n = outcome.failed_files;
        writeln!(err, "kroute: {} could not be read (KR001)", files(n))?;
        return Ok(EXIT_USAGE);
    }
    if fails {
        return Ok(EXIT_FINDINGS);
    }
    if outcome.broken_files > 0 {
        let n = outcome.broken_files;
        writeln!(
            err,
            "kroute: {} could not be parsed whole (KR001, KR005): the check did not pass",
            files(n)
        )?;
        return Ok(EXIT_FINDINGS);
    }
    Ok(EXIT_OK)
}

/// Where `--fix` or `--diff` leaves `check`: done with an exit code, or with the findings
/// that remain to report.
enum Fixing {
    Done(u8),
    Remains(Box<Outcome>),
}

/// `--fix` and `--diff`: applies the fixes in memory and checks again; `--diff` prints them
/// and is done, `--fix` writes them and reports what remains. What was fixed and what was
/// not goes to `err`.
fn fix_inputs(
    args: &CheckArgs,
    inputs: &[crate::source::Input],
    opts: &CheckOptions,
    pool: &rayon::ThreadPool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<Fixing> {
    use crate::pipeline::fix::{self, FixOptions};
    if !args.diff && inputs.contains(&crate::source::Input::Stdin) {
        writeln!(
            err,
            "kroute: standard input cannot be fixed in place; use --diff"
        )?;
        return Ok(Fixing::Done(EXIT_USAGE));
    }
    let options = FixOptions {
        unsafe_fixes: args.unsafe_fixes,
    };
    let fixed = pool.install(|| fix::fix(inputs, opts, options));
    let verb = if args.diff { "would fix" } else { "fixed" };
    for a in &fixed.applied {
        writeln!(
            err,
            "kroute: {verb} {} at {}:{}: {}",
            a.code, a.path, a.line, a.description
        )?;
    }
    for s in &fixed.skipped {
        let f = &s.fix;
        let line = format!(
            "not fixed: {} at {}:{} ({}): {}",
            f.code, f.path, f.line, f.description, s.why
        );
        writeln!(err, "kroute: {}", escape::text(&line))?;
    }
    if args.diff {
        // The diff is the files' own text, a patch: not escaped.
        let diff: String = fixed.changes.iter().map(fix::unified_diff).collect();
        write_report(out, &diff)?;
        let code = if fixed.changes.is_empty() {
            EXIT_OK
        } else {
            EXIT_FINDINGS
        };
        return Ok(Fixing::Done(code));
    }
    let mut failed = false;
    for change in &fixed.changes {
        if let Err(e) = fix::write(change) {
            writeln!(err, "kroute: {}", escape::text(&e.to_string()))?;
            failed = true;
        }
    }
    if failed {
        return Ok(Fixing::Done(EXIT_USAGE));
    }
    writeln!(
        err,
        "kroute: {} fixes applied in {} files",
        fixed.applied.len(),
        fixed.changes.len()
    )?;
    Ok(Fixing::Remains(Box::new(fixed.outcome)))
}

/// What the CI renderers read of `outcome`.
fn ci_run<'a>(
    outcome: &'a Outcome,
    summary: &'a Summary,
    args: &CheckArgs,
) -> crate::report::Run<'a> {
    crate::report::Run {
        diagnostics: &outcome.diagnostics,
        sources: &outcome.sources,
        summary,
        objects: &outcome.objects,
        root: &outcome.root,
        fail_on: args.fail_on.into(),
    }
}

/// The report of `outcome` in `format`.
fn report(
    format: Format,
    outcome: &Outcome,
    summary: &Summary,
    args: &CheckArgs,
    color: bool,
) -> String {
    let run = ci_run(outcome, summary, args);
    match format {
        Format::Json => json::render(&outcome.diagnostics, &outcome.sources, summary) + "\n",
        Format::Human => human::render(
            &outcome.diagnostics,
            &outcome.sources,
            summary,
            human::Style { color },
        ),
        Format::Sarif => sarif::render(&run),
        Format::Github => github::render(&run),
        Format::Junit => junit::render(&run),
    }
}

/// Appends the Markdown job summary to the file `$GITHUB_STEP_SUMMARY` names, when it is set
/// (in a GitHub Actions job).
fn append_step_summary(
    outcome: &Outcome,
    summary: &Summary,
    args: &CheckArgs,
    err: &mut dyn Write,
) -> std::io::Result<()> {
    let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) else {
        return Ok(());
    };
    let text = github::step_summary(&ci_run(outcome, summary, args));
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut file| file.write_all(text.as_bytes()));
    if let Err(e) = written {
        writeln!(
            err,
            "kroute: warning: GITHUB_STEP_SUMMARY {}: {e}",
            PathBuf::from(path).display()
        )?;
    }
    Ok(())
}

/// What `check` is asked to do besides reading the inputs; `None` (after saying why) on a
/// usage or I/O error.
fn check_options(
    args: &CheckArgs,
    loading: Loading,
    err: &mut dyn Write,
) -> std::io::Result<Option<CheckOptions>> {
    let context = if args.context.is_empty() {
        &loading.config.context
    } else {
        &args.context
    };
    let mut context = if context.is_empty() {
        Vec::new()
    } else {
        let Some(context) = inputs(context, &loading.config, err)? else {
            return Ok(None);
        };
        context
    };
    let kustomize = match args.kustomize.then(Renderer::find) {
        None => None,
        Some(Some(renderer)) => Some(renderer),
        Some(None) => {
            writeln!(
                err,
                "kroute: --kustomize needs `kustomize` or `kubectl` on PATH; install one, or check the files as they are (without --kustomize)"
            )?;
            return Ok(None);
        }
    };
    // The config's `baseline:` is the config form of `--baseline`; `--write-baseline`
    // writes a new one, so an old one (perhaps not written yet) is not read.
    let from_config = loading
        .config
        .baseline
        .as_deref()
        .filter(|_| args.write_baseline.is_none());
    let path = args.baseline.as_deref().or(from_config);
    let baseline = match path.map(Baseline::read).transpose() {
        Ok(baseline) => baseline,
        Err(e) => {
            writeln!(err, "kroute: {e}")?;
            return Ok(None);
        }
    };
    let policies = if args.no_policies || args.parse_only {
        None
    } else {
        let mut paths = loading.config.policy_paths.clone();
        paths.extend(args.policy.iter().cloned());
        let Some(engine) = policy_engine(&paths, &loading.config.findings, err)? else {
            return Ok(None);
        };
        let admission = crate::policy::admission_files(&paths);
        context.extend(admission.into_iter().map(crate::source::Input::File));
        Some(Arc::new(engine))
    };
    let configured = loading.config.schema_locations.iter();
    let Some(locations) = schema_locations(configured.chain(&args.schema_location), err)? else {
        return Ok(None);
    };
    Ok(Some(CheckOptions {
        policies,
        no_schema: args.no_schema,
        schema: crate::schema::Options {
            strict: !args.no_strict && loading.config.strict != Some(false),
            locations,
            kubernetes_version: args.kubernetes_version,
        },
        baseline,
        load: loading.options,
        parse_only: args.parse_only,
        context,
        platforms: loading.platforms,
        external: loading.external,
        strict_secrets: args.strict_secrets,
        kustomize,
        findings: loading.config.findings,
        template_kinds: loading.config.template_kinds,
    }))
}

/// The schema locations of the config and the command line, parsed; `None` after saying
/// which one is wrong.
pub(crate) fn schema_locations<'a>(
    given: impl Iterator<Item = &'a String>,
    err: &mut dyn Write,
) -> std::io::Result<Option<Vec<crate::schema::Location>>> {
    match given.map(|l| crate::schema::Location::parse(l)).collect() {
        Ok(locations) => Ok(Some(locations)),
        Err(e) => {
            writeln!(err, "kroute: {e}")?;
            Ok(None)
        }
    }
}

/// The built-in policies and those in `paths`, compiled, as `findings` selects them;
/// `None` (after listing every error with its place) when one is wrong.
pub fn policy_engine(
    paths: &[PathBuf],
    findings: &config::Findings,
    err: &mut dyn Write,
) -> std::io::Result<Option<Engine>> {
    let loaded = crate::policy::builtin::policies().and_then(|mut all| {
        all.extend(crate::policy::load_paths(paths)?);
        Ok(all)
    });
    let enabled = |p: &crate::policy::Policy| findings.rules.get(&p.id).unwrap_or(p.enabled);
    match loaded.and_then(|all| Engine::compile(all, enabled)) {
        Ok(engine) => Ok(Some(engine)),
        Err(errors) => {
            for e in errors {
                writeln!(err, "kroute: policy: {e}")?;
            }
            Ok(None)
        }
    }
}

/// The inputs `paths` name, less those the config's `ignore-paths` match; `None` (after
/// saying why) on a usage or I/O error.
fn inputs(
    paths: &[PathBuf],
    config: &Config,
    err: &mut dyn Write,
) -> std::io::Result<Option<Vec<crate::source::Input>>> {
    use crate::source::Input;
    let ignored = |input: &Input| match input {
        Input::File(path) | Input::HelmChart(path) | Input::Unreadable { path, .. } => {
            config.ignore_paths.matches(path)
        }
        Input::Stdin | Input::Memory { .. } => false,
    };
    let mut skipped = Vec::new();
    let collected = collect_inputs_noting(paths, &mut skipped);
    for s in skipped
        .iter()
        .filter(|s| !config.ignore_paths.matches(&s.path))
    {
        let path = escape::text(&s.path.display().to_string()).into_owned();
        writeln!(err, "kroute: warning: skipped {path}: {}", s.reason)?;
    }
    let inputs = match collected {
        Ok(inputs) => inputs
            .into_iter()
            .filter(|i| !ignored(i))
            .collect::<Vec<_>>(),
        Err(e) => {
            writeln!(err, "kroute: {}", escape::text(&e.to_string()))?;
            return Ok(None);
        }
    };
    if inputs
        .iter()
        .filter(|i| **i == crate::source::Input::Stdin)
        .count()
        > 1
    {
        writeln!(err, "kroute: `-` (stdin) can be given only once")?;
        return Ok(None);
    }
    Ok(Some(inputs))
}

/// Loads the inputs for `graph` and `trace`, warning about documents left out; with the
/// default namespace used.
fn load_model(
    paths: &[PathBuf],
    load: &LoadArgs,
    err: &mut dyn Write,
) -> std::io::Result<Option<(crate::pipeline::Model, String)>> {
    let Some(loading) = load.loading(err)? else {
        return Ok(None);
    };
    let Some(inputs) = inputs(paths, &loading.config, err)? else {
        return Ok(None);
    };
    let provided = crate::pipeline::Provided {
        profiles: &loading.platforms,
        external: loading.external.as_deref(),
    };
    let kinds = &loading.config.template_kinds;
    let model = crate::pipeline::model(&inputs, &loading.options, provided, kinds);
    if model.unreadable > 0 {
        writeln!(
            err,
            "kroute: warning: {} could not be read and {} left out; `kroute check` says why",
            if model.unreadable == 1 {
                "1 document".to_string()
            } else {
                format!("{} documents", model.unreadable)
            },
            if model.unreadable == 1 { "is" } else { "are" }
        )?;
    }
    Ok(Some((model, loading.options.default_namespace)))
}

fn run_graph(args: &GraphArgs, out: &mut dyn Write, err: &mut dyn Write) -> std::io::Result<u8> {
    use crate::report::graph;
    use crate::view::{Focus, GraphView};
    let focus = match args.focus.as_deref().map(Focus::parse).transpose() {
        Ok(focus) => focus,
        Err(e) => {
            writeln!(err, "kroute: --focus: {e}")?;
            return Ok(EXIT_USAGE);
        }
    };
    let Some((model, _)) = load_model(&args.paths, &args.load, err)? else {
        return Ok(EXIT_USAGE);
    };
    // What the platform provides is drawn only where the input's requests reach it.
    let input =
        |node: &crate::view::ViewNode| node.location.is_some_and(|(f, _)| f < model.platform);
    let mut view = GraphView::build(&model.inventory, &model.graph).around(input);
    if let Some(focus) = &focus {
        view = match view.focus(focus) {
            Ok(view) => view,
            Err(e) => {
                writeln!(err, "kroute: --focus: {e}")?;
                return Ok(EXIT_USAGE);
            }
        };
    }
    let text = match args.format {
        GraphFormat::Dot => graph::dot(&view, &model.sources),
        GraphFormat::Mermaid => graph::mermaid(&view),
        GraphFormat::Json => graph::json(&view, &model.sources),
    };
    write_report(out, &text)?;
    std::mem::forget(model);
    Ok(EXIT_OK)
}

fn run_trace(args: &TraceArgs, out: &mut dyn Write, err: &mut dyn Write) -> std::io::Result<u8> {
    let request = match crate::trace::Request::parse(&args.request) {
        Ok(request) => request,
        Err(e) => {
            writeln!(err, "kroute: {}", escape::text(&e.to_string()))?;
            return Ok(EXIT_USAGE);
        }
    };
    let Some((model, namespace)) = load_model(&args.paths, &args.load, err)? else {
        return Ok(EXIT_USAGE);
    };
    let trace = crate::trace::trace(&model.inventory, &model.graph, &request, &namespace);
    let text = match args.format {
        TraceFormat::Text => crate::report::trace::text(&trace, &model.sources),
        TraceFormat::Json => crate::report::trace::json(&trace, &model.sources),
    };
    write_report(out, &text)?;
    let complete = trace.complete() > 0;
    std::mem::forget(model);
    Ok(if complete { EXIT_OK } else { EXIT_FINDINGS })
}

fn run_rules(args: &RulesArgs, out: &mut dyn Write) -> std::io::Result<u8> {
    match args.format {
        RulesFormat::Json => out.write_all(crate::report::rules::json().as_bytes())?,
        RulesFormat::Markdown => out.write_all(crate::report::rules::markdown().as_bytes())?,
        RulesFormat::Human => {
            writeln!(out, "{:<7} {:<8} {:<6} SUMMARY", "CODE", "SEVERITY", "FIX")?;
            for e in registry() {
                writeln!(
                    out,
                    "{:<7} {:<8} {:<6} {}",
                    e.rule.code,
                    e.rule.severity.as_str(),
                    e.fix().map_or("-", |f| f.applicability.as_str()),
                    e.rule.summary
                )?;
            }
            for p in crate::policy::builtin::policies().unwrap_or_default() {
                let state = if p.enabled { "" } else { " (opt-in)" };
                let severity = p.severity.as_str();
                writeln!(
                    out,
                    "{:<7} {severity:<8} {:<6} {}{state}",
                    p.id, "-", p.summary
                )?;
            }
        }
    }
    Ok(EXIT_OK)
}

fn run_explain(code: &str, out: &mut dyn Write, err: &mut dyn Write) -> std::io::Result<u8> {
    if let Some(policy) = crate::policy::builtin::find(code) {
        writeln!(out, "{}", policy.docs_markdown())?;
        writeln!(
            out,
            "Default severity: {}; {} (`policies: {{enable: [{id}]}}` or `{{disable: [{id}]}}` in .kroute.yaml). Suppress for one object with the annotation `kroute.dev/ignore: \"{id}\"`. Source: rules/{id}.yaml.",
            policy.severity.as_str(),
            policy.default_state(),
            id = policy.id
        )?;
        return Ok(EXIT_OK);
    }
    match rule(code) {
        Some(entry) => {
            writeln!(out, "{}", entry.docs())?;
            writeln!(
                out,
                "\nDefault severity: {}. Suppress for one object with the annotation `kroute.dev/ignore: \"{}\"` (and `kroute.dev/ignore-reason`), or for many with an `ignore:` entry in .kroute.yaml.",
                entry.rule.severity.as_str(),
                entry.rule.code
            )?;
            if let Some(fix) = entry.fix() {
                writeln!(
                    out,
                    "Fix ({}, `kroute fix{}`): {}.",
                    fix.applicability.as_str(),
                    match fix.applicability {
                        crate::diagnostic::Applicability::Safe => "",
                        crate::diagnostic::Applicability::Unsafe => " --unsafe-fixes",
                    },
                    fix.what
                )?;
            }
            Ok(EXIT_OK)
        }
        None => {
            let policies = crate::policy::builtin::ids();
            let codes = registry()
                .iter()
                .map(|e| e.rule.code)
                .chain(policies.iter().map(String::as_str));
            writeln!(
                err,
                "kroute: no rule `{code}`{}; `kroute rules` lists them all",
                crate::inventory::did_you_mean(&code.to_ascii_uppercase(), codes)
            )?;
            Ok(EXIT_USAGE)
        }
    }
}

fn run_init(dir: &Path, out: &mut dyn Write, err: &mut dyn Write) -> std::io::Result<u8> {
    let path = dir.join(config::FILE_NAME);
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path);
    match file.and_then(|mut f| f.write_all(config::STARTER.as_bytes())) {
        Ok(()) => {
            writeln!(out, "wrote {}", path.display())?;
            Ok(EXIT_OK)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            writeln!(
                err,
                "kroute: {} exists; kroute init never overwrites it (remove it first to start over)",
                path.display()
            )?;
            Ok(EXIT_USAGE)
        }
        Err(e) => {
            writeln!(err, "kroute: {}: {e}", path.display())?;
            Ok(EXIT_USAGE)
        }
    }
}
