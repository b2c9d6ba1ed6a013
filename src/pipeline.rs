//! Drives the stages in order; the binary and the tests enter here.
//!
//! Each kustomization root is checked as its own scope ([`scope`]), optionally as
//! `kustomize build` renders it ([`render`]); without kustomizations there is one scope.

pub mod baseline;
pub mod fix;
pub mod render;
mod scope;
mod suppress;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::checks::{self, Context};
use crate::config::Findings;
use crate::diagnostic::{fingerprint, Checked, Diagnostic};
use crate::graph::RoutingGraph;
use crate::inventory::{Inventory, TemplateKinds};
use crate::manifest::{self, LoadIssue, LoadIssueKind, LoadOptions, Object, ObjectId, Stream};
use crate::platform::{self, Profile};
use crate::policy::Engine;
use crate::report::Summary;
use crate::schema::{self, Schemas};
use crate::source::{FileId, Input, RepoRoot, SourceMap, Span};
use baseline::Baseline;
use render::Renderer;
use scope::{Layout, Scope};

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
    /// Stub manifests of what the platform provides besides the profiles (the config's
    /// `external:` entries), loaded like a profile.
    pub external: Option<String>,
    /// A Secret referenced but not defined is an error rather than an info.
    pub strict_secrets: bool,
    /// Check each kustomization root as this program renders it (`--kustomize`).
    pub kustomize: Option<Renderer>,
    /// Which rules report, at which severity, and which findings are ignored (`.kroute.yaml`).
    pub findings: Findings,
    /// Pod-template owners declared besides the built-in ones (`.kroute.yaml`).
    pub template_kinds: TemplateKinds,
    /// Findings accepted earlier (`--baseline`): counted, not shown.
    pub baseline: Option<Baseline>,
    /// The compiled policies to evaluate (built-in and the user's), if any.
    pub policies: Option<Arc<Engine>>,
    /// Skip schema validation (`--no-schema`): no KR1xx findings.
    pub no_schema: bool,
    /// How objects are validated against their schemas.
    pub schema: schema::Options,
}

/// What the platform provides: the profiles and the config's `external:` stubs.
#[derive(Clone, Copy, Debug, Default)]
pub struct Provided<'a> {
    pub profiles: &'a [&'static Profile],
    pub external: Option<&'a str>,
}

/// The inventory and routing graph of one scope.
#[derive(Debug)]
pub struct ScopeModel {
    pub inventory: Inventory,
    pub graph: RoutingGraph,
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
    /// Files of `files` skipped as not manifests (tool configuration, Helm charts, patches).
    pub skipped: usize,
    pub elapsed: Duration,
    /// What kroute could not do and did otherwise (a kustomization `--kustomize` could not
    /// render was checked file by file), for the user to read.
    pub warnings: Vec<String>,
    /// The inventory and routing graph, when the input makes one scope (no kustomization).
    pub model: Option<ScopeModel>,
    /// The objects of the checked files, in file order: what a report lists as checked.
    pub objects: Vec<Checked>,
    /// What the paths of reports and the baseline are relative to.
    pub root: RepoRoot,
    /// Entries of the baseline for the checked files that matched no finding.
    pub baseline_stale: usize,
    /// Checked files not understood: a document that did not parse (`Broken`), or not read
    /// at all (`Failed`). Either fails the run whatever the findings' severities.
    pub broken_files: usize,
    pub failed_files: usize,
}

impl Outcome {
    /// Diagnostics that were not suppressed by `kroute.dev/ignore`.
    pub fn reported(&self) -> impl Iterator<Item = &Diagnostic> {
        crate::report::shown(&self.diagnostics)
    }

    /// The counts a report ends with.
    pub fn summary(&self) -> Summary {
        Summary {
            baseline_stale: self.baseline_stale,
            ..Summary::new(
                &self.diagnostics,
                self.files,
                self.documents,
                self.skipped,
                self.elapsed,
            )
        }
    }

    /// Hides the findings `baseline` lists and counts its entries that match none.
    pub fn apply_baseline(&mut self, baseline: &Baseline) {
        let checked: HashSet<String> = (0..self.files)
            .map(|f| FileId(u32::try_from(f).unwrap_or(u32::MAX)))
            .map(|f| self.root.display(self.sources.path(f)))
            .collect();
        self.baseline_stale = baseline.apply(&mut self.diagnostics, &checked, &self.root);
    }
}

/// Loads `inputs` (and the context inputs), divides them into scopes, builds each scope's
/// inventory and routing graph and runs every rule on it; reports only on `inputs`.
pub fn check(inputs: &[Input], opts: &CheckOptions) -> Outcome {
    let start = Instant::now();
    let (loaded, scopes, rendered, platform) = load_scopes(inputs, opts);
    let schemas = (!opts.no_schema && !opts.parse_only).then(|| {
        let scoped = scopes.iter().flat_map(|s| s.own.iter().chain(&s.generated));
        Schemas::new(loaded.objects.iter().chain(scoped), opts.schema.clone())
    });
    let loading = Loading {
        loaded,
        scopes,
        rendered,
        platform,
        checked: vec![true; inputs.len()],
        root: RepoRoot::discover(),
    };
    check_scopes(loading, opts, schemas.as_ref(), start)
}

/// Checks objects loaded already (an admission request's object and the stored objects
/// around it), as [`check`] checks files: one scope, what the platform provides loaded
/// after them, findings reported on the files `checked` names. `schemas` are shared across
/// calls so that each schema is compiled once (built with [`Schemas::new`] and
/// `opts.schema`); `None` skips schema validation. Paths are reported relative to `root`.
pub fn check_loaded(
    mut loaded: manifest::Loaded,
    checked: &[FileId],
    opts: &CheckOptions,
    schemas: Option<&Schemas>,
    root: &RepoRoot,
) -> Outcome {
    let start = Instant::now();
    let mut reported = vec![false; loaded.sources.len()];
    for file in checked {
        if let Some(flag) = reported.get_mut(file.0 as usize) {
            *flag = true;
        }
    }
    let (scope, platform) = one_scope(&mut loaded, opts);
    let loading = Loading {
        loaded,
        scopes: vec![scope],
        rendered: render::Rendered::default(),
        platform,
        checked: reported,
        root: root.clone(),
    };
    check_scopes(loading, opts, schemas, start)
}

/// What was loaded for a check, divided into scopes.
struct Loading {
    loaded: manifest::Loaded,
    scopes: Vec<Scope>,
    rendered: render::Rendered,
    /// The first file of what the platform provides.
    platform: FileId,
    /// Whether each file, by `FileId`, is reported on (a file past the end is not).
    checked: Vec<bool>,
    /// What reported paths are relative to.
    root: RepoRoot,
}

/// Checks every scope of `loading` and merges, suppresses and numbers what they found.
fn check_scopes(
    loading: Loading,
    opts: &CheckOptions,
    schemas: Option<&Schemas>,
    start: Instant,
) -> Outcome {
    let Loading {
        mut loaded,
        scopes,
        rendered,
        platform,
        checked,
        root,
    } = loading;
    let is_checked = |file: usize| checked.get(file).copied().unwrap_or(false);
    let count = |per_file: &[usize]| {
        let files = per_file.iter().enumerate();
        files.filter(|(f, _)| is_checked(*f)).map(|(_, n)| n).sum()
    };
    let documents = count(&loaded.file_documents);
    let skipped = loaded
        .file_skipped
        .iter()
        .enumerate()
        .filter(|(f, s)| is_checked(*f) && **s)
        .count();
    let reading = |r: manifest::Reading| {
        let files = loaded.file_read.iter().enumerate();
        files
            .filter(|(f, read)| is_checked(*f) && **read == r)
            .count()
    };
    let (broken_files, failed_files) = (
        reading(manifest::Reading::Broken),
        reading(manifest::Reading::Failed),
    );
    let objects = std::mem::take(&mut loaded.objects);
    let mut sources = loaded.sources;
    let mut reported = vec![false; sources.len()];
    let files = (0..checked.len()).filter(|f| is_checked(*f));
    for file in files.chain(rendered.files.iter().map(|f| f.0 as usize)) {
        reported[file] = true;
    }
    let run = Run {
        loaded: &objects,
        sources: &sources,
        reported: &reported,
        platform,
        opts,
        schemas: schemas.filter(|_| !opts.no_schema && !opts.parse_only),
    };
    // One scope's model is kept for the caller to free, or not (the command line exits
    // without); several are freed by the threads that built them.
    let single = scopes.len() == 1;
    let (found, model): (Vec<_>, Vec<_>) = scopes
        .into_par_iter()
        .map(|scope| {
            // Ignores are judged where they are written: not on a rendering's objects.
            let rendered = scope.rendering.is_some();
            let (found, model) = check_scope(scope, &run);
            let inputs = model.inventory.objects.iter();
            let annotated = if rendered {
                Vec::new()
            } else {
                suppress::annotated(inputs.filter(|o| is_checked(o.file.0 as usize)))
            };
            ((found, annotated), single.then_some(model))
        })
        .unzip();
    let (found, annotated): (Vec<_>, Vec<_>) = found.into_iter().unzip();
    let (diagnostics, mut checked_objects): (Vec<_>, Vec<_>) = found.into_iter().unzip();
    // With kustomizations the files' objects stay loaded (scopes copy them): list them too.
    let is_reported = |file: FileId| reported.get(file.0 as usize).copied().unwrap_or(false);
    checked_objects.push(listed(&objects, is_reported, Checked::of));
    let checked_objects = in_file_order(checked_objects.into_iter().flatten().collect(), &sources);
    let mut found = diagnostics.into_iter().flatten().collect();
    let seen = suppress::Seen {
        annotated: &annotated.concat(),
        objects: &checked_objects,
    };
    suppress::apply(
        &mut found,
        seen,
        &mut sources,
        &opts.findings,
        !opts.parse_only,
    );
    let mut diagnostics = merge(found, &sources);
    once_per_kind(&mut diagnostics);
    opts.findings.select(&mut diagnostics);
    fingerprint::number(&mut diagnostics, |f| root.display(sources.path(f)));
    let mut outcome = Outcome {
        diagnostics,
        objects: checked_objects,
        sources,
        files: checked.iter().filter(|c| **c).count(),
        documents,
        skipped,
        elapsed: start.elapsed(),
        warnings: rendered.warnings,
        model: model.into_iter().flatten().next(),
        root,
        baseline_stale: 0,
        broken_files,
        failed_files,
    };
    if let Some(baseline) = &opts.baseline {
        outcome.apply_baseline(baseline);
    }
    outcome
}

/// The objects of `objects` in the files `keep` selects, as a report lists them.
fn listed<'a>(
    objects: impl IntoIterator<Item = &'a Object>,
    keep: impl Fn(FileId) -> bool,
    list: fn(&Object) -> Checked,
) -> Vec<Checked> {
    objects
        .into_iter()
        .filter(|o| keep(o.file))
        .map(list)
        .collect()
}

/// `objects` once each (several scopes check one file), in file and position order.
fn in_file_order(mut objects: Vec<Checked>, sources: &SourceMap) -> Vec<Checked> {
    objects.sort_by(|a, b| {
        (sources.path(a.file()), a.span()).cmp(&(sources.path(b.file()), b.span()))
    });
    objects.dedup();
    objects
}

/// What every scope's check reads.
struct Run<'a> {
    /// The objects of the files, which scopes name by index.
    loaded: &'a [Object],
    sources: &'a SourceMap,
    /// Whether each file is reported on.
    reported: &'a [bool],
    /// The first file of what the platform provides.
    platform: FileId,
    opts: &'a CheckOptions,
    /// The schemas objects are validated against; none with `--no-schema`.
    schemas: Option<&'a Schemas>,
}

/// Finds the kustomizations of the inputs; loads the inputs, the context, what the
/// kustomizations include, the renderings of their roots (`--kustomize`) and what the
/// platform provides; and divides the objects into the scopes that have something to
/// report: one for everything when there is no kustomization.
fn load_scopes(
    inputs: &[Input],
    opts: &CheckOptions,
) -> (manifest::Loaded, Vec<Scope>, render::Rendered, FileId) {
    let (mut all, mut canonical) = with_context(inputs, &opts.context);
    let layout = Layout::discover(&canonical, &opts.load.limits);
    for path in layout.missing_files(&canonical) {
        all.push(Input::File(path.clone()));
        canonical.push(Some(path));
    }
    let mut loaded = manifest::load(&all, &opts.load);
    if layout.is_empty() {
        let (scope, platform) = one_scope(&mut loaded, opts);
        return (loaded, vec![scope], render::Rendered::default(), platform);
    }
    let namespace = &opts.load.default_namespace;
    let mut scopes = layout.scopes(&mut loaded, &canonical, inputs.len(), namespace);
    scopes.retain(|s| s.reported);
    let rendered = match &opts.kustomize {
        Some(renderer) => render::render(renderer, &layout, &mut scopes, &mut loaded, &opts.load),
        None => render::Rendered::default(),
    };
    // Rendered before the platform is loaded: its files are the last ones.
    let first = loaded.objects.len();
    let platform = provide(&mut loaded, opts);
    for scope in &mut scopes {
        scope.seen.extend(first..loaded.objects.len());
    }
    (loaded, scopes, rendered, platform)
}

/// Everything `loaded` holds as one reported scope, what the platform provides loaded after
/// it (returned: its first file), for a check without kustomizations.
fn one_scope(loaded: &mut manifest::Loaded, opts: &CheckOptions) -> (Scope, FileId) {
    let platform = provide(loaded, opts);
    let scope = Scope {
        own: std::mem::take(&mut loaded.objects),
        issues: std::mem::take(&mut loaded.issues),
        reported: true,
        ..Scope::default()
    };
    (scope, platform)
}

/// Loads what the platform provides (`opts.platforms`, `opts.external`) after `loaded`.
fn provide(loaded: &mut manifest::Loaded, opts: &CheckOptions) -> FileId {
    platform::load_with(loaded, &opts.platforms, opts.external.as_deref())
}

/// The inputs followed by the context inputs that are not inputs too, with the canonical
/// path of each file.
fn with_context(inputs: &[Input], context: &[Input]) -> (Vec<Input>, Vec<Option<PathBuf>>) {
    let canonical = |input: &Input| match input {
        Input::File(path) => std::fs::canonicalize(path).ok(),
        _ => None,
    };
    let mut paths: Vec<Option<PathBuf>> = inputs.iter().map(canonical).collect();
    let given: HashSet<PathBuf> = paths.iter().flatten().cloned().collect();
    let mut all = inputs.to_vec();
    for input in context {
        let path = canonical(input);
        if path.as_ref().is_none_or(|p| !given.contains(p)) {
            all.push(input.clone());
            paths.push(path);
        }
    }
    (all, paths)
}

/// What one scope found: the findings on its own reported files, and the objects of those
/// files.
type Found = (Vec<Diagnostic>, Vec<Checked>);

/// Checks one scope, and each alternative definition of its objects defined twice; keeps
/// what is reported on its own reported files, each finding with the hash of its place in
/// its object (`fingerprint::locate`).
fn check_scope(scope: Scope, run: &Run<'_>) -> (Found, ScopeModel) {
    let name = scope.name.clone().unwrap_or_default();
    let root = scope.root;
    let scope = scope.materialize(run.loaded);
    let own = scope.own_files.as_ref();
    let stream = root.and(own).map(|files| Stream { name: &name, files });
    let objects = platform::without_shadowed(scope.objects, run.platform);
    let definitions = manifest::first_definitions(objects, run.sources, stream);
    let is_reported = |file: FileId| run.reported.get(file.0 as usize).copied().unwrap_or(false);
    let keep = |file: FileId| is_reported(file) && own.is_none_or(|f| f.contains(&file));
    let alternatives = if run.opts.parse_only {
        Vec::new()
    } else {
        alternatives(&definitions.issues, keep)
    };
    let beside = beside_alternatives(&alternatives, &definitions.objects, run.sources);
    // Most scopes have no alternatives: then no finding's directory needs looking up.
    let judged_by = |file: FileId| {
        if beside.is_empty() {
            return None;
        }
        directory(run.sources, file).and_then(|d| beside.get(&d))
    };
    let mut issues = scope.issues;
    issues.extend(definitions.issues);
    let validated = |o: &Object| is_reported(o.file);
    let (mut diagnostics, model) = analyse(definitions.objects, &issues, &validated, run);
    // What loading found stays here; what references found beside an alternative is
    // judged in its run.
    diagnostics.retain(|d| judged_by(d.file).is_none() || checks::is_object_rule(d.code));
    diagnostics.par_extend(alternatives.into_par_iter().enumerate().flat_map_iter(
        |(k, alternative)| {
            let beside = |file: FileId| judged_by(file) == Some(&k);
            check_alternative(&model.inventory.objects, alternative, beside, run)
        },
    ));
    diagnostics.retain(|d| keep(d.file));
    // Findings mapped back from a rendering are in the files' objects, not the scope's.
    let mut mapped_into: &[Object] = &[];
    let rendered = scope.rendering.is_some();
    if let Some(rendering) = scope.rendering {
        let objects = &model.inventory.objects;
        rendering.map_back(run.loaded, objects, &mut diagnostics, run.sources);
        diagnostics.retain(|d| is_reported(d.file));
        mapped_into = run.loaded;
    }
    let later = issues.iter().filter_map(|i| i.object.as_deref());
    let objects = || model.inventory.objects.iter().chain(later.clone());
    fingerprint::locate(&mut diagnostics, objects().chain(mapped_into), run.sources);
    // A rendering's objects are the scope's alone: listed without their trees.
    let list = if rendered {
        Checked::detached
    } else {
        Checked::of
    };
    let checked = listed(objects(), keep, list);
    ((diagnostics, checked), model)
}

/// At most this many definitions of one object are checked, so that a stream of thousands
/// of copies stays linear; later ones are only reported as duplicates.
const MAX_ALTERNATIVES: usize = 8;

/// The later definitions of objects defined more than once, in reported files: the k-th
/// alternative replaces the first definition of every object defined more than k times by
/// its (k+1)-th.
fn alternatives(
    duplicates: &[LoadIssue],
    reported: impl Fn(FileId) -> bool,
) -> Vec<Vec<(ObjectId, Object)>> {
    let mut out: Vec<Vec<(ObjectId, Object)>> = Vec::new();
    let mut rank: HashMap<ObjectId, usize> = HashMap::new();
    for issue in duplicates {
        let (LoadIssueKind::DuplicateObject { first, .. }, Some(object)) =
            (&issue.kind, &issue.object)
        else {
            continue;
        };
        if !reported(object.file) {
            continue;
        }
        let k = rank.entry(*first).or_default();
        if *k < MAX_ALTERNATIVES {
            if out.len() <= *k {
                out.push(Vec::new());
            }
            out[*k].push((*first, object.as_ref().clone()));
            *k += 1;
        }
    }
    out
}

/// The directory of `file`, when it has one (not stdin, not a platform profile).
fn directory(sources: &SourceMap, file: FileId) -> Option<PathBuf> {
    Path::new(sources.path(file))
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .map(Path::to_path_buf)
}

/// Directories that hold a later definition of an object but not its first, each with the
/// alternative run that uses that definition. Sample repositories give each example its
/// own copy of a shared object (four examples, four `Gateway example-gateway`): the files
/// beside a copy mean that copy, so their references are judged in its run, not against
/// the first definition.
fn beside_alternatives(
    alternatives: &[Vec<(ObjectId, Object)>],
    first: &[Object],
    sources: &SourceMap,
) -> HashMap<PathBuf, usize> {
    let mut out = HashMap::new();
    for (k, run) in alternatives.iter().enumerate() {
        for (id, object) in run {
            let Some(dir) = directory(sources, object.file) else {
                continue;
            };
            let first_dir = first
                .get(id.0 as usize)
                .and_then(|f| directory(sources, f.file));
            if first_dir.as_ref() != Some(&dir) {
                out.entry(dir).or_insert(k);
            }
        }
    }
    out
}

/// Checks `objects` with some replaced by other definitions of themselves; keeps what is
/// found on those definitions, and everything found in the files `beside` them.
fn check_alternative(
    objects: &[Object],
    alternative: Vec<(ObjectId, Object)>,
    beside: impl Fn(FileId) -> bool,
    run: &Run<'_>,
) -> Vec<Diagnostic> {
    let mut objects = objects.to_vec();
    let mut spans = Vec::new();
    for (id, mut object) in alternative {
        object.id = id;
        spans.push((object.file, object.span()));
        objects[id.0 as usize] = object;
    }
    // What one alternative says about another is a combination nobody may apply.
    let within = |file: FileId, span: Span| {
        spans
            .iter()
            .position(|(f, s)| file == *f && s.contains(span))
    };
    let validated = |o: &Object| spans.contains(&(o.file, o.span()));
    let (mut diagnostics, _) = analyse(objects, &[], &validated, run);
    diagnostics.retain(|d| {
        beside(d.file)
            || within(d.file, d.span).is_some_and(|at| {
                d.related
                    .iter()
                    .all(|r| within(r.file, r.span).is_none_or(|other| other == at))
            })
    });
    diagnostics
}

/// Builds the inventory and routing graph of `objects`, validates those `validated` selects
/// against their schemas and runs the rules (only the input rules with `parse_only`).
fn analyse(
    objects: Vec<Object>,
    issues: &[LoadIssue],
    validated: &dyn Fn(&Object) -> bool,
    run: &Run<'_>,
) -> (Vec<Diagnostic>, ScopeModel) {
    let (sources, opts) = (run.sources, run.opts);
    let kinds = opts.template_kinds.clone();
    let inventory = Inventory::build_with(objects, run.platform, kinds);
    let graph = if opts.parse_only {
        RoutingGraph::default()
    } else {
        RoutingGraph::build(&inventory)
    };
    let schema = run.schemas.map_or_else(schema::Report::default, |s| {
        s.validate(inventory.objects.iter().filter(|o| validated(o)))
    });
    let ctx = Context {
        inv: &inventory,
        graph: &graph,
        issues,
        sources,
        strict_secrets: opts.strict_secrets,
        schema: &schema,
    };
    let diagnostics = if opts.parse_only {
        checks::registry()
            .iter()
            .filter(|e| checks::is_input_rule(e.rule.code))
            .flat_map(|e| {
                let mut out = Vec::new();
                (e.rule.run)(&ctx, &mut out);
                out
            })
            .collect()
    } else {
        let mut found = checks::run(&ctx);
        found.extend(crate::policy::vap::evaluate(&inventory, sources));
        if let Some(engine) = &opts.policies {
            found.extend(engine.evaluate(&inventory, &graph));
        }
        // A finding inside a value the schema says is unusable follows from KR101.
        found.retain(|d| checks::is_object_rule(d.code) || !schema.covers(d.file, d.span));
        found
    };
    drop(schema);
    (diagnostics, ScopeModel { inventory, graph })
}

/// Sorts the findings of every scope and merges those found in several (a base object
/// checked under two overlays): one finding per distinct message at one place, with the
/// related locations of each.
fn merge(mut diagnostics: Vec<Diagnostic>, sources: &SourceMap) -> Vec<Diagnostic> {
    diagnostics.sort_by(|a, b| {
        (sources.path(a.file), a.span, a.code, &a.message, a.severity).cmp(&(
            sources.path(b.file),
            b.span,
            b.code,
            &b.message,
            b.severity,
        ))
    });
    diagnostics.dedup_by(|later, kept| {
        let same = (
            later.file,
            later.span,
            later.code,
            later.severity,
            &later.message,
        ) == (
            kept.file,
            kept.span,
            kept.code,
            kept.severity,
            &kept.message,
        );
        if same {
            for related in later.related.drain(..) {
                if !kept.related.contains(&related) {
                    kept.related.push(related);
                }
            }
        }
        same
    });
    diagnostics
}

/// Keeps one KR103 ("no schema") per apiVersion and kind, the first in report order: each
/// scope reports its own first object of the kind.
fn once_per_kind(diagnostics: &mut Vec<Diagnostic>) {
    let mut seen = HashSet::new();
    diagnostics.retain(|d| d.code != "KR103" || seen.insert(d.message.clone()));
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

/// Loads `inputs` and the platform, and builds the inventory and the routing graph of the
/// first definition of each object.
pub fn model(
    inputs: &[Input],
    load: &LoadOptions,
    provided: Provided<'_>,
    kinds: &TemplateKinds,
) -> Model {
    let (_, canonical) = with_context(inputs, &[]);
    let patches = Layout::discover(&canonical, &load.limits).patch_files(&canonical);
    let mut loaded = manifest::load(inputs, load);
    // A kustomize patch is part of an object, not one: the graph must not draw it.
    loaded.objects.retain(|o| !patches.contains(&o.file));
    let platform = platform::load_with(&mut loaded, provided.profiles, provided.external);
    let objects = platform::without_shadowed(loaded.objects, platform);
    let definitions = manifest::first_definitions(objects, &loaded.sources, None);
    let inventory = Inventory::build_with(definitions.objects, platform, kinds.clone());
    let graph = RoutingGraph::build(&inventory);
    Model {
        platform,
        sources: loaded.sources,
        inventory,
        graph,
        unreadable: loaded
            .issues
            .iter()
            .filter(|i| !matches!(i.kind, LoadIssueKind::NotAnObject { obvious: true }))
            .count(),
    }
}
