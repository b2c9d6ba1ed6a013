//! `--cluster`: the live cluster as the inventory behind `kroute webhook`. One kube-rs
//! watcher per kind of [`kinds::WATCHED`] the cluster serves keeps a [`Sink`] up to date:
//! an initial list (and a relist after the watch expired, 410 Gone) replaces that kind's
//! objects, and each watch event adds, changes or deletes one object.
//!
//! The kinds whose CRDs are not installed are skipped, named in one log line. Objects are
//! stored without `managedFields`, the last-applied annotation and `status`, Secrets with
//! data keys but without values (public certificates aside, see [`sanitize`]).

pub mod kinds;
pub mod sanitize;
mod watch;

use std::path::PathBuf;

pub use kinds::{Watched, WATCHED};
pub use watch::{connect, start, start_with, Watching};

/// Where the cluster is.
#[derive(Clone, Debug, Default)]
pub struct ClusterOptions {
    /// A kubeconfig file (`--kubeconfig`); otherwise `KUBECONFIG`, `~/.kube/config`, then
    /// the in-cluster service account.
    pub kubeconfig: Option<PathBuf>,
    /// The kubeconfig context to use (`--context`) instead of its current one.
    pub context: Option<String>,
}

/// What receives the watched objects: the webhook's inventory store. Objects are JSON as
/// the API server serves them (after [`sanitize::prepare`]), each with `apiVersion` and
/// `kind`. Called from the watch tasks, one task per kind, so calls for one kind are in
/// order.
pub trait Sink: Send + Sync + 'static {
    /// An object of `kind` was added or changed.
    fn apply(&self, kind: &'static Watched, object: serde_json::Value);
    /// The object of `kind` at `namespace` (empty for cluster-scoped kinds) and `name` is
    /// gone.
    fn delete(&self, kind: &'static Watched, namespace: &str, name: &str);
    /// `objects` are every object of `kind` now: the ones not among them are gone.
    fn relisted(&self, kind: &'static Watched, objects: Vec<serde_json::Value>);
}

/// Why the cluster cannot be watched.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error("kubeconfig: {0}")]
    Kubeconfig(#[from] kube::config::KubeconfigError),
    #[error("no cluster configuration (kubeconfig or in-cluster): {0}")]
    Infer(#[from] kube::config::InferConfigError),
    #[error("cluster client: {0}")]
    Client(#[source] kube::Error),
    #[error("API discovery: {0}")]
    Discovery(#[source] kube::Error),
}
