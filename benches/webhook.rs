//! `cargo bench --bench webhook`: what one admission request costs the webhook, without
//! HTTP and TLS: a store holding an inventory, and `Judge::object` on objects of that
//! inventory sent back as updates of themselves (each judged against its full
//! neighbourhood), as `kroute webhook` judges them. The inventory is a synthetic corpus of
//! 2,000 apps, or the manifests under `KROUTE_BENCH_INVENTORY` (a `gen-corpus` output).
//! For latency over real HTTPS see `examples/webhook_load.rs`.

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion};
use kroute::source::{collect_inputs, Input};
use kroute::webhook::{Judge, Store};
use kroute::CheckOptions;

mod corpus;

/// Requests are made of the documents of this many files, spread over the inventory.
const SENT_FILES: usize = 100;

/// The (name, text) of every file of the inventory.
fn inventory() -> Vec<(String, String)> {
    let synthetic = tempfile::tempdir().expect("temp dir");
    let dir = match std::env::var_os("KROUTE_BENCH_INVENTORY") {
        Some(dir) => PathBuf::from(dir),
        None => {
            corpus::write_corpus(synthetic.path(), 2000, corpus::app);
            synthetic.path().to_path_buf()
        }
    };
    let inputs = collect_inputs(&[dir]).expect("inventory");
    inputs
        .into_iter()
        .filter_map(|input| match input {
            Input::File(path) => {
                let text = std::fs::read_to_string(&path).ok()?;
                Some((path.display().to_string(), text))
            }
            _ => None,
        })
        .collect()
}

fn judge(c: &mut Criterion) {
    let texts = inventory();
    let step = (texts.len() / SENT_FILES).max(1);
    let sent: Vec<String> = texts
        .iter()
        .step_by(step)
        .flat_map(|(_, text)| text.split("\n---\n").map(str::to_string))
        .filter(|doc| doc.contains("kind:"))
        .collect();
    let opts = CheckOptions::default();
    let store = Store::new();
    let errors = store.replace_all(texts, &opts.load);
    assert!(errors.is_empty(), "{errors:?}");
    let snapshot = store.snapshot();
    let judge = Judge::new(opts);
    let mut next = sent.iter().cycle();
    c.bench_function("webhook/object", |b| {
        b.iter(|| {
            let text = next.next().expect("requests");
            black_box(judge.object(&snapshot, "request.yaml", text, ""))
        })
    });
}

criterion_group!(benches, judge);
criterion_main!(benches);
