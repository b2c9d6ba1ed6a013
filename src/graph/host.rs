//! In-cluster DNS names of Services.

use crate::manifest::names::is_dns1123_label;

/// The cluster domain Kubernetes uses unless configured otherwise.
pub const CLUSTER_DOMAIN: &str = "cluster.local";

/// A host name understood as a Service name: `svc`, `svc.ns`, `svc.ns.svc`,
/// `svc.ns.svc.cluster.local`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceHost {
    pub name: String,
    pub namespace: String,
    /// How the host was written, which decides how sure we are that it is meant as a
    /// Service: `svc.ns` is also what an external domain looks like.
    pub form: HostForm,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostForm {
    /// `svc`, resolved in the namespace of the object that names it.
    Short,
    /// `svc.ns`
    NameNamespace,
    /// `svc.ns.svc` or `svc.ns.svc.cluster.local`
    Qualified,
}

impl ServiceHost {
    /// Parses `host` as seen from an object in `from_namespace`; `None` for names that cannot
    /// be Service names (wildcards, other domains, IP addresses, empty labels).
    pub fn parse(host: &str, from_namespace: &str) -> Option<ServiceHost> {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        let labels: Vec<&str> = host.split('.').collect();
        if labels.iter().any(|l| !is_dns1123_label(l)) {
            return None;
        }
        let (name, namespace, form) = match labels.as_slice() {
            [name] => (*name, from_namespace, HostForm::Short),
            [name, ns] => (*name, *ns, HostForm::NameNamespace),
            [name, ns, "svc"] => (*name, *ns, HostForm::Qualified),
            [name, ns, "svc", rest @ ..] if rest.join(".") == CLUSTER_DOMAIN => {
                (*name, *ns, HostForm::Qualified)
            }
            _ => return None,
        };
        if name.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        Some(ServiceHost {
            name: name.to_string(),
            namespace: namespace.to_string(),
            form,
        })
    }

    pub fn fqdn(&self) -> String {
        format!("{}.{}.svc.{CLUSTER_DOMAIN}", self.name, self.namespace)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_every_in_cluster_form() {
        let short = ServiceHost::parse("reviews", "bookinfo").unwrap();
        assert_eq!(short.fqdn(), "reviews.bookinfo.svc.cluster.local");
        assert_eq!(short.form, HostForm::Short);
        for host in [
            "reviews.shop",
            "reviews.shop.svc",
            "reviews.shop.svc.cluster.local",
            "Reviews.shop.svc.cluster.local.",
        ] {
            let h = ServiceHost::parse(host, "other").unwrap();
            assert_eq!(
                (h.name.as_str(), h.namespace.as_str()),
                ("reviews", "shop"),
                "{host}"
            );
        }
        assert_eq!(ServiceHost::parse("www.example.com", "x"), None);
        assert_eq!(ServiceHost::parse("*.example", "x"), None);
        assert_eq!(ServiceHost::parse("10.0.0.1", "x"), None);
        assert_eq!(ServiceHost::parse("a.b.svc.other.domain", "x"), None);
    }
}
