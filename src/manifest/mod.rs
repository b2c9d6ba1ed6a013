//! Manifest stage: YAML documents become Kubernetes [`Object`]s with an identity.

mod duplicate;
pub mod kustomize;
mod labels;
mod load;
pub mod names;
mod object;
mod scope;
mod template;
mod tool;

pub use duplicate::{first_definitions, Definitions, Stream};
pub use labels::{LabelMap, Labels};
pub use load::{load, read_text, Found, LoadIssue, LoadIssueKind, LoadOptions, Loaded, Reading};
pub use object::{group_of, Object, ObjectData, ObjectId, ObjectKey};
pub use scope::is_cluster_scoped;
pub use template::find_template_marker;
