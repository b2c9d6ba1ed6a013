//! What the rules' unit tests share.

use crate::checks::{Context, Rule};
use crate::diagnostic::Diagnostic;
use crate::graph::RoutingGraph;
use crate::inventory::Inventory;
use crate::manifest::{read_text, LoadOptions, Loaded, ObjectId};
use crate::source::FileId;

/// Runs one rule on a YAML stream, with the inventory and graph built as `check` builds them
/// (the Kubernetes built-ins included), and keeps what it reports about the stream.
pub fn run_rule(rule: &Rule, yaml: &str) -> Vec<Diagnostic> {
    let found = read_text(FileId(0), yaml, &LoadOptions::default());
    let mut loaded = Loaded::default();
    loaded
        .sources
        .add("test.yaml".to_string(), yaml.to_string());
    loaded.file_documents.push(found.documents);
    loaded.objects = found.objects;
    for (i, object) in loaded.objects.iter_mut().enumerate() {
        object.id = ObjectId(u32::try_from(i).unwrap_or(u32::MAX));
    }
    let platform = crate::platform::load(&mut loaded, &[]);
    let inv = Inventory::build_with_platform(loaded.objects, platform);
    let graph = RoutingGraph::build(&inv);
    let ctx = Context {
        inv: &inv,
        graph: &graph,
        issues: &[],
        sources: &loaded.sources,
        strict_secrets: false,
    };
    let mut out = Vec::new();
    (rule.run)(&ctx, &mut out);
    out.retain(|d| d.file < platform);
    out
}
