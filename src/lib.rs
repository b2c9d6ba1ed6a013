//! kroute: static checks for the routing chain of Kubernetes, Istio and Knative manifests.
//!
//! Data flows one way: [`source`] → [`yaml`] → [`manifest`] → [`inventory`] → [`graph`] →
//! [`checks`] → [`report`]. [`run`] drives the pipeline and is what the binary calls.

pub mod checks;
pub mod diagnostic;
pub mod graph;
pub mod inventory;
pub mod manifest;
pub mod pipeline;
pub mod report;
pub mod source;
pub mod trace;
pub mod view;
pub mod yaml;

pub use pipeline::{check, CheckOptions, Outcome};
pub mod cli;
