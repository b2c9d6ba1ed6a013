//! YAML layer: multi-document streams (and JSON) into span-carrying node trees.

mod node;
mod parse;
pub mod read;

pub use node::{parse_int, Entry, Node, Span, Style, Styled, Typed, Value};
pub use parse::{parse_stream, Document, Limits, Parsed, YamlIssue, YamlIssueKind};

#[cfg(test)]
mod tests;
