//! # KR404: Knative autoscaling annotations invalid or misplaced
//!
//! ## What it checks
//! The `autoscaling.knative.dev/*` annotations of the revision template
//! (`spec.template.metadata.annotations` of a Knative Service or Configuration, and
//! `metadata.annotations` of a Revision), as the Knative webhook validates them. The
//! camelCase spellings (`minScale`, `maxScale`, `initialScale`, `targetBurstCapacity`, …)
//! are accepted as Knative accepts them.
//!
//! - `min-scale`, `max-scale`: integers 0…2147483647; a non-zero `max-scale` below
//!   `min-scale` is rejected (`max-scale=2 is less than min-scale=5`); when
//!   `config-autoscaler` (namespace `knative-serving`) is in the input and sets
//!   `max-scale-limit`, `max-scale` must be 1…limit;
//! - `initial-scale`: integer ≥0; `0` only with `allow-zero-initial-scale: "true"` in
//!   `config-autoscaler`;
//! - `activation-scale`: integer ≥2, not below `min-scale`, not above a non-zero
//!   `max-scale`;
//! - `class`: a value ending in `.knative.dev` must be `kpa.autoscaling.knative.dev` or
//!   `hpa.autoscaling.knative.dev` (other autoscalers are accepted);
//! - `metric`: with the KPA class (the default, or `pod-autoscaler-class` of
//!   `config-autoscaler`) only `concurrency` or `rps`; with HPA any non-empty value;
//! - `target` ≥0.01; `target-utilization-percentage` and `panic-window-percentage`
//!   1…100; `panic-threshold-percentage` 110…1000; `target-burst-capacity` ≥0 or -1;
//! - `window` a duration of 6s…1h, `scale-down-delay` 0…1h, both in whole seconds;
//!   `scale-to-zero-pod-retention-period` 0…1h;
//! - `metric-aggregation-algorithm` with class KPA: `linear` or `weighted-exponential`.
//!
//! On the metadata of a Knative Service, Configuration or Route itself, any
//! `autoscaling.knative.dev/*` annotation is an error (webhook: `autoscaling annotations
//! must be put under "spec.template.metadata.annotations" to work`), and
//! `serving.knative.dev/rollout-duration` (or `rolloutDuration`) on a Service or Route must
//! be a non-negative duration in whole seconds.
//!
//! Warnings: both the kebab-case and the camelCase key set (the kebab-case one wins, the
//! other is ignored), and an unknown `autoscaling.knative.dev/` key (ignored by Knative,
//! usually a typo).
//!
//! ## Why it matters
//! The webhook rejects the object, so the deployment fails; a misspelled or shadowed key
//! is accepted but silently ignored, and the service scales in a way nobody asked for.
//!
//! ## Example
//! ```yaml
//! apiVersion: serving.knative.dev/v1
//! kind: Service
//! metadata:
//!   name: hello
//!   annotations:
//!     autoscaling.knative.dev/max-scale: "10"     # KR404: belongs on the template
//! spec:
//!   template:
//!     metadata:
//!       annotations:
//!         autoscaling.knative.dev/min-scale: "5"
//!         autoscaling.knative.dev/max-scale: "2"  # KR404: less than min-scale
//!         autoscaling.knative.dev/metric: cpu     # KR404: the KPA class has no cpu metric
//!     spec:
//!       containers:
//!       - image: ghcr.io/example/hello:2.0
//! ```
//!
//! ## How to fix
//! Put autoscaling annotations under `spec.template.metadata.annotations`, keep
//! `min-scale` ≤ `max-scale`, and pair `metric: cpu`/`memory` with
//! `class: hpa.autoscaling.knative.dev`. Quote the values: annotations are strings.

use crate::checks::support::knative::knative_display;
use crate::checks::{Context, Rule};
use crate::inventory::did_you_mean;
use crate::inventory::knative::SERVING;
use crate::manifest::Object;
use crate::diagnostic::{Diagnostic, Severity};
use crate::yaml::{Node, Span};

pub const RULE: Rule = Rule {
    code: "KR404",
    severity: Severity::Error,
    summary: "Knative autoscaling annotations invalid, or not on the revision template",
    run,
};

const GROUP: &str = "autoscaling.knative.dev";
const KPA: &str = "kpa.autoscaling.knative.dev";
const HPA: &str = "hpa.autoscaling.knative.dev";
const NANOS: i128 = 1_000_000_000;
const HOUR: i128 = 3600 * NANOS;

/// The autoscaling annotations Knative reads: the key, and its accepted camelCase alias.
const KEYS: &[(&str, Option<&str>)] = &[
    ("class", None),
    ("metric", None),
    ("min-scale", Some("minScale")),
    ("max-scale", Some("maxScale")),
    ("initial-scale", Some("initialScale")),
    ("activation-scale", None),
    ("target", None),
    (
        "target-utilization-percentage",
        Some("targetUtilizationPercentage"),
    ),
    ("target-burst-capacity", Some("targetBurstCapacity")),
    ("window", None),
    ("panic-window-percentage", Some("panicWindowPercentage")),
    ("panic-threshold-percentage", Some("panicThresholdPercentage")),
    ("scale-down-delay", Some("scaleDownDelay")),
    (
        "scale-to-zero-pod-retention-period",
        Some("scaleToZeroPodRetentionPeriod"),
    ),
    (
        "metric-aggregation-algorithm",
        Some("metricAggregationAlgorithm"),
    ),
];

/// One annotation as written.
struct Ann<'a> {
    key: &'a str,
    value: &'a str,
    key_span: Span,
    span: Span,
}

fn annotations(node: Option<&Node>) -> Vec<Ann<'_>> {
    node.and_then(Node::as_map)
        .unwrap_or(&[])
        .iter()
        .filter_map(|e| {
            Some(Ann {
                key: e.key.as_str()?,
                value: e.value.as_str().unwrap_or(""),
                key_span: e.key.span,
                span: e.value.span,
            })
        })
        .collect()
}

/// Go's `time.ParseDuration`, in nanoseconds.
pub fn go_duration(s: &str) -> Option<i128> {
    let (negative, mut rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if rest == "0" {
        return Some(0);
    }
    if rest.is_empty() {
        return None;
    }
    let mut total: i128 = 0;
    while !rest.is_empty() {
        let int_len = rest.bytes().take_while(u8::is_ascii_digit).count();
        let int_part = &rest[..int_len];
        rest = &rest[int_len..];
        let mut frac = "";
        if let Some(after) = rest.strip_prefix('.') {
            let len = after.bytes().take_while(u8::is_ascii_digit).count();
            frac = &after[..len];
            rest = &after[len..];
        }
        if int_part.is_empty() && frac.is_empty() {
            return None;
        }
        let unit_len = rest
            .find(|c: char| c == '.' || c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit: i128 = match &rest[..unit_len] {
            "ns" => 1,
            "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
            "ms" => 1_000_000,
            "s" => NANOS,
            "m" => 60 * NANOS,
            "h" => 3600 * NANOS,
            _ => return None,
        };
        rest = &rest[unit_len..];
        if int_part.len() > 20 {
            return None;
        }
        let int: i128 = if int_part.is_empty() {
            0
        } else {
            int_part.parse().ok()?
        };
        let mut value = int.checked_mul(unit)?;
        let digits = &frac[..frac.len().min(18)];
        if !digits.is_empty() {
            let f: i128 = digits.parse().ok()?;
            let scale = 10i128.checked_pow(u32::try_from(digits.len()).ok()?)?;
            value = value.checked_add(f.checked_mul(unit)? / scale)?;
        }
        total = total.checked_add(value)?;
        if total > i128::from(i64::MAX) {
            return None;
        }
    }
    Some(if negative { -total } else { total })
}

/// Where the annotations sit, for messages.
struct Place<'a> {
    object: &'a Object,
    /// `the revision template of Knative Service ns/x`, `Knative Revision ns/x`.
    what: String,
}

impl Place<'_> {
    fn error(&self, ann: &Ann<'_>, problem: impl std::fmt::Display) -> Diagnostic {
        RULE.on(
            self.object,
            ann.span,
            format!(
                "annotation `{}: \"{}\"` on {} {problem}",
                ann.key, ann.value, self.what
            ),
        )
    }
}

/// Settings of `config-autoscaler` that change what the webhook accepts.
struct AutoscalerConfig {
    max_scale_limit: i64,
    allow_zero_initial_scale: bool,
    default_class: String,
    object: Option<crate::manifest::ObjectId>,
}

impl AutoscalerConfig {
    fn read(ctx: &Context<'_>) -> AutoscalerConfig {
        let config = &ctx.inv.knative_config;
        let get = |key| config.get("config-autoscaler", key).map(str::trim);
        AutoscalerConfig {
            max_scale_limit: get("max-scale-limit")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0),
            allow_zero_initial_scale: get("allow-zero-initial-scale")
                .is_some_and(|v| matches!(v, "1" | "t" | "T" | "true" | "TRUE" | "True")),
            default_class: get("pod-autoscaler-class")
                .filter(|v| !v.is_empty())
                .unwrap_or(KPA)
                .to_string(),
            object: config.object("config-autoscaler"),
        }
    }
}

fn run(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let config = AutoscalerConfig::read(ctx);
    for object in ctx.inv.objects.iter().filter(|o| o.group == SERVING) {
        let who = knative_display(object);
        match object.kind.as_str() {
            "Service" | "Configuration" | "Route" => {
                let own = annotations(object.root.at(&["metadata", "annotations"]));
                misplaced(object, &who, &own, out);
                if object.kind != "Configuration" {
                    rollout_duration(object, &who, &own, out);
                }
                if object.kind != "Route" {
                    let place = Place {
                        object,
                        what: format!("the revision template of {who}"),
                    };
                    let template = annotations(
                        object
                            .spec()
                            .and_then(|s| s.at(&["template", "metadata", "annotations"])),
                    );
                    validate(&place, &template, &config, ctx, out);
                }
            }
            "Revision" => {
                let place = Place { object, what: who };
                let own = annotations(object.root.at(&["metadata", "annotations"]));
                validate(&place, &own, &config, ctx, out);
            }
            _ => {}
        }
    }
}

/// Autoscaling annotations on a Service/Configuration/Route's own metadata.
fn misplaced(object: &Object, who: &str, own: &[Ann<'_>], out: &mut Vec<Diagnostic>) {
    for ann in own.iter().filter(|a| a.key.starts_with(GROUP)) {
        let help = if object.kind == "Route" {
            "a Route runs no pods: set it on `spec.template.metadata.annotations` of the Service or Configuration whose revisions the Route serves".to_string()
        } else {
            format!(
                "move `{}` to `spec.template.metadata.annotations`: autoscaling is configured per revision",
                ann.key
            )
        };
        out.push(
            RULE.on(
                object,
                ann.key_span,
                format!(
                    "annotation `{}` is on the metadata of {who}; the webhook rejects it: autoscaling annotations must be put under \"spec.template.metadata.annotations\" to work",
                    ann.key
                ),
            )
            .with_help(help),
        );
    }
}

/// `serving.knative.dev/rollout-duration` on a Service or Route.
fn rollout_duration(object: &Object, who: &str, own: &[Ann<'_>], out: &mut Vec<Diagnostic>) {
    let place = Place {
        object,
        what: who.to_string(),
    };
    let keys = [
        "serving.knative.dev/rollout-duration",
        "serving.knative.dev/rolloutDuration",
    ];
    shadowed(&place, own, keys[0], keys[1], out);
    let Some(ann) = lookup(own, &keys).filter(|a| !a.value.is_empty()) else {
        return;
    };
    let problem = match go_duration(ann.value) {
        None => "is not a duration",
        Some(d) if d % NANOS != 0 => "is not in whole seconds",
        Some(d) if d < 0 => "is negative",
        Some(_) => return,
    };
    out.push(place.error(ann, problem).with_help(
        "write a non-negative duration in whole seconds, such as \"380s\" or \"5m\"",
    ));
}

/// The first of `keys` that is set (Knative's key priority).
fn lookup<'a, 'b>(anns: &'a [Ann<'b>], keys: &[&str]) -> Option<&'a Ann<'b>> {
    keys.iter()
        .find_map(|k| anns.iter().find(|a| a.key == *k))
}

/// Warns when both spellings of a key are set.
fn shadowed(place: &Place<'_>, anns: &[Ann<'_>], kebab: &str, camel: &str, out: &mut Vec<Diagnostic>) {
    if let (Some(k), Some(c)) = (lookup(anns, &[kebab]), lookup(anns, &[camel])) {
        out.push(
            RULE.on(
                place.object,
                c.key_span,
                format!(
                    "both `{kebab}: \"{}\"` and `{camel}: \"{}\"` are set on {}; Knative reads `{kebab}` and ignores `{camel}`",
                    k.value, c.value, place.what
                ),
            )
            .with_severity(Severity::Warning)
            .with_related(place.object.file, k.key_span, "this key wins")
            .with_help(format!("keep only `{kebab}`")),
        );
    }
}

/// An integer annotation read like `strconv.ParseInt(v, 10, 32)` ≥ 0; `None` when unset
/// or invalid (reported).
fn int_ge0(place: &Place<'_>, ann: Option<&Ann<'_>>, out: &mut Vec<Diagnostic>) -> i64 {
    let Some(ann) = ann else {
        return 0;
    };
    match ann.value.parse::<i64>() {
        Ok(v) if (0..=i64::from(i32::MAX)).contains(&v) => v,
        Ok(_) => {
            out.push(
                place
                    .error(ann, "is out of range: expected 0 to 2147483647")
                    .with_help("use a non-negative whole number"),
            );
            0
        }
        Err(_) => {
            out.push(
                place
                    .error(ann, "is not an integer")
                    .with_help("use a non-negative whole number, quoted: \"3\""),
            );
            0
        }
    }
}

fn validate(
    place: &Place<'_>,
    anns: &[Ann<'_>],
    config: &AutoscalerConfig,
    ctx: &Context<'_>,
    out: &mut Vec<Diagnostic>,
) {
    if !anns.iter().any(|a| a.key.starts_with(GROUP)) {
        return;
    }
    let key = |k: &str| format!("{GROUP}/{k}");
    let get = |kebab: &str| {
        let alias = KEYS
            .iter()
            .find(|(k, _)| *k == kebab)
            .and_then(|(_, c)| *c)
            .map(key);
        let main = key(kebab);
        match alias {
            Some(alias) => lookup(anns, &[main.as_str(), alias.as_str()]),
            None => lookup(anns, &[main.as_str()]),
        }
    };

    // Spelling: shadowed aliases and unknown keys.
    let known: Vec<String> = KEYS
        .iter()
        .flat_map(|(k, c)| std::iter::once(*k).chain(*c))
        .map(key)
        .collect();
    for (kebab, camel) in KEYS {
        if let Some(camel) = camel {
            shadowed(place, anns, &key(kebab), &key(camel), out);
        }
    }
    for ann in anns
        .iter()
        .filter(|a| a.key.starts_with(&format!("{GROUP}/")) && !known.iter().any(|k| k == a.key))
    {
        out.push(
            RULE.on(
                place.object,
                ann.key_span,
                format!(
                    "`{}` on {} is not an autoscaling annotation Knative knows; it is ignored{}",
                    ann.key,
                    place.what,
                    did_you_mean(ann.key, known.iter().map(String::as_str))
                ),
            )
            .with_severity(Severity::Warning)
            .with_help("see https://knative.dev/docs/serving/autoscaling/ for the supported keys"),
        );
    }

    // Class.
    let class = get("class");
    if let Some(c) = class {
        if c.value.ends_with(".knative.dev") && c.value != KPA && c.value != HPA {
            out.push(
                place
                    .error(c, "names an unknown Knative autoscaler class")
                    .with_help(format!("use `{KPA}` (the default) or `{HPA}`")),
            );
        }
    }

    // Scale bounds.
    let min_ann = get("min-scale");
    let max_ann = get("max-scale");
    let min = int_ge0(place, min_ann, out);
    let max = int_ge0(place, max_ann, out);
    if let (Some(max_ann), Some(min_ann)) = (max_ann, min_ann) {
        if max != 0 && max < min {
            out.push(
                place
                    .error(max_ann, format!("is less than min-scale {min} (webhook: \"max-scale={max} is less than min-scale={min}\")"))
                    .with_related(place.object.file, min_ann.span, "min-scale")
                    .with_help("make `max-scale` at least `min-scale`, or 0 for no upper bound"),
            );
        }
    }
    if let Some(max_ann) = max_ann.filter(|_| config.max_scale_limit > 0) {
        let limit = config.max_scale_limit;
        let problem = if max_ann.value.parse::<i64>() == Ok(0) {
            Some(format!("means unlimited, but `config-autoscaler` sets `max-scale-limit: {limit}`"))
        } else if max > limit {
            Some(format!("is above `max-scale-limit: {limit}` of `config-autoscaler`"))
        } else {
            None
        };
        if let Some(problem) = problem {
            let mut d = place
                .error(max_ann, problem)
                .with_help(format!("set `max-scale` between 1 and {limit}"));
            if let Some(id) = config.object {
                d = d.with_related_object(ctx.inv.object(id), "sets max-scale-limit");
            }
            out.push(d);
        }
    }
    if let Some(ann) = get("activation-scale") {
        match ann.value.parse::<i64>() {
            Ok(nz) if i32::try_from(nz).is_ok() => {
                let problem = if min > nz {
                    Some(format!("is below min-scale {min} (webhook: \"min-scale={min} is greater than activation-scale={nz}\")"))
                } else if max != 0 && max < nz {
                    Some(format!("is above max-scale {max} (webhook: \"max-scale={max} is less than activation-scale={nz}\")"))
                } else if nz < 2 {
                    Some(format!("must be at least 2 (webhook: \"activation-scale={nz} must be greater than 1\")"))
                } else {
                    None
                };
                if let Some(problem) = problem {
                    out.push(place.error(ann, problem).with_help(
                        "activation-scale is the number of pods a revision starts with when it scales from zero: at least 2, within min-scale…max-scale (use min-scale for 1)",
                    ));
                }
            }
            _ => out.push(
                place
                    .error(ann, "is not an integer")
                    .with_help("use a whole number of at least 2, quoted: \"2\""),
            ),
        }
    }
    if let Some(ann) = get("initial-scale") {
        match ann.value.parse::<i64>() {
            Err(_) => out.push(
                place
                    .error(ann, "is not an integer")
                    .with_help("use a whole number, quoted: \"1\""),
            ),
            Ok(v) if v < 0 => out.push(
                place
                    .error(ann, "is negative")
                    .with_help("use a whole number of at least 1"),
            ),
            Ok(0) if !config.allow_zero_initial_scale => {
                let mut d = place
                    .error(ann, "is not allowed by the cluster (webhook: \"initial-scale=0 not allowed by cluster\")")
                    .with_help("use at least 1, or set `allow-zero-initial-scale: \"true\"` in ConfigMap `knative-serving/config-autoscaler`");
                if let Some(id) = config.object {
                    d = d.with_related_object(ctx.inv.object(id), "does not set allow-zero-initial-scale: \"true\"");
                }
                out.push(d);
            }
            Ok(_) => {}
        }
    }

    // Floats.
    let floats: [(&str, f64, f64, &str); 5] = [
        ("target", 0.01, f64::INFINITY, "at least 0.01"),
        ("target-utilization-percentage", 1.0, 100.0, "between 1 and 100"),
        ("panic-window-percentage", 1.0, 100.0, "between 1 and 100"),
        ("panic-threshold-percentage", 110.0, 1000.0, "between 110 and 1000"),
        ("target-burst-capacity", -1.0, f64::INFINITY, "-1 or at least 0"),
    ];
    for (name, lo, hi, range) in floats {
        let Some(ann) = get(name) else {
            continue;
        };
        let bad = match ann.value.parse::<f64>() {
            Err(_) => Some("is not a number".to_string()),
            Ok(v) if (v < lo || v > hi) || (v < 0.0 && v != -1.0 && lo < 0.0) => {
                Some(format!("is out of range: must be {range}"))
            }
            Ok(_) => None,
        };
        if let Some(problem) = bad {
            out.push(
                place
                    .error(ann, problem)
                    .with_help(format!("`{name}` must be {range}")),
            );
        }
    }

    // Durations.
    let durations: [(&str, i128, bool); 3] = [
        ("window", 6 * NANOS, true),
        ("scale-down-delay", 0, true),
        ("scale-to-zero-pod-retention-period", 0, false),
    ];
    for (name, lo, whole) in durations {
        let Some(ann) = get(name) else {
            continue;
        };
        let range = if lo > 0 { "6s and 1h" } else { "0s and 1h" };
        let problem = match go_duration(ann.value) {
            None => "is not a duration".to_string(),
            Some(d) if d < lo || d > HOUR => format!("is out of range: must be between {range}"),
            Some(d) if whole && d % NANOS != 0 => "is not in whole seconds".to_string(),
            Some(_) => continue,
        };
        out.push(place.error(ann, problem).with_help(format!(
            "`{name}` must be a duration between {range}{}, such as \"60s\" or \"2m\"",
            if whole { " in whole seconds" } else { "" }
        )));
    }

    // Metric for the class.
    if let Some(metric) = get("metric") {
        let class_value = class.map_or(config.default_class.as_str(), |c| c.value);
        let ok = match class_value {
            KPA => matches!(metric.value, "concurrency" | "rps"),
            HPA => !metric.value.is_empty(),
            _ => true,
        };
        if !ok {
            let help = if class_value == KPA {
                format!("the KPA autoscaler ({}) scales on `concurrency` or `rps`; for `cpu`, `memory` or custom metrics set `{GROUP}/class: {HPA}`",
                    if class.is_some() { "set by `class`" } else { "the default class" })
            } else {
                "the HPA class needs a metric such as `cpu` or `memory`".to_string()
            };
            out.push(
                place
                    .error(metric, format!("is not a metric of autoscaler class `{class_value}`"))
                    .with_help(help),
            );
        }
    }
    if let (Some(c), Some(alg)) = (class, get("metric-aggregation-algorithm")) {
        if c.value == KPA
            && !alg.value.is_empty()
            && !matches!(alg.value, "linear" | "weighted-exponential" | "weightedExponential")
        {
            out.push(
                place
                    .error(alg, "is not a metric aggregation algorithm")
                    .with_help("use `linear` (the default) or `weighted-exponential`"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::go_duration;

    #[test]
    fn parses_go_durations() {
        assert_eq!(go_duration("0"), Some(0));
        assert_eq!(go_duration("380s"), Some(380 * super::NANOS));
        assert_eq!(go_duration("1h2m3s"), Some(3723 * super::NANOS));
        assert_eq!(go_duration("1.5s"), Some(1_500_000_000));
        assert_eq!(go_duration(".5m"), Some(30 * super::NANOS));
        assert_eq!(go_duration("-2s"), Some(-2 * super::NANOS));
        assert_eq!(go_duration("10\u{b5}s"), Some(10_000));
        for bad in ["", "90", "s", "1x", "1.", "-", "5 m", "99999999999999999999999h"] {
            assert_eq!(go_duration(bad), None, "{bad}");
        }
    }
}
