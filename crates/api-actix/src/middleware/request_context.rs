//! Each request's context: made from its head when it arrives, then the tracing span
//! that puts the txID on every log line of the request, `X-Transaction-Id` on every
//! response (errors, 404s and 405s too), and one log line when the request is done.

use crate::connection::ConnectionWatch;
use crate::encode::context::TRANSACTION_ID_HEADER;
use crate::encode::RequestContext;
use crate::telemetry::prometheus;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::HeaderValue;
use actix_web::middleware::Next;
use actix_web::HttpMessage;
use tracing::Instrument;

/// The middleware: wrap the app with `from_fn(request_context::track)`.
pub async fn track(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    // Held until the answer is made (or the request abandoned): the connection's idle
    // deadline does not run while it has a request in hand.
    let in_hand = req
        .conn_data::<ConnectionWatch>()
        .map(ConnectionWatch::request_started);
    let context = RequestContext::begin(req.request());
    req.extensions_mut().insert(context.clone());
    let span = tracing::info_span!(
        "request",
        tx_id = %context.tx_id,
        method = prometheus::method_label(req.method()),
        path = req.path(),
        client = tracing::field::Empty,
        key_id = tracing::field::Empty,
        // The event a single post stored: with the txID, what lists the events
        // acknowledged after a recovery's target, from the logs.
        guid = tracing::field::Empty,
    );
    let current = context.clone();
    async move {
        let mut response = current.scope(next.call(req)).await?;
        if let Ok(value) = HeaderValue::from_str(&context.tx_id) {
            response.headers_mut().insert(TRANSACTION_ID_HEADER, value);
        }
        let status = response.status();
        let elapsed = context.started.elapsed().as_secs_f64();
        let route = response
            .request()
            .match_pattern()
            .unwrap_or_else(|| "unmatched".to_owned());
        prometheus::request_done(&route, response.request().method(), status, elapsed);
        let status = status.as_u16();
        let latency_ms = (elapsed * 1e6).round() / 1e3;
        if status >= 500 {
            tracing::warn!(status, latency_ms, route, "request failed");
        } else {
            tracing::info!(status, latency_ms, route, "request done");
        }
        drop(in_hand);
        Ok(response)
    }
    .instrument(span)
    .await
}
