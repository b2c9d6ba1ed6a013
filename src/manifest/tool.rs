//! Recognises the YAML and JSON of tools that sits next to manifests (Helm charts and values,
//! kustomizations, cluster and CI configuration, package manifests): it is not Kubernetes
//! objects, so it is skipped and counted, never an error.

use std::path::Path;

use super::object::group_of;
use crate::yaml::Node;

/// What a document is, before it is read as objects.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Class {
    /// A Kubernetes object, or something that meant to be one (a broken object is reported
    /// while reading it).
    Manifest,
    /// Configuration of a tool kroute recognises: skipped without a word.
    Tool,
    /// Not a Kubernetes object, and not recognised: skipped, and said once per file, since
    /// the user may have meant a manifest. Carries the message that says so.
    Other(String),
}

/// Classifies the document `root` of a file whose name is recognised as a tool's
/// (`tool_file`) or not.
pub(super) fn classify(root: &Node, tool_file: bool) -> Class {
    if root.as_map().is_none() {
        return if tool_file || is_json_patch(root) {
            Class::Tool
        } else {
            Class::Other("document is not a mapping, so not a Kubernetes object; skipped".into())
        };
    }
    let (api_version, kind) = (root.get("apiVersion"), root.get("kind"));
    if let (Some(api_version), Some(kind)) = (
        api_version.and_then(Node::as_str),
        kind.and_then(Node::as_str),
    ) {
        return classify_typed(root, api_version, kind);
    }
    if tool_file {
        // A values file may well have a `kind:` of its own (`kind: DaemonSet`).
        return Class::Tool;
    }
    match (api_version, kind) {
        (None, None) if has_tool_signature(root) => Class::Tool,
        (None, None) => Class::Other(
            "document has no `apiVersion` or `kind`: not a Kubernetes object; skipped".into(),
        ),
        (Some(_), None) if is_chart_metadata(root) => Class::Tool,
        (Some(_), None) if root.get("metadata").is_none() && root.get("spec").is_none() => {
            Class::Other("document has `apiVersion` but no `kind`, `metadata` or `spec`: not a Kubernetes object; skipped".into())
        }
        _ => Class::Manifest,
    }
}

/// A document with a string `apiVersion` and `kind`.
fn classify_typed(root: &Node, api_version: &str, kind: &str) -> Class {
    if is_tool_kind(api_version, kind) {
        return Class::Tool;
    }
    let looks_like_config = kind == "Config" || kind.ends_with("Configuration");
    let group = group_of(api_version);
    if root.get("metadata").is_none()
        && looks_like_config
        && !group.contains("admissionregistration")
    {
        return Class::Other(format!(
            "`{kind}` ({api_version}) without `metadata` is tool configuration, not a Kubernetes object; skipped"
        ));
    }
    Class::Manifest
}

/// API groups of tool and cluster configuration: read by a command-line tool or a node
/// agent, never served by an API server.
const TOOL_GROUPS: [&str; 13] = [
    "skaffold",
    "kind.x-k8s.io",
    "k3d.io",
    "ctlptl.dev",
    "kubeadm.k8s.io",
    "install.istio.io",
    "cli.kyverno.io",
    "chainsaw.kyverno.io",
    "schema.plugin.fluxcd.io",
    "kpt.dev",
    "fn.kpt.dev",
    "eksctl.io",
    "audit.k8s.io",
];

/// Kinds that carry `apiVersion`/`kind` but are tool configuration: kustomizations,
/// kubelet/scheduler/kube-proxy configuration (`*.config.k8s.io`), kustomize's built-in
/// plugins, a kubeconfig (`v1` `Config`), and the [`TOOL_GROUPS`].
fn is_tool_kind(api_version: &str, kind: &str) -> bool {
    let group = group_of(api_version);
    group.ends_with(".config.k8s.io")
        || TOOL_GROUPS.contains(&group)
        || api_version == "builtin"
        || (api_version == "v1" && kind == "Config")
}

/// Helm's `Chart.yaml`: `apiVersion: v1` or `v2`, a `name` and a `version`, no `kind`.
fn is_chart_metadata(root: &Node) -> bool {
    matches!(root.str_at("apiVersion"), Some("v1" | "v2"))
        && root.get("name").is_some()
        && root.get("version").is_some()
}

/// A JSON 6902 patch (kustomize `patchesJson6902`): a list of `{op, path}` operations.
fn is_json_patch(root: &Node) -> bool {
    root.as_seq().is_some_and(|ops| {
        !ops.is_empty()
            && ops
                .iter()
                .all(|op| op.get("op").is_some() && op.get("path").is_some())
    })
}

/// Top-level keys that only one kind of tool file has, with the keys that must come with
/// them (all of them).
const SIGNATURES: [(&str, &[&str]); 15] = [
    // kustomization.yaml without apiVersion/kind
    ("resources", &[]),
    ("bases", &[]),
    ("components", &[]),
    ("patchesStrategicMerge", &[]),
    ("configMapGenerator", &[]),
    ("secretGenerator", &[]),
    // docker-compose, GitHub workflows, pre-commit, dependabot
    ("services", &["version"]),
    ("jobs", &["on"]),
    ("repos", &[]),
    ("updates", &["version"]),
    // package.json, tsconfig.json, a JSON schema, an Envoy bootstrap, OpenAPI
    ("dependencies", &["name"]),
    ("compilerOptions", &[]),
    ("$schema", &[]),
    ("static_resources", &[]),
    ("openapi", &["paths"]),
];

/// Whether a document without `apiVersion`/`kind` has the keys of a known tool file.
fn has_tool_signature(root: &Node) -> bool {
    SIGNATURES.iter().any(|(key, with)| {
        root.get(key).is_some() && with.iter().all(|other| root.get(other).is_some())
    })
}

/// File names (compared without case) of tool files, and the prefixes and suffixes of
/// names of their variants (`values-prod.yaml`, `docker-compose.dev.yml`).
const TOOL_FILES: [&str; 28] = [
    ".kroute.yaml",
    "chart.yaml",
    "chart.lock",
    "requirements.yaml",
    "kustomization.yaml",
    "kustomization.yml",
    "kustomization",
    "skaffold.yaml",
    "compose.yaml",
    "compose.yml",
    "package.json",
    "package-lock.json",
    "composer.json",
    "renovate.json",
    ".renovaterc.json",
    "dependabot.yml",
    "dependabot.yaml",
    ".pre-commit-config.yaml",
    ".pre-commit-hooks.yaml",
    ".gitlab-ci.yml",
    "azure.yaml",
    "azure-pipelines.yml",
    "ct.yaml",
    "artifacthub-pkg.yml",
    "artifacthub-repo.yml",
    "cloudbuild.yaml",
    "mkdocs.yml",
    "action.yml",
];
const TOOL_PREFIXES: [&str; 4] = ["values", "docker-compose", "tsconfig", "skaffold"];
const TOOL_SUFFIXES: [&str; 2] = ["values", ".schema"];
/// Directories whose YAML is CI configuration.
const TOOL_DIRS: [&str; 3] = [".github", ".circleci", ".gitlab"];

/// Whether the file at `path` is, by its name, a tool's configuration: Helm chart metadata
/// and values, kustomizations, skaffold, docker-compose, CI workflows, package manifests.
pub(super) fn is_tool_file(path: &str) -> bool {
    let path = Path::new(path);
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    let name = name.to_ascii_lowercase();
    let stem = [".yaml", ".yml", ".json"]
        .iter()
        .find_map(|ext| name.strip_suffix(ext))
        .unwrap_or(&name);
    TOOL_FILES.contains(&name.as_str())
        || TOOL_PREFIXES.iter().any(|p| stem.starts_with(p))
        || TOOL_SUFFIXES.iter().any(|s| stem.ends_with(s))
        || path
            .components()
            .any(|c| TOOL_DIRS.iter().any(|d| c.as_os_str() == *d))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{parse_stream, Limits};

    fn class(yaml: &str, tool_file: bool) -> Class {
        let parsed = parse_stream(yaml, &Limits::default());
        classify(&parsed.documents[0].root, tool_file)
    }

    #[test]
    fn tool_files_by_name() {
        for name in [
            "chart/Chart.yaml",
            "chart/values.yaml",
            "values-prod.yml",
            "prod.values.yaml",
            "values.schema.json",
            "base/kustomization.yaml",
            "docker-compose-quickstart.yml",
            "web/package.json",
            "tsconfig.build.json",
            "repo/.github/workflows/ci.yml",
            "skaffold-dev.yaml",
            ".kroute.yaml",
        ] {
            assert!(is_tool_file(name), "{name}");
        }
        for name in [
            "deploy/service.yaml",
            "values/service.yaml",
            "app.json",
            "-",
        ] {
            assert!(!is_tool_file(name), "{name}");
        }
    }

    #[test]
    fn tool_documents_by_content() {
        let tool = [
            "apiVersion: skaffold/v4beta6\nkind: Config\nmetadata:\n  name: app\n",
            "apiVersion: kind.x-k8s.io/v1alpha4\nkind: Cluster\nnodes: []\n",
            "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec: {}\n",
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: []\n",
            "apiVersion: v2\nname: web\nversion: 1.0.0\n",
            "resources:\n- deployment.yaml\n",
            "version: '3'\nservices:\n  web: {image: nginx}\n",
            "- op: replace\n  path: /kind\n  value: Role\n",
            "{\"compilerOptions\": {\"strict\": true}}\n",
        ];
        for yaml in tool {
            assert_eq!(class(yaml, false), Class::Tool, "{yaml}");
        }
        let other = [
            "replicaCount: 2\n",
            "- a\n- b\n",
            "apiVersion: 1\ndatasources: []\n",
        ];
        for yaml in other {
            assert!(matches!(class(yaml, false), Class::Other(_)), "{yaml}");
            assert_eq!(class(yaml, true), Class::Tool, "{yaml}");
        }
        let manifest = [
            "kind: ConfigMap\nmetadata:\n  name: x\n",
            "apiVersion: v1\nmetadata:\n  name: x\n",
            "apiVersion: v1\nkind: Service\nmetadata: {}\n",
            "apiVersion: serving.knative.dev/v1\nkind: Configuration\nmetadata:\n  name: x\n",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\n",
        ];
        for yaml in manifest {
            assert_eq!(class(yaml, false), Class::Manifest, "{yaml}");
        }
        // A full object in a file named like a tool's is still an object.
        let release =
            "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: web\n";
        assert_eq!(class(release, true), Class::Manifest);
    }
}
