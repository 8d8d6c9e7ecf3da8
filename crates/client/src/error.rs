//! What can go wrong, typed: each error says what the caller can do about it.

use crate::model::StoredEvent;
use std::collections::BTreeMap;

/// Every bad field or parameter of a refused request, with every reason, as the service
/// named them (`memberUniqueKey`, `billingEventGuids[3]`).
pub type FieldErrors = BTreeMap<String, Vec<String>>;

/// Why a call did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// No answer but failures worth retrying (connection errors, 408, 429, 502, 503,
    /// 504) within the retry policy. An event may or may not have been stored: post it
    /// again later, it is the same event (same guid).
    #[error("no usable answer after {attempts} attempts; the last: {last}")]
    Unavailable {
        /// Attempts made.
        attempts: u32,
        /// What the last attempt got.
        last: String,
    },
    /// The API key is missing, unknown or revoked (401).
    #[error("the API key was refused")]
    Unauthorized,
    /// The key may not act for this client (403).
    #[error("the API key may not act for this client")]
    Forbidden,
    /// No billing event has this guid, or it is another client's (404).
    #[error("no billing event has this guid")]
    NotFound,
    /// The service refused the request's fields or parameters (400), each named.
    #[error("invalid request: {0:?}")]
    Invalid(FieldErrors),
    /// The guid already holds a different event (409); `stored` is that event when this
    /// key may read it (another client's is never shown).
    #[error("the guid already holds a different event")]
    Conflict {
        /// The event stored under the guid, when this key may read it.
        stored: Option<Box<StoredEvent>>,
    },
    /// The lifecycle forbids this status change (409); the service's words.
    #[error("the status cannot move that way: {detail}")]
    ForbiddenTransition {
        /// Which move was refused.
        detail: String,
    },
    /// The event is at another revision than `If-Match` named (412).
    #[error("the event has changed; it is at revision {current:?}")]
    StaleRevision {
        /// The event's revision now, from the answer's `ETag`.
        current: Option<u32>,
    },
    /// An answer the service would never send: a status or a body this client cannot
    /// read. Nothing is assumed from it.
    #[error("an answer the service would never send: {0}")]
    UnexpectedResponse(String),
    /// The client could not be set up (a bad base URL or user agent).
    #[error("the client could not be set up: {0}")]
    Setup(String),
}
