//! Schema validation: every object checked against the JSON schema of its kind.
//! [`embedded`] holds the schemas built into kroute; [`openapi`] turns Kubernetes' and
//! CRDs' OpenAPI schemas into the strict JSON schemas they are.

pub mod embedded;
pub mod openapi;
