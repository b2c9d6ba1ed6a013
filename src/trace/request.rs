//! The request `trace` follows, `HOST[:PORT][/PATH]`, and the path matching of Istio,
//! Gateway API and Ingress.

use std::fmt;

use crate::inventory::istio::UriMatch;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// Lowercase, without a trailing dot.
    pub host: String,
    pub port: Option<i64>,
    /// Starts with `/`; `None` when the request names no path (every path is then traced).
    pub path: Option<String>,
}

impl Request {
    /// Reads `HOST[:PORT][/PATH]`; `http://` and `https://` are accepted and imply port 80
    /// and 443.
    pub fn parse(text: &str) -> Result<Request, String> {
        let text = text.trim();
        let (rest, scheme_port) = if let Some(rest) = strip_prefix_ci(text, "http://") {
            (rest, Some(80))
        } else if let Some(rest) = strip_prefix_ci(text, "https://") {
            (rest, Some(443))
        } else {
            (text, None)
        };
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], Some(rest[i..].to_string())),
            None => (rest, None),
        };
        let (host, port) = match authority.rsplit_once(':') {
            Some((host, port)) => {
                let port: u16 = port
                    .parse()
                    .map_err(|_| format!("`{port}` is not a port number (1-65535)"))?;
                if port == 0 {
                    return Err("port 0 is not a port".to_string());
                }
                (host, Some(i64::from(port)))
            }
            None => (authority, scheme_port),
        };
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        if host.is_empty() {
            return Err(format!(
                "`{text}` names no host; expected HOST[:PORT][/PATH], e.g. shop.example.com:80/cart"
            ));
        }
        if let Some(bad) = host
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '*' | '_')))
        {
            return Err(format!("`{host}` is not a host name (`{bad}`)"));
        }
        Ok(Request { host, port, path })
    }

    /// The path routes match against: without query string or fragment.
    pub fn match_path(&self) -> Option<&str> {
        self.path
            .as_deref()
            .map(|p| p.split(['?', '#']).next().unwrap_or(p))
    }
}

fn strip_prefix_ci<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    text.get(..prefix.len())
        .filter(|head| head.eq_ignore_ascii_case(prefix))
        .map(|_| &text[prefix.len()..])
}

impl fmt::Display for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.host)?;
        if let Some(port) = self.port {
            write!(f, ":{port}")?;
        }
        if let Some(path) = &self.path {
            write!(f, "{path}")?;
        }
        Ok(())
    }
}

/// Whether a regular expression matches all of `path` (RE2 semantics as Istio and the
/// Gateway API use them; an invalid expression matches nothing).
pub fn regex_matches(pattern: &str, path: &str) -> bool {
    regex::Regex::new(&format!("^(?:{pattern})$")).is_ok_and(|re| re.is_match(path))
}

/// Istio `uri` match: `prefix` is a plain string prefix, `exact` equality, `regex` a full
/// match.
pub fn uri_fits(uri: &UriMatch, path: &str) -> bool {
    match uri {
        UriMatch::Prefix(prefix) => path.starts_with(prefix.as_str()),
        UriMatch::Exact(exact) => path == exact,
        UriMatch::Regex(re) => regex_matches(re, path),
    }
}

pub fn describe_uri(uri: &UriMatch) -> String {
    match uri {
        UriMatch::Prefix(p) => format!("prefix {p}"),
        UriMatch::Exact(p) => format!("exact {p}"),
        UriMatch::Regex(p) => format!("regex {p}"),
    }
}

/// Gateway API and Ingress `Prefix`: matches whole path segments, so `/cart` matches
/// `/cart` and `/cart/items` but not `/carts`; a trailing `/` in the prefix is ignored.
pub fn segment_prefix(prefix: &str, path: &str) -> bool {
    let prefix = prefix.trim_end_matches('/');
    prefix.is_empty()
        || path == prefix
        || path
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_host_port_and_path() {
        let r = Request::parse("Shop.Example.com.:8080/cart?x=1").unwrap();
        assert_eq!(r.host, "shop.example.com");
        assert_eq!(r.port, Some(8080));
        assert_eq!(r.path.as_deref(), Some("/cart?x=1"));
        assert_eq!(r.match_path(), Some("/cart"));
        assert_eq!(r.to_string(), "shop.example.com:8080/cart?x=1");
        let r = Request::parse("https://shop.example.com").unwrap();
        assert_eq!((r.port, r.path), (Some(443), None));
        let r = Request::parse("cart").unwrap();
        assert_eq!((r.host.as_str(), r.port), ("cart", None));
        assert!(Request::parse(":80/x").is_err());
        assert!(Request::parse("a.com:http").is_err());
        assert!(Request::parse("a.com:0").is_err());
        assert!(Request::parse("a b.com").is_err());
    }

    #[test]
    fn matches_paths_as_each_api_does() {
        assert!(uri_fits(&UriMatch::Prefix("/cart".into()), "/carts"));
        assert!(!segment_prefix("/cart", "/carts"));
        assert!(segment_prefix("/cart/", "/cart"));
        assert!(segment_prefix("/cart", "/cart/items"));
        assert!(segment_prefix("/", "/anything"));
        assert!(uri_fits(&UriMatch::Regex("/api/v[0-9]+".into()), "/api/v2"));
        assert!(!uri_fits(&UriMatch::Regex("/api".into()), "/api/v2"));
        assert!(!uri_fits(&UriMatch::Regex("(".into()), "/"));
        assert!(uri_fits(&UriMatch::Exact("/x".into()), "/x"));
    }
}
