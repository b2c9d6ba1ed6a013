//! Schema validation: every object checked against the JSON schema of its kind.
//! [`embedded`] holds the schemas built into kroute.

pub mod embedded;
