//! Report stage: diagnostics and their renderers.

mod diagnostic;
pub mod graph;
pub mod human;
pub mod json;
mod summary;
pub mod trace;

pub use diagnostic::{Diagnostic, Related, ResourceRef, Severity, IGNORE_ANNOTATION};
pub use summary::Summary;
