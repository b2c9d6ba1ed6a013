//! The HTTP endpoints: `POST /validate`, `GET /healthz`, `GET /readyz`, `GET /metrics`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::Value;

use super::admission::{self, Decision, Request, Review};
use super::evaluate::{Finding, Judge};
use super::metrics::{Metrics, Outcome};
use super::store::Store;
use crate::diagnostic::Severity;
use crate::manifest::ObjectKey;

/// The largest AdmissionReview accepted: the API server's own limit on an object is 3 MiB,
/// and a review carries the object and its old version.
pub const MAX_BODY: usize = 7 * 1024 * 1024;

/// How findings become a decision.
#[derive(Clone, Copy, Debug)]
pub struct Policy {
    /// Findings at or above this severity deny.
    pub deny_on: Severity,
    /// Findings below `deny_on` and at or above this are returned as warnings.
    pub warn_on: Severity,
    /// Never deny: everything at or above `warn_on` is a warning.
    pub dry_run: bool,
    /// Longest time spent judging one request; past it the request is allowed with a
    /// warning (the API server's own limit is at most 30 s, 10 s by default).
    pub timeout: Duration,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            deny_on: Severity::Error,
            warn_on: Severity::Warning,
            dry_run: false,
            timeout: Duration::from_secs(3),
        }
    }
}

/// What every handler reads.
#[derive(Debug)]
pub struct App {
    pub store: Arc<Store>,
    pub judge: Arc<Judge>,
    pub policy: Policy,
    pub metrics: Metrics,
}

/// The webhook's routes.
pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/validate", post(validate))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(ready))
        .route("/metrics", get(metrics))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(app)
}

async fn ready(State(app): State<Arc<App>>) -> Response {
    if app.store.is_ready() {
        (StatusCode::OK, "ready\n").into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "inventory not loaded yet\n",
        )
            .into_response()
    }
}

async fn metrics(State(app): State<Arc<App>>) -> Response {
    let text = app
        .metrics
        .render(app.store.snapshot().len(), app.store.is_ready());
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response()
}

async fn validate(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let start = Instant::now();
    let (outcome, response) = answer(&app, &headers, body).await;
    app.metrics.record(outcome, start.elapsed());
    response
}

/// The answer to one `/validate` request, and what became of it.
async fn answer(
    app: &Arc<App>,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> (Outcome, Response) {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if !json {
        let why = "kroute: an AdmissionReview is sent as Content-Type: application/json\n";
        return invalid(StatusCode::UNSUPPORTED_MEDIA_TYPE, why.to_string());
    }
    let body = match body {
        Ok(body) => body,
        Err(rejection) => {
            let why = if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                format!("kroute: the AdmissionReview is larger than {MAX_BODY} bytes\n")
            } else {
                format!(
                    "kroute: cannot read the request: {}\n",
                    rejection.body_text()
                )
            };
            return invalid(rejection.status(), why);
        }
    };
    let (review, request, job) = match read(&body) {
        Ok(read) => read,
        Err(why) => return invalid(StatusCode::BAD_REQUEST, why),
    };
    let operation = job.operation();
    let worker = Arc::clone(app);
    let judged = tokio::task::spawn_blocking(move || job.run(&worker));
    let (outcome, decision) = match tokio::time::timeout(app.policy.timeout, judged).await {
        Ok(Ok(findings)) => decide(app.policy, findings, operation),
        // A panic in a rule or a judgement past its time: kroute does not stand between
        // the user and the cluster over its own failure; the user is told.
        Ok(Err(_)) | Err(_) => (
            Outcome::TimedOut,
            Decision {
                allowed: true,
                message: None,
                warnings: vec![format!(
                    "kroute: not checked (no answer within {} ms)",
                    app.policy.timeout.as_millis()
                )],
            },
        ),
    };
    let body = admission::answer(&review.api_version, &request.uid, &decision);
    let response = ([(header::CONTENT_TYPE, "application/json")], body).into_response();
    (outcome, response)
}

/// The review a request body holds, its request and what it asks to judge; or why it
/// cannot be answered (a 400).
fn read(body: &[u8]) -> Result<(Review, Request, Job), String> {
    let (review, request) = admission::parse(body).map_err(|why| format!("kroute: {why}\n"))?;
    let job = Job::of(&request).map_err(|why| format!("kroute: {why}\n"))?;
    Ok((review, request, job))
}

/// The decision on what judging found.
fn decide(policy: Policy, findings: Vec<Finding>, operation: Operation) -> (Outcome, Decision) {
    let kept: Vec<Finding> = findings
        .into_iter()
        .filter(|f| f.severity >= policy.warn_on.min(policy.deny_on))
        .collect();
    // A deletion is never refused: what it leaves dangling is said as warnings.
    let warn_only = policy.dry_run || matches!(operation, Operation::Delete);
    let decision = admission::decide(&kept, policy.deny_on, warn_only);
    let outcome = match (decision.allowed, decision.warnings.is_empty()) {
        (false, _) => Outcome::Denied,
        (true, false) => Outcome::Warned,
        (true, true) => Outcome::Allowed,
    };
    (outcome, decision)
}

/// The answer `/validate` gives to `body` (sent as `application/json`), judged on the
/// calling thread without a time limit: what the fuzz target of the admission decoder
/// runs (`crate::fuzzing::admission`). The status and the body.
pub fn answer_now(app: &App, body: &[u8]) -> (StatusCode, Vec<u8>) {
    match read(body) {
        Ok((review, request, job)) => {
            let operation = job.operation();
            let (_, decision) = decide(app.policy, job.run(app), operation);
            let body = admission::answer(&review.api_version, &request.uid, &decision);
            (StatusCode::OK, body)
        }
        Err(why) => (StatusCode::BAD_REQUEST, why.into_bytes()),
    }
}

fn invalid(status: StatusCode, why: String) -> (Outcome, Response) {
    (Outcome::Invalid, (status, why).into_response())
}

/// What one request asks to judge.
enum Job {
    /// The object of a CREATE or UPDATE, as JSON text.
    Object {
        name: String,
        text: String,
        namespace: String,
    },
    Delete(ObjectKey),
    /// Nothing to judge (CONNECT).
    Nothing,
}

/// What a request does, as far as the decision goes.
#[derive(Clone, Copy)]
enum Operation {
    Write,
    Delete,
}

impl Job {
    fn operation(&self) -> Operation {
        match self {
            Job::Delete(_) => Operation::Delete,
            _ => Operation::Write,
        }
    }

    fn of(request: &Request) -> Result<Job, String> {
        let operation = request.operation.as_deref().unwrap_or("");
        let namespace = request.namespace.clone().unwrap_or_default();
        match operation {
            "CREATE" | "UPDATE" => {
                let mut object = request
                    .object
                    .clone()
                    .filter(Value::is_object)
                    .ok_or_else(|| format!("a {operation} request has no `object`"))?;
                // Bookkeeping of the API server, large and of no interest to any rule.
                if let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) {
                    meta.remove("managedFields");
                }
                let text = serde_json::to_string_pretty(&object).map_err(|e| e.to_string())?;
                let kind = object
                    .get("kind")
                    .and_then(Value::as_str)
                    .unwrap_or("object");
                let name = object
                    .pointer("/metadata/name")
                    .and_then(Value::as_str)
                    .or(request.name.as_deref())
                    .unwrap_or("");
                Ok(Job::Object {
                    name: format!("<admission {kind} {namespace}/{name}>"),
                    text,
                    namespace,
                })
            }
            "DELETE" => {
                let kind = request
                    .kind
                    .as_ref()
                    .ok_or("a DELETE request has no `kind`")?;
                let name = request
                    .name
                    .clone()
                    .or_else(|| {
                        let old = request.old_object.as_ref()?;
                        Some(old.pointer("/metadata/name")?.as_str()?.to_string())
                    })
                    .ok_or("a DELETE request has no `name`")?;
                Ok(Job::Delete(ObjectKey {
                    group: kind.group.as_str().into(),
                    kind: kind.kind.as_str().into(),
                    namespace: namespace.into(),
                    name: name.into(),
                }))
            }
            "CONNECT" => Ok(Job::Nothing),
            other => Err(format!(
                "unknown operation `{other}` (CREATE, UPDATE, DELETE or CONNECT)"
            )),
        }
    }

    fn run(self, app: &App) -> Vec<Finding> {
        let snapshot = app.store.snapshot();
        match self {
            Job::Object {
                name,
                text,
                namespace,
            } => app.judge.object(&snapshot, &name, &text, &namespace),
            Job::Delete(key) => app.judge.delete(&snapshot, &key),
            Job::Nothing => Vec::new(),
        }
    }
}
