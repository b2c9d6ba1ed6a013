//! `cargo bench --bench policies`: policy evaluation alone (`Engine::evaluate`) with 1,
//! 50, 100 and 200 generated policies over 100 and 200 generated apps, to show that its
//! time grows with policies × objects and no faster: each expression is compiled once
//! (outside the timing) and an object meets only the policies indexed under its kind.

use std::fmt::Write;
use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use kroute::graph::RoutingGraph;
use kroute::inventory::Inventory;
use kroute::policy::{parse, Engine};

/// One app: a Deployment, a Service and a ConfigMap (the policies match the first two).
fn apps(count: usize) -> String {
    let mut s = String::new();
    for i in 0..count {
        let _ = write!(
            s,
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web-{i}\n  namespace: app-{i}\nspec:\n  replicas: 2\n  selector:\n    matchLabels: {{app: web}}\n  template:\n    metadata:\n      labels: {{app: web}}\n    spec:\n      containers:\n      - name: web\n        image: registry.example/web:{i}\n        resources: {{requests: {{cpu: 100m}}}}\n---\n\
apiVersion: v1\nkind: Service\nmetadata:\n  name: web-{i}\n  namespace: app-{i}\nspec:\n  selector: {{app: web}}\n  ports: [{{port: 80}}]\n---\n\
apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg-{i}\n  namespace: app-{i}\ndata: {{MODE: fast}}\n---\n"
        );
    }
    s
}

/// `count` policies, alternately on Deployments and Services, none of which fires.
fn policies(count: usize) -> Engine {
    let parsed = (0..count)
        .map(|i| {
            let text = if i % 2 == 0 {
                format!("id: BENCH{i}\nseverity: warning\nsummary: s\nmatch:\n  apiVersions: [apps/v1]\n  kinds: [Deployment]\nvalidations:\n- expression: object.spec.replicas <= {}\n- expression: object.spec.template.spec.containers.all(c, c.image.contains(':'))\n", i + 2)
            } else {
                format!("id: BENCH{i}\nseverity: warning\nsummary: s\nmatch:\n  apiVersions: [v1]\n  kinds: [Service]\nvalidations:\n- expression: object.spec.ports.all(p, p.port < {})\n", i + 100)
            };
            parse(&format!("bench{i}.yaml"), &text).expect("generated policy")
        })
        .collect();
    Engine::compile(parsed, |_| true).expect("generated policies compile")
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("policies");
    group.sample_size(10);
    for app_count in [100, 200] {
        let inv = Inventory::from_yaml(&apps(app_count));
        let graph = RoutingGraph::build(&inv);
        for count in [1, 50, 100, 200] {
            let engine = policies(count);
            // Matching pairs: each policy meets the objects of one kind (one per app).
            group.throughput(Throughput::Elements((count * app_count) as u64));
            group.bench_with_input(
                BenchmarkId::new(format!("{app_count}-apps"), count),
                &engine,
                |b, engine| b.iter(|| black_box(engine.evaluate(&inv, &graph))),
            );
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
