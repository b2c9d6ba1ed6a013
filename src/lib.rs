//! kroute: static checks for the routing chain of Kubernetes, Istio and Knative manifests.
//!
//! Data flows one way: [`source`] → [`yaml`] → [`manifest`] → [`inventory`] → [`graph`] →
//! {[`checks`], [`trace`], [`view`]} → [`report`] → [`cli`]. [`diagnostic`] is the model
//! checks produce and renderers read; [`pipeline::check`] drives the stages and is what the
//! binary and the tests call; [`platform`] holds what a platform provides, which the
//! pipeline loads after the input and rules name in their help. `tests/structure.rs` keeps
//! the imports pointing this way. [`config`] reads `.kroute.yaml`, for the pipeline and the
//! command line. [`fuzzing`] (hidden) holds the fuzz targets' entry points.

pub mod checks;
pub mod cli;
pub mod cluster;
pub mod config;
pub mod diagnostic;
#[doc(hidden)]
pub mod fuzzing;
pub mod graph;
pub mod inventory;
pub mod manifest;
pub mod pipeline;
pub mod platform;
pub mod policy;
pub mod report;
pub mod schema;
pub mod source;
pub mod trace;
pub mod view;
pub mod webhook;
pub mod yaml;

pub use pipeline::{check, CheckOptions, Outcome};
