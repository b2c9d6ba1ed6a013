//! TLS credentials as Istio reads them from a Secret: which key holds the certificate, and
//! whether that value is a PEM X.509 certificate valid today (Istio's `ExtractCertInfo` and
//! `ValidateCertificate`, behind `istioctl analyze` IST0161).

use std::time::SystemTime;

use base64::Engine;
use x509_cert::der::{Decode, Reader, SliceReader};
use x509_cert::Certificate;

use crate::inventory::{secret_value, SecretValue};
use crate::manifest::Object;

/// The certificate of a TLS Secret: under `cert` when `cert` and `key` both have a value,
/// else under `tls.crt` when `tls.crt` and `tls.key` do (Istio's order); with its key.
pub fn certificate_value(secret: &Object) -> Option<(&'static str, SecretValue<'_>)> {
    [("cert", "key"), ("tls.crt", "tls.key")]
        .into_iter()
        .find_map(|(cert, key)| {
            let filled = |k: &str| secret_value(secret, k).filter(|v| !v.text.trim().is_empty());
            filled(key)?;
            Some((cert, filled(cert)?))
        })
}

/// What is wrong with a certificate value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CertificateProblem {
    /// No PEM block at all.
    NotPem,
    /// The first PEM block is no X.509 certificate: its PEM label, and why it does not parse.
    NotCertificate { label: String, reason: String },
    /// A certificate expired at that time (RFC 3339).
    Expired { not_after: String },
    /// A certificate valid only from that time on.
    NotYetValid { not_before: String },
}

/// What is wrong with `value` as a certificate at `now`, or `None` when it is fine or its
/// content cannot be judged: data that is not base64 (the API server rejects it before
/// Istio sees it) or a placeholder a template or pipeline fills in.
pub fn certificate_problem(value: &SecretValue<'_>, now: SystemTime) -> Option<CertificateProblem> {
    let bytes = if value.encoded {
        let compact: String = value.text.chars().filter(|c| !c.is_whitespace()).collect();
        base64::engine::general_purpose::STANDARD
            .decode(compact)
            .ok()?
    } else {
        value.text.as_bytes().to_vec()
    };
    if placeholder(&String::from_utf8_lossy(&bytes)) {
        return None;
    }
    // Istio validates the first PEM block, as Go's `pem.Decode` finds it.
    let Ok(block) = pem::parse(&bytes) else {
        return Some(CertificateProblem::NotPem);
    };
    let certificates = match parse_certificates(block.contents()) {
        Ok(c) => c,
        Err(reason) => {
            return Some(CertificateProblem::NotCertificate {
                label: block.tag().to_string(),
                reason,
            })
        }
    };
    certificates.iter().find_map(|c| out_of_validity(c, now))
}

/// Every DER certificate in `der`, one after another (Go's `x509.ParseCertificates`).
fn parse_certificates(der: &[u8]) -> Result<Vec<Certificate>, String> {
    let mut reader = SliceReader::new(der).map_err(|e| e.to_string())?;
    let mut certificates = Vec::new();
    while !reader.is_finished() {
        certificates.push(Certificate::decode(&mut reader).map_err(|e| e.to_string())?);
    }
    if certificates.is_empty() {
        return Err("the block is empty".to_string());
    }
    Ok(certificates)
}

fn out_of_validity(certificate: &Certificate, now: SystemTime) -> Option<CertificateProblem> {
    let validity = certificate.tbs_certificate().validity();
    if now > validity.not_after.to_system_time() {
        return Some(CertificateProblem::Expired {
            not_after: validity.not_after.to_date_time().to_string(),
        });
    }
    if now < validity.not_before.to_system_time() {
        return Some(CertificateProblem::NotYetValid {
            not_before: validity.not_before.to_date_time().to_string(),
        });
    }
    None
}

/// Whether a value without PEM is a stand-in something fills in before it reaches the
/// cluster: `${TLS_CRT}`, `{{ .Values.cert }}`, `$(CERT)`, `<base64 certificate>`.
fn placeholder(text: &str) -> bool {
    let text = text.trim();
    !text.contains("-----BEGIN")
        && (text.contains('$')
            || text.contains("{{")
            || (text.starts_with('<') && text.ends_with('>')))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::Span;

    /// A self-signed certificate valid from 2025-01-01 to 2125-01-01.
    const VALID: &str = "-----BEGIN CERTIFICATE-----
MIIBUDCB9qADAgECAhRcJE4U8rlVO+qWF7XeKCDAe7HBXDAKBggqhkjOPQQDAjAY
MRYwFAYDVQQDDA0qLmV4YW1wbGUuY29tMCAXDTI1MDEwMTAwMDAwMFoYDzIxMjUw
MTAxMDAwMDAwWjAYMRYwFAYDVQQDDA0qLmV4YW1wbGUuY29tMFkwEwYHKoZIzj0C
AQYIKoZIzj0DAQcDQgAEJUeiKLOdnIIZ+3ITyaYQEkCQHU0RcRDj0amHE5px0C17
FutMKv9VPr99poveTI8cA7DXnPgYtrjerBsCm594IKMcMBowGAYDVR0RBBEwD4IN
Ki5leGFtcGxlLmNvbTAKBggqhkjOPQQDAgNJADBGAiEAxR3IVI7y8dMEMrn6cwuK
yTKD9FZIhN7+rqhbjk4VsM8CIQChDqcaReS1WhYs1ZkrvPnJ2N2E2kFGb77tv2wX
4Oj5rQ==
-----END CERTIFICATE-----
";

    fn plain(text: &str) -> SecretValue<'_> {
        SecretValue {
            text,
            encoded: false,
            span: Span::default(),
        }
    }

    fn at(seconds: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(seconds)
    }

    #[test]
    fn a_certificate_is_judged_by_its_validity_at_the_time_given() {
        let in_2030 = at(1_893_456_000);
        assert_eq!(certificate_problem(&plain(VALID), in_2030), None);
        assert_eq!(
            certificate_problem(&plain(VALID), at(0)),
            Some(CertificateProblem::NotYetValid {
                not_before: "2025-01-01T00:00:00Z".to_string()
            })
        );
        assert_eq!(
            certificate_problem(&plain(VALID), at(4_900_000_000)),
            Some(CertificateProblem::Expired {
                not_after: "2125-01-01T00:00:00Z".to_string()
            })
        );
    }

    #[test]
    fn base64_data_is_decoded_first() {
        let encoded = base64::engine::general_purpose::STANDARD.encode(VALID);
        let value = SecretValue {
            text: &encoded,
            encoded: true,
            span: Span::default(),
        };
        assert_eq!(certificate_problem(&value, at(1_893_456_000)), None);
    }

    #[test]
    fn what_is_not_a_certificate() {
        let now = at(1_893_456_000);
        assert_eq!(
            certificate_problem(&plain("changeme"), now),
            Some(CertificateProblem::NotPem)
        );
        let header_only = "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n";
        assert!(matches!(
            certificate_problem(&plain(header_only), now),
            Some(CertificateProblem::NotCertificate { .. })
        ));
        let key =
            "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n";
        assert!(matches!(
            certificate_problem(&plain(key), now),
            Some(CertificateProblem::NotCertificate { label, .. }) if label == "PRIVATE KEY"
        ));
    }

    #[test]
    fn placeholders_and_undecodable_data_are_not_judged() {
        let now = at(1_893_456_000);
        for text in [
            "${TLS_CRT}",
            "{{ .Values.tls.crt }}",
            "<base64 certificate>",
        ] {
            assert_eq!(certificate_problem(&plain(text), now), None, "{text}");
        }
        let not_base64 = SecretValue {
            text: "not base64!",
            encoded: true,
            span: Span::default(),
        };
        assert_eq!(certificate_problem(&not_base64, now), None);
    }
}
