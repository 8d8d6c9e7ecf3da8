//! `Expect: 100-continue`: a client that declares a body over its route's limit gets the
//! 413 before it sends the body, not a `100 Continue` and then the 413.
//!
//! actix-http writes `100 Continue` as soon as its expect service lets a request
//! through, before any route runs, so this check is that service (`startup` installs
//! it) and reads only the request head. It comes before the key check and the routing:
//! a body too large for its route is refused whoever sends it. The middleware never
//! sees such a request, so its log line and count are made here.

use crate::api_error::ApiError;
use crate::decode::DecodeError;
use crate::encode::context::{RequestContext, TRANSACTION_ID_HEADER};
use crate::limits::BodyLimits;
use crate::route_table::{self, Body};
use crate::telemetry::prometheus;
use actix_http::Request;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpMessage, HttpResponse, ResponseError};

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
    let route = route_table::find(req.path()).map(|(route, _)| route);
    let limit = limits.of(route.map_or(Body::None, |route| route.body(req.method().as_str())));
    let route = route.map_or("unmatched", |route| route.pattern);
    match declared {
        Some(length) if length > u64::try_from(limit).unwrap_or(u64::MAX) => {
            let context = RequestContext::for_head(req.headers());
            let mut response = ApiError::from(DecodeError::PayloadTooLarge { limit })
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
