//! Host-name matching with wildcards, as Istio and the Gateway API define it: `*` matches
//! everything, `*.example.com` matches one or more labels in front of `example.com` (never
//! `example.com` itself). Comparison is case-insensitive; callers pass lowercase names.

/// Whether `pattern` covers every name `host` can stand for (`host` may be a wildcard too).
pub fn covers(pattern: &str, host: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    match pattern.strip_prefix('*') {
        Some(suffix) => {
            let host_suffix = host.strip_prefix('*').unwrap_or(host);
            host_suffix.len() > suffix.len() && host_suffix.ends_with(suffix)
                || host.starts_with('*') && host_suffix == suffix
        }
        None => pattern == host,
    }
}

/// Whether some name is matched by both `a` and `b`.
pub fn intersect(a: &str, b: &str) -> bool {
    covers(a, b) || covers(b, a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_match_one_or_more_labels() {
        assert!(covers("*", "anything.example.com"));
        assert!(covers("*.example.com", "a.example.com"));
        assert!(covers("*.example.com", "a.b.example.com"));
        assert!(!covers("*.example.com", "example.com"));
        assert!(!covers("*.example.com", "aexample.com"));
        assert!(covers("*.example.com", "*.a.example.com"));
        assert!(covers("*.example.com", "*.example.com"));
        assert!(!covers("*.a.example.com", "*.example.com"));
        assert!(covers("a.example.com", "a.example.com"));
        assert!(!covers("a.example.com", "b.example.com"));
    }

    #[test]
    fn intersection_is_symmetric() {
        for (a, b, want) in [
            ("*.example.com", "foo.example.com", true),
            ("*.example.com", "*.foo.example.com", true),
            ("*.example.com", "*.example.org", false),
            ("foo.example.com", "bar.example.com", false),
            ("*", "*.x", true),
        ] {
            assert_eq!(intersect(a, b), want, "{a} {b}");
            assert_eq!(intersect(b, a), want, "{b} {a}");
        }
    }
}
