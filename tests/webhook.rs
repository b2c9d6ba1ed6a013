//! The admission contract, in process: the webhook's router served on a loopback port and
//! sent real HTTP requests. Each case is an AdmissionReview (or a broken request) and what
//! the answer must say.

mod webhook_client;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use serde_json::{json, Value};

use kroute::diagnostic::Severity;
use kroute::webhook::{metrics::Metrics, router, App, Judge, Policy, Store};
use kroute::CheckOptions;
use webhook_client::{Client, INGRESS};

/// The shop whose VirtualService is bound to the ingress Gateway of
/// [`webhook_client::INGRESS`]: with it, the cluster the requests are judged against.
const SHOP: &str = r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: registry.example.com/web:1.0.0
        ports: [{containerPort: 8080, name: http}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web, namespace: shop}
spec:
  hosts: [shop.example.com]
  gateways: [istio-system/public]
  http:
  - route:
    - destination: {host: web, port: {number: 80}}
"#;

/// Serves the webhook with `policy` and the config text `config` on a loopback port.
async fn serve(policy: Policy, config: &str) -> SocketAddr {
    let config = kroute::config::parse(Path::new(".kroute.yaml"), config).expect("config");
    let mut sink = Vec::new();
    let engine = kroute::cli::policy_engine(&[], &config.findings, &mut sink)
        .expect("policies")
        .expect("built-in policies compile");
    let opts = CheckOptions {
        policies: Some(Arc::new(engine)),
        findings: config.findings,
        ..CheckOptions::default()
    };
    let store = Arc::new(Store::new());
    let errors = store.replace_all(
        vec![("inventory.yaml".to_string(), format!("{INGRESS}---{SHOP}"))],
        &opts.load,
    );
    assert!(errors.is_empty(), "{errors:?}");
    store.mark_ready();
    let judge = Arc::new(Judge::new(opts));
    judge.refresh(&store.snapshot());
    let app = Arc::new(App {
        store,
        judge,
        policy,
        metrics: Metrics::default(),
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router(app)).await });
    addr
}

fn review(api_version: &str, uid: &str, operation: &str, object: Value) -> Value {
    let kind = object["kind"].clone();
    let group = object["apiVersion"]
        .as_str()
        .and_then(|v| v.rsplit_once('/'))
        .map_or("", |(g, _)| g)
        .to_string();
    let namespace = object["metadata"]["namespace"].clone();
    let name = object["metadata"]["name"].clone();
    let (object, old) = if operation == "DELETE" {
        (Value::Null, object)
    } else {
        (object, Value::Null)
    };
    json!({
        "apiVersion": api_version,
        "kind": "AdmissionReview",
        "request": {
            "uid": uid,
            "kind": {"group": group, "version": "v1", "kind": kind},
            "resource": {"group": group, "version": "v1", "resource": "things"},
            "namespace": namespace,
            "name": name,
            "operation": operation,
            "userInfo": {"username": "alice"},
            "object": object,
            "oldObject": old,
            "dryRun": false
        }
    })
}

fn virtual_service(name: &str, gateway: &str, annotations: Value) -> Value {
    json!({
        "apiVersion": "networking.istio.io/v1",
        "kind": "VirtualService",
        "metadata": {"name": name, "namespace": "shop", "annotations": annotations},
        "spec": {
            "hosts": ["shop.example.com"],
            "gateways": [gateway],
            "http": [{"route": [{"destination": {"host": "web", "port": {"number": 80}}}]}]
        }
    })
}

fn gateway(name: &str, host: &str) -> Value {
    json!({
        "apiVersion": "networking.istio.io/v1",
        "kind": "Gateway",
        "metadata": {"name": name, "namespace": "istio-system"},
        "spec": {
            "selector": {"istio": "ingressgateway"},
            "servers": [{"port": {"number": 80, "name": "http", "protocol": "HTTP"}, "hosts": [host]}]
        }
    })
}

const V1: &str = "admission.k8s.io/v1";
const V1BETA1: &str = "admission.k8s.io/v1beta1";

/// What the answer to a case must be.
enum Expect {
    /// HTTP status other than 200, with this text in the body.
    Refused(u16, &'static str),
    /// Allowed; every one of these codes among the warnings, and no other code.
    Allowed(&'static [&'static str]),
    /// Denied: status 403 whose message names these codes.
    Denied(&'static [&'static str]),
}

struct Case {
    name: &'static str,
    content_type: Option<&'static str>,
    body: Vec<u8>,
    /// The apiVersion of the review, answered in kind.
    version: &'static str,
    expect: Expect,
}

fn case(name: &'static str, version: &'static str, review: Value, expect: Expect) -> Case {
    Case {
        name,
        content_type: Some("application/json"),
        body: serde_json::to_vec(&review).unwrap(),
        version,
        expect,
    }
}

fn cases() -> Vec<Case> {
    let ignore =
        json!({"kroute.dev/ignore": "KR301", "kroute.dev/ignore-reason": "gateway comes later"});
    vec![
        case(
            "an object that breaks nothing is allowed",
            V1,
            review(
                V1,
                "u-allow",
                "UPDATE",
                virtual_service("web", "istio-system/public", json!({})),
            ),
            Expect::Allowed(&[]),
        ),
        case(
            "a VirtualService naming a missing Gateway is denied",
            V1,
            review(
                V1,
                "u-deny",
                "CREATE",
                virtual_service("web2", "istio-system/private", json!({})),
            ),
            Expect::Denied(&["KR301"]),
        ),
        case(
            "v1beta1 is answered in kind",
            V1BETA1,
            review(
                V1BETA1,
                "u-beta",
                "CREATE",
                virtual_service("web3", "istio-system/private", json!({})),
            ),
            Expect::Denied(&["KR301"]),
        ),
        case(
            "a warning-level finding comes back as a warning",
            V1,
            review(V1, "u-warn", "CREATE", gateway("catch-all", "*")),
            Expect::Allowed(&["KR309"]),
        ),
        case(
            "deleting a Gateway a VirtualService names warns about it",
            V1,
            review(
                V1,
                "u-delete",
                "DELETE",
                gateway("public", "shop.example.com"),
            ),
            Expect::Allowed(&["KR301"]),
        ),
        case(
            "deleting what nothing names is allowed quietly",
            V1,
            review(
                V1,
                "u-delete-free",
                "DELETE",
                gateway("unused", "x.example.com"),
            ),
            Expect::Allowed(&[]),
        ),
        case(
            "kroute.dev/ignore on the object suppresses the finding",
            V1,
            review(
                V1,
                "u-ignore",
                "CREATE",
                virtual_service("web4", "istio-system/private", ignore),
            ),
            Expect::Allowed(&[]),
        ),
        Case {
            name: "malformed JSON is a 400, not a panic",
            content_type: Some("application/json"),
            body: b"{\"apiVersion\": \"admission.k8s.io/v1\", \"kind\": \"AdmissionRev".to_vec(),
            version: V1,
            expect: Expect::Refused(400, "not an AdmissionReview"),
        },
        case(
            "a review without request is a 400",
            V1,
            json!({"apiVersion": V1, "kind": "AdmissionReview"}),
            Expect::Refused(400, "no `request`"),
        ),
        case(
            "another kind is a 400",
            V1,
            json!({"apiVersion": "v1", "kind": "Pod", "request": {"uid": "x"}}),
            Expect::Refused(400, "expected kind AdmissionReview"),
        ),
        case(
            "a CREATE without object is a 400",
            V1,
            json!({"apiVersion": V1, "kind": "AdmissionReview", "request": {"uid": "x", "operation": "CREATE"}}),
            Expect::Refused(400, "has no `object`"),
        ),
        Case {
            name: "a body that is not JSON is a 415",
            content_type: Some("application/yaml"),
            body: b"apiVersion: v1".to_vec(),
            version: V1,
            expect: Expect::Refused(415, "application/json"),
        },
        Case {
            name: "a body without content type is a 415",
            content_type: None,
            body: b"{}".to_vec(),
            version: V1,
            expect: Expect::Refused(415, "application/json"),
        },
        Case {
            name: "a body over 7 MiB is a 413",
            content_type: Some("application/json"),
            body: vec![b' '; 7 * 1024 * 1024 + 1],
            version: V1,
            expect: Expect::Refused(413, "larger than"),
        },
    ]
}

/// The codes named in warnings.
fn warning_codes(response: &Value) -> Vec<String> {
    let warnings = response["warnings"].as_array().cloned().unwrap_or_default();
    warnings
        .iter()
        .filter_map(|w| w.as_str())
        .filter_map(|w| w.strip_prefix("kroute: "))
        .filter_map(|w| w.split_whitespace().next())
        .map(str::to_string)
        .collect()
}

async fn check_case(client: &mut Client, case: &Case) -> Result<(), String> {
    let (status, body) = client
        .send("POST", "/validate", case.content_type, case.body.clone())
        .await
        .map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&body).into_owned();
    if let Expect::Refused(code, says) = case.expect {
        if status != code || !text.contains(says) {
            return Err(format!(
                "expected {code} saying {says:?}, got {status}: {text}"
            ));
        }
        return Ok(());
    }
    if status != 200 {
        return Err(format!("status {status}: {text}"));
    }
    let answer: Value = serde_json::from_slice(&body).map_err(|e| e.to_string())?;
    let sent: Value = serde_json::from_slice(&case.body).unwrap();
    let response = &answer["response"];
    if answer["apiVersion"] != case.version || answer["kind"] != "AdmissionReview" {
        return Err(format!("not answered in kind: {answer}"));
    }
    if response["uid"] != sent["request"]["uid"] {
        return Err(format!("uid not echoed: {answer}"));
    }
    for w in response["warnings"].as_array().into_iter().flatten() {
        let w = w.as_str().unwrap_or_default();
        if w.len() > 255 || w.chars().any(char::is_control) {
            return Err(format!("warning too long or not one line: {w:?}"));
        }
    }
    match case.expect {
        Expect::Allowed(codes) => {
            let got = warning_codes(response);
            if response["allowed"] != true || response.get("status").is_some() {
                return Err(format!("not allowed: {answer}"));
            }
            if got.iter().any(|c| !codes.contains(&c.as_str()))
                || codes.iter().any(|c| !got.iter().any(|g| g == c))
            {
                return Err(format!("warnings {got:?}, expected {codes:?}: {answer}"));
            }
        }
        Expect::Denied(codes) => {
            let message = response["status"]["message"].as_str().unwrap_or_default();
            if response["allowed"] != false || response["status"]["code"] != 403 {
                return Err(format!("not denied with 403: {answer}"));
            }
            if let Some(code) = codes.iter().find(|c| !message.contains(*c)) {
                return Err(format!("message does not name {code}: {message}"));
            }
            if !message.contains("(fix: ") {
                return Err(format!("message gives no fix: {message}"));
            }
        }
        Expect::Refused(..) => {}
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admission_contract() {
    let addr = serve(Policy::default(), "").await;
    let mut client = Client::plain(addr).await.unwrap();
    let mut failures = Vec::new();
    for case in cases() {
        // A refused request may close the connection (413 before the body is read).
        if let Err(e) = check_case(&mut client, &case).await {
            failures.push(format!("{}: {e}", case.name));
        }
        client = Client::plain(addr).await.unwrap();
    }
    assert!(failures.is_empty(), "{failures:#?}");
    let (status, metrics) = client.get("/metrics").await.unwrap();
    assert_eq!(status, 200);
    for line in [
        "kroute_webhook_requests_total{result=\"denied\"} 2",
        "kroute_webhook_requests_total{result=\"invalid\"} 7",
        "kroute_webhook_inventory_objects 6",
        "kroute_webhook_request_duration_seconds_count 14",
    ] {
        assert!(metrics.contains(line), "{line} missing from:\n{metrics}");
    }
    assert_eq!(client.get("/healthz").await.unwrap().0, 200);
    assert_eq!(client.get("/readyz").await.unwrap().0, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_only_warns() {
    let policy = Policy {
        dry_run: true,
        ..Policy::default()
    };
    let addr = serve(policy, "").await;
    let mut client = Client::plain(addr).await.unwrap();
    let vs = virtual_service("web2", "istio-system/private", json!({}));
    let (status, answer) = client
        .review(&review(V1, "u1", "CREATE", vs))
        .await
        .unwrap();
    assert_eq!(status, 200);
    assert_eq!(answer["response"]["allowed"], true, "{answer}");
    assert_eq!(warning_codes(&answer["response"]), ["KR301"], "{answer}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_config_sets_severities_as_for_check() {
    let addr = serve(Policy::default(), "severity: {KR301: warning}\n").await;
    let mut client = Client::plain(addr).await.unwrap();
    let vs = virtual_service("web2", "istio-system/private", json!({}));
    let (_, answer) = client
        .review(&review(V1, "u1", "CREATE", vs))
        .await
        .unwrap();
    assert_eq!(answer["response"]["allowed"], true, "{answer}");
    assert_eq!(warning_codes(&answer["response"]), ["KR301"], "{answer}");
    // And `--deny-on warning` denies it again.
    let policy = Policy {
        deny_on: Severity::Warning,
        ..Policy::default()
    };
    let addr = serve(policy, "severity: {KR301: warning}\n").await;
    let mut client = Client::plain(addr).await.unwrap();
    let vs = virtual_service("web2", "istio-system/private", json!({}));
    let (_, answer) = client
        .review(&review(V1, "u2", "CREATE", vs))
        .await
        .unwrap();
    assert_eq!(answer["response"]["allowed"], false, "{answer}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn not_ready_until_the_inventory_is_loaded() {
    let store = Arc::new(Store::new());
    let app = Arc::new(App {
        store: Arc::clone(&store),
        judge: Arc::new(Judge::new(CheckOptions::default())),
        policy: Policy::default(),
        metrics: Metrics::default(),
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router(app)).await });
    let mut client = Client::plain(addr).await.unwrap();
    assert_eq!(client.get("/readyz").await.unwrap().0, 503);
    store.mark_ready();
    assert_eq!(client.get("/readyz").await.unwrap().0, 200);
}
