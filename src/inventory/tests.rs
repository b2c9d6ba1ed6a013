use proptest::prelude::*;

use super::*;

fn inventory(yaml: &str) -> Inventory {
    Inventory::from_yaml(yaml)
}

fn labels_yaml(labels: &[(u8, u8)]) -> String {
    let pairs: Vec<String> = labels.iter().map(|(k, v)| format!("k{k}: v{v}")).collect();
    format!("{{{}}}", pairs.join(", "))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]
    /// The label index must give exactly what matching every workload by hand gives.
    #[test]
    fn select_agrees_with_brute_force(
        pods in prop::collection::vec(prop::collection::vec((0u8..3, 0u8..3), 0..4), 1..12),
        wanted in prop::collection::vec((0u8..3, 0u8..3), 0..3),
        ns_of in prop::collection::vec(0u8..2, 12),
    ) {
        let mut yaml = String::new();
        for (i, labels) in pods.iter().enumerate() {
            yaml.push_str(&format!(
                "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p{i}\n  namespace: ns{}\n  labels: {}\nspec:\n  containers: [{{name: c, image: x}}]\n",
                ns_of[i], labels_yaml(labels)
            ));
        }
        let inv = inventory(&yaml);
        let selector = Selector {
            labels: wanted.iter().map(|(k, v)| (format!("k{k}"), format!("v{v}"))).collect(),
            exprs: Vec::new(),
            span: Default::default(),
            labels_span: Default::default(),
        };
        for ns in ["ns0", "ns1"] {
            let mut fast = inv.select(ns, &selector);
            fast.sort();
            let slow: Vec<WorkloadId> = inv
                .workloads
                .iter()
                .enumerate()
                .filter(|(_, w)| w.namespace == ns && selector.matches(&w.labels))
                .map(|(i, _)| WorkloadId(u32::try_from(i).unwrap()))
                .collect();
            prop_assert_eq!(fast, slow);
        }
    }
}

#[test]
fn workloads_from_every_template_owner() {
    let inv = inventory(
        "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: nightly}\nspec:\n  jobTemplate:\n    spec:\n      template:\n        metadata: {labels: {app: nightly}}\n        spec:\n          serviceAccountName: runner\n          containers: [{name: c, image: x, ports: [{name: http, containerPort: 8080}]}]\n---\napiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db, namespace: data}\nspec:\n  serviceName: db\n  template:\n    metadata: {labels: {app: db}}\n    spec: {containers: [{name: db, image: x}]}\n",
    );
    assert_eq!(inv.workloads.len(), 2);
    let cron = &inv.workloads[0];
    assert_eq!(cron.labels.get("app"), Some("nightly"));
    assert!(cron.exposes(&PortRef::Name("http".into())));
    assert!(cron.exposes(&PortRef::Number(8080)));
    assert_eq!(cron.refs[0].kind, RefKind::ServiceAccount);
    let db = &inv.workloads[1];
    assert_eq!(db.namespace, "data");
    assert_eq!(
        db.service_name.as_ref().map(|(n, _)| n.as_str()),
        Some("db")
    );
}

#[test]
fn nearest_suggests_typos_not_siblings_with_a_common_prefix() {
    assert_eq!(nearest("frontned", ["cart", "frontend"]), Some("frontend"));
    assert_eq!(
        nearest("checkout-dbb", ["checkout-db"]),
        Some("checkout-db")
    );
    assert_eq!(nearest("checkout-tls", ["checkout-db"]), None);
    assert_eq!(nearest("checkout-feature-flags", ["checkout-config"]), None);
}

#[test]
fn nearest_catches_short_transpositions_but_not_unrelated_short_names() {
    assert_eq!(nearest("wbe", ["web", "db"]), Some("web"));
    assert_eq!(nearest("db", ["api"]), None);
    assert_eq!(nearest("a", ["b"]), None);
}

#[test]
fn init_container_ports_serve_only_for_native_sidecars() {
    let inv = inventory(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  initContainers:\n  - {name: migrate, image: x, ports: [{name: http, containerPort: 8080}]}\n  - {name: proxy, image: y, restartPolicy: Always, ports: [{name: proxy, containerPort: 15001}]}\n  containers:\n  - {name: app, image: z}\n",
    );
    let pod = &inv.workloads[0];
    assert!(!pod.exposes(&PortRef::Name("http".into())));
    assert!(pod.exposes(&PortRef::Name("proxy".into())));
}

#[test]
fn an_empty_service_account_name_is_the_default_account() {
    let inv = inventory(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  serviceAccountName: \"\"\n  containers: [{name: c, image: x}]\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: b}\nspec:\n  serviceAccountName: \"\"\n  serviceAccount: runner\n  containers: [{name: c, image: x}]\n",
    );
    assert!(inv.workloads[0].refs.is_empty());
    let names: Vec<&str> = inv.workloads[1]
        .refs
        .iter()
        .map(|r| r.name.as_str())
        .collect();
    assert_eq!(names, ["runner"]);
}

#[test]
fn a_zero_or_empty_target_port_defaults_to_the_port() {
    let inv = inventory(
        "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  ports:\n  - {port: 80, targetPort: 0}\n  - {port: 81, targetPort: \"\"}\n  - {port: 82, targetPort: http}\n",
    );
    let targets: Vec<&PortRef> = inv.services[0].ports.iter().map(|p| &p.target).collect();
    assert_eq!(
        targets,
        [
            &PortRef::Number(80),
            &PortRef::Number(81),
            &PortRef::Name("http".into())
        ]
    );
}

#[test]
fn a_deployment_config_owns_pods_under_a_plain_map_selector() {
    let inv = inventory(
        "apiVersion: apps.openshift.io/v1\nkind: DeploymentConfig\nmetadata: {name: dc}\nspec:\n  selector: {app: dc}\n  template:\n    metadata: {labels: {app: dc}}\n    spec:\n      serviceAccountName: runner\n      containers: [{name: c, image: x}]\n",
    );
    assert_eq!(inv.workloads.len(), 1);
    let dc = &inv.workloads[0];
    assert_eq!(dc.selector.as_ref().map(|s| s.labels.len()), Some(1));
    assert_eq!(dc.refs[0].kind, RefKind::ServiceAccount);
    // OpenShift adds `deploymentconfig: <name>` to the pods, not to the template.
    assert_eq!(dc.labels.get("deploymentconfig"), Some("dc"));
    assert!(!dc.template_labels().contains_key("deploymentconfig"));
}

#[test]
fn a_rollout_workload_ref_borrows_the_template_wherever_it_is_defined() {
    let rollout = "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: r}\nspec:\n  workloadRef: {apiVersion: apps/v1, kind: Deployment, name: d}\n";
    let deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  selector: {matchLabels: {app: d}}\n  template:\n    metadata: {labels: {app: d}}\n    spec:\n      serviceAccountName: runner\n      containers: [{name: c, image: x, ports: [{name: http, containerPort: 80}], env: [{name: A, value: b}]}]\n";
    // Before or after the Deployment in the input: the Rollout's pods are the same.
    for yaml in [
        format!("{rollout}---\n{deployment}"),
        format!("{deployment}---\n{rollout}"),
    ] {
        let inv = inventory(&yaml);
        let borrowed: Vec<&Workload> = inv
            .workloads
            .iter()
            .filter(|w| w.kind == "Rollout")
            .collect();
        assert_eq!(borrowed.len(), 1);
        let w = borrowed[0];
        assert_eq!(w.labels.get("app"), Some("d"));
        assert!(w.exposes(&PortRef::Name("http".into())));
        // The Deployment reports its references and env once; every location is the ref.
        assert!(w.refs.is_empty());
        assert!(w.containers[0].env.is_empty());
        assert!(w.selector.is_none());
        let rollout_object = inv.object(w.object);
        let at = rollout_object
            .root
            .at(&["spec", "workloadRef"])
            .map(|n| n.span);
        assert_eq!(Some(w.labels_span), at);
        assert_eq!(Some(w.containers[0].ports[0].span), at);
    }
    // A kind the Rollouts controller cannot borrow from, or another group: no pods.
    let statefulset = deployment.replace("Deployment", "StatefulSet");
    let inv = inventory(&format!(
        "{}---\n{statefulset}",
        rollout.replace("Deployment", "StatefulSet")
    ));
    assert!(inv.workloads.iter().all(|w| w.kind != "Rollout"));
    let inv = inventory(&format!(
        "{}---\n{deployment}",
        rollout.replace("apps/v1", "extensions/v1beta1")
    ));
    assert!(inv.workloads.iter().all(|w| w.kind != "Rollout"));
}

/// The indexes key by interned strings: a namespace, kind or label named by many objects
/// is stored once, and every lookup still finds what it names.
#[test]
fn index_keys_are_stored_once_however_many_objects_name_them() {
    let mut yaml = String::new();
    for i in 0..40 {
        yaml.push_str(&format!(
            "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p{i}\n  namespace: shop\n  labels: {{app: web}}\nspec:\n  containers: [{{name: c, image: x}}]\n"
        ));
    }
    let inv = inventory(&yaml);
    // `Pod`, `shop`, `app`, `web` and the 40 names.
    assert_eq!(inv.symbols.len(), 44);
    assert!(inv.defines("Pod", "shop", "p39"));
    assert!(!inv.defines("Pod", "shop", "p40"));
    assert!(!inv.defines("Pod", "elsewhere", "p1"));
    assert!(inv.knows_namespace("shop"));
    assert!(!inv.knows_namespace("web"));
    assert_eq!(inv.names("Pod", "shop").count(), 40);
    assert_eq!(inv.workloads_in("shop").len(), 40);
    let selector = Selector::from_map(
        &crate::yaml::parse_stream("{app: web}", &Default::default()).documents[0].root,
    );
    assert_eq!(inv.select("shop", &selector).len(), 40);
    assert_eq!(inv.select_anywhere(&selector).len(), 40);
    assert!(inv.select("elsewhere", &selector).is_empty());
}

/// Objects of one kind, namespace and name are all found, in input order.
#[test]
fn duplicate_names_are_found_in_input_order() {
    let doc = |value: &str| {
        format!("---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n  namespace: a\ndata: {{k: {value}}}\n")
    };
    let inv = inventory(&[doc("one"), doc("two"), doc("three")].concat());
    let ids: Vec<u32> = inv.find("ConfigMap", "a", "cfg").map(|o| o.id.0).collect();
    assert_eq!(ids, [0, 1, 2]);
}

/// The nearest workload of a selector with a typo, among more label values than are
/// compared one by one: found through the values filed by their deletions, as a full
/// comparison finds it.
#[test]
fn nearest_workload_among_many_values_is_the_typo_one() {
    // Values far apart from each other, so that one typo has one nearest value.
    let value = |i: u64| format!("app-{:012x}", i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 16);
    let pods = |n: u64| -> String {
        (0..n)
            .map(|i| format!("---\napiVersion: v1\nkind: Pod\nmetadata: {{name: p{i}, namespace: crowd, labels: {{app: {}, tier: web}}}}\nspec: {{containers: [{{name: c, image: x}}]}}\n", value(i)))
            .collect()
    };
    let selector = |text: &str| {
        Selector::from_map(&crate::yaml::parse_stream(text, &Default::default()).documents[0].root)
    };
    let typo = {
        let mut chars: Vec<char> = value(17).chars().collect();
        chars.swap(6, 7);
        chars.into_iter().collect::<String>()
    };
    for n in [SCANNED_VALUES / 2, SCANNED_VALUES * 4] {
        let inv = inventory(&pods(n as u64));
        let near = |text: &str| {
            inv.nearest_workload("crowd", &selector(text))
                .map(|w| w.name.clone())
        };
        assert_eq!(
            near(&format!("{{app: {typo}}}")).as_deref(),
            Some("p17"),
            "{n} pods"
        );
        let missing = format!("{{app: {typo}x, tier: web}}");
        assert_eq!(near(&missing).as_deref(), Some("p17"), "{n} pods");
        assert_eq!(near("{app: unrelated-name}"), None, "{n} pods");
    }
}
