//! Which rule reports each [`Problem`] that `trace` and `view` find: the one table from
//! problems to rule codes, so that the codes `kroute graph` and `kroute trace` show are the
//! codes `kroute check` reports.

use super::rules::{
    kr201, kr202, kr204, kr301, kr302, kr303, kr304, kr305, kr307, kr308, kr401, kr406, kr407,
    kr408, kr409, kr410, kr411, kr501, kr502, kr503, kr504, kr505, kr511,
};
use crate::graph::{Broken, EdgeKind, Problem};

/// The code of the rule that reports `problem`.
pub fn code(problem: &Problem) -> &'static str {
    match problem {
        Problem::Edge(kind, broken) => edge_code(*kind, broken),
        Problem::NoGatewayPods => kr308::RULE.code,
        Problem::HostNotAccepted => kr302::RULE.code,
        Problem::NoSubset => kr305::RULE.code,
        Problem::SubsetMatchesNoPods => kr307::RULE.code,
        Problem::NoServicePods => kr201::RULE.code,
        Problem::TargetPortNotDeclared => kr202::RULE.code,
        Problem::TrafficNot100 => kr401::RULE.code,
        Problem::ClusterLocalFromOutside => kr407::RULE.code,
    }
}

fn edge_code(kind: EdgeKind, broken: &Broken) -> &'static str {
    match (kind, broken) {
        (EdgeKind::IngressBackend, _) => kr204::RULE.code,
        (EdgeKind::RouteGateway, _) => kr301::RULE.code,
        (EdgeKind::RouteDestination, Broken::NoPort { .. } | Broken::PortRequired { .. }) => {
            kr304::RULE.code
        }
        (EdgeKind::RouteDestination, Broken::KnativeRevision { .. }) => kr406::RULE.code,
        (EdgeKind::RouteDestination, _) => kr303::RULE.code,
        (EdgeKind::ParentRef, Broken::NotAllowed { .. }) => kr505::RULE.code,
        (EdgeKind::ParentRef, Broken::NoHostname { .. }) => kr502::RULE.code,
        (EdgeKind::ParentRef, _) => kr501::RULE.code,
        (EdgeKind::BackendRef, Broken::NotPermitted { .. }) => kr504::RULE.code,
        (EdgeKind::BackendRef, _) => kr503::RULE.code,
        (EdgeKind::ListenerSetParent, _) => kr511::RULE.code,
        (EdgeKind::TriggerSubscriber, _) => kr408::RULE.code,
        (EdgeKind::EventDestination, _) => kr410::RULE.code,
        (EdgeKind::TriggerBroker, _) => kr409::RULE.code,
        (EdgeKind::DomainMappingRef, _) => kr411::RULE.code,
        // The graph makes selector edges only to workloads that exist: a selector matching
        // nothing is a problem of its own (`NoServicePods`, `NoGatewayPods`).
        (EdgeKind::Selects, _) => kr201::RULE.code,
        (EdgeKind::GatewaySelects, _) => kr308::RULE.code,
    }
}
