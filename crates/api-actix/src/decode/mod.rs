//! Reading requests: bodies within their limits and budget (`body::read`), each body
//! format into the domain's draft (or a settlement request), and the query string.

pub mod body;
pub mod form;
pub mod json;
pub mod query;
pub mod settlement;
pub mod text_encoding;
pub mod xml;
mod xml_well_formed;

use crate::route_table::Body as BodyKind;
use body::BodyFormat;
use domain::BillingEventDraft;

/// One event's body, in `format`, as a draft for `client_name`.
///
/// # Errors
/// A malformed body.
pub fn event(
    format: BodyFormat,
    utf8: &[u8],
    client_name: &str,
) -> Result<BillingEventDraft, DecodeError> {
    match format {
        BodyFormat::Json => json::decode(utf8, client_name),
        BodyFormat::Xml => xml::decode(utf8, client_name),
        BodyFormat::Form => Ok(form::decode(utf8, client_name)),
    }
}

/// A batch's body, in `format`, as drafts for `client_name`, at most `max_items`.
///
/// # Errors
/// A malformed body, one over `max_items`, or a form (a batch is JSON or XML).
pub fn events(
    format: BodyFormat,
    utf8: &[u8],
    client_name: &str,
    max_items: usize,
) -> Result<Vec<BillingEventDraft>, DecodeError> {
    // What a batch takes leaves JSON or XML.
    match format.taken_by(BodyKind::Batch)? {
        BodyFormat::Json => json::decode_many(utf8, client_name, max_items),
        _ => xml::decode_many(utf8, client_name, max_items),
    }
}

/// Why a request's body could not be read or decoded.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("unsupported content type {0:?}")]
    UnsupportedMediaType(Option<String>),
    #[error("body over {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("no room for another request body")]
    BodyBudgetSpent,
    #[error("the body did not arrive within {timeout:?}")]
    BodyTimeout { timeout: std::time::Duration },
    #[error("the request body could not be read")]
    BodyUnreadable(#[source] actix_web::error::PayloadError),
    #[error("malformed body: {0}")]
    MalformedBody(String),
    /// A batch body holds more items than allowed; decoding stopped there.
    #[error("a batch over {limit} items")]
    TooManyItems { limit: usize },
}
