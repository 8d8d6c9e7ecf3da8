//! What every request carries from its first byte: a transaction id, a start time and
//! the response format it negotiated.
//!
//! The middleware here makes both, opens the tracing span that puts the txID on every
//! log line of the request, stamps `X-Transaction-Id` on every response (errors, 404s
//! and 405s too) and logs one line when the request is done.

use crate::connection::ConnectionWatch;
use crate::encode::negotiation::{negotiate, MediaFormat, ProblemLabel};
use crate::encode::XmlContract;
use crate::routes::AppState;
use crate::telemetry::prometheus;
use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use std::future::{ready, Ready};
use std::sync::Arc;
use std::time::Instant;
use tracing::Instrument;

pub const TRANSACTION_ID_HEADER: HeaderName = HeaderName::from_static("x-transaction-id");

/// The txID, start time and negotiated response format of the request being served.
#[derive(Debug, Clone)]
pub struct RequestContext {
    pub tx_id: String,
    pub started: Instant,
    /// What every answer to this request, errors included, is written in.
    pub format: MediaFormat,
    /// The media type a problem in `format` is labelled with.
    pub problem_label: ProblemLabel,
    /// The data contract of XML answers.
    pub xml: Arc<XmlContract>,
}

impl RequestContext {
    fn new(headers: &HeaderMap, xml: Arc<XmlContract>) -> Self {
        let header = |name| {
            headers
                .get(name)
                .and_then(|value: &HeaderValue| value.to_str().ok())
        };
        let negotiated = negotiate(header(header::ACCEPT), header(header::CONTENT_TYPE));
        Self {
            tx_id: uuid::Uuid::new_v4().to_string(),
            started: Instant::now(),
            format: negotiated.format,
            problem_label: negotiated.problem_label,
            xml,
        }
    }

    /// The context of a request known only by its head, before the app sees it.
    pub fn for_head(headers: &HeaderMap) -> Self {
        Self::new(headers, Arc::default())
    }

    /// Whole milliseconds since the request arrived.
    pub fn elapsed_millis(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }
}

tokio::task_local! {
    /// The context of the request being served, for what renders its answer without
    /// seeing the request (an error's response).
    static CURRENT: RequestContext;
}

impl RequestContext {
    /// The context `track` gave the request; only a route served without the
    /// middleware lacks one, and gets a fresh one.
    pub fn of(req: &HttpRequest) -> Self {
        let context = req.extensions().get::<RequestContext>().cloned();
        context.unwrap_or_else(|| RequestContext::new(req.headers(), contract_of(req)))
    }

    /// The context of the request being served (outside one, a fresh one in JSON).
    pub fn current() -> Self {
        CURRENT
            .try_with(Clone::clone)
            .unwrap_or_else(|_| RequestContext::new(&HeaderMap::new(), Arc::default()))
    }
}

/// The contract the app serves XML in (the default when it has no state).
fn contract_of(req: &HttpRequest) -> Arc<XmlContract> {
    req.app_data::<web::Data<AppState>>()
        .map(|state| state.xml.clone())
        .unwrap_or_default()
}

impl FromRequest for RequestContext {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(RequestContext::of(req)))
    }
}

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
    let context = RequestContext::new(req.headers(), contract_of(req.request()));
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
        let mut response = CURRENT.scope(current, next.call(req)).await?;
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
