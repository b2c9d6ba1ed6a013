//! Helpers the Knative rules (KR4xx) share.
