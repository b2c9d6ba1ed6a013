//! `kroute graph` and `kroute trace` through the real binary, on the README demo
//! (`testdata/demo`): snapshots of every output format, `--focus`, complete, broken and
//! unknown traces, exit codes, and a Graphviz render of the DOT output. On every rule
//! fixture and the demo, the codes they show are codes `kroute check` reports.
//!
//! The render check needs `dot` (Graphviz). Without it the check is skipped with a note,
//! except under `CI=true`, where `.ci/run` installs Graphviz and a missing `dot` fails.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command as Process, Stdio};

use serde_json::Value;

mod common;

use common::kroute;

/// Runs `kroute ARGS…`, asserts the exit code and returns stdout.
fn run(args: &[&str], code: i32) -> String {
    let assert = kroute().args(args).assert().code(code);
    String::from_utf8(assert.get_output().stdout.clone()).expect("stdout is UTF-8")
}

fn json(args: &[&str], code: i32) -> Value {
    serde_json::from_str(&run(args, code)).expect("stdout is one JSON document")
}

// ---------------------------------------------------------------------------------------
// graph

#[test]
fn graph_dot_snapshot_and_render() {
    let dot = run(&["graph", "testdata/demo", "--format", "dot"], 0);
    insta::assert_snapshot!("graph_demo_dot", dot);
    // DOT is the default format.
    assert_eq!(run(&["graph", "testdata/demo"], 0), dot);
    render_with_graphviz(&dot);
}

#[test]
fn focused_dot_renders_too() {
    let dot = run(
        &["graph", "--focus", "shop.example.com", "testdata/demo"],
        0,
    );
    render_with_graphviz(&dot);
}

/// Renders `dot` with `dot -Tsvg` and asserts that Graphviz accepts it.
fn render_with_graphviz(dot: &str) {
    let child = Process::new("dot")
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(e) => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "Graphviz `dot` is required under CI=true (.ci/run installs it): {e}"
            );
            eprintln!("note: Graphviz `dot` not found ({e}); render check skipped");
            return;
        }
    };
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(dot.as_bytes())
        .expect("dot reads its input");
    let output = child.wait_with_output().expect("dot runs");
    assert!(
        output.status.success(),
        "dot -Tsvg failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let svg = String::from_utf8_lossy(&output.stdout);
    assert!(svg.contains("<svg"), "no SVG produced");
    assert!(
        svg.contains("shop.example.com"),
        "labels missing from the SVG"
    );
}

#[test]
fn graph_mermaid_snapshot() {
    let mermaid = run(&["graph", "testdata/demo", "--format", "mermaid"], 0);
    assert!(mermaid.starts_with("flowchart LR\n"));
    insta::assert_snapshot!("graph_demo_mermaid", mermaid);
}

#[test]
fn graph_json_snapshot_names_every_broken_edge() {
    let text = run(&["graph", "testdata/demo", "--format", "json"], 0);
    insta::assert_snapshot!("graph_demo_json", text);
    let graph: Value = serde_json::from_str(&text).unwrap();
    let mut codes: Vec<&str> = graph["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["broken"]["code"].as_str())
        .collect();
    codes.sort_unstable();
    // The demo's deliberate routing mistakes: the selector typo, the Ingress port, the
    // VirtualService destination host.
    assert_eq!(codes, ["KR201", "KR204", "KR303"]);
    assert_eq!(graph["summary"]["broken"], 3);
    // Every edge joins two nodes that exist.
    let ids: Vec<&str> = graph["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap())
        .collect();
    for e in graph["edges"].as_array().unwrap() {
        assert!(ids.contains(&e["from"].as_str().unwrap()), "{e}");
        assert!(ids.contains(&e["to"].as_str().unwrap()), "{e}");
    }
}

#[test]
fn graph_focus_on_an_object() {
    let dot = run(
        &["graph", "--focus", "Service/shop/cart", "testdata/demo"],
        0,
    );
    insta::assert_snapshot!("graph_focus_service_cart", dot);
    // Upstream: both entry points that reach cart; downstream: its Deployment. Nothing else.
    assert!(dot.contains("Deployment shop/cart"));
    assert!(dot.contains("HTTPRoute shop/shop-api"));
    assert!(dot.contains("shop.example.com:80"));
    assert!(!dot.contains("cart-redis"));
    assert!(!dot.contains("Service shop/checkout"));
    // Kinds are case-insensitive, kubectl's short names work.
    assert_eq!(
        run(&["graph", "--focus", "svc/shop/cart", "testdata/demo"], 0),
        dot
    );
}

#[test]
fn graph_focus_on_a_host() {
    let graph = json(
        &[
            "graph",
            "--focus",
            "api.shop.example.com",
            "--format",
            "json",
            "testdata/demo",
        ],
        0,
    );
    let titles: Vec<&str> = graph["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        [
            "api.shop.example.com:80",
            "HTTPRoute shop/shop-api",
            "Service shop/cart",
            "Service shop/frontend",
            "Deployment shop/cart",
            "Deployment shop/frontend",
        ]
    );
    // An in-cluster host focuses on its Service.
    let graph = json(
        &[
            "graph",
            "--focus",
            "cart.shop.svc.cluster.local",
            "--format",
            "json",
            "testdata/demo",
        ],
        0,
    );
    assert!(graph["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n["title"] == "Service shop/cart"));
}

#[test]
fn graph_usage_errors() {
    kroute()
        .args(["graph", "--focus", "Service/shop/nope", "testdata/demo"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no node for"));
    kroute()
        .args(["graph", "--focus", "a/b", "testdata/demo"])
        .assert()
        .code(2);
    kroute()
        .args(["graph", "--format", "png", "testdata/demo"])
        .assert()
        .code(2);
    kroute().args(["graph"]).assert().code(2);
    kroute().args(["graph", "no-such-dir/"]).assert().code(2);
}

// ---------------------------------------------------------------------------------------
// trace

#[test]
fn trace_to_the_cart_pods() {
    let text = run(&["trace", "shop.example.com/cart", "testdata/demo"], 0);
    insta::assert_snapshot!("trace_cart", text);
    assert!(text.contains("✓ path 1: Istio Gateway, complete"));
    assert!(text.contains("→ Deployment shop/cart"));
}

#[test]
fn trace_that_breaks() {
    let text = run(
        &["trace", "shop.example.com:80/checkout", "testdata/demo"],
        1,
    );
    insta::assert_snapshot!("trace_checkout", text);
    assert!(text.contains("KR303"));
    assert!(text.contains("did you mean `checkout.shop.svc.cluster.local`?"));
    assert!(text.contains("testdata/demo/istio.yaml:106"));
}

#[test]
fn trace_without_a_path_lists_every_rule() {
    let text = run(&["trace", "shop.example.com", "testdata/demo"], 0);
    insta::assert_snapshot!("trace_host_only", text);
}

#[test]
fn trace_unknown_host_lists_the_accepted_ones() {
    let text = run(&["trace", "shop.example.org/cart", "testdata/demo"], 1);
    insta::assert_snapshot!("trace_unknown_host", text);
    assert!(text.contains("nothing accepts this host"));
    // The nearest accepted host comes first.
    let first = text
        .lines()
        .skip_while(|l| !l.starts_with("hosts that are accepted"))
        .nth(1)
        .unwrap();
    assert!(
        first.trim_start().starts_with("shop.example.com"),
        "{first}"
    );
}

#[test]
fn trace_wrong_port_finds_nothing() {
    let text = run(&["trace", "shop.example.com:8080/cart", "testdata/demo"], 1);
    assert!(text.contains("nothing accepts this host on this port"));
    assert!(text.contains("shop.example.com:80"));
}

#[test]
fn trace_gateway_api_and_in_cluster_hosts() {
    let text = run(
        &["trace", "api.shop.example.com/cart/items", "testdata/demo"],
        0,
    );
    assert!(text.contains("Gateway API, complete"));
    assert!(text.contains("rule 0: PathPrefix /cart"));
    // Gateway API prefixes match whole segments: /carts goes to the catch-all rule.
    let text = run(&["trace", "api.shop.example.com/carts", "testdata/demo"], 0);
    assert!(text.contains("rule 1: any path"), "{text}");
    assert!(text.contains("Deployment shop/frontend"), "{text}");

    let text = run(
        &["trace", "cart.shop.svc.cluster.local:7070", "testdata/demo"],
        0,
    );
    assert!(text.contains("in-cluster host, complete"));
    // A short name resolves in --default-namespace.
    let text = run(&["trace", "-n", "shop", "cart", "testdata/demo"], 0);
    assert!(text.contains("Service shop/cart:7070"));
    // The checkout Service selects nothing (KR201).
    let text = run(
        &["trace", "checkout.shop.svc.cluster.local", "testdata/demo"],
        1,
    );
    assert!(text.contains("KR201"), "{text}");
    assert!(
        text.contains("nearest workload Deployment shop/checkout"),
        "{text}"
    );
}

#[test]
fn trace_json() {
    let text = run(
        &[
            "trace",
            "--format",
            "json",
            "shop.example.com/checkout",
            "testdata/demo",
        ],
        1,
    );
    insta::assert_snapshot!("trace_checkout_json", text);
    let trace: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(trace["request"]["path"], "/checkout");
    assert_eq!(trace["summary"]["complete"], 0);
    let path = &trace["paths"][0];
    assert_eq!(path["entry"], "istio-gateway");
    assert_eq!(path["break"]["code"], "KR303");
    assert_eq!(
        path["break"]["location"]["file"],
        "testdata/demo/istio.yaml"
    );
    assert_eq!(path["hops"][1]["kind"], "VirtualService");

    let trace = json(
        &[
            "trace",
            "--format",
            "json",
            "shop.example.com/cart",
            "testdata/demo",
        ],
        0,
    );
    assert_eq!(trace["summary"]["complete"], 1);
    let hops = trace["paths"][0]["hops"].as_array().unwrap();
    let kinds: Vec<&str> = hops.iter().map(|h| h["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        ["Gateway", "VirtualService", "Service", "Deployment"]
    );
    assert_eq!(hops[2]["port"], 7070);
}

#[test]
fn trace_usage_errors() {
    for bad in [
        "shop.example.com:http/cart",
        ":80",
        "shop example.com",
        "a.com:0",
    ] {
        kroute()
            .args(["trace", bad, "testdata/demo"])
            .assert()
            .code(2);
    }
    // The manifests come after the host.
    kroute()
        .args(["trace", "shop.example.com"])
        .assert()
        .code(2);
    kroute()
        .args(["trace", "shop.example.com", "no-such-dir/"])
        .assert()
        .code(2);
}

// ---------------------------------------------------------------------------------------
// trace on generated manifests: the cases the demo does not have

/// Istio routing details: a wildcard VirtualService with a redirect, a regex rule split
/// over two subsets (one undefined), a ServiceEntry, a Knative Service, an ExternalName
/// Service, a destination without port on a multi-port Service, a named targetPort no
/// container declares, a subset whose labels match no pod, a header match; plus routes
/// for hosts that attach to nothing.
const ISTIO: &str = r#"
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: web}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 443, name: https, protocol: HTTPS}
    tls: {mode: SIMPLE, credentialName: cert}
    hosts: ["web/*.example.com"]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: orphan, namespace: web}
spec:
  hosts: [old.example.com]
  gateways: [missing-gw]
  http:
  - route: [{destination: {host: app}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: other-ns, namespace: api}
spec:
  hosts: [api.example.com]
  gateways: [web/gw]
  http:
  - route: [{destination: {host: app.web.svc.cluster.local}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: app, namespace: web}
spec:
  hosts: [app.example.com, "*.example.com"]
  gateways: [gw]
  http:
  - match: [{uri: {exact: /old}}]
    redirect: {uri: /new}
  - match: [{uri: {regex: "/v[0-9]+/.*"}}]
    route:
    - destination: {host: app, subset: v1}
      weight: 90
    - destination: {host: app, subset: v9}
      weight: 10
  - match: [{uri: {prefix: /ext}}]
    route: [{destination: {host: api.stripe.com}}]
  - match: [{uri: {prefix: /kn}}]
    route: [{destination: {host: hello.web.svc.cluster.local}}]
  - match: [{uri: {prefix: /legacy}}]
    route: [{destination: {host: legacy, port: {number: 80}}}]
  - match: [{uri: {prefix: /multi}}]
    route: [{destination: {host: multi}}]
  - match: [{uri: {prefix: /named}}]
    route: [{destination: {host: named, port: {number: 80}}}]
  - match: [{headers: {x-canary: {exact: "yes"}}}]
    route: [{destination: {host: app, subset: v2, port: {number: 8080}}}]
  - route: [{destination: {host: app, port: {number: 8080}}}]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: app, namespace: web}
spec:
  host: app
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
---
apiVersion: v1
kind: Service
metadata: {name: app, namespace: web}
spec:
  selector: {app: app}
  ports: [{name: http, port: 8080, targetPort: 8080}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: app-v1, namespace: web}
spec:
  selector: {matchLabels: {app: app, version: v1}}
  template:
    metadata: {labels: {app: app, version: v1}}
    spec: {containers: [{name: app, image: x, ports: [{containerPort: 8080}]}]}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: stripe, namespace: web}
spec:
  hosts: [api.stripe.com]
  ports: [{number: 443, name: https, protocol: TLS}]
  resolution: DNS
---
apiVersion: serving.knative.dev/v1
kind: Service
metadata: {name: hello, namespace: web}
spec:
  template:
    spec:
      containers: [{image: x}]
---
apiVersion: v1
kind: Service
metadata: {name: legacy, namespace: web}
spec:
  type: ExternalName
  externalName: legacy.example.net
  ports: [{port: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: multi, namespace: web}
spec:
  selector: {app: app}
  ports: [{name: http, port: 80}, {name: grpc, port: 90}]
---
apiVersion: v1
kind: Service
metadata: {name: named, namespace: web}
spec:
  selector: {app: app}
  ports: [{name: http, port: 80, targetPort: web}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: lost, namespace: web}
spec:
  parentRefs: [{name: nowhere}]
  hostnames: [lost.example.com]
  rules: [{backendRefs: [{name: app, port: 8080}]}]
"#;

/// Runs `kroute trace --format json REQUEST DIR` on `ISTIO` and returns the paths.
fn trace_istio(request: &str, code: i32) -> Vec<Value> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("istio.yaml"), ISTIO).unwrap();
    let path = dir.path().to_str().unwrap();
    let trace = json(&["trace", "--format", "json", request, path], code);
    trace["paths"].as_array().unwrap().clone()
}

/// `(break code or "ok", last hop kind/name, last hop detail)` of each path.
fn outcomes(paths: &[Value]) -> Vec<(String, String, String)> {
    paths
        .iter()
        .map(|p| {
            let last = p["hops"].as_array().unwrap().last().unwrap();
            (
                p["break"]["code"].as_str().unwrap_or("ok").to_string(),
                format!(
                    "{} {}",
                    last["kind"].as_str().unwrap(),
                    last["name"].as_str().unwrap()
                ),
                last["detail"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn trace_follows_every_kind_of_istio_destination() {
    let paths = trace_istio("app.example.com:443", 0);
    let got = outcomes(&paths);
    let summary: Vec<(&str, &str)> = got
        .iter()
        .map(|(c, h, _)| (c.as_str(), h.as_str()))
        .collect();
    assert_eq!(
        summary,
        [
            ("ok", "VirtualService app"),    // redirect: answered by the proxy
            ("ok", "Deployment app-v1"),     // regex rule, subset v1
            ("KR305", "VirtualService app"), // subset v9 is defined nowhere
            ("ok", "ServiceEntry stripe"),
            ("ok", "Service hello"),         // Knative Service
            ("ok", "Service legacy"),        // ExternalName
            ("KR304", "VirtualService app"), // no port on a multi-port Service
            ("KR202", "Deployment app-v1"),  // named targetPort nobody declares
            ("KR307", "Service app"),        // subset v2 matches no pod
            ("ok", "Deployment app-v1"),     // the catch-all rule
        ],
        "{paths:#?}"
    );
    assert!(got[0].2.contains("answered by the proxy"));
    assert!(got[5].2.contains("ExternalName → legacy.example.net"));
    assert_eq!(paths[4]["hops"][2]["group"], "serving.knative.dev");
    // Conditions: the path when no path was given, the header when it matters.
    assert_eq!(
        paths[1]["conditions"][0],
        "VirtualService web/app rule http[1]: path regex /v[0-9]+/.*"
    );
    assert_eq!(
        paths[8]["conditions"][0],
        "VirtualService web/app rule http[7]: header x-canary exact yes"
    );
    assert!(paths[2]["break"]["reason"]
        .as_str()
        .unwrap()
        .contains("weight: 10"));
    // The gateway's proxies are not in the input: a note, not a break.
    assert_eq!(paths[0]["hops"][0]["notes"][0]["code"], "KR308");
}

#[test]
fn trace_follows_the_first_matching_rule() {
    let paths = trace_istio("app.example.com/v2/items", 0);
    let summary: Vec<String> = outcomes(&paths)
        .into_iter()
        .map(|(c, h, _)| format!("{c} {h}"))
        .collect();
    assert_eq!(
        summary,
        ["ok Deployment app-v1", "KR305 VirtualService app"]
    );
    // A header match is conditional: the rules after it are still followed.
    let paths = trace_istio("app.example.com/other", 0);
    let summary: Vec<String> = outcomes(&paths)
        .into_iter()
        .map(|(c, h, _)| format!("{c} {h}"))
        .collect();
    assert_eq!(summary, ["KR307 Service app", "ok Deployment app-v1"]);
}

#[test]
fn trace_lists_routes_that_attach_nowhere() {
    // The wildcard VirtualService serves old.example.com; the one naming a missing Gateway
    // is listed after it.
    let paths = trace_istio("old.example.com/x", 0);
    let last = paths.last().unwrap();
    assert_eq!(last["entry"], "unattached");
    assert_eq!(last["break"]["code"], "KR301");
    assert!(last["break"]["reason"]
        .as_str()
        .unwrap()
        .contains("Gateway web/missing-gw does not exist"));
    // A VirtualService in a namespace the server host (`web/*.example.com`) does not admit.
    let paths = trace_istio("api.example.com/x", 0);
    let last = paths.last().unwrap();
    assert_eq!(last["break"]["code"], "KR302");
    // An HTTPRoute whose parent does not exist.
    let paths = trace_istio("lost.example.com/x", 0);
    let last = paths.last().unwrap();
    assert_eq!(last["hops"][0]["kind"], "HTTPRoute");
    assert_eq!(last["break"]["code"], "KR501");
}

#[test]
fn trace_gateway_api_precedence() {
    let manifests = r#"
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: web}
spec:
  gatewayClassName: x
  listeners: [{name: http, port: 80, protocol: HTTP, hostname: "*.example.com"}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r, namespace: web}
spec:
  parentRefs: [{name: gw}]
  hostnames: [shop.example.com]
  rules:
  - matches: [{path: {type: PathPrefix, value: /}}]
    backendRefs: [{name: root, port: 80}]
  - matches: [{path: {type: PathPrefix, value: /api}, headers: [{name: env, value: canary}]}]
    backendRefs: [{name: canary, port: 80}]
  - matches: [{path: {type: PathPrefix, value: /api}}]
    backendRefs: [{name: api, port: 80}]
  - matches: [{path: {type: Exact, value: /api/health}}]
    filters: [{type: RequestRedirect, requestRedirect: {path: {type: ReplaceFullPath, replaceFullPath: /healthz}}}]
"#;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("routes.yaml"), manifests).unwrap();
    let path = dir.path().to_str().unwrap();
    let rules = |request: &str| -> Vec<String> {
        let trace = json(&["trace", "--format", "json", request, path], 1);
        trace["paths"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["hops"][1]["detail"].as_str().unwrap().to_string())
            .collect()
    };
    // The longest prefix wins over `/`; the header match first, the plain one as fallback.
    assert_eq!(
        rules("shop.example.com/api/items"),
        [
            "rule 1: PathPrefix /api, header env Exact canary",
            "rule 2: PathPrefix /api"
        ]
    );
    assert_eq!(rules("shop.example.com/apis"), ["rule 0: any path"]);
    // Exact beats every prefix; a redirect answers by itself (a complete path).
    let trace = json(
        &[
            "trace",
            "--format",
            "json",
            "shop.example.com/api/health",
            path,
        ],
        0,
    );
    assert_eq!(trace["summary"]["paths"], 1);
    assert!(trace["paths"][0]["hops"][1]["detail"]
        .as_str()
        .unwrap()
        .contains("answered by a RequestRedirect filter"));
}

// ---------------------------------------------------------------------------------------
// trace through Knative (net-istio)

#[test]
fn trace_knative_external_host_splits_over_revisions() {
    let text = run(
        &[
            "trace",
            "hello.default.example.com",
            "testdata/knative/trace.yaml",
        ],
        0,
    );
    insta::assert_snapshot!("trace_knative_external", text);
    assert!(text.contains("✓ path 1: Knative (net-istio), complete"));
    assert!(text.contains("→ Knative Route default/hello"));
    assert!(text.contains("Knative Revision default/hello-v1"));
    assert!(text.contains("80%, pinned revisionName"));
    assert!(text.contains("20%, tag canary, latest revision"));
}

#[test]
fn trace_knative_tag_host_goes_to_its_target_only() {
    let text = run(
        &[
            "trace",
            "canary-hello.default.example.com",
            "testdata/knative/trace.yaml",
        ],
        0,
    );
    insta::assert_snapshot!("trace_knative_tag", text);
    assert!(text.contains("1 path, 1 complete"));
    assert!(!text.contains("hello-v1"));
}

#[test]
fn trace_knative_cluster_local_hosts() {
    let text = run(
        &[
            "trace",
            "hello.default.svc.cluster.local",
            "testdata/knative/trace.yaml",
        ],
        0,
    );
    insta::assert_snapshot!("trace_knative_cluster_local", text);
    assert!(text.contains("(provided by the platform, not in the input)"));
    // `N.ns.svc` expands like Knative's hosts do; no port declared means 8080.
    let text = run(
        &["trace", "ledger.default.svc", "testdata/knative/trace.yaml"],
        0,
    );
    assert!(
        text.contains("Knative Revision default/ledger-00001"),
        "{text}"
    );
    assert!(
        text.contains("latest revision, named by the cluster"),
        "{text}"
    );
    assert!(text.contains("port 8080 (Knative's default"), "{text}");
}

#[test]
fn trace_knative_cluster_local_service_is_not_external() {
    let text = run(
        &[
            "trace",
            "ledger.default.example.com",
            "testdata/knative/trace.yaml",
        ],
        1,
    );
    insta::assert_snapshot!("trace_knative_private", text);
    assert!(text.contains("broken (KR407)"));
    assert!(text.contains("networking.knative.dev/visibility: cluster-local"));
}

#[test]
fn trace_knative_getting_started_assumes_the_domain() {
    let text = run(
        &[
            "trace",
            "hello-world.default.example.com",
            "testdata/knative/guide-example.yaml",
        ],
        0,
    );
    insta::assert_snapshot!("trace_knative_guide", text);
    assert!(text.contains("domain `example.com` assumed"));
    assert!(text.contains("Knative Revision default/hello-world-00001"));
    // The unknown domain is never the cluster's own.
    let text = run(
        &[
            "trace",
            "hello-world.default.svc.cluster.local",
            "testdata/knative/guide-example.yaml",
        ],
        0,
    );
    assert!(text.contains("1 path, 1 complete"), "{text}");
    assert!(text.contains("knative-local-gateway"), "{text}");
}

#[test]
fn trace_knative_in_the_demo() {
    let text = run(&["trace", "recommend.shop.example.com", "testdata/demo"], 1);
    insta::assert_snapshot!("trace_knative_demo", text);
    assert!(text.contains("testdata/demo/knative.yaml"));
    assert!(text.contains("KR401"));
    let json = json(
        &[
            "trace",
            "--format",
            "json",
            "next-recommend.shop.example.com",
            "testdata/demo",
        ],
        1,
    );
    assert_eq!(json["paths"][0]["entry"], "knative");
    assert_eq!(json["paths"][0]["hops"][1]["kind"], "Route");
}

#[test]
fn trace_knative_uses_config_domain_selectors() {
    let dir = tempfile::TempDir::new().unwrap();
    let base = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/knative/trace.yaml"),
    )
    .unwrap();
    // `hello` carries no label; a labelled copy named `partner` gets the selector domain.
    let extra = "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: config-domain\n  namespace: knative-serving\ndata:\n  example.com: \"\"\n  partners.example.org: |\n    selector:\n      audience: partners\n---\napiVersion: serving.knative.dev/v1\nkind: Service\nmetadata:\n  name: partner\n  namespace: default\n  labels:\n    audience: partners\nspec:\n  template:\n    spec:\n      containers:\n      - image: registry.example.com/partner:1.0.0\n";
    let without_config_domain: String = base
        .split("\n---\n")
        .filter(|doc| !doc.contains("name: config-domain"))
        .collect::<Vec<_>>()
        .join("\n---\n");
    let file = dir.path().join("input.yaml");
    std::fs::write(&file, format!("{without_config_domain}\n{extra}")).unwrap();
    let file = file.to_str().unwrap();
    // The selector domain is Knative's host for `partner`: the trace takes the Knative path
    // (and finds that the fixture's gateway only accepts `*.example.com`).
    let text = run(&["trace", "partner.default.partners.example.org", file], 1);
    assert!(text.contains("Knative (net-istio)"), "{text}");
    assert!(
        text.contains(
            "accepts host partner.default.partners.example.org (it accepts *.example.com:80)"
        ),
        "{text}"
    );
    // …and the default domain is not.
    let text = run(&["trace", "partner.default.example.com", file], 1);
    assert!(!text.contains("Knative Route default/partner"), "{text}");
    let text = run(&["trace", "hello.default.example.com", file], 0);
    assert!(text.contains("→ Knative Route default/hello"), "{text}");
}

// ---------------------------------------------------------------------------------------
// graph and trace show the codes check reports

/// Every failing and passing case under `testdata/rules/`, and the demo, relative to the
/// crate root.
fn fixture_inputs() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut inputs = Vec::new();
    for rule in std::fs::read_dir(root.join("testdata/rules")).unwrap() {
        for case in std::fs::read_dir(rule.unwrap().path()).unwrap() {
            let path = case.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            if name.starts_with("fail") || name.starts_with("pass") {
                let rel = path.strip_prefix(root).unwrap();
                inputs.push(rel.to_string_lossy().to_string());
            }
        }
    }
    inputs.sort();
    inputs.push("testdata/demo".to_string());
    inputs
}

/// The files of `input`, a file or a directory.
fn files(input: &Path) -> Vec<PathBuf> {
    if input.is_file() {
        return vec![input.to_path_buf()];
    }
    let mut found = Vec::new();
    for entry in std::fs::read_dir(input).unwrap() {
        found.extend(files(&entry.unwrap().path()));
    }
    found
}

/// The codes `kroute check` reports on `input`, with those its objects suppress with
/// `kroute.dev/ignore` (counted by check, but not listed).
fn checked_codes(input: &str) -> BTreeSet<String> {
    let check = json_either(&["check", "--format", "json", input]);
    let mut codes: BTreeSet<String> = check["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect();
    for file in files(&Path::new(env!("CARGO_MANIFEST_DIR")).join(input)) {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        for line in text.lines() {
            if let Some((_, ignored)) = line.split_once("kroute.dev/ignore:") {
                codes.extend(
                    ignored
                        .split(',')
                        .map(|c| c.trim().trim_matches(['"', '\'']).to_ascii_uppercase()),
                );
            }
        }
    }
    codes
}

/// Runs `kroute ARGS…`, which finds something or not (exit code 0 or 1), and reads stdout.
fn json_either(args: &[&str]) -> Value {
    let output = kroute().args(args).output().unwrap();
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "kroute {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("stdout is one JSON document")
}

/// `(code, reason)` of every break and note of a `kroute trace --format json` document.
fn trace_findings(trace: &Value) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for path in trace["paths"].as_array().unwrap() {
        if let Some(code) = path["break"]["code"].as_str() {
            found.push((code.to_string(), path["break"]["reason"].to_string()));
        }
        for hop in path["hops"].as_array().unwrap() {
            for note in hop["notes"].as_array().unwrap() {
                let code = note["code"].as_str().unwrap().to_string();
                found.push((code, note["message"].to_string()));
            }
        }
    }
    found
}

#[test]
fn graph_and_trace_show_only_codes_check_reports() {
    let mut wrong = Vec::new();
    let mut shown = BTreeSet::new();
    for input in fixture_inputs() {
        let reported = checked_codes(&input);
        let graph = json_either(&["graph", "--format", "json", &input]);
        let mut found: Vec<(String, String)> = graph["edges"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| {
                let code = e["broken"]["code"].as_str()?;
                Some((
                    code.to_string(),
                    format!("graph: {}", e["broken"]["reason"]),
                ))
            })
            .collect();
        // Every host a node answers for, a wildcard made a name it covers.
        let hosts: BTreeSet<String> = graph["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|n| n["hosts"].as_array().unwrap())
            .map(|h| h.as_str().unwrap().replace('*', "any"))
            .collect();
        for host in &hosts {
            let trace = json_either(&["trace", "--format", "json", "--", host, &input]);
            found.extend(
                trace_findings(&trace)
                    .into_iter()
                    .map(|(code, why)| (code, format!("trace {host}: {why}"))),
            );
        }
        for (code, why) in found {
            if !reported.contains(&code) {
                wrong.push(format!(
                    "{input}: {code} ({why}); check reports {reported:?}"
                ));
            }
            shown.insert(code);
        }
    }
    assert!(
        wrong.is_empty(),
        "graph or trace show codes check does not report: {wrong:#?}"
    );
    // The fixtures break edges of every family: the comparison is not vacuous.
    for code in ["KR201", "KR301", "KR303", "KR406", "KR409", "KR503"] {
        assert!(shown.contains(code), "no fixture shows {code}: {shown:?}");
    }
}
