//! The AdmissionReview contract (`admission.k8s.io/v1`, and `v1beta1` answered in kind):
//! reading a review, and the answer for what was found.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::evaluate::Finding;
use crate::diagnostic::Severity;

/// Kubernetes shows each warning to `kubectl` users and truncates long ones: each stays
/// under this many characters.
pub const MAX_WARNING: usize = 255;

/// At most this many warnings are returned; the rest are counted in the last one.
const MAX_WARNINGS: usize = 20;

/// The part of an AdmissionReview kroute reads.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Review {
    pub api_version: String,
    pub kind: String,
    pub request: Option<Request>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Request {
    pub uid: String,
    #[serde(default)]
    pub namespace: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub operation: Option<String>,
    #[serde(default)]
    pub kind: Option<GroupVersionKind>,
    #[serde(default)]
    pub object: Option<Value>,
    #[serde(default)]
    pub old_object: Option<Value>,
}

#[derive(Debug, Deserialize)]
pub struct GroupVersionKind {
    #[serde(default)]
    pub group: String,
    #[serde(default)]
    pub kind: String,
}

/// The API versions of AdmissionReview kroute answers.
pub const VERSIONS: &[&str] = &["admission.k8s.io/v1", "admission.k8s.io/v1beta1"];

/// Reads an AdmissionReview; the error says what is wrong with it, for a 400 answer.
pub fn parse(body: &[u8]) -> Result<(Review, Request), String> {
    let review: Review =
        serde_json::from_slice(body).map_err(|e| format!("not an AdmissionReview: {e}"))?;
    if review.kind != "AdmissionReview" || !VERSIONS.contains(&review.api_version.as_str()) {
        return Err(format!(
            "expected kind AdmissionReview of apiVersion {}, got {} {}",
            VERSIONS.join(" or "),
            review.api_version,
            review.kind
        ));
    }
    let mut review = review;
    let request = review
        .request
        .take()
        .ok_or_else(|| "the AdmissionReview has no `request`".to_string())?;
    if request.uid.is_empty() {
        return Err("the AdmissionReview request has an empty `uid`".to_string());
    }
    Ok((review, request))
}

/// The decision on one request.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    /// Why it is denied (`status.message`).
    pub message: Option<String>,
    pub warnings: Vec<String>,
}

/// Decides on `findings`: those at or above `deny_on` deny (unless `dry_run`), listing
/// codes and fixes; every other finding, and with `dry_run` every one, is a warning.
pub fn decide(findings: &[Finding], deny_on: Severity, dry_run: bool) -> Decision {
    let (denying, rest): (Vec<&Finding>, Vec<&Finding>) = findings
        .iter()
        .partition(|f| !dry_run && f.severity >= deny_on);
    let message = (!denying.is_empty()).then(|| {
        let lines: Vec<String> = denying.iter().map(|f| line(f, true)).collect();
        format!("kroute: {}", lines.join("; "))
    });
    let mut warnings: Vec<String> = rest.iter().map(|f| warning(f)).collect();
    if warnings.len() > MAX_WARNINGS {
        let more = warnings.len() - (MAX_WARNINGS - 1);
        warnings.truncate(MAX_WARNINGS - 1);
        warnings.push(format!("kroute: {more} more findings (run kroute check)"));
    }
    Decision {
        allowed: message.is_none(),
        message,
        warnings,
    }
}

/// `CODE severity: message (fix: help)`, about another object when it is not the request's.
fn line(f: &Finding, with_help: bool) -> String {
    let mut out = format!("{} {}: {}", f.code, f.severity.as_str(), f.message);
    if let Some(help) = f.help.as_deref().filter(|_| with_help) {
        out.push_str(" (fix: ");
        out.push_str(help);
        out.push(')');
    }
    clean(&out)
}

/// A finding as one short warning: the code and message, cut to [`MAX_WARNING`].
fn warning(f: &Finding) -> String {
    shorten(&format!("kroute: {}", line(f, false)), MAX_WARNING)
}

/// `text` with control characters (newlines from YAML, escapes) replaced by spaces, so
/// that a warning is one printable line.
pub fn clean(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// `text` cut at a character boundary to at most `max` bytes, with `…` when cut.
fn shorten(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max - '…'.len_utf8();
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Answer<'a> {
    api_version: &'a str,
    kind: &'static str,
    response: Response<'a>,
}

#[derive(Serialize)]
struct Response<'a> {
    uid: &'a str,
    allowed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<Status<'a>>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    warnings: &'a [String],
}

#[derive(Serialize)]
struct Status<'a> {
    code: u16,
    message: &'a str,
}

/// The AdmissionReview answering request `uid` of a review of `api_version`.
pub fn answer(api_version: &str, uid: &str, decision: &Decision) -> Vec<u8> {
    let answer = Answer {
        api_version,
        kind: "AdmissionReview",
        response: Response {
            uid,
            allowed: decision.allowed,
            status: decision
                .message
                .as_deref()
                .map(|message| Status { code: 403, message }),
            warnings: &decision.warnings,
        },
    };
    serde_json::to_vec(&answer).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(code: &'static str, severity: Severity, message: &str) -> Finding {
        Finding {
            code,
            severity,
            message: message.to_string(),
            help: Some("do this".to_string()),
            object: "Service shop/cart".to_string(),
        }
    }

    #[test]
    fn errors_deny_with_fixes_and_the_rest_warn() {
        let findings = [
            finding("KR301", Severity::Error, "no gateway"),
            finding("KR309", Severity::Warning, "any host"),
        ];
        let d = decide(&findings, Severity::Error, false);
        assert!(!d.allowed);
        assert_eq!(
            d.message.as_deref(),
            Some("kroute: KR301 error: no gateway (fix: do this)")
        );
        assert_eq!(d.warnings, ["kroute: KR309 warning: any host"]);
        let dry = decide(&findings, Severity::Error, true);
        assert!(dry.allowed);
        assert_eq!(dry.warnings.len(), 2);
    }

    #[test]
    fn warnings_are_short_single_lines() {
        let long = format!("line\none\u{1b}[31m {}", "é".repeat(400));
        let d = decide(
            &[finding("KR309", Severity::Warning, &long)],
            Severity::Error,
            false,
        );
        let w = &d.warnings[0];
        assert!(w.len() <= MAX_WARNING, "{}", w.len());
        assert!(!w.chars().any(char::is_control), "{w:?}");
        assert!(w.ends_with('…'));
    }

    #[test]
    fn many_warnings_are_counted() {
        let findings: Vec<Finding> = (0..30)
            .map(|_| finding("KR309", Severity::Warning, "w"))
            .collect();
        let d = decide(&findings, Severity::Error, false);
        assert_eq!(d.warnings.len(), MAX_WARNINGS);
        assert!(d.warnings[MAX_WARNINGS - 1].contains("11 more"));
    }
}
