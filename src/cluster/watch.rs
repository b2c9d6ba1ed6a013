//! The watch tasks: discovery of the served kinds, one kube-rs watcher per kind, and the
//! readiness of the whole (every kind listed once).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use futures_util::StreamExt;
use kube::api::{Api, ApiResource, DynamicObject};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::discovery::Discovery;
use kube::runtime::watcher::{self, Event};
use kube::runtime::WatchStreamExt;
use kube::{Client, Config};
use tokio::sync::watch as signal;
use tokio::task::JoinHandle;

use super::kinds::{self, Watched, WATCHED};
use super::sanitize::prepare;
use super::{ClusterError, ClusterOptions, Sink};

/// The running watches. Dropping it stops them.
pub struct Watching {
    tasks: Vec<JoinHandle<()>>,
    listed: signal::Receiver<usize>,
    /// The watched kinds the cluster serves.
    pub kinds: Vec<&'static Watched>,
}

impl Watching {
    /// Whether every watched kind has been listed once.
    pub fn ready(&self) -> bool {
        *self.listed.borrow() >= self.kinds.len()
    }

    /// Completes when [`ready`](Self::ready) (or never, once the watch is dropped first).
    pub fn until_ready(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let total = self.kinds.len();
        let mut listed = self.listed.clone();
        async move {
            if listed.wait_for(|listed| *listed >= total).await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    }
}

impl Drop for Watching {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// Connects to the cluster `options` name, finds which watched kinds it serves and starts
/// one watch task per kind feeding `sink`. Must run inside a tokio runtime.
pub async fn start(
    options: &ClusterOptions,
    sink: Arc<dyn Sink>,
) -> Result<Watching, ClusterError> {
    start_with(&connect(options).await?, sink).await
}

/// A client of the cluster `options` name: reads the configuration, does not connect.
pub async fn connect(options: &ClusterOptions) -> Result<Client, ClusterError> {
    Client::try_from(config(options).await?).map_err(ClusterError::Client)
}

/// [`start`] with a client made already: the first request to the cluster is made here.
pub async fn start_with(client: &Client, sink: Arc<dyn Sink>) -> Result<Watching, ClusterError> {
    let served = served(client).await?;
    let (count, listed) = signal::channel(0);
    let count = Arc::new(Counted {
        count,
        done: AtomicUsize::new(0),
    });
    let tasks = served
        .iter()
        .map(|(kind, resource)| {
            let api = Api::<DynamicObject>::all_with(client.clone(), resource);
            tokio::spawn(run(
                api,
                resource.clone(),
                kind,
                sink.clone(),
                count.clone(),
            ))
        })
        .collect();
    Ok(Watching {
        tasks,
        listed,
        kinds: served.into_iter().map(|(kind, _)| kind).collect(),
    })
}

async fn config(options: &ClusterOptions) -> Result<Config, ClusterError> {
    let selected = KubeConfigOptions {
        context: options.context.clone(),
        ..KubeConfigOptions::default()
    };
    Ok(match &options.kubeconfig {
        Some(path) => {
            Config::from_custom_kubeconfig(Kubeconfig::read_from(path)?, &selected).await?
        }
        None if options.context.is_some() => Config::from_kubeconfig(&selected).await?,
        None => Config::infer().await?,
    })
}

/// The watched kinds the cluster serves, each at its preferred version, or else the
/// newest version that has it (Gateway API's TLSRoute is only in v1alpha2 when
/// HTTPRoute is in v1). The kinds it does not serve are left out, named in one log line.
async fn served(client: &Client) -> Result<Vec<(&'static Watched, ApiResource)>, ClusterError> {
    let discovery = Discovery::new(client.clone())
        .filter(&kinds::groups())
        .run()
        .await
        .map_err(ClusterError::Discovery)?;
    let mut served = Vec::new();
    let mut missing = Vec::new();
    for kind in WATCHED {
        let resource = discovery.get(kind.group).and_then(|group| {
            let preferred = group.preferred_version_or_latest();
            std::iter::once(preferred)
                .chain(group.versions().filter(|v| *v != preferred))
                .flat_map(|version| group.versioned_resources(version))
                .find(|(resource, _)| resource.kind == kind.kind)
        });
        match resource {
            Some((resource, _)) => served.push((kind, resource)),
            None => missing.push(kind.to_string()),
        }
    }
    if !missing.is_empty() {
        eprintln!(
            "kroute: cluster: not served by this cluster (CRD not installed?), not watched: {}",
            missing.join(", ")
        );
    }
    Ok(served)
}

/// How many kinds have been listed once, shared by the tasks.
struct Counted {
    count: signal::Sender<usize>,
    done: AtomicUsize,
}

impl Counted {
    fn listed(&self) {
        let done = self.done.fetch_add(1, Ordering::SeqCst) + 1;
        self.count.send_replace(done);
    }
}

/// Watches one kind until the task is aborted. The watcher relists by itself after a 410
/// Gone or a broken connection, with backoff.
async fn run(
    api: Api<DynamicObject>,
    resource: ApiResource,
    kind: &'static Watched,
    sink: Arc<dyn Sink>,
    count: Arc<Counted>,
) {
    // `any_semantic`: the initial list may come from the API server's watch cache, which
    // spares etcd when many replicas start at once.
    let config = watcher::Config::default().any_semantic();
    let mut events = watcher::watcher(api, config).default_backoff().boxed();
    let mut listing = Vec::new();
    let mut first = true;
    let keep = |object: DynamicObject| {
        let json = serde_json::to_value(object).ok()?;
        prepare(json, &resource.api_version, &resource.kind)
    };
    while let Some(event) = events.next().await {
        match event {
            Ok(Event::Init) => listing.clear(),
            Ok(Event::InitApply(object)) => listing.extend(keep(object)),
            Ok(Event::InitDone) => {
                sink.relisted(kind, std::mem::take(&mut listing));
                if std::mem::replace(&mut first, false) {
                    count.listed();
                }
            }
            Ok(Event::Apply(object)) => {
                let (namespace, name) = identity(&object);
                match keep(object) {
                    Some(json) => sink.apply(kind, json),
                    // Now controlled by a watched owner (adopted): its owner stands for it.
                    None => sink.delete(kind, &namespace, &name),
                }
            }
            Ok(Event::Delete(object)) => {
                let (namespace, name) = identity(&object);
                sink.delete(kind, &namespace, &name);
            }
            Err(error) => eprintln!("kroute: cluster: watching {kind}: {error}"),
        }
    }
}

fn identity(object: &DynamicObject) -> (String, String) {
    let meta = &object.metadata;
    (
        meta.namespace.clone().unwrap_or_default(),
        meta.name.clone().unwrap_or_default(),
    )
}
