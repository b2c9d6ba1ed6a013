//! The inventory behind the webhook: every object of the cluster (or of a GitOps checkout),
//! parsed once, indexed by the strings that tie objects together, and published as an
//! immutable [`Snapshot`] that requests read without locking.
//!
//! Writers (the `--inventory` reloader, the cluster watcher) take turns on a mutex and swap
//! in a new snapshot; a request holds the snapshot it started with. A snapshot is a large
//! indexed base shared between versions plus a small overlay of the changes since it was
//! built, so one upsert copies the overlay, not the cluster; the overlay is folded into a
//! new base once it grows.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use arc_swap::ArcSwap;

use super::neighbours;
use crate::manifest::{self, LoadOptions, Object, ObjectKey};
use crate::source::FileId;

/// A text objects were read from: a file of the inventory, or one object sent by a watcher.
#[derive(Debug)]
pub struct Text {
    /// How findings and logs name it.
    pub name: String,
    pub text: String,
}

/// One stored object, with the text it was read from (its spans point into it).
#[derive(Debug)]
pub struct Entry {
    pub key: ObjectKey,
    pub object: Object,
    pub text: Arc<Text>,
    /// The strings this object is indexed under ([`neighbours::tokens`]), sorted.
    tokens: Vec<Box<str>>,
}

impl Entry {
    /// Whether the object is indexed under `token`.
    pub(super) fn has(&self, token: &str) -> bool {
        self.tokens.binary_search_by(|t| (**t).cmp(token)).is_ok()
    }
}

impl Entry {
    fn new(object: Object, text: Arc<Text>) -> Entry {
        let tokens = neighbours::tokens(&object);
        Entry {
            key: object.key(),
            object,
            text,
            tokens,
        }
    }
}

/// Why a text could not be stored.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum StoreError {
    #[error("{name}: no Kubernetes object in it")]
    NoObject { name: String },
    #[error("{name}: {message}")]
    Unreadable { name: String, message: String },
}

/// The indexed objects of one version of the store.
#[derive(Debug, Default)]
struct Base {
    entries: Vec<Arc<Entry>>,
    by_key: HashMap<ObjectKey, u32>,
    postings: HashMap<Box<str>, Vec<u32>>,
}

impl Base {
    fn build(entries: Vec<Arc<Entry>>) -> Base {
        let mut by_key = HashMap::with_capacity(entries.len());
        let mut postings: HashMap<Box<str>, Vec<u32>> = HashMap::new();
        for (i, entry) in entries.iter().enumerate() {
            let i = u32::try_from(i).unwrap_or(u32::MAX);
            by_key.insert(entry.key.clone(), i);
            for token in &entry.tokens {
                postings.entry(token.clone()).or_default().push(i);
            }
        }
        Base {
            entries,
            by_key,
            postings,
        }
    }
}

/// Changes since the base was built: the new version of each changed object (`None`:
/// deleted), and the tokens of the new versions.
#[derive(Clone, Debug, Default)]
struct Overlay {
    changed: HashMap<ObjectKey, Option<Arc<Entry>>>,
    postings: HashMap<Box<str>, Vec<ObjectKey>>,
    /// The base's positions of the changed objects it holds: what lookups in the base skip.
    replaced: HashSet<u32>,
}

/// Past this many changed objects the overlay is folded into a new base: copying the
/// overlay on each change stays cheap, and lookups stay two hash probes.
const MAX_OVERLAY: usize = 2048;

/// One immutable version of the inventory.
#[derive(Debug, Default)]
pub struct Snapshot {
    base: Arc<Base>,
    overlay: Overlay,
    len: usize,
}

impl Snapshot {
    /// How many objects it holds.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The current version of the object `key` names.
    pub fn get(&self, key: &ObjectKey) -> Option<&Arc<Entry>> {
        match self.overlay.changed.get(key) {
            Some(changed) => changed.as_ref(),
            None => {
                let i = *self.base.by_key.get(key)?;
                self.base.entries.get(i as usize)
            }
        }
    }

    /// How many objects are indexed under `token` (an upper bound: an object changed since
    /// the base was built may be counted twice).
    pub(super) fn count(&self, token: &str) -> usize {
        self.base.postings.get(token).map_or(0, Vec::len)
            + self.overlay.postings.get(token).map_or(0, Vec::len)
    }

    /// The objects indexed under `token`, each in its current version.
    pub(super) fn lookup<'a>(&'a self, token: &str) -> impl Iterator<Item = &'a Arc<Entry>> + 'a {
        let base = self.base.postings.get(token).into_iter().flatten();
        let replaced = &self.overlay.replaced;
        let base = base.filter_map(move |&i| {
            // A changed object is found through the overlay, in its new version.
            let changed = !replaced.is_empty() && replaced.contains(&i);
            (!changed).then(|| self.base.entries.get(i as usize))?
        });
        let overlay = self.overlay.postings.get(token).into_iter().flatten();
        let overlay = overlay.filter_map(|key| self.overlay.changed.get(key)?.as_ref());
        base.chain(overlay)
    }

    /// Every object, in no particular order.
    pub fn entries(&self) -> impl Iterator<Item = &Arc<Entry>> {
        let base = self.base.entries.iter().enumerate();
        let replaced =
            |i: usize| u32::try_from(i).is_ok_and(|i| self.overlay.replaced.contains(&i));
        let base = base.filter(move |(i, _)| !replaced(*i)).map(|(_, e)| e);
        base.chain(self.overlay.changed.values().flatten())
    }

    /// This snapshot with `entry` added or replacing the object of its key, or the object
    /// `key` removed.
    fn with(&self, key: ObjectKey, entry: Option<Arc<Entry>>) -> Snapshot {
        let before = self.get(&key).is_some();
        let after = entry.is_some();
        let mut overlay = self.overlay.clone();
        if let Some(Some(old)) = overlay.changed.get(&key) {
            for token in &old.tokens {
                if let Some(keys) = overlay.postings.get_mut(token) {
                    keys.retain(|k| *k != key);
                }
            }
        }
        if let Some(entry) = &entry {
            for token in &entry.tokens {
                overlay
                    .postings
                    .entry(token.clone())
                    .or_default()
                    .push(key.clone());
            }
        }
        if let Some(&i) = self.base.by_key.get(&key) {
            overlay.replaced.insert(i);
        }
        overlay.changed.insert(key, entry);
        let len = self.len + usize::from(after) - usize::from(before);
        let snapshot = Snapshot {
            base: Arc::clone(&self.base),
            overlay,
            len,
        };
        if snapshot.overlay.changed.len() > MAX_OVERLAY {
            return Snapshot::of(snapshot.entries().cloned().collect());
        }
        snapshot
    }

    fn of(entries: Vec<Arc<Entry>>) -> Snapshot {
        let base = Base::build(entries);
        Snapshot {
            len: base.by_key.len(),
            base: Arc::new(base),
            overlay: Overlay::default(),
        }
    }
}

/// The store: the current snapshot, swapped atomically, and whether it is ready (the
/// first complete load is in).
#[derive(Debug, Default)]
pub struct Store {
    current: ArcSwap<Snapshot>,
    ready: AtomicBool,
    /// Writers take turns; readers never take it.
    write: Mutex<()>,
}

impl Store {
    pub fn new() -> Store {
        Store::default()
    }

    /// The current version: what one request judges against from start to end.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.current.load_full()
    }

    /// Whether the first complete load is in (`/readyz`).
    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
    }

    /// Says the store holds a complete view (after the first list or load).
    pub fn mark_ready(&self) {
        self.ready.store(true, Ordering::Release);
    }

    /// Replaces every object by the objects of `texts` (name, text), each text holding one
    /// or more YAML or JSON documents; returns the problems of texts that hold no object.
    /// Objects of one key defined twice: the later one is kept.
    pub fn replace_all(&self, texts: Vec<(String, String)>, opts: &LoadOptions) -> Vec<StoreError> {
        use rayon::prelude::*;
        let read: Vec<_> = texts
            .into_par_iter()
            .map(|(name, text)| read(name, text, opts))
            .collect();
        let mut errors = Vec::new();
        let mut entries: HashMap<ObjectKey, Arc<Entry>> = HashMap::new();
        for result in read {
            match result {
                Ok(list) => entries.extend(list.into_iter().map(|e| (e.key.clone(), e))),
                Err(e) => errors.push(e),
            }
        }
        let snapshot = Snapshot::of(entries.into_values().collect());
        let _turn = self.write.lock().unwrap_or_else(PoisonError::into_inner);
        self.current.store(Arc::new(snapshot));
        errors
    }

    /// Adds the objects of `text` (usually one, as a watcher sends it), each replacing the
    /// stored object of its key.
    pub fn upsert(&self, name: &str, text: &str, opts: &LoadOptions) -> Result<(), StoreError> {
        let entries = read(name.to_string(), text.to_string(), opts)?;
        let _turn = self.write.lock().unwrap_or_else(PoisonError::into_inner);
        let mut snapshot = self.current.load_full();
        for entry in entries {
            snapshot = Arc::new(snapshot.with(entry.key.clone(), Some(entry)));
        }
        self.current.store(snapshot);
        Ok(())
    }

    /// Removes the object `key` names, if stored.
    pub fn delete(&self, key: &ObjectKey) {
        let _turn = self.write.lock().unwrap_or_else(PoisonError::into_inner);
        let snapshot = self.current.load_full();
        if snapshot.get(key).is_some() {
            self.current
                .store(Arc::new(snapshot.with(key.clone(), None)));
        }
    }
}

/// The objects of one text, each as an entry sharing the text.
fn read(name: String, text: String, opts: &LoadOptions) -> Result<Vec<Arc<Entry>>, StoreError> {
    let found = manifest::read_text(FileId(0), &text, opts);
    if found.objects.is_empty() {
        return Err(match found.issues.first() {
            Some(issue) => StoreError::Unreadable {
                name,
                message: issue.message.clone(),
            },
            None => StoreError::NoObject { name },
        });
    }
    let text = Arc::new(Text { name, text });
    Ok(found
        .objects
        .into_iter()
        .map(|object| Arc::new(Entry::new(object, Arc::clone(&text))))
        .collect())
}

/// Distinct entries, in the order first met (by object key).
pub(super) fn distinct<'a>(
    entries: impl IntoIterator<Item = &'a Arc<Entry>>,
) -> Vec<&'a Arc<Entry>> {
    let mut seen = HashSet::new();
    entries
        .into_iter()
        .filter(|e| seen.insert(Arc::as_ptr(e)))
        .collect()
}

/// The namespaces of `entries`.
pub(super) fn namespaces<'a>(
    entries: impl IntoIterator<Item = &'a Arc<Entry>>,
) -> BTreeSet<&'a str> {
    entries
        .into_iter()
        .map(|e| e.object.namespace.as_str())
        .filter(|ns| !ns.is_empty())
        .collect()
}
