//! What the rules' unit tests share.

use crate::checks::{Context, Rule};
use crate::diagnostic::Diagnostic;
use crate::graph::RoutingGraph;
use crate::inventory::Inventory;
use crate::source::SourceMap;

/// Runs one rule on a YAML stream, with the inventory and graph built as `check` builds them.
pub fn run_rule(rule: &Rule, yaml: &str) -> Vec<Diagnostic> {
    let inv = Inventory::from_yaml(yaml);
    let graph = RoutingGraph::build(&inv);
    let mut sources = SourceMap::default();
    sources.add("test.yaml".to_string(), yaml.to_string());
    let ctx = Context {
        inv: &inv,
        graph: &graph,
        issues: &[],
        sources: &sources,
        strict_secrets: false,
    };
    let mut out = Vec::new();
    (rule.run)(&ctx, &mut out);
    out
}
