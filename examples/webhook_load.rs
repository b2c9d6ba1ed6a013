//! Load generator for `kroute webhook`: starts the real binary over an inventory (a
//! `gen-corpus` checkout), with a self-signed certificate, and sends AdmissionReviews over
//! HTTPS keep-alive connections on loopback, built from the inventory's own objects (each
//! sent as an UPDATE of itself, so every request is judged against a full neighbourhood).
//!
//! ```sh
//! cargo build --release --bins --examples
//! target/release/examples/webhook_load --kroute target/release/kroute \
//!     --inventory /tmp/corpus10k --rate 500 --seconds 20
//! target/release/examples/webhook_load ... --rate 0 --connections 8   # as fast as it goes
//! ```
//!
//! With `--rate R` requests are sent at fixed times (open loop): latency is measured from
//! when a request was due, so a stalled server is not hidden by a stalled client. With
//! `--rate 0`, each connection sends its next request as soon as the last is answered:
//! the requests per second reached is the most it sustains.

#[path = "../tests/webhook_client/mod.rs"]
mod webhook_client;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use webhook_client::{tls_config, Client};

struct Args {
    kroute: PathBuf,
    inventory: PathBuf,
    rate: u64,
    seconds: u64,
    connections: usize,
    /// How many objects of the inventory requests are made of.
    objects: usize,
}

fn args() -> Args {
    let mut args = Args {
        kroute: PathBuf::from("target/release/kroute"),
        inventory: PathBuf::from("/tmp/corpus10k"),
        rate: 500,
        seconds: 20,
        connections: 4,
        objects: 2000,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        let number = || {
            value
                .parse::<u64>()
                .unwrap_or_else(|_| panic!("{flag}: a number"))
        };
        match flag.as_str() {
            "--kroute" => args.kroute = PathBuf::from(&value),
            "--inventory" => args.inventory = PathBuf::from(&value),
            "--rate" => args.rate = number(),
            "--seconds" => args.seconds = number(),
            "--connections" => args.connections = number() as usize,
            "--objects" => args.objects = number() as usize,
            _ => panic!("unknown flag {flag}"),
        }
    }
    args
}

/// AdmissionReviews (UPDATE) of objects of the inventory, of every kind in turn.
fn reviews(inventory: &PathBuf, wanted: usize) -> Vec<Vec<u8>> {
    let inputs =
        kroute::source::collect_inputs(std::slice::from_ref(inventory)).expect("inventory");
    let mut out = Vec::new();
    for input in inputs {
        let kroute::source::Input::File(path) = input else {
            continue;
        };
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let found = kroute::manifest::read_text(
            kroute::source::FileId(0),
            &text,
            &kroute::manifest::LoadOptions::default(),
        );
        for object in found.objects {
            let uid = format!("load-{}", out.len());
            out.push(
                serde_json::to_vec(&json!({
                    "apiVersion": "admission.k8s.io/v1",
                    "kind": "AdmissionReview",
                    "request": {
                        "uid": uid,
                        "kind": {"group": object.group.as_str(), "version": "v1", "kind": object.kind.as_str()},
                        "namespace": object.namespace.as_str(),
                        "name": object.name.as_str(),
                        "operation": "UPDATE",
                        "object": object.root.to_json(),
                    }
                }))
                .expect("JSON"),
            );
        }
        if out.len() >= wanted {
            break;
        }
    }
    out
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args = args();
    let dir = tempfile::tempdir().expect("temp dir");
    let made = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).expect("cert");
    let (cert, key) = (made.cert.pem(), made.signing_key.serialize_pem());
    std::fs::write(dir.path().join("tls.crt"), &cert).unwrap();
    std::fs::write(dir.path().join("tls.key"), &key).unwrap();
    let mut child = Command::new(&args.kroute)
        .args(["webhook", "--listen", "127.0.0.1:0", "--no-config"])
        .arg("--tls-cert")
        .arg(dir.path().join("tls.crt"))
        .arg("--tls-key")
        .arg(dir.path().join("tls.key"))
        .arg("--inventory")
        .arg(&args.inventory)
        .stderr(Stdio::piped())
        .spawn()
        .expect("kroute webhook starts");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut addr: Option<SocketAddr> = None;
    // The address, then the inventory loaded (the server is ready then).
    for line in lines.by_ref().map_while(Result::ok) {
        eprintln!("{line}");
        if let Some(a) = line.split("listening on ").nth(1) {
            addr = a.trim().parse().ok();
        }
        if line.contains("inventory:") {
            break;
        }
    }
    std::thread::spawn(move || lines.map_while(Result::ok).for_each(|l| eprintln!("{l}")));
    let addr = addr.expect("the webhook said where it listens");
    let reviews = Arc::new(reviews(&args.inventory, args.objects));
    eprintln!("{} requests to choose from", reviews.len());
    let config = tls_config(&[&cert]);

    // Warm-up: every review once, so each schema is compiled before measuring.
    let mut warm = Client::tls(addr, config.clone()).await.expect("connect");
    for body in reviews.iter().take(500) {
        warm.send("POST", "/validate", Some("application/json"), body.clone())
            .await
            .expect("warm-up request");
    }

    let total = Duration::from_secs(args.seconds);
    let start = Instant::now() + Duration::from_millis(50);
    let mut tasks = Vec::new();
    for c in 0..args.connections {
        let reviews = Arc::clone(&reviews);
        let config = config.clone();
        let (rate, connections) = (args.rate, args.connections as u64);
        tasks.push(tokio::spawn(async move {
            let mut client = Client::tls(addr, config).await.expect("connect");
            let mut latencies = Vec::new();
            let mut errors = 0usize;
            let mut k = c;
            let interval =
                (rate > 0).then(|| Duration::from_secs_f64(connections as f64 / rate as f64));
            let offset = interval.map_or(Duration::ZERO, |i| i * c as u32 / connections as u32);
            loop {
                let due = match interval {
                    Some(i) => start + offset + i * (latencies.len() + errors) as u32,
                    None => Instant::now().max(start),
                };
                if due >= start + total {
                    break;
                }
                tokio::time::sleep_until(due.into()).await;
                let body = reviews[k % reviews.len()].clone();
                k += connections as usize;
                match client
                    .send("POST", "/validate", Some("application/json"), body)
                    .await
                {
                    Ok((200, _)) => latencies.push(due.elapsed()),
                    _ => errors += 1,
                }
            }
            (latencies, errors)
        }));
    }
    let mut latencies = Vec::new();
    let mut errors = 0;
    for task in tasks {
        let (l, e) = task.await.expect("connection task");
        latencies.extend(l);
        errors += e;
    }
    let elapsed = total.as_secs_f64();
    latencies.sort();
    println!(
        "rate {} connections {} requests {} errors {} throughput {:.0}/s p50 {:.2} ms p90 {:.2} ms p99 {:.2} ms max {:.2} ms",
        if args.rate == 0 { "max".to_string() } else { args.rate.to_string() },
        args.connections,
        latencies.len(),
        errors,
        latencies.len() as f64 / elapsed,
        percentile(&latencies, 0.5).as_secs_f64() * 1e3,
        percentile(&latencies, 0.9).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3,
        latencies.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
    );
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
}
