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
use crate::diagnostic::{Diagnostic, Severity};
use crate::inventory::did_you_mean;
use crate::inventory::knative::{
    go_duration, Annotation, Annotations, AUTOSCALING, AUTOSCALING_KEYS, HOUR, SECOND, SERVING,
};
use crate::manifest::{Object, ObjectId};

pub const RULE: Rule = Rule {
    code: "KR404",
    severity: Severity::Error,
    summary: "Knative autoscaling annotations invalid, or not on the revision template",
    run,
};

const KPA: &str = "kpa.autoscaling.knative.dev";
const HPA: &str = "hpa.autoscaling.knative.dev";

/// Where the annotations sit, for messages.
struct Place<'a> {
    object: &'a Object,
    /// `the revision template of Knative Service ns/x`, `Knative Revision ns/x`.
    what: String,
}

impl Place<'_> {
    fn error(&self, ann: &Annotation<'_>, problem: impl std::fmt::Display) -> Diagnostic {
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
    object: Option<ObjectId>,
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

    /// `d`, pointing at `config-autoscaler` (saying `note`) when it is in the input.
    fn related(&self, ctx: &Context<'_>, d: Diagnostic, note: &str) -> Diagnostic {
        match self.object {
            Some(id) => d.with_related_object(ctx.inv.object(id), note),
            None => d,
        }
    }
}

fn run(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let config = AutoscalerConfig::read(ctx);
    for object in ctx.inv.objects.iter().filter(|o| o.group == SERVING) {
        let who = knative_display(object);
        match object.kind.as_str() {
            "Service" | "Configuration" | "Route" => {
                let own = Annotations::of_object(object);
                misplaced(object, &who, &own, out);
                if object.kind != "Configuration" {
                    rollout_duration(object, &who, &own, out);
                }
                if object.kind != "Route" {
                    let place = Place {
                        object,
                        what: format!("the revision template of {who}"),
                    };
                    validate(&place, &Annotations::of_template(object), &config, ctx, out);
                }
            }
            "Revision" => {
                let place = Place { object, what: who };
                validate(&place, &Annotations::of_object(object), &config, ctx, out);
            }
            _ => {}
        }
    }
}

/// Autoscaling annotations on a Service/Configuration/Route's own metadata.
fn misplaced(object: &Object, who: &str, own: &Annotations<'_>, out: &mut Vec<Diagnostic>) {
    for ann in own.iter().filter(|a| a.key.starts_with(AUTOSCALING)) {
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
fn rollout_duration(object: &Object, who: &str, own: &Annotations<'_>, out: &mut Vec<Diagnostic>) {
    let place = Place {
        object,
        what: who.to_string(),
    };
    let keys = [
        "serving.knative.dev/rollout-duration",
        "serving.knative.dev/rolloutDuration",
    ];
    shadowed(&place, own, keys[0], keys[1], out);
    let Some(ann) = own.first(&keys).filter(|a| !a.value.is_empty()) else {
        return;
    };
    let problem = match go_duration(ann.value) {
        None => "is not a duration",
        Some(d) if d % SECOND != 0 => "is not in whole seconds",
        Some(d) if d < 0 => "is negative",
        Some(_) => return,
    };
    out.push(place.error(ann, problem).with_help(
        "write a non-negative duration in whole seconds, such as \"380s\" or \"5m\"",
    ));
}

/// Warns when both spellings of a key are set.
fn shadowed(
    place: &Place<'_>,
    anns: &Annotations<'_>,
    kebab: &str,
    camel: &str,
    out: &mut Vec<Diagnostic>,
) {
    if let (Some(k), Some(c)) = (anns.first(&[kebab]), anns.first(&[camel])) {
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

/// An integer annotation read like `strconv.ParseInt(v, 10, 32)` ≥ 0; 0 when unset or
/// invalid (reported).
fn int_ge0(place: &Place<'_>, ann: Option<&Annotation<'_>>, out: &mut Vec<Diagnostic>) -> i64 {
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

/// The autoscaling annotations of a revision template, as the webhook validates them.
fn validate(
    place: &Place<'_>,
    anns: &Annotations<'_>,
    config: &AutoscalerConfig,
    ctx: &Context<'_>,
    out: &mut Vec<Diagnostic>,
) {
    if !anns.any_autoscaling() {
        return;
    }
    spelling(place, anns, out);
    let class = anns.autoscaling("class");
    out.extend(unknown_class(place, class));
    let (min, max) = scale_bounds(place, anns, config, ctx, out);
    out.extend(activation_scale(place, anns, min, max));
    out.extend(initial_scale(place, anns, config, ctx));
    numbers(place, anns, out);
    durations(place, anns, out);
    out.extend(metric(place, anns, class, config));
    out.extend(aggregation(place, anns, class));
}

/// Shadowed aliases and keys Knative does not know.
fn spelling(place: &Place<'_>, anns: &Annotations<'_>, out: &mut Vec<Diagnostic>) {
    let key = |k: &str| format!("{AUTOSCALING}/{k}");
    for (kebab, camel) in AUTOSCALING_KEYS {
        if let Some(camel) = camel {
            shadowed(place, anns, &key(kebab), &key(camel), out);
        }
    }
    let known: Vec<String> = AUTOSCALING_KEYS
        .iter()
        .flat_map(|(k, c)| std::iter::once(*k).chain(*c))
        .map(key)
        .collect();
    let prefix = format!("{AUTOSCALING}/");
    for ann in anns
        .iter()
        .filter(|a| a.key.starts_with(&prefix) && !known.iter().any(|k| k == a.key))
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
}

/// A `class` in Knative's own domain that is neither KPA nor HPA.
fn unknown_class(place: &Place<'_>, class: Option<&Annotation<'_>>) -> Option<Diagnostic> {
    let c = class?;
    (c.value.ends_with(".knative.dev") && c.value != KPA && c.value != HPA).then(|| {
        place
            .error(c, "names an unknown Knative autoscaler class")
            .with_help(format!("use `{KPA}` (the default) or `{HPA}`"))
    })
}

/// `min-scale` and `max-scale`: integers, ordered, within `max-scale-limit`. Returns both
/// (0 when unset or invalid).
fn scale_bounds(
    place: &Place<'_>,
    anns: &Annotations<'_>,
    config: &AutoscalerConfig,
    ctx: &Context<'_>,
    out: &mut Vec<Diagnostic>,
) -> (i64, i64) {
    let min_ann = anns.autoscaling("min-scale");
    let max_ann = anns.autoscaling("max-scale");
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
    let limit = config.max_scale_limit;
    let Some(max_ann) = max_ann.filter(|_| limit > 0) else {
        return (min, max);
    };
    let problem = if max_ann.value.parse::<i64>() == Ok(0) {
        format!("means unlimited, but `config-autoscaler` sets `max-scale-limit: {limit}`")
    } else if max > limit {
        format!("is above `max-scale-limit: {limit}` of `config-autoscaler`")
    } else {
        return (min, max);
    };
    out.push(config.related(
        ctx,
        place
            .error(max_ann, problem)
            .with_help(format!("set `max-scale` between 1 and {limit}")),
        "sets max-scale-limit",
    ));
    (min, max)
}

/// `activation-scale`: an integer of at least 2, within `min`…`max`.
fn activation_scale(
    place: &Place<'_>,
    anns: &Annotations<'_>,
    min: i64,
    max: i64,
) -> Option<Diagnostic> {
    let ann = anns.autoscaling("activation-scale")?;
    let Some(nz) = ann.value.parse::<i64>().ok().filter(|v| i32::try_from(*v).is_ok()) else {
        return Some(
            place
                .error(ann, "is not an integer")
                .with_help("use a whole number of at least 2, quoted: \"2\""),
        );
    };
    let problem = if min > nz {
        format!("is below min-scale {min} (webhook: \"min-scale={min} is greater than activation-scale={nz}\")")
    } else if max != 0 && max < nz {
        format!("is above max-scale {max} (webhook: \"max-scale={max} is less than activation-scale={nz}\")")
    } else if nz < 2 {
        format!("must be at least 2 (webhook: \"activation-scale={nz} must be greater than 1\")")
    } else {
        return None;
    };
    Some(place.error(ann, problem).with_help(
        "activation-scale is the number of pods a revision starts with when it scales from zero: at least 2, within min-scale…max-scale (use min-scale for 1)",
    ))
}

/// `initial-scale`: a non-negative integer, 0 only when the cluster allows it.
fn initial_scale(
    place: &Place<'_>,
    anns: &Annotations<'_>,
    config: &AutoscalerConfig,
    ctx: &Context<'_>,
) -> Option<Diagnostic> {
    let ann = anns.autoscaling("initial-scale")?;
    match ann.value.parse::<i64>() {
        Err(_) => Some(
            place
                .error(ann, "is not an integer")
                .with_help("use a whole number, quoted: \"1\""),
        ),
        Ok(v) if v < 0 => Some(
            place
                .error(ann, "is negative")
                .with_help("use a whole number of at least 1"),
        ),
        Ok(0) if !config.allow_zero_initial_scale => Some(config.related(
            ctx,
            place
                .error(ann, "is not allowed by the cluster (webhook: \"initial-scale=0 not allowed by cluster\")")
                .with_help("use at least 1, or set `allow-zero-initial-scale: \"true\"` in ConfigMap `knative-serving/config-autoscaler`"),
            "does not set allow-zero-initial-scale: \"true\"",
        )),
        Ok(_) => None,
    }
}

/// The annotations that are numbers, and their ranges: (name, lowest, highest, range).
const NUMBERS: [(&str, f64, f64, &str); 5] = [
    ("target", 0.01, f64::INFINITY, "at least 0.01"),
    ("target-utilization-percentage", 1.0, 100.0, "between 1 and 100"),
    ("panic-window-percentage", 1.0, 100.0, "between 1 and 100"),
    ("panic-threshold-percentage", 110.0, 1000.0, "between 110 and 1000"),
    ("target-burst-capacity", -1.0, f64::INFINITY, "-1 or at least 0"),
];

/// Number annotations within their ranges.
fn numbers(place: &Place<'_>, anns: &Annotations<'_>, out: &mut Vec<Diagnostic>) {
    for (name, lo, hi, range) in NUMBERS {
        let Some(ann) = anns.autoscaling(name) else {
            continue;
        };
        let problem = match ann.value.parse::<f64>() {
            Err(_) => "is not a number".to_string(),
            Ok(v) if (v < lo || v > hi) || (v < 0.0 && v != -1.0 && lo < 0.0) => {
                format!("is out of range: must be {range}")
            }
            Ok(_) => continue,
        };
        out.push(
            place
                .error(ann, problem)
                .with_help(format!("`{name}` must be {range}")),
        );
    }
}

/// The annotations that are durations: (name, shortest in nanoseconds, whole seconds only).
const DURATIONS: [(&str, i128, bool); 3] = [
    ("window", 6 * SECOND, true),
    ("scale-down-delay", 0, true),
    ("scale-to-zero-pod-retention-period", 0, false),
];

/// Duration annotations: Go durations of at most an hour.
fn durations(place: &Place<'_>, anns: &Annotations<'_>, out: &mut Vec<Diagnostic>) {
    for (name, lo, whole) in DURATIONS {
        let Some(ann) = anns.autoscaling(name) else {
            continue;
        };
        let range = if lo > 0 { "6s and 1h" } else { "0s and 1h" };
        let problem = match go_duration(ann.value) {
            None => "is not a duration".to_string(),
            Some(d) if d < lo || d > HOUR => format!("is out of range: must be between {range}"),
            Some(d) if whole && d % SECOND != 0 => "is not in whole seconds".to_string(),
            Some(_) => continue,
        };
        out.push(place.error(ann, problem).with_help(format!(
            "`{name}` must be a duration between {range}{}, such as \"60s\" or \"2m\"",
            if whole { " in whole seconds" } else { "" }
        )));
    }
}

/// `metric` must be one the class's autoscaler scales on.
fn metric(
    place: &Place<'_>,
    anns: &Annotations<'_>,
    class: Option<&Annotation<'_>>,
    config: &AutoscalerConfig,
) -> Option<Diagnostic> {
    let metric = anns.autoscaling("metric")?;
    let class_value = class.map_or(config.default_class.as_str(), |c| c.value);
    let ok = match class_value {
        KPA => matches!(metric.value, "concurrency" | "rps"),
        HPA => !metric.value.is_empty(),
        _ => true,
    };
    if ok {
        return None;
    }
    let help = if class_value == KPA {
        format!("the KPA autoscaler ({}) scales on `concurrency` or `rps`; for `cpu`, `memory` or custom metrics set `{AUTOSCALING}/class: {HPA}`",
            if class.is_some() { "set by `class`" } else { "the default class" })
    } else {
        "the HPA class needs a metric such as `cpu` or `memory`".to_string()
    };
    Some(
        place
            .error(metric, format!("is not a metric of autoscaler class `{class_value}`"))
            .with_help(help),
    )
}

/// `metric-aggregation-algorithm` with the KPA class set explicitly.
fn aggregation(
    place: &Place<'_>,
    anns: &Annotations<'_>,
    class: Option<&Annotation<'_>>,
) -> Option<Diagnostic> {
    let alg = anns.autoscaling("metric-aggregation-algorithm")?;
    let bad = class?.value == KPA
        && !alg.value.is_empty()
        && !matches!(alg.value, "linear" | "weighted-exponential" | "weightedExponential");
    bad.then(|| {
        place
            .error(alg, "is not a metric aggregation algorithm")
            .with_help("use `linear` (the default) or `weighted-exponential`")
    })
}
