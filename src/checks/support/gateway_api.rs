//! Helpers the Gateway API rules (KR5xx) share.
