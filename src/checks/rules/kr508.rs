//! # KR508: listener certificateRef is not a usable TLS Secret
//!
//! ## What it checks
//! Every `tls.certificateRefs` entry of a Gateway or ListenerSet listener that terminates
//! TLS (`tls.mode: Terminate`, the default; `Passthrough` ignores certificateRefs):
//!
//! - it names a core Secret (`group: ""`, `kind: Secret`, the defaults); any other kind or
//!   group is refused (listener `ResolvedRefs=False`, reason `InvalidCertificateRef`);
//! - a Secret in another namespace than the Gateway's (or ListenerSet's) is allowed by a
//!   ReferenceGrant there whose `from` lists the Gateway (`group:
//!   gateway.networking.k8s.io`, `kind: Gateway`, or `kind: ListenerSet`, and its
//!   namespace) and whose `to` lists `group: ""`, `kind: Secret` (without `name`, or with
//!   this one). Without it: `ResolvedRefs=False`, reason `RefNotPermitted`;
//! - the Secret exists. Secrets are usually created outside the repository, so a Secret the
//!   input does not define anywhere is an **info** (`--strict-secrets` makes it an error),
//!   while one the input defines in another namespace only is an error. A Secret counts as
//!   present when an object creating it is in the input (a cert-manager `Certificate`, an
//!   `ExternalSecret`, a `SealedSecret`, a kustomize `secretGenerator`, …), and every
//!   Secret of a Gateway annotated `cert-manager.io/issuer` or
//!   `cert-manager.io/cluster-issuer` is (cert-manager's gateway-shim creates them);
//! - when the Secret's keys are visible, it holds `tls.crt` and `tls.key` (a
//!   `kubernetes.io/tls` Secret): otherwise `InvalidCertificateRef`.
//!
//! These are the Gateway API conformance tests `GatewayInvalidTLSConfiguration`,
//! `GatewaySecretMissingReferenceGrant`, `GatewaySecretInvalidReferenceGrant` and
//! `ListenerSetReferenceGrant`. A Secret whose `tls.crt` is not a PEM certificate (the
//! suite's malformed-Secret case) is not checked.
//!
//! ## Why it matters
//! A listener whose certificate cannot be read is not programmed: HTTPS clients of its
//! hostnames get a handshake failure, and routes attached to it serve nothing.
//!
//! ## Example
//! ```yaml
//! kind: Gateway
//! metadata: {name: public, namespace: infra}
//! spec:
//!   listeners:
//!   - name: https
//!     port: 443
//!     protocol: HTTPS
//!     tls:
//!       certificateRefs:
//!       - name: shop-tls
//!         namespace: shop     # KR508: no ReferenceGrant in shop allows it
//! ```
//!
//! ## How to fix
//! Keep the TLS Secret in the Gateway's namespace, or add a ReferenceGrant in the Secret's
//! namespace (the diagnostic prints it); name a `kubernetes.io/tls` Secret with `tls.crt`
//! and `tls.key`.

use crate::checks::support::gateway_api::listener_owners;
use crate::checks::support::namespace::outside_input;
use crate::checks::support::secrets::missing_secret;
use crate::checks::{Context, Rule};
use crate::diagnostic::{Diagnostic, Severity};
use crate::inventory::gateway_api::{ObjectRef, Listener};
use crate::inventory::{did_you_mean, ApiGateway, Secrets};

pub const RULE: Rule = Rule {
    code: "KR508",
    severity: Severity::Error,
    summary: "listener certificateRef is not a usable TLS Secret (missing, not a Secret, or in another namespace without a ReferenceGrant)",
    run,
};

fn run(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let secrets = Secrets::index(&ctx.inv.secrets);
    for owner in listener_owners(ctx.inv) {
        for listener in &owner.listeners {
            let Some(tls) = listener.tls.as_ref().filter(|t| t.mode != "Passthrough") else {
                continue;
            };
            for cert in &tls.certificate_refs {
                let at = Site {
                    ctx,
                    owner,
                    listener,
                    cert,
                };
                out.extend(at.check(&secrets));
            }
        }
    }
}

/// One certificateRef, with what it belongs to.
struct Site<'c, 'i> {
    ctx: &'c Context<'i>,
    owner: &'i ApiGateway,
    listener: &'i Listener,
    cert: &'i ObjectRef,
}

impl Site<'_, '_> {
    fn check(&self, secrets: &Secrets<'_>) -> Option<Diagnostic> {
        let cert = self.cert;
        if !cert.is_secret() {
            let group = if cert.group.is_empty() {
                String::new()
            } else {
                format!(" of group `{}`", cert.group)
            };
            let d = self.report(
                cert.span,
                format!(
                    "names a {}{group}, not a core Secret (ResolvedRefs=False, InvalidCertificateRef)",
                    cert.kind
                ),
            );
            return Some(d.with_help(
                "name a Secret: `group: \"\"` and `kind: Secret` (the defaults), or remove `group` and `kind`",
            ));
        }
        if cert.namespace != self.owner.namespace && !self.granted() {
            return Some(self.not_permitted());
        }
        match secrets.get(&cert.namespace, &cert.name) {
            Some(found) => self.missing_keys(found),
            None if self.owner.certificates_issued => None,
            None => Some(self.missing(secrets)),
        }
    }

    fn report(&self, span: crate::yaml::Span, what: String) -> Diagnostic {
        let object = self.ctx.inv.object(self.owner.object);
        RULE.on(
            object,
            span,
            format!(
                "certificateRef `{}` of listener `{}` of {} {what}",
                self.cert.name,
                self.listener.name.value,
                object.display()
            ),
        )
    }

    fn granted(&self) -> bool {
        self.ctx.inv.reference_grants.iter().any(|g| {
            g.namespace == self.cert.namespace
                && g.allows(
                    &self.owner.group,
                    &self.owner.kind,
                    &self.owner.namespace,
                    "",
                    "Secret",
                    &self.cert.name,
                )
        })
    }

    fn not_permitted(&self) -> Diagnostic {
        let (cert, owner) = (self.cert, self.owner);
        let ns = &cert.namespace;
        let d = self
            .report(
                cert.namespace_span.unwrap_or(cert.span),
                format!(
                    "is in namespace `{ns}`, and no ReferenceGrant there allows {}s from namespace `{}` to refer to it (ResolvedRefs=False, RefNotPermitted)",
                    owner.kind, owner.namespace
                ),
            )
            .with_help(format!(
                "add a ReferenceGrant in namespace `{ns}` with `from: [{{group: {}, kind: {}, namespace: {}}}]` and `to: [{{group: \"\", kind: Secret, name: {}}}]`, or keep the Secret in namespace `{}`",
                owner.group, owner.kind, owner.namespace, cert.name, owner.namespace
            ));
        outside_input(self.ctx, ns, d)
    }

    fn missing(&self, secrets: &Secrets<'_>) -> Diagnostic {
        let (ctx, cert) = (self.ctx, self.cert);
        let ns = &cert.namespace;
        let d = self.report(
            cert.name_span,
            format!(
                "names Secret `{}`, which does not exist in namespace `{ns}`{} (ResolvedRefs=False, InvalidCertificateRef)",
                cert.name,
                did_you_mean(&cert.name, ctx.inv.names("Secret", ns))
            ),
        );
        let elsewhere = secrets
            .named(&cert.name)
            .iter()
            .find(|s| s.namespace != *ns)
            .map(|s| ctx.inv.object(s.object));
        let help = format!(
            "create the TLS Secret `{}` in namespace `{ns}` (`kubectl -n {ns} create secret tls {} --cert=… --key=…`), or check together with the file that defines it",
            cert.name, cert.name
        );
        match elsewhere {
            // A Secret the repository defines elsewhere is certainly in the wrong place.
            Some(other) => d
                .with_related_object(
                    other,
                    format!(
                        "Secret `{}` is provided in namespace `{}`",
                        cert.name, other.namespace
                    ),
                )
                .with_help(format!(
                    "{help}, or set the certificateRef's `namespace: {}` (with a ReferenceGrant there)",
                    other.namespace
                )),
            None => {
                let (severity, unless) = missing_secret(ctx, RULE.severity);
                outside_input(
                    ctx,
                    ns,
                    d.with_severity(severity)
                        .with_help(format!("{help}{unless}")),
                )
            }
        }
    }

    fn missing_keys(&self, found: &crate::inventory::SecretSource) -> Option<Diagnostic> {
        let keys = found.keys.as_ref()?;
        let lacking: Vec<&str> = ["tls.crt", "tls.key"]
            .into_iter()
            .filter(|k| !keys.contains(*k))
            .collect();
        if lacking.is_empty() {
            return None;
        }
        let secret = self.ctx.inv.object(found.object);
        Some(
            self.report(
                self.cert.name_span,
                format!(
                    "names Secret {}/{}, which has no {} (ResolvedRefs=False, InvalidCertificateRef)",
                    found.namespace,
                    found.name,
                    lacking
                        .iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(" or ")
                ),
            )
            .with_related_object(secret, "the Secret")
            .with_help("store the certificate chain under `tls.crt` and its private key under `tls.key` (a `kubernetes.io/tls` Secret)"),
        )
    }
}
