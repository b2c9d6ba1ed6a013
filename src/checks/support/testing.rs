//! What the rules' unit tests share.

use crate::checks::{Context, Rule};
use crate::diagnostic::Diagnostic;
use crate::graph::RoutingGraph;
use crate::inventory::Inventory;
use crate::manifest::{read_text, LoadOptions, Loaded};

/// Runs one rule on a YAML stream, with the inventory and graph built as `check` builds them
/// (the Kubernetes built-ins included), and keeps what it reports about the stream.
pub fn run_rule(rule: &Rule, yaml: &str) -> Vec<Diagnostic> {
    let mut loaded = Loaded::default();
    let found = read_text(loaded.next_file(), yaml, &LoadOptions::default());
    let _ = loaded.add_file("test.yaml".to_string(), yaml.to_string(), found);
    let platform = crate::platform::load(&mut loaded, &[]);
    let inv = Inventory::build_with_platform(loaded.objects, platform);
    let graph = RoutingGraph::build(&inv);
    let schemas =
        crate::schema::Schemas::new(inv.objects.iter(), crate::schema::Options::default());
    let schema = schemas.validate(inv.objects.iter().filter(|o| o.file < platform));
    let ctx = Context {
        inv: &inv,
        graph: &graph,
        issues: &[],
        sources: &loaded.sources,
        strict_secrets: false,
        schema: &schema,
    };
    let mut out = Vec::new();
    (rule.run)(&ctx, &mut out);
    out.retain(|d| d.file < platform);
    out
}
