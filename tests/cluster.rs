//! `--cluster` against a stand-in Kubernetes API server: a plain-HTTP server on loopback
//! that serves discovery, lists and watch streams as the real API server writes them, with
//! kroute's client pointed at it through a kubeconfig file. The watched state must follow
//! every event: the initial list, ADDED/MODIFIED/DELETED, and a 410 Gone that forces a
//! relist, after which objects missed during the gap are there and deleted ones are gone.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

mod webhook_client;

use axum::body::Body;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use kroute::cluster::{self, sanitize, ClusterOptions, Sink, Watched};
use kroute::webhook::{metrics::Metrics, router, App, Judge, Policy, Store};
use kroute::CheckOptions;
use serde_json::{json, Value};
use webhook_client::Client;

/// A resource the stand-in serves.
struct Served {
    group: &'static str,
    version: &'static str,
    kind: &'static str,
    plural: &'static str,
}

const SERVED: &[Served] = &[
    Served {
        group: "",
        version: "v1",
        kind: "Namespace",
        plural: "namespaces",
    },
    Served {
        group: "",
        version: "v1",
        kind: "Service",
        plural: "services",
    },
    Served {
        group: "",
        version: "v1",
        kind: "Secret",
        plural: "secrets",
    },
    Served {
        group: "networking.istio.io",
        version: "v1",
        kind: "VirtualService",
        plural: "virtualservices",
    },
    Served {
        group: "networking.istio.io",
        version: "v1",
        kind: "Gateway",
        plural: "gateways",
    },
];

/// One resource's objects by namespace and name.
type Objects = BTreeMap<(String, String), Value>;

/// The stand-in's state: each resource's objects, the watch events not yet streamed, and
/// how many lists each resource was asked for.
#[derive(Default)]
struct Stand {
    version: AtomicU64,
    objects: Mutex<HashMap<&'static str, Objects>>,
    pending: Mutex<HashMap<&'static str, VecDeque<Value>>>,
    lists: Mutex<HashMap<&'static str, usize>>,
}

impl Stand {
    fn next_version(&self) -> String {
        (self.version.fetch_add(1, Ordering::SeqCst) + 1).to_string()
    }

    fn key(object: &Value) -> (String, String) {
        let meta = &object["metadata"];
        let field = |f: &str| meta[f].as_str().unwrap_or("").to_string();
        (field("namespace"), field("name"))
    }

    /// Sets `object` of `plural` without telling watchers (as if the event was missed).
    fn put(&self, plural: &'static str, mut object: Value) -> Value {
        object["metadata"]["resourceVersion"] = Value::from(self.next_version());
        let mut objects = self.objects.lock().unwrap();
        objects
            .entry(plural)
            .or_default()
            .insert(Self::key(&object), object.clone());
        object
    }

    fn remove(&self, plural: &'static str, object: &Value) {
        let mut objects = self.objects.lock().unwrap();
        objects
            .entry(plural)
            .or_default()
            .remove(&Self::key(object));
    }

    fn stream(&self, plural: &'static str, event: Value) {
        self.pending
            .lock()
            .unwrap()
            .entry(plural)
            .or_default()
            .push_back(event);
    }

    /// ADDED or MODIFIED: stored and streamed.
    fn upsert(&self, plural: &'static str, object: Value) {
        let kind = if self.has(plural, &object) {
            "MODIFIED"
        } else {
            "ADDED"
        };
        let object = self.put(plural, object);
        self.stream(plural, json!({"type": kind, "object": object}));
    }

    fn has(&self, plural: &'static str, object: &Value) -> bool {
        let objects = self.objects.lock().unwrap();
        objects
            .get(plural)
            .is_some_and(|o| o.contains_key(&Self::key(object)))
    }

    fn delete(&self, plural: &'static str, object: Value) {
        self.remove(plural, &object);
        let mut object = object;
        object["metadata"]["resourceVersion"] = Value::from(self.next_version());
        self.stream(plural, json!({"type": "DELETED", "object": object}));
    }

    /// The watch's resourceVersion is too old: the API server ends the watch with 410.
    fn expire(&self, plural: &'static str) {
        self.stream(
            plural,
            json!({"type": "ERROR", "object": {
                "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                "message": "too old resource version: 1 (99)", "reason": "Expired", "code": 410,
            }}),
        );
    }

    fn lists(&self, plural: &str) -> usize {
        self.lists.lock().unwrap().get(plural).copied().unwrap_or(0)
    }
}

fn resource_list(group_version: &str, served: impl Iterator<Item = &'static Served>) -> Value {
    let resources: Vec<Value> = served
        .map(|s| {
            json!({"name": s.plural, "singularName": s.kind.to_lowercase(), "kind": s.kind,
                   "namespaced": s.kind != "Namespace", "verbs": ["get", "list", "watch"]})
        })
        .collect();
    json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": resources})
}

fn json_response(value: Value) -> Response {
    ([("content-type", "application/json")], value.to_string()).into_response()
}

async fn serve(stand: Arc<Stand>, uri: Uri) -> Response {
    let path = uri.path();
    let watch = uri
        .query()
        .is_some_and(|q| q.split('&').any(|p| p == "watch=true"));
    match path {
        "/api" => {
            return json_response(json!({"kind": "APIVersions", "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1:6443"}]}))
        }
        "/api/v1" => {
            return json_response(resource_list(
                "v1",
                SERVED.iter().filter(|s| s.group.is_empty()),
            ))
        }
        "/apis" => {
            let gv = json!({"groupVersion": "networking.istio.io/v1", "version": "v1"});
            return json_response(
                json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": [
                {"name": "networking.istio.io", "versions": [gv], "preferredVersion": gv}]}),
            );
        }
        "/apis/networking.istio.io/v1" => {
            let istio = SERVED.iter().filter(|s| !s.group.is_empty());
            return json_response(resource_list("networking.istio.io/v1", istio));
        }
        _ => {}
    }
    let Some(served) = SERVED.iter().find(|s| {
        let prefix = match s.group {
            "" => format!("/api/{}/", s.version),
            g => format!("/apis/{g}/{}/", s.version),
        };
        path.strip_prefix(&prefix) == Some(s.plural)
    }) else {
        return (StatusCode::NOT_FOUND, "not served").into_response();
    };
    if watch {
        return watch_stream(stand, served.plural);
    }
    *stand
        .lists
        .lock()
        .unwrap()
        .entry(served.plural)
        .or_default() += 1;
    let items: Vec<Value> = {
        let objects = stand.objects.lock().unwrap();
        objects
            .get(served.plural)
            .map(|o| o.values().cloned().collect())
            .unwrap_or_default()
    };
    // List items carry no apiVersion and kind, as the real API server writes them.
    let items: Vec<Value> = items
        .into_iter()
        .map(|mut item| {
            let map = item.as_object_mut().unwrap();
            map.remove("apiVersion");
            map.remove("kind");
            item
        })
        .collect();
    json_response(
        json!({"kind": format!("{}List", served.kind), "apiVersion": "v1",
        "metadata": {"resourceVersion": stand.version.load(Ordering::SeqCst).to_string()},
        "items": items}),
    )
}

/// A watch: the pending events of `plural`, one JSON object per line, as they come; an
/// ERROR event ends it.
fn watch_stream(stand: Arc<Stand>, plural: &'static str) -> Response {
    let lines = futures_util::stream::unfold(Some(stand), move |stand| async move {
        let stand = stand?;
        loop {
            let next = stand
                .pending
                .lock()
                .unwrap()
                .get_mut(plural)
                .and_then(VecDeque::pop_front);
            if let Some(event) = next {
                let last = event["type"] == "ERROR";
                let line = format!("{event}\n");
                return Some((
                    Ok::<_, std::convert::Infallible>(line),
                    (!last).then_some(stand),
                ));
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    });
    (
        [("content-type", "application/json")],
        Body::from_stream(lines),
    )
        .into_response()
}

/// The watched state as a consumer of `Sink` keeps it: objects by kind, namespace, name.
#[derive(Default)]
struct Recorded {
    objects: Mutex<BTreeMap<(String, String, String), Value>>,
}

impl Recorded {
    fn names(&self, kind: &str) -> Vec<String> {
        let objects = self.objects.lock().unwrap();
        objects
            .keys()
            .filter(|(k, _, _)| k == kind)
            .map(|(_, ns, n)| format!("{ns}/{n}"))
            .collect()
    }

    fn get(&self, kind: &str, ns: &str, name: &str) -> Option<Value> {
        let objects = self.objects.lock().unwrap();
        objects
            .get(&(kind.to_string(), ns.to_string(), name.to_string()))
            .cloned()
    }
}

fn key_of(kind: &Watched, object: &Value) -> (String, String, String) {
    let field = |f: &str| object["metadata"][f].as_str().unwrap_or("").to_string();
    (kind.to_string(), field("namespace"), field("name"))
}

impl Sink for Recorded {
    fn apply(&self, kind: &'static Watched, object: Value) {
        self.objects
            .lock()
            .unwrap()
            .insert(key_of(kind, &object), object);
    }

    fn delete(&self, kind: &'static Watched, namespace: &str, name: &str) {
        let key = (kind.to_string(), namespace.to_string(), name.to_string());
        self.objects.lock().unwrap().remove(&key);
    }

    fn relisted(&self, kind: &'static Watched, objects: Vec<Value>) {
        let mut all = self.objects.lock().unwrap();
        all.retain(|(k, _, _), _| *k != kind.to_string());
        for object in objects {
            all.insert(key_of(kind, &object), object);
        }
    }
}

/// Waits up to 10 s for `condition`.
async fn eventually(what: &str, condition: impl Fn() -> bool) {
    for _ in 0..1000 {
        if condition() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("timed out waiting until {what}");
}

fn service(name: &str, app: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Service",
           "metadata": {"name": name, "namespace": "shop", "uid": format!("uid-{name}")},
           "spec": {"selector": {"app": app}, "ports": [{"port": 80}]}})
}

/// A stand-in cluster holding Namespace `shop` and its Service `web`.
fn shop() -> Arc<Stand> {
    let stand = Arc::new(Stand::default());
    stand.put("namespaces", json!({"metadata": {"name": "shop"}}));
    stand.put("services", service("web", "web"));
    stand
}

/// Starts the stand-in on 127.0.0.1:0 and writes a kubeconfig naming it.
async fn stand_in(stand: Arc<Stand>, dir: &tempfile::TempDir) -> std::path::PathBuf {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let kubeconfig = kubeconfig(listener.local_addr().unwrap(), dir);
    serve_stand_in(stand, listener);
    kubeconfig
}

fn serve_stand_in(stand: Arc<Stand>, listener: tokio::net::TcpListener) {
    let app = Router::new().fallback(move |uri: Uri| serve(stand.clone(), uri));
    tokio::spawn(async move { axum::serve(listener, app).await });
}

/// A kubeconfig whose context `stand-in` names a cluster at `address`.
fn kubeconfig(address: std::net::SocketAddr, dir: &tempfile::TempDir) -> std::path::PathBuf {
    let kubeconfig = dir.path().join("kubeconfig");
    std::fs::write(
        &kubeconfig,
        format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: elsewhere\n\
             clusters:\n- name: stand-in\n  cluster: {{server: \"http://{address}\"}}\n\
             - name: elsewhere\n  cluster: {{server: \"http://127.0.0.1:1\"}}\n\
             users:\n- name: tester\n  user: {{}}\n\
             contexts:\n- name: stand-in\n  context: {{cluster: stand-in, user: tester}}\n\
             - name: elsewhere\n  context: {{cluster: elsewhere, user: tester}}\n"
        ),
    )
    .unwrap();
    kubeconfig
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_follows_list_events_and_relist_after_410() {
    let stand = shop();
    stand.put(
        "secrets",
        json!({"metadata": {"name": "tls", "namespace": "shop",
                            "managedFields": [{"manager": "kubectl", "operation": "Apply"}],
                            "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}"}},
               "type": "kubernetes.io/tls", "data": {"tls.crt": "Y2VydA==", "tls.key": "c2VjcmV0"}}),
    );
    stand.put(
        "virtualservices",
        json!({"metadata": {"name": "shop", "namespace": "shop"},
               "spec": {"hosts": ["shop.example.com"], "http": [{"route": [{"destination": {"host": "web"}}]}]}}),
    );
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = stand_in(stand.clone(), &dir).await;
    let recorded = Arc::new(Recorded::default());
    // The kubeconfig's current context points nowhere: --context picks the stand-in.
    let options = ClusterOptions {
        kubeconfig: Some(kubeconfig),
        context: Some("stand-in".into()),
    };
    let watching = cluster::start(&options, recorded.clone()).await.unwrap();

    // Every served kind is watched; the others (Gateway API, Knative, Deployments…) are
    // not served here and are skipped, not a failure.
    let mut kinds: Vec<String> = watching.kinds.iter().map(|k| k.to_string()).collect();
    kinds.sort();
    assert_eq!(
        kinds,
        [
            "Gateway.networking.istio.io",
            "Namespace",
            "Secret",
            "Service",
            "VirtualService.networking.istio.io"
        ]
    );
    tokio::time::timeout(Duration::from_secs(10), watching.until_ready())
        .await
        .expect("ready");
    assert!(watching.ready());

    // The initial list, with apiVersion and kind filled in and what the server writes gone.
    assert_eq!(recorded.names("Service"), ["shop/web"]);
    assert_eq!(
        recorded.names("VirtualService.networking.istio.io"),
        ["shop/shop"]
    );
    let secret = recorded.get("Secret", "shop", "tls").unwrap();
    assert_eq!(secret["apiVersion"], "v1");
    assert_eq!(secret["kind"], "Secret");
    assert!(
        secret["metadata"].get("managedFields").is_none(),
        "{secret}"
    );
    assert_eq!(secret["metadata"]["annotations"], json!({}));
    assert_eq!(
        secret["data"],
        json!({"tls.crt": "Y2VydA==", "tls.key": sanitize::REDACTED})
    );
    assert!(!secret.to_string().contains("c2VjcmV0"));

    // ADDED, MODIFIED, DELETED.
    stand.upsert("services", service("api", "api"));
    eventually("the added Service is there", || {
        recorded.names("Service") == ["shop/api", "shop/web"]
    })
    .await;
    stand.upsert("services", service("web", "web-v2"));
    eventually("the modified Service has its new selector", || {
        recorded
            .get("Service", "shop", "web")
            .is_some_and(|s| s["spec"]["selector"]["app"] == "web-v2")
    })
    .await;
    stand.delete("services", service("api", "api"));
    eventually("the deleted Service is gone", || {
        recorded.names("Service") == ["shop/web"]
    })
    .await;
    assert_eq!(stand.lists("services"), 1);

    // Changes the watch misses, then 410 Gone: the relist brings them in.
    stand.put("services", service("late", "late"));
    stand.remove("services", &service("web", "web"));
    stand.expire("services");
    eventually("the relist replaced the Services", || {
        recorded.names("Service") == ["shop/late"]
    })
    .await;
    assert_eq!(stand.lists("services"), 2);
    // Other kinds were not relisted and kept their objects.
    assert_eq!(stand.lists("virtualservices"), 1);
    assert_eq!(
        recorded.names("VirtualService.networking.istio.io"),
        ["shop/shop"]
    );

    // The watch resumes after the relist.
    stand.upsert("services", service("after", "after"));
    eventually("a Service added after the relist is there", || {
        recorded.names("Service") == ["shop/after", "shop/late"]
    })
    .await;
}

#[tokio::test]
async fn an_unreadable_kubeconfig_is_an_error() {
    let options = ClusterOptions {
        kubeconfig: Some("/nonexistent/kubeconfig".into()),
        context: None,
    };
    let error = cluster::start(&options, Arc::new(Recorded::default()))
        .await
        .err()
        .unwrap();
    assert!(error.to_string().starts_with("kubeconfig:"), "{error}");
}

/// An AdmissionReview creating a VirtualService in `shop` that routes to `host`.
fn review_routing_to(host: &str) -> Value {
    json!({
        "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
        "request": {
            "uid": "4b1c", "operation": "CREATE", "namespace": "shop", "name": "shop",
            "kind": {"group": "networking.istio.io", "version": "v1", "kind": "VirtualService"},
            "resource": {"group": "networking.istio.io", "version": "v1", "resource": "virtualservices"},
            "userInfo": {"username": "alice"}, "dryRun": false,
            "object": {
                "apiVersion": "networking.istio.io/v1", "kind": "VirtualService",
                "metadata": {"name": "shop", "namespace": "shop"},
                "spec": {"hosts": ["shop.example.com"], "gateways": ["mesh"],
                         "http": [{"route": [{"destination": {"host": host}}]}]},
            },
        },
    })
}

/// Sends reviews until the answer's `allowed` is `allowed` (the watch takes a moment);
/// the last answer.
async fn verdict_becomes(client: &mut Client, allowed: bool, why: &str) -> Value {
    let mut answer = Value::Null;
    for _ in 0..500 {
        let (status, body) = client.review(&review_routing_to("api")).await.unwrap();
        assert_eq!(status, 200, "{body}");
        answer = body;
        if answer["response"]["allowed"] == allowed {
            return answer;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{why}: still {answer}");
}

/// The webhook with `--cluster`'s store: the same watch feeding the webhook's inventory,
/// and its verdict on a VirtualService that routes to Service `api` following the
/// Service's life in the cluster: denied, admitted once added, denied once deleted,
/// admitted again after a relist that brings it back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_verdicts_follow_the_watched_cluster() {
    let stand = shop();
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = stand_in(stand.clone(), &dir).await;
    let options = ClusterOptions {
        kubeconfig: Some(kubeconfig),
        context: Some("stand-in".into()),
    };

    let opts = CheckOptions::default();
    let load = opts.load.clone();
    let store = Arc::new(Store::new());
    let judge = Arc::new(Judge::new(opts));
    let _watching = kroute::webhook::cluster::watch(&options, store.clone(), judge.clone(), load)
        .await
        .unwrap();
    let app = Arc::new(App {
        store: store.clone(),
        judge,
        policy: Policy::default(),
        metrics: Metrics::default(),
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router(app)).await });
    let mut client = Client::plain(address).await.unwrap();

    assert_eq!(
        readiness(&mut client, 10).await,
        200,
        "ready once every kind is listed"
    );
    assert_eq!(store.snapshot().len(), 2, "the Namespace and Service web");

    let denied = verdict_becomes(&mut client, false, "no Service api yet").await;
    assert!(
        denied["response"]["status"]["message"]
            .as_str()
            .unwrap()
            .contains("KR303"),
        "{denied}"
    );

    stand.upsert("services", service("api", "api"));
    verdict_becomes(&mut client, true, "Service api was added").await;

    stand.delete("services", service("api", "api"));
    verdict_becomes(&mut client, false, "Service api was deleted").await;

    // The watch misses Service api coming back; the relist after 410 Gone finds it.
    stand.put("services", service("api", "api"));
    stand.expire("services");
    verdict_becomes(&mut client, true, "the relist brought Service api back").await;
    assert_eq!(stand.lists("services"), 2);
    assert_eq!(store.snapshot().len(), 3);
}

/// A child process killed when the test ends, however it ends.
struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `kroute webhook --cluster --context stand-in --kubeconfig FILE`, started with a fresh
/// certificate: the child, its address once it listens, and a client trusting it.
async fn webhook_binary(kubeconfig: &std::path::Path, dir: &tempfile::TempDir) -> (Killed, Client) {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let cert = certified.cert.pem();
    std::fs::write(dir.path().join("tls.crt"), &cert).unwrap();
    std::fs::write(
        dir.path().join("tls.key"),
        certified.signing_key.serialize_pem(),
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_kroute"))
        .args([
            "webhook",
            "--listen",
            "127.0.0.1:0",
            "--cluster",
            "--context",
            "stand-in",
        ])
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .arg("--tls-cert")
        .arg(dir.path().join("tls.crt"))
        .arg("--tls-key")
        .arg(dir.path().join("tls.key"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let child = Killed(child);
    // Blocking reads off the runtime: the stand-in must keep answering the binary. The
    // rest of the log is drained too, so that the child never blocks writing it.
    let address: std::net::SocketAddr = tokio::task::spawn_blocking(move || {
        let mut log = String::new();
        let mut lines = BufReader::new(stderr).lines();
        while let Some(Ok(line)) = lines.next() {
            if let Some(address) = line.trim().strip_prefix("kroute webhook: listening on ") {
                std::thread::spawn(move || lines.for_each(drop));
                return address.parse().unwrap();
            }
            log.push_str(&line);
        }
        panic!("kroute webhook exited: {log}");
    })
    .await
    .unwrap();
    let client = Client::tls(address, webhook_client::tls_config(&[&cert]))
        .await
        .unwrap();
    (child, client)
}

/// Waits up to `seconds` for `/readyz` to answer 200; its last status.
async fn readiness(client: &mut Client, seconds: u64) -> u16 {
    let deadline = std::time::Instant::now() + Duration::from_secs(seconds);
    loop {
        let status = client.get("/readyz").await.unwrap().0;
        if status == 200 || std::time::Instant::now() > deadline {
            return status;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// `kroute webhook --cluster` itself: the binary, pointed at the stand-in with
/// `--kubeconfig` and `--context`, becomes ready over HTTPS once the cluster is listed and
/// judges against it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_watches_the_cluster_it_is_given() {
    let stand = shop();
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = stand_in(stand.clone(), &dir).await;
    let (_child, mut client) = webhook_binary(&kubeconfig, &dir).await;
    let ready = readiness(&mut client, 10).await;
    let denied = verdict_becomes(&mut client, false, "no Service api in the cluster").await;
    stand.upsert("services", service("api", "api"));
    let admitted = verdict_becomes(&mut client, true, "Service api was added").await;
    assert_eq!(ready, 200);
    assert!(
        denied["response"]["status"]["message"]
            .as_str()
            .unwrap()
            .contains("KR303"),
        "{denied}"
    );
    assert_eq!(admitted["response"]["uid"], "4b1c");
}

/// An API server that is not up yet when the webhook starts (a control plane restarting,
/// the pod network not ready): the webhook serves its probes, not ready, and keeps trying
/// until the cluster answers, instead of exiting.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_waits_for_a_cluster_it_cannot_reach_yet() {
    let stand = shop();
    let dir = tempfile::tempdir().unwrap();
    // A port nothing listens on, for now.
    let address = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let kubeconfig = kubeconfig(address, &dir);
    let (_child, mut client) = webhook_binary(&kubeconfig, &dir).await;
    let healthy = client.get("/healthz").await.unwrap().0;
    let not_ready = readiness(&mut client, 1).await;
    serve_stand_in(stand, tokio::net::TcpListener::bind(address).await.unwrap());
    let ready = readiness(&mut client, 15).await;
    assert_eq!((healthy, not_ready, ready), (200, 503, 200));
    verdict_becomes(&mut client, false, "no Service api in the cluster").await;
}
