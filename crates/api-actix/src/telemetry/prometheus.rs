//! Prometheus metrics: the recorder, what the HTTP layer counts, and `GET /metrics`.
//!
//! Counted here: requests by route pattern, method and status, with a latency
//! histogram; billing events by outcome; database errors by kind. The repository adapter
//! adds the pool's connections in use and idle, and group commit its batch sizes and
//! queue depth (see `infra-diesel`).

use actix_web::http::{header, Method, StatusCode};
use actix_web::HttpResponse;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;

/// Latency buckets in seconds: fine below 10 ms, where the service should live.
const LATENCY_BUCKETS: &[f64] = &[
    0.000_5, 0.001, 0.002, 0.005, 0.010, 0.020, 0.050, 0.100, 0.250, 0.500, 1.0, 2.5, 5.0,
];
/// Group-commit batch sizes.
const BATCH_BUCKETS: &[f64] = &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0];

/// The process-wide recorder, installed on first use (a process has one; tests build many
/// applications in one process and share it).
///
/// # Panics
/// Never: the bucket lists are constants and not empty.
pub fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(
                metrics_exporter_prometheus::Matcher::Full("http_request_duration_seconds".into()),
                LATENCY_BUCKETS,
            )
            .and_then(|builder| {
                builder.set_buckets_for_metric(
                    metrics_exporter_prometheus::Matcher::Full("group_commit_batch_size".into()),
                    BATCH_BUCKETS,
                )
            })
            .expect("the bucket lists are not empty");
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        // Fails only if another recorder is installed, which nothing in this process does.
        let _ = metrics::set_global_recorder(recorder);
        handle
    })
}

/// `GET /metrics`, in Prometheus' text format (whatever `Accept` says: this route is for
/// Prometheus, not for API clients).
pub async fn render() -> HttpResponse {
    let handle = handle();
    handle.run_upkeep();
    HttpResponse::Ok()
        .insert_header((
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        ))
        .body(handle.render())
}

/// One request done: counted by route pattern, method and status, and timed.
///
/// Every label comes from a fixed set, whatever the request said: `route` is a
/// registered pattern or `unmatched` (never the raw path), `method` one of HTTP's
/// standard methods or `other`, `status` a three-digit code. A label taken from the
/// request would let any caller grow the recorder, and `/metrics`, without limit.
pub fn request_done(route: &str, method: &Method, status: StatusCode, seconds: f64) {
    let (route, method) = (route.to_owned(), method_label(method));
    let labels = [
        ("route", route.clone()),
        ("method", method.to_owned()),
        ("status", status.as_str().to_owned()),
    ];
    metrics::counter!("http_requests_total", &labels).increment(1);
    let labels = [("route", route), ("method", method.to_owned())];
    metrics::histogram!("http_request_duration_seconds", &labels).record(seconds);
}

/// The method as a label: one of the nine standard methods, else `other`.
pub(crate) fn method_label(method: &Method) -> &'static str {
    const STANDARD: [Method; 9] = [
        Method::GET,
        Method::HEAD,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
        Method::OPTIONS,
        Method::TRACE,
        Method::CONNECT,
    ];
    STANDARD
        .iter()
        .find(|standard| *standard == method)
        .map_or("other", Method::as_str)
}

/// Every counter with a fixed set of labels, at 0: a series that only appears at its
/// first increment makes `increase()` miss that increment, and an alert on it never
/// fires for the first failure.
pub fn export_counters_at_zero() {
    for outcome in ["created", "replayed", "conflicted", "rejected"] {
        metrics::counter!("billing_events_total", "outcome" => outcome).increment(0);
    }
    for reason in ["unparsable", "too_slow"] {
        metrics::counter!("http_unreadable_requests_total", "reason" => reason).increment(0);
    }
    for kind in ["unavailable", "outcome_unknown", "unexpected"] {
        metrics::counter!("database_errors_total", "kind" => kind).increment(0);
    }
    metrics::counter!("db_insert_retries_total").increment(0);
    metrics::counter!("db_connections_cut_total").increment(0);
}

/// What became of posted events: `created`, `replayed`, `conflicted` or `rejected`.
pub fn events(outcome: &'static str, count: u64) {
    if count > 0 {
        metrics::counter!("billing_events_total", "outcome" => outcome).increment(count);
    }
}

/// A request actix-http gave up on before our code saw it: `unparsable` or `too_slow`.
pub fn unreadable_request(reason: &'static str) {
    metrics::counter!("http_unreadable_requests_total", "reason" => reason).increment(1);
}

/// A connection closed by its bounds: `idle_deadline` (no request head, or answers not
/// taken, within its allowance).
pub fn connection_closed(reason: &'static str) {
    metrics::counter!("http_connections_closed_total", "reason" => reason).increment(1);
}

/// A connection closed as soon as it was accepted: `host_limit`.
pub fn connection_refused(reason: &'static str) {
    metrics::counter!("http_connections_refused_total", "reason" => reason).increment(1);
}

/// A database error answered to a client: `unavailable` or `unexpected`.
pub fn database_error(kind: &'static str) {
    metrics::counter!("database_errors_total", "kind" => kind).increment(1);
}

#[cfg(test)]
mod tests {
    use super::method_label;
    use actix_web::http::Method;

    #[test]
    fn methods_outside_the_standard_nine_are_one_label() {
        assert_eq!(method_label(&Method::PATCH), "PATCH");
        assert_eq!(method_label(&Method::OPTIONS), "OPTIONS");
        for odd in ["XXXX", "get", "PROPFIND", &"M".repeat(16_000)] {
            let method = Method::from_bytes(odd.as_bytes()).unwrap();
            assert_eq!(
                method_label(&method),
                "other",
                "{}",
                &odd[..odd.len().min(8)]
            );
        }
    }
}
