//! Drives the stages in order; the binary and the tests enter here.

use std::time::{Duration, Instant};

use crate::checks::{self, Context};
use crate::diagnostic::Diagnostic;
use crate::graph::RoutingGraph;
use crate::inventory::Inventory;
use crate::manifest::{self, LoadOptions};
use crate::platform::{self, Profile};
use crate::report::Summary;
use crate::source::{FileId, Input, SourceMap};

#[derive(Clone, Debug, Default)]
pub struct CheckOptions {
    pub load: LoadOptions,
    /// Stop after loading: report only the KR0xx input rules.
    pub parse_only: bool,
    /// More inputs loaded only so that references resolve (the rest of the repository, stub
    /// manifests of what the platform provides): nothing is reported about them.
    pub context: Vec<Input>,
    /// Platform profiles (`--platform`), loaded after the context as it is; the Kubernetes
    /// built-ins are loaded in any case.
    pub platforms: Vec<&'static Profile>,
}

/// The result of one `check` run.
#[derive(Debug)]
pub struct Outcome {
    pub sources: SourceMap,
    /// Sorted by file, position and code; suppressed ones included (see `suppressed`).
    pub diagnostics: Vec<Diagnostic>,
    /// Files and documents checked (context inputs excluded).
    pub files: usize,
    pub documents: usize,
    /// Files of `files` skipped as not manifests (tool configuration, Helm charts).
    pub skipped: usize,
    pub elapsed: Duration,
    pub inventory: Inventory,
    pub graph: RoutingGraph,
}

impl Outcome {
    /// Diagnostics that were not suppressed by `kroute.dev/ignore`.
    pub fn reported(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| !d.suppressed)
    }

    pub fn suppressed(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.suppressed).count()
    }

    /// The counts a report ends with.
    pub fn summary(&self) -> Summary {
        Summary::new(
            &self.diagnostics,
            self.files,
            self.documents,
            self.skipped,
            self.elapsed,
        )
    }
}

/// Loads `inputs` (and the context inputs), builds the inventory and the routing graph, and
/// runs every rule; reports only on `inputs`.
pub fn check(inputs: &[Input], opts: &CheckOptions) -> Outcome {
    let start = Instant::now();
    let checked = inputs.len();
    let canonical = |input: &Input| match input {
        Input::File(path) => std::fs::canonicalize(path).ok(),
        _ => None,
    };
    let given: std::collections::HashSet<_> = inputs.iter().filter_map(canonical).collect();
    let mut all = inputs.to_vec();
    all.extend(
        opts.context
            .iter()
            .filter(|c| canonical(c).is_none_or(|p| !given.contains(&p)))
            .cloned(),
    );
    let mut loaded = manifest::load(&all, &opts.load);
    let platform = platform::load(&mut loaded, &opts.platforms);
    let inventory = Inventory::build_with_platform(loaded.objects, platform);
    let graph = if opts.parse_only {
        RoutingGraph::default()
    } else {
        RoutingGraph::build(&inventory)
    };
    let ctx = Context {
        inv: &inventory,
        graph: &graph,
        issues: &loaded.issues,
        sources: &loaded.sources,
    };
    let mut diagnostics = if opts.parse_only {
        checks::registry()
            .iter()
            .filter(|e| e.rule.code.starts_with("KR0"))
            .flat_map(|e| {
                let mut out = Vec::new();
                (e.rule.run)(&ctx, &mut out);
                out
            })
            .collect()
    } else {
        checks::run(&ctx)
    };
    // Context and platform files come after the checked ones, so their ids are the high ones.
    diagnostics.retain(|d| (d.file.0 as usize) < checked);
    let sources = loaded.sources;
    diagnostics.sort_by(|a, b| {
        (sources.path(a.file), a.span, a.code, &a.message).cmp(&(
            sources.path(b.file),
            b.span,
            b.code,
            &b.message,
        ))
    });
    Outcome {
        sources,
        diagnostics,
        files: checked,
        documents: loaded.file_documents.iter().take(checked).sum(),
        skipped: loaded
            .file_skipped
            .iter()
            .take(checked)
            .filter(|s| **s)
            .count(),
        elapsed: start.elapsed(),
        inventory,
        graph,
    }
}

/// What `graph` and `trace` read: the inputs, inventory and routing graph, without the rules.
#[derive(Debug)]
pub struct Model {
    pub sources: SourceMap,
    pub inventory: Inventory,
    pub graph: RoutingGraph,
    /// Documents that could not be read as objects (syntax errors, templates, limits, broken
    /// objects): what they define is missing from the graph. `kroute check` reports them.
    pub unreadable: usize,
    /// The first file of what the platform provides (built-ins and `platforms`): files before
    /// it are the inputs.
    pub platform: FileId,
}

/// Loads `inputs` and the platform, and builds the inventory and the routing graph.
pub fn model(inputs: &[Input], load: &LoadOptions, platforms: &[&'static Profile]) -> Model {
    let mut loaded = manifest::load(inputs, load);
    let platform = platform::load(&mut loaded, platforms);
    let inventory = Inventory::build_with_platform(loaded.objects, platform);
    let graph = RoutingGraph::build(&inventory);
    Model {
        platform,
        sources: loaded.sources,
        inventory,
        graph,
        unreadable: loaded
            .issues
            .iter()
            .filter(|i| {
                !matches!(
                    i.kind,
                    manifest::LoadIssueKind::NotAnObject { obvious: true }
                        | manifest::LoadIssueKind::DuplicateObject { .. }
                )
            })
            .count(),
    }
}
