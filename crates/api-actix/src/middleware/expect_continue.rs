//! `Expect: 100-continue`: a client that declares a body over its route's limit gets the
//! 413 before it sends the body, not a `100 Continue` and then the 413.
//!
//! actix-http writes `100 Continue` as soon as its expect service lets a request
//! through, before any route runs, so this check is that service (`startup` installs
//! it) and reads only the request head. It comes before the key check and the routing:
//! a body too large for its route is refused whoever sends it. The middleware never
//! sees such a request, so its log line and count are made here.

use crate::api_error::ApiError;
use crate::middleware::request_context::{RequestContext, TRANSACTION_ID_HEADER};
use crate::middleware::route_case::canonical_path;
use crate::routes::API_PREFIX;
use crate::telemetry::prometheus;
use actix_http::Request;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpMessage, HttpResponse, ResponseError};

/// The body limit of each route that takes one.
#[derive(Debug, Clone)]
pub struct BodyLimits {
    pub event: usize,
    pub settlement: usize,
    pub batch: usize,
}

impl BodyLimits {
    /// The route `path` names, as its metrics label, and its limit: `…/{id}/batch` and
    /// `…/{id}/status` have their own, every other path the event's (the smallest).
    fn for_path(&self, path: &str) -> (&'static str, usize) {
        let canonical = canonical_path(path);
        let path = canonical.as_deref().unwrap_or(path);
        let below_events = path
            .strip_prefix(API_PREFIX)
            .and_then(|rest| rest.strip_prefix("/v1/BillingEvents/"));
        match below_events.map(|rest| rest.split_once('/')) {
            Some(Some((_, "batch"))) => ("/api/v1/BillingEvents/{id}/batch", self.batch),
            Some(Some((_, "status"))) => ("/api/v1/BillingEvents/{id}/status", self.settlement),
            Some(None) => ("/api/v1/BillingEvents/{id}", self.event),
            _ => ("unmatched", self.event),
        }
    }
}

/// The expect service: the request back (then actix-http sends `100 Continue`), or a
/// 413 problem when its `Content-Length` is over its route's limit.
///
/// # Errors
/// The 413 answer.
#[allow(clippy::result_large_err)] // actix-http takes the answer as the service's error
pub fn check(limits: &BodyLimits, req: Request) -> Result<Request, HttpResponse> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<u64>().ok());
    let (route, limit) = limits.for_path(req.path());
    match declared {
        Some(length) if length > u64::try_from(limit).unwrap_or(u64::MAX) => {
            let context = RequestContext::for_head(req.headers());
            let mut response = ApiError::PayloadTooLarge { limit }
                .to_problem(&context)
                .error_response();
            let status = response.status();
            prometheus::request_done(route, req.method(), status, 0.0);
            tracing::info!(
                tx_id = %context.tx_id,
                status = status.as_u16(),
                route,
                "request refused before its body was sent"
            );
            if let Ok(tx_id) = HeaderValue::from_str(&context.tx_id) {
                response.headers_mut().insert(TRANSACTION_ID_HEADER, tx_id);
            }
            Err(response)
        }
        _ => Ok(req),
    }
}

#[cfg(test)]
mod tests {
    use super::BodyLimits;

    #[test]
    fn each_body_route_has_its_limit_in_any_spelling() {
        let limits = BodyLimits {
            event: 1,
            settlement: 2,
            batch: 3,
        };
        let limit = |path| limits.for_path(path).1;
        assert_eq!(limit("/api/v1/BillingEvents/acme"), 1);
        assert_eq!(limit("/api/v1/BillingEvents/acme/status"), 2);
        assert_eq!(limit("/api/v1/BillingEvents/acme/batch"), 3);
        assert_eq!(limit("/API/v1/billingevents/acme/BATCH/"), 3);
        assert_eq!(limit("/api/v1/BillingEvents/acme/b%61tch"), 3);
        assert_eq!(
            limit("/api/v1/BillingEvents/batch"),
            1,
            "a client named batch"
        );
        assert_eq!(limit("/health"), 1);
        assert_eq!(
            limits.for_path("/api/v1/billingevents/acme").0,
            "/api/v1/BillingEvents/{id}"
        );
        assert_eq!(limits.for_path("/nowhere").0, "unmatched");
    }
}
