//! `kroute webhook`: a Kubernetes validating admission webhook over HTTPS.
//!
//! Each AdmissionReview's object is judged by the same rules, schemas, policies and
//! config as `kroute check`, against the inventory in the [`store::Store`] (files given
//! with `--inventory`, or objects a cluster watcher feeds it): the object and its
//! neighbourhood ([`neighbours`]) go through [`crate::pipeline::check_loaded`], so the
//! work per request follows the object's surroundings, not the cluster's size.

pub mod admission;
pub mod cluster;
pub mod evaluate;
mod inventory;
pub mod metrics;
pub mod neighbours;
pub mod server;
pub mod store;
mod tls;

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum_server::tls_rustls::RustlsConfig;

pub use evaluate::{Finding, Judge};
pub use server::{router, App, Policy};
pub use store::{Snapshot, Store, StoreError};

use crate::pipeline::CheckOptions;

/// How often the certificate files and the inventory files are looked at for changes.
const CERT_POLL: Duration = Duration::from_secs(1);
const INVENTORY_POLL: Duration = Duration::from_secs(5);

/// How long in-flight requests may take to finish after SIGTERM or SIGINT.
const DRAIN: Duration = Duration::from_secs(25);

/// What `kroute webhook` is asked to do.
#[derive(Debug)]
pub struct Options {
    pub listen: SocketAddr,
    pub cert: PathBuf,
    pub key: PathBuf,
    /// Files and directories of manifests; none (and no `cluster`): the store starts empty
    /// and ready.
    pub inventory: Vec<PathBuf>,
    /// Watch this cluster instead (`--cluster`); ready once every kind is listed.
    pub cluster: Option<crate::cluster::ClusterOptions>,
    pub check: CheckOptions,
    pub policy: Policy,
}

/// Runs the webhook until SIGTERM or SIGINT; returns once in-flight requests are done.
/// `listening on ADDR` on `err` says it accepts connections.
pub fn serve(options: Options, err: &mut dyn Write) -> std::io::Result<()> {
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get().min(4));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()?;
    runtime.block_on(run(options, err))
}

async fn run(options: Options, err: &mut dyn Write) -> std::io::Result<()> {
    let (files, config) = tls::Files::load(&options.cert, &options.key)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    let tls = RustlsConfig::from_config(config);
    let load = options.check.load.clone();
    let store = Arc::new(Store::new());
    let judge = Arc::new(Judge::new(options.check));
    let app = Arc::new(App {
        store: Arc::clone(&store),
        judge: Arc::clone(&judge),
        policy: options.policy,
        metrics: metrics::Metrics::default(),
    });
    // Held while serving: dropping it stops the watch.
    let _watching = match &options.cluster {
        Some(cluster) => Some(
            cluster::watch(cluster, Arc::clone(&store), Arc::clone(&judge), load)
                .await
                .map_err(|e| std::io::Error::other(format!("--cluster: {e}")))?,
        ),
        None if options.inventory.is_empty() => {
            store.mark_ready();
            None
        }
        None => {
            let paths = options.inventory.clone();
            // A plain thread, not `spawn_blocking`: the runtime waits for its blocking tasks
            // when it shuts down, and this loop never ends, so SIGTERM would hang.
            std::thread::Builder::new()
                .name("inventory".into())
                .spawn(move || watch_inventory(&paths, &store, &judge, &load))?;
            None
        }
    };
    tokio::spawn(watch_certificate(files, tls.clone()));
    let handle = axum_server::Handle::new();
    tokio::spawn(shutdown_on_signal(handle.clone()));
    let server = axum_server::bind_rustls(options.listen, tls)
        .handle(handle.clone())
        .serve(router(app).into_make_service());
    let serving = tokio::spawn(server);
    if let Some(addr) = handle.listening().await {
        writeln!(err, "kroute webhook: listening on {addr}")?;
    }
    let result = serving.await.map_err(std::io::Error::other)?;
    writeln!(err, "kroute webhook: stopped")?;
    result
}

/// Loads the inventory, then loads it again whenever its files change.
fn watch_inventory(
    paths: &[PathBuf],
    store: &Store,
    judge: &Judge,
    load: &crate::manifest::LoadOptions,
) {
    let mut last = None;
    loop {
        match inventory::scan(paths) {
            Ok((files, signature)) if last.as_ref() != Some(&signature) => {
                let started = std::time::Instant::now();
                let (objects, errors) = inventory::load(&files, store, judge, load);
                eprintln!(
                    "kroute webhook: inventory: {objects} objects from {} files ({} without objects) in {} ms",
                    files.len(),
                    errors.len(),
                    started.elapsed().as_millis()
                );
                last = Some(signature);
            }
            Ok(_) => {}
            Err(e) => eprintln!("kroute webhook: inventory: {e}"),
        }
        std::thread::sleep(INVENTORY_POLL);
    }
}

/// Reloads the certificate and key whenever the files' contents change; connections made
/// after a reload get the new certificate.
async fn watch_certificate(mut files: tls::Files, tls: RustlsConfig) {
    loop {
        tokio::time::sleep(CERT_POLL).await;
        match files.reload() {
            Ok(Some(config)) => {
                tls.reload_from_config(config);
                eprintln!("kroute webhook: reloaded {}", files.cert.display());
            }
            Ok(None) => {}
            Err(e) => eprintln!("kroute webhook: keeping the current certificate: {e}"),
        }
    }
}

/// Stops accepting connections on SIGTERM or SIGINT and lets in-flight requests finish.
async fn shutdown_on_signal(handle: axum_server::Handle<SocketAddr>) {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {}
        () = terminate => {}
    }
    eprintln!("kroute webhook: shutting down, draining in-flight requests");
    handle.graceful_shutdown(Some(DRAIN));
}
