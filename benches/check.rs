//! `cargo bench`: the whole pipeline (`check`) and loading alone (`--parse-only`) on a
//! synthetic corpus written to a temporary directory, so the bench needs nothing outside
//! the repository. For figures on the shared benchmark corpus use
//! `../shared/bench/gen-corpus` with the release binary (see README).

use std::fmt::Write;
use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use kroute::source::collect_inputs;
use kroute::{check, CheckOptions};

const APPS: usize = 300;

fn app(i: usize) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: app-{i}\n---\n\
apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: app-{i}\nspec:\n  selector:\n    matchLabels: {{app: web}}\n  template:\n    metadata:\n      labels: {{app: web, version: v1}}\n    spec:\n      serviceAccountName: web\n      containers:\n      - name: web\n        image: registry.example/web:{i}\n        ports: [{{name: http, containerPort: 8080}}]\n        env:\n        - {{name: CART, value: \"cart.app-{i}.svc.cluster.local:80\"}}\n        envFrom: [{{configMapRef: {{name: web-config}}}}]\n---\n\
apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: app-{i}\nspec:\n  selector: {{app: web}}\n  ports: [{{name: http, port: 80, targetPort: http}}]\n---\n\
apiVersion: v1\nkind: Service\nmetadata:\n  name: cart\n  namespace: app-{i}\nspec:\n  selector: {{app: web}}\n  ports: [{{name: http, port: 80, targetPort: 8080}}]\n---\n\
apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: web\n  namespace: app-{i}\n---\n\
apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-config\n  namespace: app-{i}\ndata:\n  MODE: fast\n---\n\
apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\n  namespace: app-{i}\nspec:\n  rules:\n  - host: app-{i}.example.com\n    http:\n      paths:\n      - path: /\n        pathType: Prefix\n        backend:\n          service: {{name: web, port: {{number: 80}}}}\n"
    );
    s
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    for i in 0..APPS {
        std::fs::write(dir.path().join(format!("app-{i}.yaml")), app(i)).expect("write app");
    }
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

criterion_group!(benches, bench);
criterion_main!(benches);
