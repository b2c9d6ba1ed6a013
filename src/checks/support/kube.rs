//! Helpers the Kubernetes discovery rules (KR2xx) share.
