//! Kubernetes name formats, as the API server validates them: DNS-1123 labels and
//! subdomains, DNS-1035 labels, qualified names. One definition each, for the graph's host
//! parsing and the rules alike.

/// Longest DNS label.
const LABEL_MAX: usize = 63;

/// Longest DNS-1123 subdomain.
const SUBDOMAIN_MAX: usize = 253;

fn label_char(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'
}

/// The characters of a DNS-1123 label, whatever its length: `[a-z0-9]([-a-z0-9]*[a-z0-9])?`.
fn is_dns1123_shape(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(label_char) && !s.starts_with('-') && !s.ends_with('-')
}

/// A DNS-1123 (RFC 1123) label: lowercase alphanumerics and `-`, 1–63 characters,
/// alphanumeric at both ends.
pub fn is_dns1123_label(s: &str) -> bool {
    s.len() <= LABEL_MAX && is_dns1123_shape(s)
}

/// A DNS-1123 subdomain: dot-separated DNS-1123 label shapes, 253 characters in all (the
/// API server bounds only the whole name here, not each label).
pub fn is_dns1123_subdomain(s: &str) -> bool {
    s.len() <= SUBDOMAIN_MAX && s.split('.').all(is_dns1123_shape)
}

/// The characters of a DNS-1035 label, whatever its length: `[a-z]([-a-z0-9]*[a-z0-9])?`.
/// Knative checks the length of some names separately, once its suffixes are added.
pub fn is_dns1035_shape(s: &str) -> bool {
    s.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
        && s.bytes().all(label_char)
        && !s.ends_with('-')
}

/// A DNS-1035 label: a lowercase letter first, then letters, digits and `-`, alphanumeric
/// last, at most 63 characters.
pub fn is_dns1035_label(s: &str) -> bool {
    s.len() <= LABEL_MAX && is_dns1035_shape(s)
}

/// Why `s` is not a DNS-1035 label, for messages; `None` when it is one.
pub fn dns1035_label_problem(s: &str) -> Option<String> {
    if is_dns1035_label(s) {
        return None;
    }
    Some(if s.len() > LABEL_MAX {
        format!("{} characters, more than {LABEL_MAX}", s.len())
    } else if s.is_empty() {
        "empty".to_string()
    } else if !s.bytes().next().is_some_and(|b| b.is_ascii_lowercase()) {
        "it must start with a lowercase letter".to_string()
    } else if s.ends_with('-') {
        "it must not end with `-`".to_string()
    } else {
        "only lowercase letters, digits and `-` are allowed".to_string()
    })
}

/// A Kubernetes qualified name: an optional DNS-1123 subdomain prefix and `/`, then 1–63
/// alphanumerics, `-`, `_`, `.`, alphanumeric at both ends.
pub fn is_qualified_name(s: &str) -> bool {
    let (prefix, name) = match s.split_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, s),
    };
    let alnum = |b: Option<u8>| b.is_some_and(|b| b.is_ascii_alphanumeric());
    prefix.is_none_or(is_dns1123_subdomain)
        && !name.is_empty()
        && name.len() <= LABEL_MAX
        && alnum(name.bytes().next())
        && alnum(name.bytes().last())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns1123_labels() {
        for good in ["a", "0", "web-1", "1a", "a".repeat(63).as_str()] {
            assert!(is_dns1123_label(good), "{good}");
        }
        for bad in ["", "-a", "a-", "A", "a_b", "a.b", "a".repeat(64).as_str()] {
            assert!(!is_dns1123_label(bad), "{bad}");
        }
    }

    #[test]
    fn dns1123_subdomains() {
        assert!(is_dns1123_subdomain("example.com"));
        assert!(is_dns1123_subdomain(&format!("{}.com", "a".repeat(64))));
        let too_long = format!("{}ab", "a.".repeat(126));
        for bad in ["", "a..b", ".a", "a.", "A.com", too_long.as_str()] {
            assert!(!is_dns1123_subdomain(bad), "{bad}");
        }
    }

    #[test]
    fn dns1035_labels_and_their_problems() {
        assert!(is_dns1035_label("hello-v2"));
        assert!(is_dns1035_shape(&"a".repeat(70)));
        assert!(!is_dns1035_label(&"a".repeat(64)));
        for bad in ["", "1a", "-a", "a-", "Hello", "a_b"] {
            assert!(!is_dns1035_shape(bad), "{bad}");
            assert!(dns1035_label_problem(bad).is_some(), "{bad}");
        }
        assert_eq!(dns1035_label_problem("hello"), None);
        assert_eq!(
            dns1035_label_problem(&"a".repeat(64)).as_deref(),
            Some("64 characters, more than 63")
        );
        assert_eq!(
            dns1035_label_problem("9lives").as_deref(),
            Some("it must start with a lowercase letter")
        );
    }

    #[test]
    fn qualified_names() {
        for good in ["hello", "Hello_World.v1", "example.com/name", "a"] {
            assert!(is_qualified_name(good), "{good}");
        }
        for bad in [
            "",
            "-a",
            "a-",
            "/a",
            "Example.com/a",
            "a/",
            "a b",
            "a".repeat(64).as_str(),
        ] {
            assert!(!is_qualified_name(bad), "{bad}");
        }
    }
}
