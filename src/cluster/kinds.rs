//! The kinds `--cluster` watches: what `inventory` indexes and the rules read, by API group
//! and kind. `deploy/rbac.yaml` grants list and watch on exactly these (tests/deploy.rs
//! keeps the two equal).
//!
//! Not watched: Endpoints and EndpointSlices (only `kroute trace` reads them, and they
//! change with every pod), and the objects that only create Secrets (cert-manager
//! Certificates, SealedSecrets, External Secrets…): in a cluster the Secret itself exists.

/// One watched kind.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Watched {
    /// The API group, `""` for the core group.
    pub group: &'static str,
    pub kind: &'static str,
    /// The resource name (RBAC and URLs use it).
    pub plural: &'static str,
}

const fn k(group: &'static str, kind: &'static str, plural: &'static str) -> Watched {
    Watched {
        group,
        kind,
        plural,
    }
}

/// Every watched kind. The kinds the cluster does not serve (their CRDs are not installed)
/// are skipped, named in one log line.
pub const WATCHED: &[Watched] = &[
    k("", "Namespace", "namespaces"),
    k("", "Service", "services"),
    k("", "ConfigMap", "configmaps"),
    k("", "Secret", "secrets"),
    k("", "ServiceAccount", "serviceaccounts"),
    k("", "PersistentVolumeClaim", "persistentvolumeclaims"),
    k("", "Pod", "pods"),
    k("", "ReplicationController", "replicationcontrollers"),
    k("apps", "Deployment", "deployments"),
    k("apps", "StatefulSet", "statefulsets"),
    k("apps", "DaemonSet", "daemonsets"),
    k("apps", "ReplicaSet", "replicasets"),
    k("batch", "Job", "jobs"),
    k("batch", "CronJob", "cronjobs"),
    k(
        "autoscaling",
        "HorizontalPodAutoscaler",
        "horizontalpodautoscalers",
    ),
    k("policy", "PodDisruptionBudget", "poddisruptionbudgets"),
    k("networking.k8s.io", "Ingress", "ingresses"),
    k("networking.k8s.io", "IngressClass", "ingressclasses"),
    k("networking.k8s.io", "NetworkPolicy", "networkpolicies"),
    k("networking.istio.io", "Gateway", "gateways"),
    k("networking.istio.io", "VirtualService", "virtualservices"),
    k("networking.istio.io", "DestinationRule", "destinationrules"),
    k("networking.istio.io", "ServiceEntry", "serviceentries"),
    k("networking.istio.io", "Sidecar", "sidecars"),
    k(
        "security.istio.io",
        "AuthorizationPolicy",
        "authorizationpolicies",
    ),
    k(
        "security.istio.io",
        "PeerAuthentication",
        "peerauthentications",
    ),
    k(
        "security.istio.io",
        "RequestAuthentication",
        "requestauthentications",
    ),
    k(
        "gateway.networking.k8s.io",
        "GatewayClass",
        "gatewayclasses",
    ),
    k("gateway.networking.k8s.io", "Gateway", "gateways"),
    k("gateway.networking.k8s.io", "HTTPRoute", "httproutes"),
    k("gateway.networking.k8s.io", "GRPCRoute", "grpcroutes"),
    k("gateway.networking.k8s.io", "TLSRoute", "tlsroutes"),
    k("gateway.networking.k8s.io", "TCPRoute", "tcproutes"),
    k("gateway.networking.k8s.io", "UDPRoute", "udproutes"),
    k(
        "gateway.networking.k8s.io",
        "ReferenceGrant",
        "referencegrants",
    ),
    k("gateway.networking.k8s.io", "ListenerSet", "listenersets"),
    k(
        "gateway.networking.x-k8s.io",
        "XListenerSet",
        "xlistenersets",
    ),
    k("serving.knative.dev", "Service", "services"),
    k("serving.knative.dev", "Configuration", "configurations"),
    k("serving.knative.dev", "Route", "routes"),
    k("serving.knative.dev", "Revision", "revisions"),
    k("serving.knative.dev", "DomainMapping", "domainmappings"),
    k("eventing.knative.dev", "Broker", "brokers"),
    k("eventing.knative.dev", "Trigger", "triggers"),
    k("messaging.knative.dev", "Channel", "channels"),
    k(
        "messaging.knative.dev",
        "InMemoryChannel",
        "inmemorychannels",
    ),
    k("messaging.knative.dev", "Subscription", "subscriptions"),
    k("flows.knative.dev", "Sequence", "sequences"),
    k("flows.knative.dev", "Parallel", "parallels"),
    k("sources.knative.dev", "ApiServerSource", "apiserversources"),
    k("sources.knative.dev", "ContainerSource", "containersources"),
    k("sources.knative.dev", "PingSource", "pingsources"),
    k("sources.knative.dev", "SinkBinding", "sinkbindings"),
    k("sinks.knative.dev", "JobSink", "jobsinks"),
    k("split.smi-spec.io", "TrafficSplit", "trafficsplits"),
    k("argoproj.io", "Rollout", "rollouts"),
];

/// The watched kind of `group` and `kind`.
pub fn watched(group: &str, kind: &str) -> Option<&'static Watched> {
    WATCHED.iter().find(|w| w.group == group && w.kind == kind)
}

/// The API groups of the watched kinds, each once.
pub fn groups() -> Vec<&'static str> {
    let mut groups: Vec<&str> = WATCHED.iter().map(|w| w.group).collect();
    groups.sort_unstable();
    groups.dedup();
    groups
}

impl std::fmt::Display for Watched {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.group {
            "" => write!(f, "{}", self.kind),
            group => write!(f, "{}.{group}", self.kind),
        }
    }
}
