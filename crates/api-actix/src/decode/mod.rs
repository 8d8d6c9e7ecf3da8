//! Reading requests: bodies within their limits and budget, each body format into the
//! domain's draft (or a settlement request), and the query string.

pub mod body;
pub mod form;
pub mod json;
pub mod query;
pub mod settlement;
pub mod text_encoding;
pub mod xml;
mod xml_well_formed;

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
