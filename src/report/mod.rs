//! Report stage: diagnostics and their renderers.

mod diagnostic;
pub mod human;
pub mod json;
mod summary;

pub use diagnostic::{Diagnostic, Related, ResourceRef, Severity, IGNORE_ANNOTATION};
pub use summary::Summary;
