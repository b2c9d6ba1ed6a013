//! What the rules' unit tests share.

use crate::checks::{Context, Rule};
use crate::diagnostic::Diagnostic;
use crate::graph::RoutingGraph;
use crate::inventory::Inventory;
use crate::manifest::{read_text, LoadOptions, ObjectId};
use crate::source::{FileId, SourceMap};

/// Runs one rule on a YAML stream, with the inventory and graph built as `check` builds them.
pub fn run_rule(rule: &Rule, yaml: &str) -> Vec<Diagnostic> {
    let found = read_text(FileId(0), yaml, &LoadOptions::default());
    let objects = found
        .objects
        .into_iter()
        .enumerate()
        .map(|(i, mut o)| {
            o.id = ObjectId(u32::try_from(i).unwrap_or(u32::MAX));
            o
        })
        .collect();
    let inv = Inventory::build(objects);
    let graph = RoutingGraph::build(&inv);
    let ctx = Context {
        inv: &inv,
        graph: &graph,
        issues: &[],
        sources: &SourceMap::default(),
    };
    let mut out = Vec::new();
    (rule.run)(&ctx, &mut out);
    out
}
