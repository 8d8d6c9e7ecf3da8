//! Request bodies: which media types we take, and reading one within the size limit.

use crate::api_error::ApiError;
use actix_web::http::header;
use actix_web::web::{Bytes, BytesMut, Payload};
use actix_web::HttpRequest;
use futures_util::StreamExt;
use std::time::Duration;

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

/// Reads the whole body within `timeout`, refusing it as soon as it is known to pass
/// `limit` bytes: from `Content-Length` before reading, or while reading a chunked body.
/// A client that sends its body too slowly gets 408 instead of holding a worker.
pub async fn read_limited(
    req: &HttpRequest,
    mut payload: Payload,
    limit: usize,
    timeout: Duration,
) -> Result<Bytes, ApiError> {
    let declared_length = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<usize>().ok());
    if declared_length.is_some_and(|length| length > limit) {
        return Err(ApiError::PayloadTooLarge { limit });
    }
    let read = async {
        let mut body = BytesMut::with_capacity(declared_length.unwrap_or(0).min(limit));
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.map_err(ApiError::BodyUnreadable)?;
            if body.len() + chunk.len() > limit {
                return Err(ApiError::PayloadTooLarge { limit });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body.freeze())
    };
    tokio::time::timeout(timeout, read)
        .await
        .map_err(|_| ApiError::BodyTimeout { timeout })?
}

/// Runs `decode` over a large body on a blocking thread, so that reading megabytes never
/// holds up the worker's other requests (health checks included). Every decoder is
/// linear in its input; this keeps even a linear second off the request threads.
pub async fn decode_off_worker<T, F>(body: Bytes, decode: F) -> Result<T, ApiError>
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
