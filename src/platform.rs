//! Platform profiles: what a standard install of a platform puts in the cluster (Istio's
//! ingress gateway and istiod, Knative's Istio gateways, Istio's GatewayClasses), and the
//! built-ins every Kubernetes cluster has (the `kubernetes` and `kube-dns` Services, each
//! namespace's `default` ServiceAccount and `kube-root-ca.crt` ConfigMap).
//!
//! Each is a readable YAML file under `platforms/`, embedded in the binary and naming the
//! upstream release it follows. [`load`] adds the built-ins and the profiles the user chose
//! (`--platform`) after the input, for resolution only, as `--context` files are: their
//! files come last, so nothing is reported about them. [`advice`] is the one place a rule
//! asks which profile provides an object it found missing.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::{Mutex, OnceLock, PoisonError};

use crate::inventory::{did_you_mean, Inventory, Selector};
use crate::manifest::{self, names, Found, LoadOptions, Loaded, Object, ObjectId};
use crate::source::FileId;

/// One platform profile, chosen with `--platform NAME`.
#[derive(Debug)]
pub struct Profile {
    pub name: &'static str,
    /// What it stands for, as findings and `--help` say it: "a standard Istio 1.30 install".
    pub about: &'static str,
    /// Profiles it brings along: Knative's Istio gateways select Istio's ingress gateway pods.
    pub requires: &'static [&'static str],
    text: &'static str,
}

/// Every profile, in the order their files are loaded.
pub static PROFILES: [Profile; 3] = [
    Profile {
        name: "istio",
        about: "a standard Istio 1.30 install",
        requires: &[],
        text: include_str!("../platforms/istio.yaml"),
    },
    Profile {
        name: "knative-istio",
        about: "Knative Serving 1.22 with net-istio",
        requires: &["istio"],
        text: include_str!("../platforms/knative-istio.yaml"),
    },
    Profile {
        name: "gateway-api-istio",
        about: "Istio 1.30 with the Gateway API CRDs installed",
        requires: &[],
        text: include_str!("../platforms/gateway-api-istio.yaml"),
    },
];

/// What every cluster has, loaded on every run.
const KUBERNETES: &str = include_str!("../platforms/kubernetes.yaml");
/// What every namespace has, repeated for each namespace of the input.
const PER_NAMESPACE: &str = include_str!("../platforms/kubernetes-per-namespace.yaml");
/// The name `PER_NAMESPACE` gives the namespace its documents are repeated for.
const NAMESPACE_PLACEHOLDER: &str = "namespace: NAMESPACE";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("unknown platform `{name}`{hint}; the platforms are {known}")]
pub struct UnknownPlatform {
    name: String,
    hint: String,
    known: String,
}

/// The profile named `name`.
pub fn profile(name: &str) -> Option<&'static Profile> {
    PROFILES.iter().find(|p| p.name == name)
}

/// The profiles `names` ask for (each may be a comma-separated list), with the profiles they
/// bring along, each once and in [`PROFILES`] order whatever the order asked.
pub fn select(names: &[impl AsRef<str>]) -> Result<Vec<&'static Profile>, UnknownPlatform> {
    let mut wanted: HashSet<&'static str> = HashSet::new();
    let asked = names
        .iter()
        .flat_map(|n| n.as_ref().split(','))
        .map(str::trim)
        .filter(|n| !n.is_empty());
    for name in asked {
        let Some(p) = profile(name) else {
            let all = PROFILES.iter().map(|p| p.name);
            return Err(UnknownPlatform {
                name: name.to_string(),
                hint: did_you_mean(name, all.clone()),
                known: all.map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", "),
            });
        };
        wanted.insert(p.name);
        wanted.extend(p.requires);
    }
    Ok(PROFILES
        .iter()
        .filter(|p| wanted.contains(p.name))
        .collect())
}

/// Adds the built-ins (for the namespaces of the objects `loaded` holds) and `profiles`
/// after everything `loaded` holds, each as a file named `<platform:NAME>`; an object two
/// of them provide is kept once. Which input objects shadow them is decided per scope
/// ([`without_shadowed`]): an object one kustomization root defines must not hide the
/// platform's from another. Returns the first file added: what the platform provides
/// starts there.
pub fn load(loaded: &mut Loaded, profiles: &[&'static Profile]) -> FileId {
    load_with(loaded, profiles, None)
}

/// [`load`], then `external`: stub manifests of what the platform provides besides its
/// profiles (the config's `external:` entries), as the file `<platform:external>`.
pub fn load_with(
    loaded: &mut Loaded,
    profiles: &[&'static Profile],
    external: Option<&str>,
) -> FileId {
    let first = loaded.next_file();
    let mut known = HashSet::new();
    let builtins = builtins(&loaded.objects);
    let texts = builtins
        .into_iter()
        .map(|text| ("kubernetes", text))
        .chain(profiles.iter().map(|p| (p.name, p.text.to_string())))
        .chain(external.map(|text| ("external", text.to_string())));
    for (name, text) in texts {
        let mut found = read(&text).in_file(loaded.next_file());
        found.objects.retain(|o| known.insert(o.key()));
        // The files are tested to load cleanly; their issues are not the user's.
        let _ = loaded.add_file(format!("<platform:{name}>"), text, found);
    }
    first
}

/// What `text` reads as, each text read once per process: the same built-ins and profiles
/// are loaded for every admission request the webhook judges.
fn read(text: &str) -> Found {
    /// Past this many texts (namespaces come and go in a cluster) the cache starts over.
    const CACHED: usize = 1024;
    static READ: OnceLock<Mutex<HashMap<String, Found>>> = OnceLock::new();
    let cache = READ.get_or_init(Mutex::default);
    let lock = || cache.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(found) = lock().get(text) {
        return found.clone();
    }
    // Read without the lock: requests reading other texts do not wait for this one.
    let found = manifest::read_text(FileId(0), text, &LoadOptions::default());
    let mut cache = lock();
    if cache.len() >= CACHED {
        cache.clear();
    }
    cache.insert(text.to_string(), found.clone());
    found
}

/// `objects` without the platform's objects (those of files from `platform` on) that an
/// input object of the same group, kind, namespace and name replaces: the input's own
/// definition is the one that counts.
pub fn without_shadowed(objects: Vec<Object>, platform: FileId) -> Vec<Object> {
    let from_platform = |o: &Object| o.file >= platform;
    let defined: HashSet<_> = objects
        .iter()
        .filter(|o| !from_platform(o) && !o.generated_name)
        .map(Object::key)
        .collect();
    if defined.is_empty() {
        return objects;
    }
    objects
        .into_iter()
        .filter(|o| !from_platform(o) || !defined.contains(&o.key()))
        .collect()
}

/// The built-ins' texts: what every cluster has, then what every namespace has for each
/// namespace `objects` use or define (only real namespace names, so the text stays YAML),
/// a text per namespace.
fn builtins(objects: &[Object]) -> Vec<String> {
    let namespaces: BTreeSet<&str> = objects
        .iter()
        .map(|o| o.namespace.as_str())
        .chain(
            objects
                .iter()
                .filter(|o| o.group.is_empty() && o.kind == "Namespace")
                .map(|o| o.name.as_str()),
        )
        .filter(|ns| names::is_dns1123_label(ns))
        .collect();
    let body = PER_NAMESPACE
        .split_once("\n---\n")
        .map_or(PER_NAMESPACE, |(_, body)| body);
    let each = namespaces
        .into_iter()
        .map(|ns| body.replace(NAMESPACE_PLACEHOLDER, &format!("namespace: {ns}")));
    std::iter::once(KUBERNETES.to_string())
        .chain(each)
        .collect()
}

/// Something a finding found missing, which a platform may provide.
#[derive(Clone, Copy, Debug)]
pub enum Wanted<'a> {
    /// An object by kind, namespace (empty for cluster-scoped kinds) and name.
    Object {
        kind: &'a str,
        namespace: &'a str,
        name: &'a str,
    },
    /// Pods `selector` matches: in `namespace`, or in any namespace when `None` (an Istio
    /// Gateway selects its gateway pods wherever they run).
    Pods {
        namespace: Option<&'a str>,
        selector: &'a Selector,
    },
}

/// The help for a finding about `wanted` when a profile provides it: "a standard Istio 1.30
/// install provides Service istio-system/istio-ingressgateway: add `--platform istio`".
pub fn advice(wanted: Wanted<'_>) -> Option<String> {
    let (profile, inv, object) = indexed()
        .iter()
        .find_map(|(profile, inv)| Some((*profile, inv, provided(inv, wanted)?)))?;
    let object = inv.object(object);
    let whose = match wanted {
        Wanted::Object { .. } => "",
        Wanted::Pods { .. } => ", whose pods have these labels",
    };
    Some(format!(
        "{} provides {}{whose}: add `--platform {}` to check against it",
        profile.about,
        object.display(),
        profile.name
    ))
}

/// The object of `inv` that provides `wanted`.
fn provided(inv: &Inventory, wanted: Wanted<'_>) -> Option<ObjectId> {
    match wanted {
        Wanted::Object {
            kind,
            namespace,
            name,
        } => inv.find(kind, namespace, name).next().map(|o| o.id),
        Wanted::Pods {
            namespace,
            selector,
        } => {
            let pods = match namespace {
                Some(ns) => inv.select(ns, selector),
                None => inv.select_anywhere(selector),
            };
            pods.first().map(|w| inv.workload(*w).object)
        }
    }
}

/// Each profile with the inventory of its own objects, built on first use (only findings
/// ask).
fn indexed() -> &'static [(&'static Profile, Inventory)] {
    static INDEX: OnceLock<Vec<(&'static Profile, Inventory)>> = OnceLock::new();
    INDEX.get_or_init(|| {
        PROFILES
            .iter()
            .map(|p| (p, Inventory::from_yaml(p.text)))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_profile_loads_cleanly_and_names_its_upstream_release() {
        let builtins = builtins(&[]);
        assert_eq!(
            builtins,
            [KUBERNETES],
            "no namespace, no text per namespace"
        );
        let texts = PROFILES
            .iter()
            .map(|p| p.text)
            .chain([KUBERNETES, PER_NAMESPACE]);
        for text in texts {
            let found = manifest::read_text(FileId(0), text, &LoadOptions::default());
            assert!(found.issues.is_empty(), "{:?}", found.issues);
            assert!(!found.objects.is_empty());
            assert!(text.starts_with("# kroute"), "a header comment first");
            assert!(
                text.contains("\n# Follows "),
                "the header names the release followed"
            );
        }
        for p in &PROFILES {
            assert!(p.requires.iter().all(|r| profile(r).is_some()));
        }
    }

    #[test]
    fn selection_splits_lists_brings_requirements_and_keeps_profile_order() {
        let names = |p: Vec<&Profile>| p.iter().map(|p| p.name).collect::<Vec<_>>();
        let picked = select(&["gateway-api-istio", "knative-istio, istio"]).unwrap();
        assert_eq!(
            names(picked),
            ["istio", "knative-istio", "gateway-api-istio"]
        );
        assert_eq!(
            names(select(&["knative-istio"]).unwrap()),
            ["istio", "knative-istio"]
        );
        let err = select(&["itsio"]).unwrap_err().to_string();
        assert!(err.contains("did you mean `istio`?"), "{err}");
        assert!(err.contains("`gateway-api-istio`"), "{err}");
    }

    #[test]
    fn builtins_repeat_what_every_namespace_has_for_real_namespace_names_only() {
        let found = manifest::read_text(
            FileId(0),
            "kind: Namespace\napiVersion: v1\nmetadata: {name: shop}\n---\nkind: Service\napiVersion: v1\nmetadata: {name: a, namespace: \"x: y\"}\n",
            &LoadOptions::default(),
        );
        let text = builtins(&found.objects).join("---\n");
        let found = manifest::read_text(FileId(0), &text, &LoadOptions::default());
        assert!(found.issues.is_empty());
        let ids: Vec<String> = found
            .objects
            .iter()
            .filter(|o| o.namespace == "shop")
            .map(|o| format!("{}/{}", o.kind, o.name))
            .collect();
        assert_eq!(
            ids,
            ["ServiceAccount/default", "ConfigMap/kube-root-ca.crt"]
        );
        assert!(!text.contains("x: y"));
    }

    #[test]
    fn advice_names_the_profile_and_the_object_that_provides_it() {
        let gateway = Wanted::Object {
            kind: "Gateway",
            namespace: "knative-serving",
            name: "knative-ingress-gateway",
        };
        let help = advice(gateway).unwrap();
        assert!(help.contains("Gateway knative-serving/knative-ingress-gateway"));
        assert!(help.contains("`--platform knative-istio`"), "{help}");

        let inv = Inventory::from_yaml("apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: gw}\nspec:\n  selector: {istio: ingressgateway}\n");
        let selector = inv.istio_gateways[0].selector.as_ref().unwrap();
        let anywhere = Wanted::Pods {
            namespace: None,
            selector,
        };
        let help = advice(anywhere).unwrap();
        assert!(
            help.contains("Deployment istio-system/istio-ingressgateway"),
            "{help}"
        );
        assert!(help.contains("`--platform istio`"), "{help}");
        let elsewhere = Wanted::Pods {
            namespace: Some("default"),
            selector,
        };
        assert_eq!(advice(elsewhere), None);

        let class = Wanted::Object {
            kind: "GatewayClass",
            namespace: "",
            name: "istio",
        };
        assert!(advice(class)
            .unwrap()
            .contains("`--platform gateway-api-istio`"));
        let user = Wanted::Object {
            kind: "Service",
            namespace: "shop",
            name: "cart",
        };
        assert_eq!(advice(user), None);
    }
}
