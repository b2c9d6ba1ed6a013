//! Logic several rules share, by family (ruff keeps `rules/<family>/helpers.rs`): a rule
//! file holds one rule and is never imported by another; what two rules need lives here.

pub mod fix;
pub mod gateway_api;
pub mod istio;
pub mod knative;
pub mod kube;
pub mod namespace;
pub mod operators;
pub mod secrets;
#[cfg(test)]
pub mod testing;
pub mod tls;
