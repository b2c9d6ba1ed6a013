//! Helpers the Istio rules (KR3xx) share.
