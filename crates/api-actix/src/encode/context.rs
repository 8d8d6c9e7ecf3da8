//! What every request carries from its first byte, and every answer to it is written
//! by: a transaction id, a start time and the response format it negotiated.
//! `middleware::request_context` makes it for each request.

use crate::encode::amount::AmountStyle;
use crate::encode::negotiation::{negotiate, MediaFormat, ProblemLabel};
use crate::encode::XmlContract;
use actix_web::dev::Payload;
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use std::future::Future;
use std::future::{ready, Ready};
use std::sync::Arc;
use std::time::Instant;

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
    /// How a JSON answer writes amounts.
    pub amounts: AmountStyle,
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
            amounts: negotiated.amounts,
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

impl RequestContext {
    /// A new context for `req`, which has none yet.
    pub fn begin(req: &HttpRequest) -> Self {
        RequestContext::new(req.headers(), contract_of(req))
    }

    /// Runs `serving` with this as the current context.
    pub async fn scope<F: Future>(self, serving: F) -> F::Output {
        CURRENT.scope(self, serving).await
    }
}

/// The contract the app serves XML in (the default when it has no state).
fn contract_of(req: &HttpRequest) -> Arc<XmlContract> {
    req.app_data::<web::Data<XmlContract>>()
        .map(|contract| contract.clone().into_inner())
        .unwrap_or_default()
}

impl FromRequest for RequestContext {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(RequestContext::of(req)))
    }
}
