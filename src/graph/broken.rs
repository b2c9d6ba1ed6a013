//! The one place that says which rule a broken edge corresponds to, and why it is broken in
//! words: `graph` labels its red edges with these codes and `trace` explains its breaks with
//! these reasons, so both agree with each other and with `check`.

use super::{Broken, Edge, EdgeKind, RoutingGraph, Vertex};
use crate::inventory::{did_you_mean, Inventory};

impl Broken {
    /// The code of the rule that reports this broken edge.
    pub fn code(&self, kind: EdgeKind) -> &'static str {
        match (kind, self) {
            (EdgeKind::IngressBackend, _) => "KR204",
            (EdgeKind::RouteGateway, _) => "KR301",
            (EdgeKind::RouteDestination, _) => "KR303",
            (EdgeKind::ParentRef, Broken::NotAllowed { .. }) => "KR505",
            (EdgeKind::ParentRef, Broken::NoHostname { .. }) => "KR502",
            (EdgeKind::ParentRef, _) => "KR501",
            (EdgeKind::BackendRef, Broken::NotPermitted { .. }) => "KR504",
            (EdgeKind::BackendRef, _) => "KR503",
            (EdgeKind::EventDestination, _) => "KR410",
            (EdgeKind::TriggerBroker, _) => "KR409",
            (EdgeKind::DomainMappingRef, _) => "KR411",
            // Selector edges are only made to workloads that exist.
            (EdgeKind::Selects | EdgeKind::GatewaySelects, _) => "KR201",
        }
    }

    /// Why the edge is broken, in one sentence naming the names involved.
    pub fn reason(&self, inv: &Inventory, graph: &RoutingGraph) -> String {
        match self {
            Broken::NoService { namespace, name } => format!(
                "Service {namespace}/{name} does not exist{}",
                did_you_mean(name, inv.names("Service", namespace))
            ),
            Broken::NoPort { service, port } => {
                let svc = inv.service(*service);
                format!(
                    "Service {}/{} has no port {port} (it has {})",
                    svc.namespace,
                    svc.name,
                    svc.describe_ports()
                )
            }
            Broken::PortRequired { service } => {
                let svc = inv.service(*service);
                format!(
                    "the backendRef to Service {}/{} sets no `port` (it has {})",
                    svc.namespace,
                    svc.name,
                    svc.describe_ports()
                )
            }
            Broken::NoGateway { namespace, name } => format!(
                "Gateway {namespace}/{name} does not exist{}",
                did_you_mean(name, inv.names("Gateway", namespace))
            ),
            Broken::NoHost { host } => {
                // A typo is looked for among the hosts of the same domain (namespace) only:
                // comparing with every host would be quadratic on large inputs.
                let domain = host.split_once('.').map_or("", |(_, d)| d);
                let candidates = graph
                    .hosts
                    .names()
                    .filter(|n| n.split_once('.').is_some_and(|(_, d)| d == domain));
                format!(
                    "host `{host}` resolves to no Service, ServiceEntry or Knative Service{}",
                    did_you_mean(host, candidates)
                )
            }
            Broken::NoListener { gateway, section } => format!(
                "{} has no listener `{section}`",
                inv.object(*gateway).display()
            ),
            Broken::NotAllowed { reason, .. } => reason.clone(),
            Broken::NoHostname { gateway } => format!(
                "no listener hostname of {} intersects the route's hostnames",
                inv.object(*gateway).display()
            ),
            Broken::NotPermitted { namespace } => format!(
                "no ReferenceGrant in namespace `{namespace}` allows this cross-namespace backendRef"
            ),
            Broken::NoObject {
                kind,
                namespace,
                name,
            } => format!(
                "{kind} {namespace}/{name} does not exist{}",
                did_you_mean(name, inv.names(kind, namespace))
            ),
        }
    }

    /// A short name for what is missing, for the synthetic node a broken edge points at.
    pub fn missing(&self, inv: &Inventory) -> String {
        match self {
            Broken::NoService { namespace, name } => format!("Service {namespace}/{name}"),
            Broken::NoPort { service, port } => {
                let svc = inv.service(*service);
                format!("port {port} of Service {}/{}", svc.namespace, svc.name)
            }
            Broken::PortRequired { service } => {
                let svc = inv.service(*service);
                format!("port of Service {}/{}", svc.namespace, svc.name)
            }
            Broken::NoGateway { namespace, name } => format!("Gateway {namespace}/{name}"),
            Broken::NoHost { host } => format!("host {host}"),
            Broken::NoListener { gateway, section } => {
                format!("listener {section} of {}", inv.object(*gateway).display())
            }
            Broken::NotAllowed { gateway, .. } => {
                format!(
                    "a listener of {} that admits it",
                    inv.object(*gateway).display()
                )
            }
            Broken::NoHostname { gateway } => {
                format!("a matching hostname on {}", inv.object(*gateway).display())
            }
            Broken::NotPermitted { namespace } => format!("ReferenceGrant in {namespace}"),
            Broken::NoObject {
                kind,
                namespace,
                name,
            } => format!("{kind} {namespace}/{name}"),
        }
    }
}

impl Edge {
    /// The code of the rule that reports this edge when it is broken: [`Broken::code`],
    /// refined by the kind of object the edge leaves (a Trigger's subscriber is KR408).
    pub fn rule_code(&self, inv: &Inventory) -> Option<&'static str> {
        let broken = self.to.as_ref().err()?;
        let from_trigger =
            matches!(self.from, Vertex::Object(id) if inv.object(id).kind == "Trigger");
        Some(match self.kind {
            EdgeKind::EventDestination if from_trigger && self.via == "subscriber" => "KR408",
            kind => broken.code(kind),
        })
    }
}
