//! Prometheus metrics in the text exposition format: requests by result, a latency
//! histogram of `/validate`, and the inventory's size. Counters are atomics: recording
//! takes no lock.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// What became of a `/validate` request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Allowed with no warning.
    Allowed,
    /// Allowed, with warnings.
    Warned,
    Denied,
    /// Not judged: a malformed, oversized or mistyped request.
    Invalid,
    /// Judging took longer than the time allowed; allowed with a warning.
    TimedOut,
}

const OUTCOMES: [(Outcome, &str); 5] = [
    (Outcome::Allowed, "allowed"),
    (Outcome::Warned, "warned"),
    (Outcome::Denied, "denied"),
    (Outcome::Invalid, "invalid"),
    (Outcome::TimedOut, "timeout"),
];

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.002, 0.003, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

#[derive(Debug, Default)]
pub struct Metrics {
    requests: [AtomicU64; 5],
    /// Per bucket (not cumulative), the last one for +Inf.
    buckets: [AtomicU64; 15],
    /// Total latency in microseconds.
    sum_micros: AtomicU64,
}

impl Metrics {
    pub fn record(&self, outcome: Outcome, elapsed: Duration) {
        let i = OUTCOMES
            .iter()
            .position(|(o, _)| *o == outcome)
            .unwrap_or(0);
        self.requests[i].fetch_add(1, Ordering::Relaxed);
        let seconds = elapsed.as_secs_f64();
        let bucket = BUCKETS
            .iter()
            .position(|b| seconds <= *b)
            .unwrap_or(BUCKETS.len());
        self.buckets[bucket].fetch_add(1, Ordering::Relaxed);
        let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        self.sum_micros.fetch_add(micros, Ordering::Relaxed);
    }

    /// The exposition, with the inventory holding `objects` objects and `ready` or not.
    pub fn render(&self, objects: usize, ready: bool) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP kroute_webhook_requests_total AdmissionReview requests by result.\n# TYPE kroute_webhook_requests_total counter"
        );
        for (i, (_, name)) in OUTCOMES.iter().enumerate() {
            let n = self.requests[i].load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "kroute_webhook_requests_total{{result=\"{name}\"}} {n}"
            );
        }
        let _ = writeln!(
            out,
            "# HELP kroute_webhook_request_duration_seconds Time to answer an AdmissionReview.\n# TYPE kroute_webhook_request_duration_seconds histogram"
        );
        let mut cumulative = 0;
        for (i, bound) in BUCKETS.iter().enumerate() {
            cumulative += self.buckets[i].load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "kroute_webhook_request_duration_seconds_bucket{{le=\"{bound}\"}} {cumulative}"
            );
        }
        cumulative += self.buckets[BUCKETS.len()].load(Ordering::Relaxed);
        let sum = self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(
            out,
            "kroute_webhook_request_duration_seconds_bucket{{le=\"+Inf\"}} {cumulative}\nkroute_webhook_request_duration_seconds_sum {sum}\nkroute_webhook_request_duration_seconds_count {cumulative}"
        );
        let _ = writeln!(
            out,
            "# HELP kroute_webhook_inventory_objects Objects in the inventory requests are judged against.\n# TYPE kroute_webhook_inventory_objects gauge\nkroute_webhook_inventory_objects {objects}"
        );
        let _ = writeln!(
            out,
            "# HELP kroute_webhook_ready Whether the inventory is loaded.\n# TYPE kroute_webhook_ready gauge\nkroute_webhook_ready {}",
            u8::from(ready)
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_is_cumulative_and_counts_match() {
        let m = Metrics::default();
        m.record(Outcome::Allowed, Duration::from_micros(300));
        m.record(Outcome::Denied, Duration::from_millis(4));
        m.record(Outcome::Invalid, Duration::from_secs(9));
        let text = m.render(7, true);
        assert!(text.contains("kroute_webhook_requests_total{result=\"denied\"} 1"));
        assert!(text.contains("_bucket{le=\"0.0005\"} 1\n"));
        assert!(text.contains("_bucket{le=\"0.005\"} 2\n"));
        assert!(text.contains("_bucket{le=\"5\"} 2\n"));
        assert!(text.contains("_bucket{le=\"+Inf\"} 3\n"));
        assert!(text.contains("_count 3\n"));
        assert!(text.contains("kroute_webhook_inventory_objects 7\n"));
    }
}
