//! # KR312: Gateway TLS `credentialName` Secret not found
//!
//! ## What it checks
//! For every server of an Istio `Gateway` with a `tls.credentialName` (or
//! `tls.credentialNames`), that the Secret exists **in the namespace of the gateway pods**:
//! the namespace of each workload the Gateway selects, or, when the input has none of them,
//! the Gateway's own namespace (in that case a Secret of that name in another namespace is
//! given the benefit of the doubt: the unknown pods probably run there). The name may be written `name`, `ns/name`,
//! `kubernetes://[ns/]name` or `kubernetes-gateway://ns/name`; `builtin://` (the proxy's own
//! certificate) and `configmap://` are not Secrets and are skipped, and so are servers in
//! `ISTIO_MUTUAL`, `PASSTHROUGH` and `AUTO_PASSTHROUGH` mode, which use no credential.
//!
//! A Secret counts as present when the input has the `Secret` itself or an object that
//! creates it: a kustomize `secretGenerator`, a cert-manager `Certificate`
//! (`spec.secretName`), a `SealedSecret`, an `ExternalSecret` (`spec.target.name`), a Vault
//! Secrets Operator secret (`spec.destination.name`), a 1Password item, or a
//! `SecretProviderClass` (`spec.secretObjects[].secretName`). A Secret the input does not
//! define anywhere is reported at **info** level, since Secrets are usually created outside
//! the repository (`--strict-secrets` makes it an error); one defined in another namespace
//! than the gateway pods' is an error. When the Secret's keys are visible (a `Secret` or
//! `SealedSecret` with data, a generator with files or literals) two more problems are
//! reported at the rule's severity:
//!
//! - the Secret has no certificate: neither `tls.crt` + `tls.key` nor `cert` + `key`
//!   (IST0161, InvalidGatewayCredential);
//! - the certificate (under `cert` when `cert` and `key` both have a value, else under
//!   `tls.crt`, as Istio picks it; base64 under `data`, plain under `stringData`) is not
//!   PEM, or its first PEM block is no X.509 certificate (IST0161); a value with no PEM
//!   block that a template or pipeline fills in (`${TLS_CRT}`, `{{ … }}`, `<…>`) is not
//!   judged;
//! - a `MUTUAL` or `OPTIONAL_MUTUAL` server without `caCertCredentialName` finds no client
//!   CA: Istio reads it from the Secret `<name>-cacert` if that exists, else from the Secret
//!   itself, under the key `ca.crt` or `cacert`.
//!
//! A certificate that has expired or is not valid yet is an **info**. Deliberate difference
//! from IST0161, which makes it an error: whether it holds depends on the day the check
//! runs, so a repository's CI would turn red on a date with no change, and the certificate
//! in a repository is usually a sample or renewed by the pipeline that deploys it.
//!
//! Matches `istioctl analyze` IST0101 (ReferencedResourceNotFound on `credentialName`) and
//! IST0161 (InvalidGatewayCredential).
//!
//! ## Why it matters
//! The gateway proxy reads its certificates through SDS from the Kubernetes namespace it
//! runs in, not from the Gateway's namespace. Without the Secret the HTTPS listener has no
//! certificate: TLS handshakes for those hosts fail (clients see a reset or
//! `SSL_ERROR_SYSCALL`) while everything looks configured.
//!
//! ## Example
//! ```yaml
//! kind: Gateway
//! metadata: {name: shop, namespace: shop}
//! spec:
//!   selector: {istio: ingressgateway}      # pods in istio-system
//!   servers:
//!   - port: {number: 443, name: https, protocol: HTTPS}
//!     hosts: [shop.example.com]
//!     tls:
//!       mode: SIMPLE
//!       credentialName: shop-cert          # KR312: the Secret is in `shop`, not `istio-system`
//! ```
//!
//! ## How to fix
//! Create the TLS Secret in the namespace of the gateway pods
//! (`kubectl -n istio-system create secret tls shop-cert --cert=… --key=…`), or point
//! `credentialName` at one that exists there.

use std::collections::BTreeSet;
use std::time::SystemTime;

use crate::checks::support::fix;
use crate::checks::support::istio::gateway_namespaces;
use crate::checks::support::secrets::missing_secret;
use crate::checks::support::tls::{certificate_problem, certificate_value, CertificateProblem};
use crate::checks::{Context, Rule};
use crate::diagnostic::{Diagnostic, Severity};
use crate::inventory::istio::GatewayServer;
use crate::inventory::{did_you_mean, SecretSource, Secrets, Spanned, Workload};
use crate::manifest::Object;

pub const RULE: Rule = Rule {
    code: "KR312",
    severity: Severity::Error,
    summary: "Gateway TLS `credentialName` Secret not found in the gateway workload's namespace, or not PEM X.509 (IST0161)",
    run,
};

fn run(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    if ctx.inv.istio_gateways.is_empty() {
        return;
    }
    let secrets = Secrets::index(&ctx.inv.secrets);
    for (g, gateway) in ctx.inv.istio_gateways_by_id() {
        let proxies = gateway_namespaces(ctx, g);
        for server in &gateway.servers {
            if matches!(mode(server), "ISTIO_MUTUAL" | "PASSTHROUGH" | "AUTO_PASSTHROUGH") {
                continue;
            }
            for credential in server.credential_name.iter().chain(&server.credential_names) {
                let c = Credential {
                    gateway: ctx.inv.object(gateway.object),
                    server,
                    credential,
                };
                out.extend(check_credential(ctx, &secrets, &c, &proxies));
            }
        }
    }
}

/// A credential of a Gateway server.
struct Credential<'a> {
    gateway: &'a Object,
    server: &'a GatewayServer,
    credential: &'a Spanned,
}

/// The TLS mode of a server: `SIMPLE` when unset.
fn mode(server: &GatewayServer) -> &str {
    server.tls_mode.as_deref().unwrap_or("SIMPLE")
}

/// Checks the Secret a credential names in each namespace the gateway's proxies run in.
fn check_credential(
    ctx: &Context<'_>,
    secrets: &Secrets<'_>,
    c: &Credential<'_>,
    proxies: &[(&str, Option<&Workload>)],
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut checked = BTreeSet::new();
    for &(proxy_ns, workload) in proxies {
        let Some((ns, name)) = secret_ref(&c.credential.value, proxy_ns) else {
            continue;
        };
        if !checked.insert(ns) {
            continue;
        }
        let Some(found) = secrets.get(ns, name) else {
            // Where unknown gateway pods run is a guess: a Secret of that name elsewhere is
            // probably where they are.
            if workload.is_none() && !secrets.named(name).is_empty() {
                continue;
            }
            out.push(missing(ctx, secrets, c, (ns, name), workload));
            continue;
        };
        match &found.keys {
            Some(keys) if !has_certificate(keys) => out.push(no_certificate(ctx, c, found, keys)),
            _ => {
                out.extend(invalid_certificate(ctx, c, found));
                out.extend(no_client_ca(ctx, secrets, c, (ns, name), found));
            }
        }
    }
    out
}

/// Whether a Secret's keys hold a certificate and its key, as Istio reads them.
fn has_certificate(keys: &BTreeSet<String>) -> bool {
    (keys.contains("tls.crt") && keys.contains("tls.key"))
        || (keys.contains("cert") && keys.contains("key"))
}

fn no_certificate(
    ctx: &Context<'_>,
    c: &Credential<'_>,
    found: &SecretSource,
    keys: &BTreeSet<String>,
) -> Diagnostic {
    let secret = ctx.inv.object(found.object);
    RULE.on(
        c.gateway,
        c.credential.span,
        format!(
            "credentialName `{}` of {} names {}, which holds no certificate: Istio needs the keys `tls.crt` and `tls.key` (or `cert` and `key`), it has {}",
            c.credential.value,
            c.gateway.display(),
            secret.display(),
            describe_keys(keys)
        ),
    )
    .with_related_object(secret, "the Secret")
    .with_help("store the certificate chain and private key under `tls.crt` and `tls.key` (a `kubernetes.io/tls` Secret)")
}

/// The certificate of the Secret `found`, when it is no PEM X.509 certificate valid today
/// (IST0161): an error when it is not a certificate at all, an info when it is one outside
/// its validity period.
fn invalid_certificate(
    ctx: &Context<'_>,
    c: &Credential<'_>,
    found: &SecretSource,
) -> Option<Diagnostic> {
    let secret = ctx.inv.object(found.object);
    let (key, value) = certificate_value(secret)?;
    let problem = certificate_problem(&value, SystemTime::now())?;
    const UNLOADABLE: &str = "the gateway proxy cannot load it, so TLS handshakes for the server's hosts fail";
    const UNTRUSTED: &str = "clients that verify certificates refuse the connection";
    let (severity, what, effect, help) = match &problem {
        CertificateProblem::NotPem => (
            RULE.severity,
            "is not PEM data".to_string(),
            UNLOADABLE,
            format!("store the PEM certificate chain (`-----BEGIN CERTIFICATE-----` …) under `{key}`"),
        ),
        CertificateProblem::NotCertificate { label, reason } => (
            RULE.severity,
            format!("holds a PEM `{label}` block that is no X.509 certificate ({reason})"),
            UNLOADABLE,
            format!("store the PEM certificate chain under `{key}` (and the private key under the key beside it)"),
        ),
        CertificateProblem::Expired { not_after } => (
            Severity::Info,
            format!("holds a certificate that expired on {not_after}"),
            UNTRUSTED,
            "renew the certificate (if it is a sample, this is only a reminder)".to_string(),
        ),
        CertificateProblem::NotYetValid { not_before } => (
            Severity::Info,
            format!("holds a certificate valid only from {not_before} on"),
            UNTRUSTED,
            "check the certificate's validity period and the clock of the machine that issued it".to_string(),
        ),
    };
    let field = if value.encoded { "data" } else { "stringData" };
    Some(
        RULE.on(
            c.gateway,
            c.credential.span,
            format!(
                "credentialName `{}` of {} names {}, whose `{key}` {what}: {effect}",
                c.credential.value,
                c.gateway.display(),
                secret.display(),
            ),
        )
        .with_related(secret.file, value.span, format!("`{field}.{key}` of the Secret"))
        .with_severity(severity)
        .with_help(help),
    )
}

/// A mutual-TLS server without `caCertCredentialName` whose client CA Istio finds in
/// neither `<name>-cacert` nor the Secret itself.
fn no_client_ca(
    ctx: &Context<'_>,
    secrets: &Secrets<'_>,
    c: &Credential<'_>,
    (ns, name): (&str, &str),
    found: &SecretSource,
) -> Option<Diagnostic> {
    let mode = mode(c.server);
    let mutual = matches!(mode, "MUTUAL" | "OPTIONAL_MUTUAL");
    if !mutual || c.server.ca_cert_credential_name.is_some() {
        return None;
    }
    let ca_name = format!("{name}-cacert");
    let ca = secrets.get(ns, &ca_name).unwrap_or(found);
    let keys = ca.keys.as_ref()?;
    if has_any(keys, &["ca.crt", "cacert"]) {
        return None;
    }
    let ca_object = ctx.inv.object(ca.object);
    Some(
        RULE.on(
            c.gateway,
            c.credential.span,
            format!(
                "server on port {} of {} is in {mode} mode but has no CA to verify client certificates: {} has no `ca.crt` (or `cacert`) key{}",
                c.server.port,
                c.gateway.display(),
                ca_object.display(),
                if ca.object == found.object {
                    format!(" and there is no Secret `{ca_name}` in namespace `{ns}`")
                } else {
                    String::new()
                }
            ),
        )
        .with_related_object(ca_object, "the Secret Istio reads the client CA from")
        .with_help(format!(
            "add the client CA bundle as `ca.crt` to Secret `{name}`, or create Secret `{ca_name}` with it"
        )),
    )
}

/// Where a credential name points: `(namespace, name)`, or `None` when it is not a
/// Kubernetes Secret.
fn secret_ref<'a>(credential: &'a str, proxy_namespace: &'a str) -> Option<(&'a str, &'a str)> {
    if ["builtin://", "invalid://", "configmap://"]
        .iter()
        .any(|p| credential.starts_with(p))
    {
        return None;
    }
    let rest = credential
        .strip_prefix("kubernetes-gateway://")
        .or_else(|| credential.strip_prefix("kubernetes://"))
        .unwrap_or(credential);
    let (namespace, name) = rest.split_once('/').unwrap_or((proxy_namespace, rest));
    (!name.is_empty() && !namespace.is_empty()).then_some((namespace, name))
}

fn has_any(keys: &BTreeSet<String>, wanted: &[&str]) -> bool {
    wanted.iter().any(|k| keys.contains(*k))
}

fn describe_keys(keys: &BTreeSet<String>) -> String {
    keys.iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The Secret a credential names does not exist in `ns`.
fn missing(
    ctx: &Context<'_>,
    secrets: &Secrets<'_>,
    c: &Credential<'_>,
    (ns, name): (&str, &str),
    workload: Option<&Workload>,
) -> Diagnostic {
    let (object, credential) = (c.gateway, c.credential);
    let where_ = match workload {
        Some(w) => format!(", where the gateway pods ({} {}/{}) run", w.kind, w.namespace, w.name),
        None if ns == object.namespace => {
            " (the Gateway selects no workload in the input, so its own namespace is assumed)"
                .to_string()
        }
        None => String::new(),
    };
    let diagnostic = RULE.on(
        object,
        credential.span,
        format!(
            "credentialName `{}` of {} names Secret `{name}`, which does not exist in namespace `{ns}`{where_}{}",
            credential.value,
            object.display(),
            did_you_mean(name, ctx.inv.names("Secret", ns))
        ),
    )
    .with_fix(fix::rename(ctx, object, credential.span, name, ctx.inv.names("Secret", ns)));
    let elsewhere = secrets
        .named(name)
        .iter()
        .find(|s| s.namespace != ns)
        .map(|s| ctx.inv.object(s.object));
    let diagnostic = match (elsewhere, workload) {
        (Some(other), _) => {
            let what = if other.kind == "Secret" {
                format!("{} exists", other.display())
            } else {
                format!("{} provides Secret `{name}` in namespace `{}`", other.display(), other.namespace)
            };
            diagnostic.with_related_object(
                other,
                format!("{what}, but the gateway reads credentials from the namespace its pods run in"),
            )
        }
        (None, Some(w)) => diagnostic.with_related(
            ctx.inv.object(w.object).file,
            ctx.inv.object(w.object).name_span(),
            format!("the gateway pods run in namespace `{ns}`"),
        ),
        (None, None) => diagnostic,
    };
    // A Secret the repository defines in another namespace is certainly in the wrong place.
    let (severity, unless) = match elsewhere {
        Some(_) => (RULE.severity, ""),
        None => missing_secret(ctx, RULE.severity),
    };
    diagnostic.with_severity(severity).with_help(format!(
        "create the TLS Secret `{name}` in namespace `{ns}` (`kubectl -n {ns} create secret tls {name} --cert=… --key=…`), or check together with the file that defines it{unless}"
    ))
}

#[cfg(test)]
mod tests {
    use super::secret_ref;

    #[test]
    fn credential_names_resolve_like_istio() {
        assert_eq!(secret_ref("shop-cert", "istio-system"), Some(("istio-system", "shop-cert")));
        assert_eq!(secret_ref("kubernetes://shop-cert", "gw"), Some(("gw", "shop-cert")));
        assert_eq!(secret_ref("kubernetes://shop/shop-cert", "gw"), Some(("shop", "shop-cert")));
        assert_eq!(
            secret_ref("kubernetes-gateway://shop/shop-cert", "gw"),
            Some(("shop", "shop-cert"))
        );
        assert_eq!(secret_ref("shop/shop-cert", "gw"), Some(("shop", "shop-cert")));
        assert_eq!(secret_ref("builtin://", "gw"), None);
        assert_eq!(secret_ref("configmap://shop/ca", "gw"), None);
        assert_eq!(secret_ref("kubernetes://", "gw"), None);
    }
}
