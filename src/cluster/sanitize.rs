//! What of a watched object is kept: the object as a manifest would show it, without what
//! only the API server writes, and without Secret values.

use serde_json::{Map, Value};

use super::kinds;

/// The annotation `kubectl apply` writes: a second copy of the whole object.
const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// Secret keys whose values are public certificates, kept so the TLS rules can read their
/// validity; every other value is replaced by [`REDACTED`].
const PUBLIC_KEYS: &[&str] = &["tls.crt", "ca.crt", "cert"];

/// What a Secret's non-public values become: base64 of `redacted`. Not empty, because an
/// empty value means something else to the rules (a placeholder to be filled).
pub const REDACTED: &str = "cmVkYWN0ZWQ=";

/// `object` (as the API server sent it) ready for the inventory: `apiVersion` and `kind`
/// set (list items come without them), `managedFields`, the last-applied annotation and
/// `status` (no rule reads it) removed, Secret values redacted. `None` when a watched
/// object controls it (a Deployment's ReplicaSets and their Pods, a Knative Service's
/// Configuration and Route): the owner holds what the rules read, as in the manifests
/// users write, and the owned copies would be stale revisions of it.
pub fn prepare(mut object: Value, api_version: &str, kind: &str) -> Option<Value> {
    let map = object.as_object_mut()?;
    map.insert("apiVersion".into(), Value::from(api_version));
    map.insert("kind".into(), Value::from(kind));
    map.remove("status");
    if let Some(metadata) = map.get_mut("metadata").and_then(Value::as_object_mut) {
        if controlled_by_watched(metadata) {
            return None;
        }
        metadata.remove("managedFields");
        if let Some(annotations) = metadata
            .get_mut("annotations")
            .and_then(Value::as_object_mut)
        {
            annotations.remove(LAST_APPLIED);
        }
    }
    if kind == "Secret" && api_version == "v1" {
        for field in ["data", "stringData"] {
            if let Some(values) = map.get_mut(field).and_then(Value::as_object_mut) {
                redact(values, field == "data");
            }
        }
    }
    Some(object)
}

fn redact(values: &mut Map<String, Value>, base64: bool) {
    for (key, value) in values.iter_mut() {
        if !PUBLIC_KEYS.contains(&key.as_str()) {
            *value = Value::from(if base64 { REDACTED } else { "redacted" });
        }
    }
}

/// Whether `metadata.ownerReferences` names a controller of a watched kind.
fn controlled_by_watched(metadata: &Map<String, Value>) -> bool {
    let Some(owners) = metadata.get("ownerReferences").and_then(Value::as_array) else {
        return false;
    };
    owners.iter().any(|owner| {
        let field = |name: &str| owner.get(name).and_then(Value::as_str).unwrap_or("");
        let group = field("apiVersion").rsplit_once('/').map_or("", |(g, _)| g);
        owner.get("controller").and_then(Value::as_bool) == Some(true)
            && kinds::watched(group, field("kind")).is_some()
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn strips_what_the_api_server_writes_and_secret_values() {
        let secret = json!({
            "metadata": {
                "name": "tls", "namespace": "shop",
                "managedFields": [{"manager": "kubectl"}],
                "annotations": {LAST_APPLIED: "{}", "team": "web"},
            },
            "type": "kubernetes.io/tls",
            "data": {"tls.crt": "Y2VydA==", "tls.key": "a2V5"},
        });
        let kept = prepare(secret, "v1", "Secret").unwrap();
        assert_eq!(
            kept,
            json!({
                "apiVersion": "v1", "kind": "Secret",
                "metadata": {"name": "tls", "namespace": "shop", "annotations": {"team": "web"}},
                "type": "kubernetes.io/tls",
                "data": {"tls.crt": "Y2VydA==", "tls.key": REDACTED},
            })
        );
    }

    #[test]
    fn drops_objects_a_watched_kind_controls() {
        let pod = |owner: Value| json!({"metadata": {"name": "p", "ownerReferences": [owner]}});
        let by_rs =
            json!({"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "w", "controller": true});
        assert_eq!(prepare(pod(by_rs), "v1", "Pod"), None);
        // An operator's pods are the only place their template is seen.
        let by_crd =
            json!({"apiVersion": "example.com/v1", "kind": "App", "name": "a", "controller": true});
        assert!(prepare(pod(by_crd), "v1", "Pod").is_some());
        let not_controller = json!({"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "w"});
        assert!(prepare(pod(not_controller), "v1", "Pod").is_some());
    }
}
