//! Request bodies: which media types we take, and reading one within the size limit and
//! the budget all bodies share.

use crate::api_error::ApiError;
use crate::connection::ConnectionWatch;
use actix_web::http::header;
use actix_web::web::{Bytes, BytesMut, Payload};
use actix_web::HttpRequest;
use futures_util::StreamExt;
use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// How long a body waits for room in the budget before its request is refused.
const BUDGET_PATIENCE: Duration = Duration::from_secs(1);

/// The bytes of request bodies held at once, across every request: each body takes its
/// share before it is read (its `Content-Length`, else its route's limit) and gives it
/// back when its request is done with it. Without it, many connections each sending an
/// allowed 8 MiB batch would hold memory without bound. Counted in KiB.
#[derive(Debug, Clone)]
pub struct BodyBudget {
    kib: Arc<Semaphore>,
}

impl BodyBudget {
    pub fn new(bytes: usize) -> Self {
        Self {
            kib: Arc::new(Semaphore::new(bytes.div_ceil(1024))),
        }
    }

    async fn take(&self, bytes: usize) -> Result<OwnedSemaphorePermit, ApiError> {
        let kib = u32::try_from(bytes.div_ceil(1024).max(1)).unwrap_or(u32::MAX);
        tokio::time::timeout(BUDGET_PATIENCE, self.kib.clone().acquire_many_owned(kib))
            .await
            .ok()
            .and_then(Result::ok)
            .ok_or(ApiError::BodyBudgetSpent)
    }
}

/// A request body, holding its share of the budget until dropped.
#[derive(Debug)]
pub struct Body {
    bytes: Bytes,
    _share: OwnedSemaphorePermit,
}

impl Deref for Body {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.bytes
    }
}

/// The body formats a billing event may come in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFormat {
    Json,
    Xml,
    Form,
}

/// The media types we take, for the 415 answer.
pub const ACCEPTED_MEDIA_TYPES: &str =
    "application/json, text/json, application/xml, text/xml or application/x-www-form-urlencoded";

/// The format named by `Content-Type` (any parameters such as `charset`, any letter
/// case).
pub fn format_of(req: &HttpRequest) -> Result<BodyFormat, ApiError> {
    let declared = req
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned());
    let essence = declared
        .as_deref()
        .and_then(|value| value.split(';').next())
        .map(|essence| essence.trim().to_ascii_lowercase());
    match essence.as_deref() {
        Some("application/json" | "text/json") => Ok(BodyFormat::Json),
        Some("application/xml" | "text/xml") => Ok(BodyFormat::Xml),
        Some("application/x-www-form-urlencoded") => Ok(BodyFormat::Form),
        _ => Err(ApiError::UnsupportedMediaType(declared)),
    }
}

/// How a body is to be read: at most `limit` bytes, within `timeout`, out of `budget`.
#[derive(Debug, Clone)]
pub struct BodyRules {
    pub limit: usize,
    pub timeout: Duration,
    pub budget: BodyBudget,
}

/// Reads the whole body within the rules' timeout, refusing it as soon as it is known to
/// pass their limit: from `Content-Length` before reading, or while reading a chunked
/// body. A client that sends its body too slowly gets 408 instead of holding a worker;
/// a body that finds no room in the budget within a second, 503.
pub async fn read_limited(
    req: &HttpRequest,
    mut payload: Payload,
    rules: &BodyRules,
) -> Result<Body, ApiError> {
    let (limit, timeout) = (rules.limit, rules.timeout);
    let declared_length = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<usize>().ok());
    if declared_length.is_some_and(|length| length > limit) {
        return Err(ApiError::PayloadTooLarge { limit });
    }
    let share = rules.budget.take(declared_length.unwrap_or(limit)).await?;
    let watch = req.conn_data::<ConnectionWatch>();
    let read = async {
        let mut body = BytesMut::with_capacity(declared_length.unwrap_or(0).min(limit));
        loop {
            // Everything given so far is taken: the connection may read the next window.
            if let Some(watch) = watch {
                watch.body_wanted(declared_length.map(|length| length.saturating_sub(body.len())));
            }
            let Some(chunk) = payload.next().await else {
                break;
            };
            let chunk = chunk.map_err(ApiError::BodyUnreadable)?;
            if body.len() + chunk.len() > limit {
                return Err(ApiError::PayloadTooLarge { limit });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body.freeze())
    };
    let bytes = tokio::time::timeout(timeout, read)
        .await
        .map_err(|_| ApiError::BodyTimeout { timeout })??;
    Ok(Body {
        bytes,
        _share: share,
    })
}

/// Runs `decode` over a large body on a blocking thread, so that reading megabytes never
/// holds up the worker's other requests (health checks included). Every decoder is
/// linear in its input; this keeps even a linear second off the request threads.
pub async fn decode_off_worker<T, F>(body: Body, decode: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&[u8]) -> Result<T, ApiError> + Send + 'static,
{
    match tokio::task::spawn_blocking(move || decode(&body)).await {
        Ok(decoded) => decoded,
        // A decoder that panics is a bug: let it surface as it would have inline.
        Err(error) => std::panic::resume_unwind(error.into_panic()),
    }
}
