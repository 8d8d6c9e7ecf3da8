//! The errors every use case may give besides its own, by kind, and the one check of
//! whether a caller may act for a client.

use crate::ports::RepositoryError;
use domain::{Access, GuidError};

/// What any use case may answer: each kind means the same to every caller, so an
/// adapter maps each once.
#[derive(Debug, thiserror::Error)]
pub enum CommonError {
    /// The caller may not act for the client the request names.
    #[error("the caller may not act for client {client}")]
    Forbidden { client: String },
    /// The text names no billing event: not a GUID, or the empty GUID (which .NET sends
    /// for "none").
    #[error("the billing event guid {0}")]
    InvalidGuid(GuidError),
    /// No event the caller may see has this guid (another client's looks absent).
    #[error("no billing event has this guid")]
    NotFound,
    /// The store failed or could not be reached.
    #[error(transparent)]
    Repository(#[from] RepositoryError),
}

/// Whether `access` may act for the client named `client_name`: what every use case
/// acting for a named client checks first, and what an adapter checks before it reads
/// a body.
///
/// # Errors
/// `Forbidden`.
pub fn authorize(access: &Access, client_name: &str) -> Result<(), CommonError> {
    if access.permits_name(client_name) {
        Ok(())
    } else {
        Err(CommonError::Forbidden {
            client: client_name.to_owned(),
        })
    }
}

/// `From<RepositoryError>` for use-case errors that hold a `Common` variant, so that
/// `?` on a store call reads as it does for `CommonError` itself.
macro_rules! from_repository_error {
    ($($error:ty),+ $(,)?) => {
        $(impl From<$crate::ports::RepositoryError> for $error {
            fn from(error: $crate::ports::RepositoryError) -> Self {
                Self::Common(error.into())
            }
        })+
    };
}
pub(crate) use from_repository_error;
