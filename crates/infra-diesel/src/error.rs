//! The one mapping from diesel's and the pool's errors to the port's error.

use app::RepositoryError;
use diesel::result::{DatabaseErrorKind, Error};

/// The error of query code: `?` turns any diesel error into it, and diesel's
/// transactions accept it, so query code stays short.
#[derive(Debug)]
pub(crate) struct DbError(pub(crate) RepositoryError);

impl From<Error> for DbError {
    fn from(error: Error) -> Self {
        Self(from_diesel(error))
    }
}

impl From<RepositoryError> for DbError {
    fn from(error: RepositoryError) -> Self {
        Self(error)
    }
}

pub(crate) fn from_diesel(error: Error) -> RepositoryError {
    match &error {
        Error::DatabaseError(
            DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
            _,
        ) => RepositoryError::Unavailable(Box::new(error)),
        // SQLite's SQLITE_BUSY once busy_timeout has run out (the writer is overloaded),
        // SQLITE_FULL and SQLITE_READONLY (the disk, not the request, is wrong): nothing
        // was stored, and the same request may succeed later.
        Error::DatabaseError(DatabaseErrorKind::Unknown, info)
            if ["database is locked", "disk is full", "readonly database"]
                .iter()
                .any(|cause| info.message().contains(cause)) =>
        {
            RepositoryError::Unavailable(Box::new(error))
        }
        _ => RepositoryError::Unexpected(Box::new(error)),
    }
}

/// No connection could be had from the pool within its timeout.
pub(crate) fn from_pool(error: diesel::r2d2::PoolError) -> RepositoryError {
    RepositoryError::Unavailable(Box::new(error))
}

/// A stored row that the domain refuses: only corruption or a bug gets here.
pub(crate) fn corrupt_row(what: &str, error: impl std::fmt::Display) -> RepositoryError {
    RepositoryError::Unexpected(
        format!("stored billing event has an invalid {what}: {error}").into(),
    )
}
