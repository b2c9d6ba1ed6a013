//! Divides a run's objects into scopes that are checked apart: each kustomization root is
//! one, with every file it includes transitively (a base belongs to every root that builds
//! on it), and the inputs outside every kustomization are one more. A root never sees
//! another root's objects; the rest is seen by every scope without being its own (plain
//! manifests and kustomizations are usually applied side by side), and so are context
//! files outside every kustomization (the rest of a repository, stubs of what the platform
//! provides). A scope reports only on its own files, and a duplicate only among its own
//! objects. Files a kustomization reads as patches or generator input are not objects.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use super::render::Rendering;
use crate::manifest::kustomize::Kustomizations;
use crate::manifest::{LoadIssue, LoadIssueKind, Loaded, Object};
use crate::source::FileId;
use crate::yaml::Limits;

/// What one scope checks. The objects of the loaded files that it owns or sees are named
/// by their index among them, and copied only when the scope is checked, so that only the
/// scopes being checked hold copies.
#[derive(Debug, Default)]
pub(super) struct Scope {
    /// The kustomization root, by index in [`Layout::kustomizations`]; `None` for the inputs
    /// outside every kustomization.
    pub root: Option<usize>,
    /// How messages name the root: `kustomization DIR/kustomization.yaml`.
    pub name: Option<String>,
    /// Objects the scope owns outright: every object when there is one scope.
    pub own: Vec<Object>,
    /// Loaded objects of the scope's own files.
    pub own_loaded: Vec<usize>,
    /// Loaded objects of other files that the scope sees.
    pub seen: Vec<usize>,
    /// What the scope's generators make.
    pub generated: Vec<Object>,
    pub issues: Vec<LoadIssue>,
    /// Whether a file of the scope is reported on: the other scopes need no checking.
    pub reported: bool,
    /// Set when the scope checks a rendering of its root (`--kustomize`).
    pub rendering: Option<Rendering>,
}

/// A scope ready to check: every object it sees, its own first.
pub(super) struct Checked {
    pub objects: Vec<Object>,
    pub issues: Vec<LoadIssue>,
    /// The files whose findings the scope reports, when it sees objects of others (and
    /// always for a kustomization root, which builds them into one stream).
    pub own_files: Option<HashSet<FileId>>,
    pub rendering: Option<Rendering>,
}

impl Scope {
    /// Copies the loaded objects the scope owns and sees out of `loaded`.
    pub fn materialize(self, loaded: &[Object]) -> Checked {
        let own_files = (self.root.is_some() || !self.seen.is_empty()).then(|| {
            let own = self.own.iter().chain(&self.generated).map(|o| o.file);
            let own_loaded = self.own_loaded.iter().map(|&i| loaded[i].file);
            let issues = self.issues.iter().map(|i| i.file);
            own.chain(own_loaded).chain(issues).collect()
        });
        let mut objects = self.own;
        let copies = self.own_loaded.iter().chain(&self.seen);
        objects.extend(copies.map(|&i| loaded[i].clone()));
        objects.extend(self.generated);
        Checked {
            objects,
            issues: self.issues,
            own_files,
            rendering: self.rendering,
        }
    }
}

/// The kustomizations of a run and its roots.
#[derive(Debug, Default)]
pub(super) struct Layout {
    pub kustomizations: Kustomizations,
    pub roots: Vec<usize>,
}

impl Layout {
    /// Finds the kustomizations of the directories of the files `canonical` names, and
    /// every one they include.
    pub fn discover(canonical: &[Option<PathBuf>], limits: &Limits) -> Layout {
        let mut seen = HashSet::new();
        let dirs = canonical
            .iter()
            .flatten()
            .filter_map(|path| path.parent())
            .filter(|dir| seen.insert(*dir))
            .map(PathBuf::from)
            .collect::<Vec<_>>();
        let kustomizations = Kustomizations::discover(dirs, limits);
        let roots = kustomizations.roots();
        Layout {
            kustomizations,
            roots,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.roots.is_empty()
    }

    /// The files of each root: its kustomizations, what they include and what they read.
    fn root_files(&self, root: usize) -> impl Iterator<Item = &PathBuf> {
        self.kustomizations
            .closure(root)
            .into_iter()
            .map(|k| &self.kustomizations.all[k])
            .flat_map(|k| std::iter::once(&k.file).chain(&k.resources).chain(&k.reads))
    }

    /// Kustomization and resource files the roots include that `canonical` does not name
    /// (a base outside the directories given, a kustomization file without extension):
    /// they are loaded as context, so that each root is whole.
    pub fn missing_files(&self, canonical: &[Option<PathBuf>]) -> Vec<PathBuf> {
        if self.kustomizations.all.is_empty() {
            return Vec::new();
        }
        let mut known: HashSet<&PathBuf> = canonical.iter().flatten().collect();
        self.kustomizations
            .all
            .iter()
            .flat_map(|k| std::iter::once(&k.file).chain(&k.resources))
            .filter(|path| known.insert(path))
            .cloned()
            .collect()
    }

    /// Divides the objects and issues of `loaded` into scopes. `canonical` names the file
    /// of each loaded input by its `FileId`; the first `checked` files are reported on.
    pub fn scopes(
        &self,
        loaded: &mut Loaded,
        canonical: &[Option<PathBuf>],
        checked: usize,
        default_namespace: &str,
    ) -> Vec<Scope> {
        let index = file_index(canonical);
        let membership = self.membership(&index, loaded.sources.len(), checked);
        let not_objects = self.not_objects(&index);
        let mut scopes: Vec<Scope> = self
            .roots
            .iter()
            .map(|&root| Scope {
                root: Some(root),
                ..Scope::default()
            })
            .collect();
        if membership.default.is_some() {
            scopes.push(Scope::default());
        }
        for (i, scope) in scopes.iter_mut().enumerate() {
            scope.reported = membership.reported.contains(&i);
        }
        distribute_objects(loaded, &membership, &not_objects, &mut scopes);
        distribute_issues(loaded, &membership, &not_objects, &mut scopes);
        for scope in &mut scopes {
            if let Some(root) = scope.root {
                scope.generated = self.generated(root, &index, default_namespace);
                let file = &self.kustomizations.all[root].file;
                let shown = index.get(file).map_or_else(
                    || file.display().to_string(),
                    |&f| loaded.sources.path(f).to_string(),
                );
                scope.name = Some(format!("kustomization `{shown}`"));
            }
        }
        scopes
    }

    /// Which scopes each file belongs to.
    fn membership(
        &self,
        index: &HashMap<&PathBuf, FileId>,
        files: usize,
        checked: usize,
    ) -> Membership {
        let mut of: Vec<Vec<usize>> = vec![Vec::new(); files];
        for (scope, &root) in self.roots.iter().enumerate() {
            for path in self.root_files(root) {
                if let Some(&file) = index.get(path) {
                    let scopes = &mut of[file.0 as usize];
                    // A root's files are all listed before the next root's: a repeat is last.
                    if scopes.last() != Some(&scope) {
                        scopes.push(scope);
                    }
                }
            }
        }
        let default_scope = self.roots.len();
        let mut default = None;
        let mut reported = HashSet::new();
        for scopes in of.iter_mut().take(checked) {
            if scopes.is_empty() {
                scopes.push(default_scope);
                default = Some(default_scope);
            }
            reported.extend(scopes.iter().copied());
        }
        Membership {
            of,
            default,
            reported,
        }
    }

    /// The files of `canonical` (by position: the `FileId`s of the load) that some
    /// kustomization reads as patches or generator input and none includes as a resource.
    pub fn patch_files(&self, canonical: &[Option<PathBuf>]) -> HashSet<FileId> {
        self.not_objects(&file_index(canonical))
    }

    /// Files some kustomization reads (patches, generator input) and none includes as a
    /// resource.
    fn not_objects(&self, index: &HashMap<&PathBuf, FileId>) -> HashSet<FileId> {
        let all = &self.kustomizations.all;
        let resources: HashSet<&PathBuf> = all.iter().flat_map(|k| &k.resources).collect();
        all.iter()
            .flat_map(|k| &k.reads)
            .filter(|path| !resources.contains(path))
            .filter_map(|path| index.get(path).copied())
            .collect()
    }

    /// What the generators of `root` and of every kustomization it builds on make. A raw
    /// reference resolves in the namespace of the object that makes it, which kustomize
    /// will replace by the kustomization's: a generated object is put in each of those
    /// namespaces (in its own only when its entry names one).
    fn generated(
        &self,
        root: usize,
        index: &HashMap<&PathBuf, FileId>,
        default_namespace: &str,
    ) -> Vec<Object> {
        let all = &self.kustomizations.all;
        let root_namespace = all[root].namespace.as_deref();
        let mut out = Vec::new();
        for k in self
            .kustomizations
            .closure(root)
            .into_iter()
            .map(|k| &all[k])
        {
            let Some(&file) = index.get(&k.file) else {
                continue;
            };
            for generator in &k.generators {
                let mut namespaces = match generator.namespace.as_deref() {
                    Some(ns) => vec![ns],
                    None => [
                        Some(default_namespace),
                        k.namespace.as_deref(),
                        root_namespace,
                    ]
                    .into_iter()
                    .flatten()
                    .collect(),
                };
                namespaces.sort_unstable();
                namespaces.dedup();
                out.extend(namespaces.into_iter().map(|ns| generator.object(file, ns)));
            }
        }
        out
    }
}

/// Which scopes each file belongs to; a file in none (a context file outside every
/// kustomization) serves them all.
struct Membership {
    of: Vec<Vec<usize>>,
    /// The default scope, when some input is outside every kustomization.
    default: Option<usize>,
    /// Scopes with a reported file.
    reported: HashSet<usize>,
}

impl Membership {
    fn scopes_of(&self, file: FileId) -> &[usize] {
        self.of.get(file.0 as usize).map_or(&[], Vec::as_slice)
    }

    /// The scopes that see the objects of `file`, each with whether they are its own.
    fn targets(&self, file: FileId, scopes: usize) -> Vec<(usize, bool)> {
        let own = self.scopes_of(file);
        let in_root = own.iter().any(|&s| Some(s) != self.default);
        (0..scopes)
            .filter_map(|s| {
                if own.contains(&s) {
                    Some((s, true))
                } else if !in_root || Some(s) == self.default {
                    Some((s, false))
                } else {
                    None
                }
            })
            .collect()
    }
}

/// Names each loaded object in the scopes of its file, and in the other scopes that see
/// it: every scope sees the objects of the inputs and context files outside every
/// kustomization (plain manifests are usually applied next to the kustomizations), and the
/// default scope sees the kustomizations' objects; a root never sees another root's.
fn distribute_objects(
    loaded: &Loaded,
    membership: &Membership,
    not_objects: &HashSet<FileId>,
    scopes: &mut [Scope],
) {
    for (i, object) in loaded.objects.iter().enumerate() {
        if not_objects.contains(&object.file) {
            continue;
        }
        for (s, own) in membership.targets(object.file, scopes.len()) {
            if own {
                scopes[s].own_loaded.push(i);
            } else {
                scopes[s].seen.push(i);
            }
        }
    }
}

/// Gives each load issue to the scopes of its file; issues of shared (context) files are
/// never reported. A file that is not objects raises no "not an object" issue, and counts
/// as skipped when nothing else is wrong with it.
fn distribute_issues(
    loaded: &mut Loaded,
    membership: &Membership,
    not_objects: &HashSet<FileId>,
    scopes: &mut [Scope],
) {
    let mut troubled = HashSet::new();
    for issue in std::mem::take(&mut loaded.issues) {
        let not_an_object = matches!(issue.kind, LoadIssueKind::NotAnObject { .. });
        if not_an_object && not_objects.contains(&issue.file) {
            continue;
        }
        troubled.insert(issue.file);
        let targets = membership.scopes_of(issue.file);
        if let Some((&last, rest)) = targets.split_last() {
            for &s in rest {
                scopes[s].issues.push(issue.clone());
            }
            scopes[last].issues.push(issue);
        }
    }
    for file in not_objects.difference(&troubled) {
        if let Some(skipped) = loaded.file_skipped.get_mut(file.0 as usize) {
            *skipped = true;
        }
    }
}

/// The `FileId` of each loaded file by canonical path (files load in `canonical`'s order).
fn file_index(canonical: &[Option<PathBuf>]) -> HashMap<&PathBuf, FileId> {
    canonical
        .iter()
        .enumerate()
        .filter_map(|(i, p)| Some((p.as_ref()?, FileId(u32::try_from(i).ok()?))))
        .collect()
}
