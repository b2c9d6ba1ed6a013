//! `kroute webhook` end to end: the real binary, a self-signed certificate made here, real
//! AdmissionReviews over HTTPS, a certificate rotated while it runs (the way the kubelet
//! updates a Secret volume: a new `..data` directory swapped in by renaming a symlink),
//! the inventory reloaded when its files change, and SIGTERM.

mod webhook_client;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use webhook_client::{tls_config, Client, INGRESS};

/// A certificate for `localhost` and its key, in PEM.
fn certificate() -> (String, String) {
    let made = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    (made.cert.pem(), made.signing_key.serialize_pem())
}

/// Writes `cert` and `key` as the kubelet lays out a Secret volume: `tls.crt` and `tls.key`
/// are links into `..data`, a link to the current version's directory, replaced by a rename.
fn publish(dir: &Path, version: &str, (cert, key): &(String, String)) {
    let data = dir.join(version);
    std::fs::create_dir(&data).unwrap();
    std::fs::write(data.join("tls.crt"), cert).unwrap();
    std::fs::write(data.join("tls.key"), key).unwrap();
    let tmp = dir.join("..data_tmp");
    std::os::unix::fs::symlink(version, &tmp).unwrap();
    std::fs::rename(&tmp, dir.join("..data")).unwrap();
    for name in ["tls.crt", "tls.key"] {
        let link = dir.join(name);
        if link.symlink_metadata().is_err() {
            std::os::unix::fs::symlink(format!("..data/{name}"), link).unwrap();
        }
    }
}

/// The running webhook, and its stderr lines as they come.
struct Webhook {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Webhook {
    fn start(certs: &Path, inventory: &Path) -> (Webhook, SocketAddr) {
        let mut child = Command::new(env!("CARGO_BIN_EXE_kroute"))
            .args(["webhook", "--listen", "127.0.0.1:0", "--no-config"])
            .arg("--tls-cert")
            .arg(certs.join("tls.crt"))
            .arg("--tls-key")
            .arg(certs.join("tls.key"))
            .arg("--inventory")
            .arg(inventory)
            .stderr(Stdio::piped())
            .spawn()
            .expect("kroute webhook starts");
        let stderr = child.stderr.take().unwrap();
        let (send, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        let mut webhook = Webhook { child, lines };
        let line = webhook.wait_for("listening on ");
        let addr = line.rsplit(' ').next().unwrap().parse().unwrap();
        (webhook, addr)
    }

    /// The next stderr line containing `text` (within 30 s).
    fn wait_for(&mut self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut seen = Vec::new();
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) if line.contains(text) => return line,
                Ok(line) => seen.push(line),
                Err(_) => break,
            }
        }
        panic!("kroute webhook never said {text:?}; it said {seen:#?}");
    }
}

impl Drop for Webhook {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn virtual_service(uid: &str, gateway: &str) -> Value {
    json!({
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": uid,
            "kind": {"group": "networking.istio.io", "version": "v1", "kind": "VirtualService"},
            "namespace": "istio-system",
            "operation": "CREATE",
            "object": {
                "apiVersion": "networking.istio.io/v1",
                "kind": "VirtualService",
                "metadata": {"name": "shop"},
                "spec": {"hosts": ["shop.example.com"], "gateways": [gateway],
                         "http": [{"route": [{"destination": {"host": "istio-ingressgateway"}}]}]}
            }
        }
    })
}

/// Polls `/readyz` until it answers 200.
async fn ready(addr: SocketAddr, config: &std::sync::Arc<tokio_rustls::rustls::ClientConfig>) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Ok(mut client) = Client::tls(addr, config.clone()).await {
            if client.get("/readyz").await.is_ok_and(|(s, _)| s == 200) {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("/readyz never answered 200");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_webhook_over_https_with_a_rotated_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let certs = dir.path().join("certs");
    let inventory = dir.path().join("inventory");
    std::fs::create_dir_all(&certs).unwrap();
    std::fs::create_dir_all(&inventory).unwrap();
    std::fs::write(inventory.join("gateway.yaml"), INGRESS).unwrap();
    let first = certificate();
    let second = certificate();
    publish(&certs, "..v1", &first);
    let (mut webhook, addr) = Webhook::start(&certs, &inventory);
    // Trusting only the first certificate, then both: each connection says which it got.
    let config = tls_config(&[&first.0]);
    let both = tls_config(&[&first.0, &second.0]);
    ready(addr, &config).await;

    let mut client = Client::tls(addr, config.clone()).await.unwrap();
    let (status, answer) = client
        .review(&virtual_service("uid-ok", "public"))
        .await
        .unwrap();
    assert_eq!(status, 200);
    assert_eq!(answer["response"]["uid"], "uid-ok");
    assert_eq!(answer["response"]["allowed"], true, "{answer}");
    // The same connection (keep-alive), a VirtualService naming a Gateway nobody defined.
    let (_, answer) = client
        .review(&virtual_service("uid-deny", "private"))
        .await
        .unwrap();
    assert_eq!(answer["response"]["uid"], "uid-deny");
    assert_eq!(answer["response"]["allowed"], false, "{answer}");
    assert_eq!(answer["response"]["status"]["code"], 403);
    let message = answer["response"]["status"]["message"].as_str().unwrap();
    assert!(message.contains("KR301"), "{message}");
    let (status, body) = client
        .send("POST", "/validate", Some("application/json"), b"{".to_vec())
        .await
        .unwrap();
    assert_eq!(status, 400, "{}", String::from_utf8_lossy(&body));

    // The inventory changes: the Gateway `private` is added, and the request passes.
    let private = INGRESS.replace("name: public", "name: private");
    std::fs::write(inventory.join("private.yaml"), private).unwrap();
    webhook.wait_for("inventory: 4 objects");
    let mut client = Client::tls(addr, config.clone()).await.unwrap();
    let (_, answer) = client
        .review(&virtual_service("uid-later", "private"))
        .await
        .unwrap();
    assert_eq!(answer["response"]["allowed"], true, "{answer}");

    let (status, metrics) = client.get("/metrics").await.unwrap();
    assert_eq!(status, 200);
    assert!(
        metrics.contains("kroute_webhook_requests_total{result=\"denied\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("kroute_webhook_inventory_objects 4"),
        "{metrics}"
    );

    // Rotation: new files swapped in; a new connection gets the new certificate.
    let before = Client::tls(addr, both.clone()).await.unwrap().peer;
    publish(&certs, "..v2", &second);
    webhook.wait_for("reloaded");
    let after = Client::tls(addr, both.clone()).await.unwrap();
    assert_ne!(after.peer, before, "the certificate did not change");
    let old = Client::tls(addr, config.clone()).await;
    assert!(
        old.is_err(),
        "a client trusting only the old certificate still connects"
    );
    // A connection opened before the rotation keeps working.
    let (status, _) = client.get("/healthz").await.unwrap();
    assert_eq!(status, 200);

    // SIGTERM: the server stops accepting, finishes, and exits 0.
    let pid = webhook.child.id().to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(killed.success());
    webhook.wait_for("stopped");
    let status = webhook.child.wait().unwrap();
    assert!(status.success(), "exit status {status:?}");
}
