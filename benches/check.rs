//! `cargo bench`: the whole pipeline (`check`) and loading alone (`--parse-only`) on a
//! synthetic corpus written to a temporary directory, each stage apart on the same text
//! (parse, extract, inventory, graph, checks, schema, policies), and generated worst cases
//! at two sizes, whose times must grow linearly between the two (a VirtualService per app
//! on one shared wildcard host, Knative Services reached through authority rewrites). The
//! bench needs nothing outside the repository; for figures on the shared benchmark corpus
//! use `scripts/bench.sh` (see README).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use kroute::checks::{self, Context};
use kroute::graph::RoutingGraph;
use kroute::inventory::Inventory;
use kroute::manifest::{read_text, LoadOptions};
use kroute::policy::Engine;
use kroute::schema::{self, Schemas};
use kroute::source::{collect_inputs, FileId, SourceMap};
use kroute::yaml::{parse_stream, Limits};
use kroute::{check, CheckOptions};

mod corpus;
use corpus::{app, write_corpus};

const APPS: usize = 300;

/// App `i` of a worst case: a VirtualService on the shared wildcard host `*.example.com`
/// of one gateway with its own path prefix, and a Knative Service reached through the
/// local gateway with `rewrite.authority`.
fn crowded(i: usize) -> String {
    format!(
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {{name: vs-{i}, namespace: ns-{ns}}}\nspec:\n  hosts: ['*.example.com']\n  gateways: [istio-system/shared]\n  http:\n  - match: [{{uri: {{prefix: /app-{i}/}}}}]\n    route: [{{destination: {{host: web-{i}}}}}]\n---\n\
apiVersion: v1\nkind: Service\nmetadata: {{name: web-{i}, namespace: ns-{ns}}}\nspec:\n  selector: {{app: web-{i}}}\n  ports: [{{port: 80, targetPort: 8080}}]\n---\n\
apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata: {{name: fn-{i}, namespace: ns-{ns}}}\nspec:\n  template:\n    spec: {{containers: [{{image: registry.example/fn:{i}}}]}}\n---\n\
apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {{name: fn-{i}, namespace: ns-{ns}}}\nspec:\n  hosts: [fn-{i}.example.org]\n  http:\n  - rewrite: {{authority: fn-{i}.ns-{ns}.svc.cluster.local}}\n    route: [{{destination: {{host: knative-local-gateway.istio-system.svc.cluster.local}}}}]\n",
        ns = i % 50
    )
}

const SHARED_GATEWAY: &str = "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: shared, namespace: istio-system}\nspec:\n  selector: {istio: ingressgateway}\n  servers:\n  - port: {number: 80, name: http, protocol: HTTP}\n    hosts: ['*.example.com']\n";

/// The whole run and `--parse-only` on the synthetic corpus.
fn whole(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    write_corpus(dir.path(), APPS, app);
    let inputs = collect_inputs(&[dir.path().to_path_buf()]).expect("inputs");
    let mut group = c.benchmark_group("corpus");
    group.throughput(Throughput::Elements((APPS * 7) as u64));
    group.sample_size(20);
    group.bench_function("check", |b| {
        b.iter(|| black_box(check(&inputs, &CheckOptions::default())))
    });
    let parse_only = CheckOptions {
        parse_only: true,
        ..CheckOptions::default()
    };
    group.bench_function("parse_only", |b| {
        b.iter(|| black_box(check(&inputs, &parse_only)))
    });
    group.finish();
}

/// Each stage of the pipeline alone, on the corpus as one stream, its input made by the
/// stages before it outside the timing.
fn stages(c: &mut Criterion) {
    let text: String = (0..APPS).map(|i| app(i) + "---\n").collect();
    let opts = LoadOptions::default();
    let objects = || read_text(FileId(0), &text, &opts).objects;
    let inventory = Inventory::build(objects());
    let graph = RoutingGraph::build(&inventory);
    let schemas = Schemas::new(inventory.objects.iter(), schema::Options::default());
    let report = schemas.validate(inventory.objects.iter());
    let mut sources = SourceMap::default();
    sources.add("corpus.yaml".into(), text.clone());
    let ctx = Context {
        inv: &inventory,
        graph: &graph,
        issues: &[],
        sources: &sources,
        strict_secrets: false,
        schema: &report,
    };
    let policies = kroute::policy::builtin::policies()
        .map_err(|_| ())
        .and_then(|all| Engine::compile(all, |p| p.enabled).map_err(|_| ()))
        .expect("built-in policies compile");

    let mut group = c.benchmark_group("stage");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.sample_size(20);
    group.bench_function("parse", |b| {
        b.iter(|| black_box(parse_stream(&text, &Limits::default())))
    });
    group.bench_function("extract", |b| b.iter(|| black_box(objects())));
    group.bench_function("inventory", |b| {
        b.iter_batched(objects, Inventory::build, BatchSize::LargeInput)
    });
    group.bench_function("graph", |b| {
        b.iter(|| black_box(RoutingGraph::build(&inventory)))
    });
    group.bench_function("checks", |b| b.iter(|| black_box(checks::run(&ctx))));
    group.bench_function("schema", |b| {
        b.iter(|| black_box(schemas.validate(inventory.objects.iter()).findings.len()))
    });
    group.bench_function("policies", |b| {
        b.iter(|| black_box(policies.evaluate(&inventory, &graph)))
    });
    group.finish();
}

/// The worst cases at two sizes: time per app must stay flat from one to the other.
fn worst_cases(c: &mut Criterion) {
    let mut group = c.benchmark_group("crowded");
    group.sample_size(10);
    for apps in [1_000, 2_000] {
        let dir = tempfile::tempdir().expect("temp dir");
        write_corpus(dir.path(), apps, crowded);
        std::fs::write(dir.path().join("gateway.yaml"), SHARED_GATEWAY).expect("write gateway");
        let inputs = collect_inputs(&[dir.path().to_path_buf()]).expect("inputs");
        group.throughput(Throughput::Elements(apps as u64));
        group.bench_function(format!("check/{apps}"), |b| {
            b.iter(|| black_box(check(&inputs, &CheckOptions::default())))
        });
    }
    group.finish();
}

criterion_group!(benches, whole, stages, worst_cases);
criterion_main!(benches);
