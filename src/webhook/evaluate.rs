//! Judging one object against a snapshot of the inventory: the object and its
//! neighbourhood ([`neighbours::around`]) go through the same pipeline as `kroute check`
//! ([`pipeline::check_loaded`]), and what is found on the object is kept. A deletion is
//! judged by what it breaks: the findings on the objects that name the deleted one that
//! appear once it is gone.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use arc_swap::ArcSwap;

use super::neighbours;
use super::store::{Entry, Snapshot};
use crate::diagnostic::{Diagnostic, Severity};
use crate::manifest::{self, Found, LoadOptions, Loaded, Object, ObjectKey};
use crate::pipeline::{check_loaded, CheckOptions};
use crate::schema::Schemas;
use crate::source::{FileId, RepoRoot};

/// How objects are judged: the options `kroute check` would use (config, policies,
/// schema options), and the schemas compiled so far, shared by every request.
pub struct Judge {
    pub opts: CheckOptions,
    schemas: ArcSwap<Option<Schemas>>,
    /// Found once: the working directory does not move under a server.
    root: RepoRoot,
}

impl std::fmt::Debug for Judge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Judge").field("opts", &self.opts).finish()
    }
}

/// One finding, as an admission answer tells it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    pub help: Option<String>,
    /// The object it is about (`Kind ns/name`).
    pub object: String,
}

impl Finding {
    fn of(d: &Diagnostic) -> Finding {
        let object = d.resource.as_ref().map_or_else(String::new, |r| {
            match r.namespace.as_deref().filter(|ns| !ns.is_empty()) {
                Some(ns) => format!("{} {ns}/{}", r.kind, r.name),
                None => format!("{} {}", r.kind, r.name),
            }
        });
        Finding {
            code: d.code,
            severity: d.severity,
            message: d.message.clone(),
            help: d.help.clone(),
            object,
        }
    }
}

impl Judge {
    /// A judge with the schemas of `opts` (none with `no_schema`) and no CRD yet.
    pub fn new(opts: CheckOptions) -> Judge {
        let judge = Judge {
            opts,
            schemas: ArcSwap::from_pointee(None),
            root: RepoRoot::discover(),
        };
        judge.refresh(&Snapshot::default());
        judge
    }

    /// Starts over with the schemas of `opts` and of the CRDs `snapshot` holds: after a
    /// complete reload of the inventory.
    pub fn refresh(&self, snapshot: &Snapshot) {
        let schemas = (!self.opts.no_schema).then(|| {
            let crds = snapshot.entries().map(|e| &e.object);
            Schemas::new(crds, self.opts.schema.clone())
        });
        self.schemas.store(Arc::new(schemas));
    }

    /// The findings on the object of `text` (JSON or YAML, named `name` in findings) if it
    /// were stored in place of its current version; `namespace` is the namespace of the
    /// request, for an object that names none.
    pub fn object(
        &self,
        snapshot: &Snapshot,
        name: &str,
        text: &str,
        namespace: &str,
    ) -> Vec<Finding> {
        let load = LoadOptions {
            default_namespace: if namespace.is_empty() {
                self.opts.load.default_namespace.clone()
            } else {
                namespace.to_string()
            },
            ..self.opts.load.clone()
        };
        let found = manifest::read_text(FileId(0), text, &load);
        let mut around: Vec<&Arc<Entry>> = Vec::new();
        for object in &found.objects {
            around.extend(neighbours::around(snapshot, object));
        }
        let keys: HashSet<ObjectKey> = found.objects.iter().map(Object::key).collect();
        around.retain(|e| !keys.contains(&e.key));
        // The request's object comes last, as the newest object: rules that report one of
        // two conflicting objects report the later one.
        let mut loaded = Loaded::default();
        add(&mut loaded, &around);
        let file = loaded.next_file();
        let _ = loaded.add_file(name.to_string(), text.to_string(), found.in_file(file));
        self.check(loaded, &[file])
    }

    /// The findings that deleting the object `key` names would bring about on the stored
    /// objects that name it.
    pub fn delete(&self, snapshot: &Snapshot, key: &ObjectKey) -> Vec<Finding> {
        let Some(deleted) = snapshot.get(key) else {
            return Vec::new();
        };
        let naming = neighbours::naming(snapshot, &deleted.object);
        if naming.is_empty() {
            return Vec::new();
        }
        let judged = |with_deleted: bool| {
            let mut loaded = Loaded::default();
            add(&mut loaded, &naming);
            let files: Vec<FileId> = (0..loaded.sources.len())
                .map(|f| FileId(u32::try_from(f).unwrap_or(u32::MAX)))
                .collect();
            if with_deleted {
                add(&mut loaded, &[deleted]);
            }
            self.check(loaded, &files)
        };
        let before: HashSet<(String, &'static str, String)> = judged(true)
            .into_iter()
            .map(|f| (f.object, f.code, f.message))
            .collect();
        judged(false)
            .into_iter()
            .filter(|f| !before.contains(&(f.object.clone(), f.code, f.message.clone())))
            .collect()
    }

    /// Runs the pipeline on `loaded`; the findings shown on its files `checked`.
    fn check(&self, loaded: Loaded, checked: &[FileId]) -> Vec<Finding> {
        let schemas = self.schemas.load();
        let schemas = schemas.as_ref().as_ref();
        let check = || check_loaded(loaded, checked, &self.opts, schemas, &self.root);
        let outcome = on_this_thread(check);
        outcome
            .reported()
            .filter(|d| checked.contains(&d.file))
            .map(Finding::of)
            .collect()
    }
}

/// Runs `check` on the calling thread, its parallel iterators included. A request's
/// neighbourhood is a few dozen objects: handing its work to rayon's pool costs more than
/// the work, and the pool's threads spinning for more work between requests take the CPU
/// the other requests need. Concurrent requests run side by side on their own threads.
fn on_this_thread<R: Send>(check: impl FnOnce() -> R + Send) -> R {
    thread_local! {
        static POOL: Option<rayon::ThreadPool> = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .use_current_thread()
            .build()
            .ok();
    }
    POOL.with(|pool| match pool {
        Some(pool) => pool.install(check),
        // No pool of its own (rayon refused one): checked in the shared pool.
        None => check(),
    })
}

/// Adds `entries` to `loaded`, one file per text they were read from.
fn add(loaded: &mut Loaded, entries: &[&Arc<Entry>]) {
    let mut files: Vec<Vec<&Arc<Entry>>> = Vec::new();
    let mut index: HashMap<*const super::store::Text, usize> = HashMap::new();
    for entry in entries {
        let at = *index.entry(Arc::as_ptr(&entry.text)).or_insert_with(|| {
            files.push(Vec::new());
            files.len() - 1
        });
        files[at].push(entry);
    }
    for members in files {
        let Some(first) = members.first() else {
            continue;
        };
        let file = loaded.next_file();
        let text = &first.text;
        let objects: Vec<Object> = members
            .iter()
            .map(|e| Object {
                file,
                ..e.object.clone()
            })
            .collect();
        let found = Found {
            documents: objects.len(),
            objects,
            ..Found::default()
        };
        let _ = loaded.add_file(text.name.clone(), text.text.clone(), found);
    }
}
