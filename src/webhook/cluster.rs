//! `--cluster`: the store fed by the live cluster's watch ([`crate::cluster`]). Until every
//! watched kind has been listed once, the lists are gathered and then stored at once (one
//! indexed snapshot, then ready); after that each event updates the store, and a relist of
//! one kind (after 410 Gone) deletes what is gone and stores what changed.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde_json::Value;

use super::evaluate::Judge;
use super::store::Store;
use crate::cluster::{self, ClusterError, ClusterOptions, Sink, Watched};
use crate::manifest::{LoadOptions, ObjectKey};

/// Starts watching the cluster `options` name into `store`; the store is marked ready
/// once every watched kind has been listed. A configuration that cannot be read is an
/// error; a cluster that cannot be reached yet (the API server restarting, the network not
/// up when the pod starts) is tried again, every second at first and then every 30 s, the
/// store staying not ready meanwhile: the webhook answers its probes and fails open rather
/// than restarting. Keep the [`Watch`] as long as the webhook serves: dropping it stops the
/// watch.
pub async fn watch(
    options: &ClusterOptions,
    store: Arc<Store>,
    judge: Arc<Judge>,
    load: LoadOptions,
) -> Result<Watch, ClusterError> {
    let client = cluster::connect(options).await?;
    let feed = Arc::new(Feed {
        store,
        judge,
        load,
        phase: Mutex::new(Phase::Listing(HashMap::new())),
    });
    let task = tokio::spawn(async move {
        let mut wait = FIRST_RETRY;
        let watching = loop {
            match cluster::start_with(&client, feed.clone()).await {
                Ok(watching) => break watching,
                Err(error) => {
                    let seconds = wait.as_secs();
                    eprintln!("kroute webhook: cluster: {error}; trying again in {seconds} s");
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(LAST_RETRY);
                }
            }
        };
        watching.until_ready().await;
        // Indexing the whole cluster is CPU work: off the async workers.
        let live = Arc::clone(&feed);
        let _ = tokio::task::spawn_blocking(move || live.go_live()).await;
        // The watches run as long as this task holds them.
        std::future::pending::<()>().await;
        drop(watching);
    });
    Ok(Watch(task))
}

/// How long the first connection attempts wait before the next, and the longest wait.
const FIRST_RETRY: Duration = Duration::from_secs(1);
const LAST_RETRY: Duration = Duration::from_secs(30);

/// The running watch of the cluster ([`watch`]); dropping it stops the watch.
#[derive(Debug)]
pub struct Watch(tokio::task::JoinHandle<()>);

impl Drop for Watch {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// One kind's objects by namespace and name, as JSON text.
type Listed = BTreeMap<(String, String), String>;

enum Phase {
    /// Before every kind's first list: what has been listed (and changed since), by kind.
    Listing(HashMap<&'static Watched, Listed>),
    Live,
}

struct Feed {
    store: Arc<Store>,
    judge: Arc<Judge>,
    load: LoadOptions,
    /// Also serializes the watch tasks' writes to the store.
    phase: Mutex<Phase>,
}

impl Feed {
    /// Stores every listed object at once and marks the store ready.
    fn go_live(&self) {
        let mut phase = self.phase.lock().unwrap_or_else(PoisonError::into_inner);
        let Phase::Listing(listed) = std::mem::replace(&mut *phase, Phase::Live) else {
            return;
        };
        let texts: Vec<(String, String)> = listed
            .into_iter()
            .flat_map(|(kind, objects)| {
                objects
                    .into_iter()
                    .map(move |((ns, name), text)| (display(kind, &ns, &name), text))
            })
            .collect();
        for error in self.store.replace_all(texts, &self.load) {
            eprintln!("kroute webhook: cluster: {error}");
        }
        let snapshot = self.store.snapshot();
        self.judge.refresh(&snapshot);
        self.store.mark_ready();
        eprintln!(
            "kroute webhook: cluster: {} objects listed, ready",
            snapshot.len()
        );
    }

    fn upsert(&self, kind: &Watched, namespace: &str, name: &str, text: &str) {
        let display = display(kind, namespace, name);
        if let Err(error) = self.store.upsert(&display, text, &self.load) {
            eprintln!("kroute webhook: cluster: {error}");
        }
    }
}

/// How logs and findings name a watched object.
fn display(kind: &Watched, namespace: &str, name: &str) -> String {
    match namespace {
        "" => format!("cluster: {kind} {name}"),
        ns => format!("cluster: {kind} {ns}/{name}"),
    }
}

fn key(kind: &Watched, namespace: &str, name: &str) -> ObjectKey {
    ObjectKey {
        group: kind.group.into(),
        kind: kind.kind.into(),
        namespace: namespace.into(),
        name: name.into(),
    }
}

/// The namespace and name of a watched object.
fn identity(object: &Value) -> (String, String) {
    let field = |f: &str| object["metadata"][f].as_str().unwrap_or("").to_string();
    (field("namespace"), field("name"))
}

impl Sink for Feed {
    fn apply(&self, kind: &'static Watched, object: Value) {
        let (ns, name) = identity(&object);
        let text = object.to_string();
        let mut phase = self.phase.lock().unwrap_or_else(PoisonError::into_inner);
        match &mut *phase {
            Phase::Listing(listed) => {
                listed.entry(kind).or_default().insert((ns, name), text);
            }
            Phase::Live => self.upsert(kind, &ns, &name, &text),
        }
    }

    fn delete(&self, kind: &'static Watched, namespace: &str, name: &str) {
        let mut phase = self.phase.lock().unwrap_or_else(PoisonError::into_inner);
        match &mut *phase {
            Phase::Listing(listed) => {
                let id = (namespace.to_string(), name.to_string());
                listed.entry(kind).or_default().remove(&id);
            }
            Phase::Live => self.store.delete(&key(kind, namespace, name)),
        }
    }

    fn relisted(&self, kind: &'static Watched, objects: Vec<Value>) {
        let objects: Listed = objects
            .iter()
            .map(|object| (identity(object), object.to_string()))
            .collect();
        let mut phase = self.phase.lock().unwrap_or_else(PoisonError::into_inner);
        match &mut *phase {
            Phase::Listing(listed) => {
                listed.insert(kind, objects);
            }
            Phase::Live => {
                // What the store holds of this kind, to store only what changed.
                let snapshot = self.store.snapshot();
                let mut stored: HashMap<(String, String), &str> = snapshot
                    .entries()
                    .filter(|e| e.key.group == kind.group && e.key.kind == kind.kind)
                    .map(|e| {
                        (
                            (e.key.namespace.to_string(), e.key.name.to_string()),
                            e.text.text.as_str(),
                        )
                    })
                    .collect();
                for ((ns, name), text) in &objects {
                    let id = (ns.clone(), name.clone());
                    if stored.remove(&id) != Some(text.as_str()) {
                        self.upsert(kind, ns, name, text);
                    }
                }
                for (ns, name) in stored.into_keys() {
                    self.store.delete(&key(kind, &ns, &name));
                }
            }
        }
    }
}
