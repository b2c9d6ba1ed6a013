//! The webhook judges an object against its neighbourhood in the stored inventory, not the
//! whole inventory. On every rule fixture (each rule family, failing and passing cases),
//! each object judged as an admission request over the fixture's other objects must get
//! exactly the findings a full `kroute check` of those objects and it (last, as the newest
//! object) reports on it.

use std::path::{Path, PathBuf};

use kroute::manifest::{read_text, LoadOptions, Object};
use kroute::source::{collect_inputs, FileId, Input};
use kroute::webhook::{neighbours, Judge, Store};
use kroute::{check, CheckOptions};

/// Fixtures of the rules that judge objects: not the input rules KR0xx, which are about
/// files and streams (and a duplicate definition is what an admission request replaces).
fn cases() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/rules");
    let mut codes: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("fixtures")
        .map(|e| e.expect("entry").path())
        .filter(|p| !p.file_name().unwrap().to_string_lossy().starts_with("KR0"))
        .collect();
    codes.sort();
    let names = [
        "fail",
        "pass",
        "fail.yaml",
        "pass.yaml",
        "fail.json",
        "pass.json",
    ];
    codes
        .iter()
        .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
        .filter(|p| p.exists())
        .collect()
}

/// A finding as compared: code, severity, message. A "did you mean" hint names the
/// closest name among the objects at hand, which for the webhook are the neighbourhood.
type Seen = Vec<(String, String, String)>;

fn seen<'a>(findings: impl Iterator<Item = (&'a str, &'a str, &'a str)>) -> Seen {
    let mut out: Seen = findings
        // A full check says "no schema" (KR103) once per kind, on the first object of it.
        .filter(|(code, _, _)| *code != "KR103")
        .map(|(code, severity, message)| {
            let message = message.split("; did you mean").next().unwrap_or(message);
            (code.to_string(), severity.to_string(), message.to_string())
        })
        .collect();
    out.sort();
    out
}

/// Every object of the fixture `path`, as JSON text (how an AdmissionReview carries it).
fn objects(path: &Path) -> Option<Vec<(Object, String)>> {
    let inputs: Vec<Input> = collect_inputs(&[path.to_path_buf()]).expect("inputs");
    // Kustomizations are checked as scopes of their own; the webhook sees applied objects.
    let kustomized = inputs
        .iter()
        .any(|i| matches!(i, Input::File(p) if p.ends_with("kustomization.yaml")));
    if kustomized {
        return None;
    }
    let model = kroute::pipeline::model(
        &inputs,
        &Default::default(),
        Default::default(),
        &Default::default(),
    );
    let objects = model.inventory.objects.iter();
    let objects = objects.filter(|o| o.file < model.platform);
    Some(
        objects
            .map(|o| {
                let json = serde_json::to_string_pretty(&o.root.to_json()).unwrap();
                (o.clone(), json)
            })
            .collect(),
    )
}

fn compare(path: &Path, dir: &Path) -> Vec<String> {
    let Some(objects) = objects(path) else {
        return Vec::new();
    };
    let opts = CheckOptions::default();
    let mut out = Vec::new();
    for (i, (candidate, text)) in objects.iter().enumerate() {
        let others: Vec<(String, String)> = (objects.iter().enumerate())
            .filter(|(j, _)| *j != i)
            .map(|(j, (_, json))| (format!("object-{j}.json"), json.clone()))
            .collect();
        // The full check: every other object, then the candidate, each in its file.
        let mut inputs = Vec::new();
        for (name, json) in others
            .iter()
            .chain([&("request.json".to_string(), text.clone())])
        {
            let file = dir.join(name);
            std::fs::write(&file, json).unwrap();
            inputs.push(Input::File(file));
        }
        let full = check(&inputs, &opts);
        let request = full.sources.len() - 1;
        let request = full
            .sources
            .iter()
            .position(|f| f.path.ends_with("request.json"))
            .unwrap_or(request);
        let expected = seen(
            full.reported()
                .filter(|d| d.file.0 as usize == request)
                .map(|d| (d.code, d.severity.as_str(), d.message.as_str())),
        );
        let store = Store::new();
        store.replace_all(others, &opts.load);
        let snapshot = store.snapshot();
        let judge = Judge::new(opts.clone());
        judge.refresh(&snapshot);
        let findings = judge.object(&snapshot, "request.json", text, &candidate.namespace);
        let got = seen(
            findings
                .iter()
                .map(|f| (f.code, f.severity.as_str(), f.message.as_str())),
        );
        if expected != got {
            out.push(format!(
                "{}: {}\n  full check: {expected:?}\n  webhook:    {got:?}",
                path.display(),
                candidate.display()
            ));
        }
    }
    out
}

#[test]
fn the_neighbourhood_gives_the_findings_of_a_full_check() {
    let cases = cases();
    assert!(cases.len() > 100, "fixtures found: {}", cases.len());
    let dir = tempfile::tempdir().unwrap();
    let differences: Vec<String> = cases
        .iter()
        .enumerate()
        .flat_map(|(k, case)| {
            let sub = dir.path().join(k.to_string());
            std::fs::create_dir(&sub).unwrap();
            compare(case, &sub)
        })
        .collect();
    assert!(
        differences.is_empty(),
        "{} differences:\n{}",
        differences.len(),
        differences.join("\n")
    );
}

/// App `i` of a crowded namespace: labels and subsets every app shares (`team`, `version`)
/// besides its own `app` label.
fn crowded_app(i: usize) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: app-{i}, namespace: shop, labels: {{team: shop, version: v1}}}}\nspec:\n  selector: {{matchLabels: {{app: app-{i}}}}}\n  template:\n    metadata: {{labels: {{app: app-{i}, version: v1, team: shop}}}}\n    spec: {{containers: [{{name: web, image: web, ports: [{{containerPort: 8080}}]}}]}}\n---\n\
apiVersion: v1\nkind: Service\nmetadata: {{name: app-{i}, namespace: shop}}\nspec:\n  selector: {{app: app-{i}}}\n  ports: [{{port: 80, targetPort: 8080}}]\n---\n\
apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {{name: app-{i}, namespace: shop}}\nspec:\n  host: app-{i}\n  subsets: [{{name: v1, labels: {{version: v1}}}}]\n"
    )
}

#[test]
fn a_neighbourhood_follows_selectors_not_labels_many_objects_share() {
    let store = Store::new();
    let texts = (0..300)
        .map(|i| (format!("app-{i}.yaml"), crowded_app(i)))
        .collect();
    assert!(store.replace_all(texts, &LoadOptions::default()).is_empty());
    let snapshot = store.snapshot();
    let found = read_text(FileId(0), &crowded_app(7), &LoadOptions::default());
    for object in &found.objects {
        let around = neighbours::around(&snapshot, object);
        let names: Vec<String> = around
            .iter()
            .map(|e| format!("{} {}", e.object.kind, e.object.name))
            .collect();
        // Its own app's other objects, not the hundreds that share `team` or `version`.
        assert!(
            around.len() <= 4,
            "{} {}: {names:?}",
            object.kind,
            object.name
        );
        let others = found.objects.iter().filter(|o| o.kind != object.kind);
        for other in others {
            let wanted = format!("{} {}", other.kind, other.name);
            assert!(
                names.contains(&wanted),
                "{wanted} around {}: {names:?}",
                object.kind
            );
        }
    }
}
