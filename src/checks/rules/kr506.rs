//! # KR506: Gateway names a GatewayClass that does not exist
//!
//! ## What it checks
//! That the `spec.gatewayClassName` of every `gateway.networking.k8s.io` Gateway names a
//! GatewayClass of the input.
//!
//! - **warning**: the input defines GatewayClasses, but none of that name.
//! - **info**: the input defines no GatewayClass at all. GatewayClasses are cluster-scoped
//!   and usually installed with the controller (Istio creates `istio`, Envoy Gateway,
//!   Cilium, GKE and others ship their own), so kroute only notes that it could not
//!   check the name.
//!
//! ## Why it matters
//! A Gateway whose class does not exist is ignored by every controller: it gets no address
//! and no status (or stays `Accepted=Unknown`, reason `Pending`), and nothing attached to
//! it serves traffic. A typo in the class name fails silently.
//!
//! ## Example
//! ```yaml
//! kind: GatewayClass
//! metadata: {name: envoy}
//! spec:
//!   controllerName: gateway.envoyproxy.io/gatewayclass-controller
//! ---
//! kind: Gateway
//! metadata: {name: public, namespace: infra}
//! spec:
//!   gatewayClassName: envoy-gateway   # KR506: the GatewayClass is `envoy`
//! ```
//!
//! ## How to fix
//! Use the name of an installed GatewayClass (`kubectl get gatewayclass` lists them). When
//! the class comes with the platform, check with its manifest (or a stub of it) so that
//! kroute knows it exists.

use std::collections::HashSet;

use crate::checks::support::fix;
use crate::checks::{Context, Rule};
use crate::inventory::did_you_mean;
use crate::platform::{advice, Wanted};
use crate::diagnostic::{Diagnostic, Severity};

pub const RULE: Rule = Rule {
    code: "KR506",
    severity: Severity::Warning,
    summary: "Gateway names a GatewayClass that does not exist",
    run,
};

fn run(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let classes: Vec<&crate::manifest::Object> = ctx
        .inv
        .gateway_classes
        .iter()
        .map(|id| ctx.inv.object(*id))
        .collect();
    let defined: HashSet<&str> = classes.iter().map(|c| c.name.as_str()).collect();
    for gateway in &ctx.inv.api_gateways {
        let Some(class) = &gateway.class_name else {
            continue;
        };
        if defined.contains(class.value.as_str()) {
            continue;
        }
        let object = ctx.inv.object(gateway.object);
        let platform = advice(Wanted::Object {
            kind: "GatewayClass",
            namespace: "",
            name: &class.value,
        });
        if classes.is_empty() {
            out.push(
                RULE.on(
                    object,
                    class.span,
                    format!(
                        "{} uses GatewayClass `{}`, which is not in the input (no GatewayClass is): kroute cannot tell whether it is installed",
                        object.display(),
                        class.value
                    ),
                )
                .with_severity(Severity::Info)
                .with_help(platform.unwrap_or_else(|| {
                    "GatewayClasses usually come with the controller; check together with its manifest to verify the name".to_string()
                })),
            );
            continue;
        }
        let names: Vec<&str> = classes.iter().map(|c| c.name.as_str()).collect();
        let mut diagnostic = RULE.on(
            object,
            class.span,
            format!(
                "{} uses GatewayClass `{}`, which does not exist{}",
                object.display(),
                class.value,
                did_you_mean(&class.value, names.iter().copied())
            ),
        )
        .with_fix(fix::rename(ctx, object, class.span, &class.value, names.iter().copied()));
        if let Some(near) = crate::inventory::nearest(&class.value, names.iter().copied())
            .and_then(|n| classes.iter().find(|c| c.name == n))
        {
            diagnostic = diagnostic.with_related_object(near, "the closest GatewayClass");
        }
        let list = names
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ");
        // The input's own classes come first: a platform class may be a slip of the pen.
        let mut help = format!(
            "use one of the GatewayClasses: {list}; no controller serves a Gateway of an unknown class, so it gets no address"
        );
        if let Some(platform) = platform {
            help.push_str(&format!("; or else, {platform}"));
        }
        out.push(diagnostic.with_help(help));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::support::testing::run_rule;

    const GATEWAY: &str = "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: gw, namespace: infra}\nspec:\n  gatewayClassName: istio\n  listeners: [{name: http, port: 80, protocol: HTTP}]\n";

    #[test]
    fn without_any_gateway_class_the_finding_is_an_info() {
        let found = run_rule(&RULE, GATEWAY);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].severity, Severity::Info);
    }

    #[test]
    fn with_other_gateway_classes_it_is_a_warning() {
        let yaml = format!("{GATEWAY}---\napiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {{name: istio-remote}}\nspec: {{controllerName: istio.io/unmanaged-gateway}}\n");
        let found = run_rule(&RULE, &yaml);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].severity, Severity::Warning);
        let yaml = yaml.replace("istio-remote", "istio");
        assert!(run_rule(&RULE, &yaml).is_empty());
    }
}
