//! apiVersions that are deprecated or no longer served (KR104): the Kubernetes deprecation
//! guide's removals, Istio's superseded versions and the Gateway API versions its CRDs
//! stopped serving.

use std::fmt;

/// A Kubernetes release, `major.minor`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Release(pub u32, pub u32);

impl Release {
    /// `1.33`, `v1.33` or `1.33.2`; `None` for anything else.
    pub fn parse(text: &str) -> Option<Release> {
        let mut parts = text.trim().trim_start_matches('v').split('.');
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next()?.parse().ok()?;
        parts
            .next()
            .is_none_or(|patch| patch.parse::<u32>().is_ok())
            .then_some(Release(major, minor))
    }
}

impl fmt::Display for Release {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.0, self.1)
    }
}

/// Who stops serving an apiVersion, and when.
#[derive(Clone, Copy, Debug)]
enum Project {
    /// Kubernetes: deprecated in one release, removed in another (or not yet).
    Kubernetes {
        deprecated: Release,
        removed: Option<Release>,
    },
    /// Istio serves the old version still, but its `v1` supersedes it (Istio 1.22).
    Istio,
    /// The Gateway API CRDs no longer serve it since this Gateway API release.
    GatewayApi { removed: &'static str },
}

struct Entry {
    api_versions: &'static [&'static str],
    kinds: &'static [&'static str],
    replacement: &'static str,
    project: Project,
}

const fn k8s(deprecated: (u32, u32), removed: (u32, u32)) -> Project {
    Project::Kubernetes {
        deprecated: Release(deprecated.0, deprecated.1),
        removed: Some(Release(removed.0, removed.1)),
    }
}

/// From <https://kubernetes.io/docs/reference/using-api/deprecation-guide/>, Istio's and
/// Gateway API's release notes.
#[rustfmt::skip]
const TABLE: &[Entry] = &[
    // Kubernetes 1.16
    Entry { api_versions: &["extensions/v1beta1"], kinds: &["NetworkPolicy"], replacement: "networking.k8s.io/v1", project: k8s((1, 9), (1, 16)) },
    Entry { api_versions: &["extensions/v1beta1"], kinds: &["PodSecurityPolicy"], replacement: "policy/v1beta1", project: k8s((1, 10), (1, 16)) },
    Entry { api_versions: &["extensions/v1beta1", "apps/v1beta1", "apps/v1beta2"], kinds: &["DaemonSet", "Deployment", "ReplicaSet", "StatefulSet", "ControllerRevision"], replacement: "apps/v1", project: k8s((1, 9), (1, 16)) },
    // Kubernetes 1.22
    Entry { api_versions: &["admissionregistration.k8s.io/v1beta1"], kinds: &["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"], replacement: "admissionregistration.k8s.io/v1", project: k8s((1, 16), (1, 22)) },
    Entry { api_versions: &["apiextensions.k8s.io/v1beta1"], kinds: &["CustomResourceDefinition"], replacement: "apiextensions.k8s.io/v1", project: k8s((1, 16), (1, 22)) },
    Entry { api_versions: &["apiregistration.k8s.io/v1beta1"], kinds: &["APIService"], replacement: "apiregistration.k8s.io/v1", project: k8s((1, 19), (1, 22)) },
    Entry { api_versions: &["authentication.k8s.io/v1beta1"], kinds: &["TokenReview"], replacement: "authentication.k8s.io/v1", project: k8s((1, 19), (1, 22)) },
    Entry { api_versions: &["authorization.k8s.io/v1beta1"], kinds: &["SubjectAccessReview", "LocalSubjectAccessReview", "SelfSubjectAccessReview"], replacement: "authorization.k8s.io/v1", project: k8s((1, 19), (1, 22)) },
    Entry { api_versions: &["certificates.k8s.io/v1beta1"], kinds: &["CertificateSigningRequest"], replacement: "certificates.k8s.io/v1", project: k8s((1, 19), (1, 22)) },
    Entry { api_versions: &["coordination.k8s.io/v1beta1"], kinds: &["Lease"], replacement: "coordination.k8s.io/v1", project: k8s((1, 19), (1, 22)) },
    Entry { api_versions: &["extensions/v1beta1"], kinds: &["Ingress"], replacement: "networking.k8s.io/v1", project: k8s((1, 14), (1, 22)) },
    Entry { api_versions: &["networking.k8s.io/v1beta1"], kinds: &["Ingress", "IngressClass"], replacement: "networking.k8s.io/v1", project: k8s((1, 19), (1, 22)) },
    Entry { api_versions: &["rbac.authorization.k8s.io/v1beta1"], kinds: &["ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"], replacement: "rbac.authorization.k8s.io/v1", project: k8s((1, 17), (1, 22)) },
    Entry { api_versions: &["scheduling.k8s.io/v1beta1"], kinds: &["PriorityClass"], replacement: "scheduling.k8s.io/v1", project: k8s((1, 14), (1, 22)) },
    Entry { api_versions: &["storage.k8s.io/v1beta1"], kinds: &["CSIDriver", "CSINode", "StorageClass", "VolumeAttachment"], replacement: "storage.k8s.io/v1", project: k8s((1, 19), (1, 22)) },
    // Kubernetes 1.25
    Entry { api_versions: &["batch/v1beta1"], kinds: &["CronJob"], replacement: "batch/v1", project: k8s((1, 21), (1, 25)) },
    Entry { api_versions: &["discovery.k8s.io/v1beta1"], kinds: &["EndpointSlice"], replacement: "discovery.k8s.io/v1", project: k8s((1, 21), (1, 25)) },
    Entry { api_versions: &["events.k8s.io/v1beta1"], kinds: &["Event"], replacement: "events.k8s.io/v1", project: k8s((1, 19), (1, 25)) },
    Entry { api_versions: &["autoscaling/v2beta1"], kinds: &["HorizontalPodAutoscaler"], replacement: "autoscaling/v2", project: k8s((1, 22), (1, 25)) },
    Entry { api_versions: &["policy/v1beta1"], kinds: &["PodDisruptionBudget"], replacement: "policy/v1", project: k8s((1, 21), (1, 25)) },
    Entry { api_versions: &["policy/v1beta1"], kinds: &["PodSecurityPolicy"], replacement: "Pod Security Admission (no PodSecurityPolicy replacement)", project: k8s((1, 21), (1, 25)) },
    Entry { api_versions: &["node.k8s.io/v1beta1"], kinds: &["RuntimeClass"], replacement: "node.k8s.io/v1", project: k8s((1, 20), (1, 25)) },
    // Kubernetes 1.26, 1.27, 1.29, 1.32
    Entry { api_versions: &["flowcontrol.apiserver.k8s.io/v1beta1"], kinds: &["FlowSchema", "PriorityLevelConfiguration"], replacement: "flowcontrol.apiserver.k8s.io/v1", project: k8s((1, 23), (1, 26)) },
    Entry { api_versions: &["autoscaling/v2beta2"], kinds: &["HorizontalPodAutoscaler"], replacement: "autoscaling/v2", project: k8s((1, 23), (1, 26)) },
    Entry { api_versions: &["storage.k8s.io/v1beta1"], kinds: &["CSIStorageCapacity"], replacement: "storage.k8s.io/v1", project: k8s((1, 24), (1, 27)) },
    Entry { api_versions: &["flowcontrol.apiserver.k8s.io/v1beta2"], kinds: &["FlowSchema", "PriorityLevelConfiguration"], replacement: "flowcontrol.apiserver.k8s.io/v1", project: k8s((1, 26), (1, 29)) },
    Entry { api_versions: &["flowcontrol.apiserver.k8s.io/v1beta3"], kinds: &["FlowSchema", "PriorityLevelConfiguration"], replacement: "flowcontrol.apiserver.k8s.io/v1", project: k8s((1, 29), (1, 32)) },
    // Istio: v1 since Istio 1.22 (kinds that have a v1; EnvoyFilter and ProxyConfig do not)
    Entry { api_versions: &["networking.istio.io/v1alpha3", "networking.istio.io/v1beta1"], kinds: &["VirtualService", "DestinationRule", "Gateway", "ServiceEntry", "Sidecar", "WorkloadEntry", "WorkloadGroup"], replacement: "networking.istio.io/v1", project: Project::Istio },
    Entry { api_versions: &["security.istio.io/v1beta1"], kinds: &["AuthorizationPolicy", "PeerAuthentication", "RequestAuthentication"], replacement: "security.istio.io/v1", project: Project::Istio },
    Entry { api_versions: &["telemetry.istio.io/v1alpha1"], kinds: &["Telemetry"], replacement: "telemetry.istio.io/v1", project: Project::Istio },
    // Gateway API
    Entry { api_versions: &["gateway.networking.k8s.io/v1alpha2"], kinds: &["GatewayClass", "Gateway", "HTTPRoute"], replacement: "gateway.networking.k8s.io/v1", project: Project::GatewayApi { removed: "v0.6" } },
    Entry { api_versions: &["gateway.networking.k8s.io/v1alpha2"], kinds: &["GRPCRoute"], replacement: "gateway.networking.k8s.io/v1", project: Project::GatewayApi { removed: "v1.2" } },
    Entry { api_versions: &["gateway.networking.k8s.io/v1alpha2"], kinds: &["ReferenceGrant"], replacement: "gateway.networking.k8s.io/v1beta1", project: Project::GatewayApi { removed: "v1.2" } },
];

/// What is wrong with `api_version` `kind` for a cluster running `target`: the message and
/// the help of a KR104 finding, or `None` when the version is current.
pub fn check(api_version: &str, kind: &str, target: Release) -> Option<(String, String)> {
    let entry = TABLE
        .iter()
        .find(|e| e.api_versions.contains(&api_version) && e.kinds.contains(&kind))?;
    let replacement = entry.replacement;
    let what = format!("{api_version} {kind}");
    let message = match entry.project {
        Project::Kubernetes {
            removed: Some(removed),
            ..
        } if removed <= target => {
            format!("{what} was removed in Kubernetes {removed} (checking against {target}); use {replacement}")
        }
        Project::Kubernetes {
            deprecated,
            removed,
        } => {
            if deprecated > target {
                return None;
            }
            let removal = removed.map_or_else(String::new, |r| format!(", removed in {r}"));
            format!(
                "{what} is deprecated since Kubernetes {deprecated}{removal}; use {replacement}"
            )
        }
        Project::Istio => {
            format!("{what} is superseded by {replacement} (Istio 1.22 and later serve it)")
        }
        Project::GatewayApi { removed } => {
            format!("{what} is no longer served since Gateway API {removed}; use {replacement}")
        }
    };
    let help = format!("change apiVersion to {replacement}, after checking the fields the new version renamed or removed");
    Some((message, help))
}

/// The replacement of `api_version` for `kind` when the object reads the same under it:
/// the two versions have the same schema, so changing the apiVersion is the whole fix.
/// Versions whose fields changed (Ingress, Deployment from `extensions`, HPA `v2beta1`,
/// Gateway API `v1alpha2`) are not listed: a human adapts the fields.
pub fn same_schema_replacement(api_version: &str, kind: &str) -> Option<&'static str> {
    const SAME_SCHEMA: &[&str] = &[
        "networking.istio.io/v1alpha3",
        "networking.istio.io/v1beta1",
        "security.istio.io/v1beta1",
        "telemetry.istio.io/v1alpha1",
        "rbac.authorization.k8s.io/v1beta1",
        "scheduling.k8s.io/v1beta1",
        "coordination.k8s.io/v1beta1",
        "batch/v1beta1",
        "autoscaling/v2beta2",
        "node.k8s.io/v1beta1",
    ];
    if !SAME_SCHEMA.contains(&api_version) {
        return None;
    }
    TABLE
        .iter()
        .find(|e| e.api_versions.contains(&api_version) && e.kinds.contains(&kind))
        .map(|e| e.replacement)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn releases_parse_with_or_without_v_and_patch() {
        assert_eq!(Release::parse("v1.33.2"), Some(Release(1, 33)));
        assert_eq!(Release::parse("1.9"), Some(Release(1, 9)));
        assert_eq!(Release::parse("latest"), None);
        assert!(Release(1, 9) < Release(1, 16));
    }

    #[test]
    fn removal_depends_on_the_target_release() {
        let removed = check("batch/v1beta1", "CronJob", Release(1, 33));
        assert!(removed.is_some_and(|(m, _)| m.contains("removed in Kubernetes 1.25")));
        let deprecated = check("batch/v1beta1", "CronJob", Release(1, 22));
        assert!(deprecated.is_some_and(|(m, _)| m.contains("deprecated since Kubernetes 1.21")));
        assert_eq!(check("batch/v1beta1", "CronJob", Release(1, 20)), None);
        assert_eq!(check("batch/v1", "CronJob", Release(1, 33)), None);
    }
}
