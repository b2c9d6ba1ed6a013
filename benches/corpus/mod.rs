//! The synthetic corpus the benches share: nothing outside the repository is needed.

use std::fmt::Write;

/// App `i`: its own namespace with a Deployment, two Services, a ServiceAccount, a
/// ConfigMap and an Ingress, all resolving.
pub fn app(i: usize) -> String {
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

pub fn write_corpus(dir: &std::path::Path, apps: usize, make: fn(usize) -> String) {
    for i in 0..apps {
        std::fs::write(dir.join(format!("app-{i}.yaml")), make(i)).expect("write app");
    }
}
