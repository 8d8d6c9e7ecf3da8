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

/// What SQLite says (`sqlite3_errmsg`) for the errors of its environment.
const SQLITE_ENVIRONMENT_ERRORS: [&str; 9] = [
    "database is locked",
    "database table is locked",
    "disk I/O error",
    "unable to open database file",
    "disk is full",
    "readonly database",
    "locking protocol",
    "out of memory",
    "interrupted",
];

pub(crate) fn from_diesel(error: Error) -> RepositoryError {
    match &error {
        Error::DatabaseError(
            DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
            _,
        ) => RepositoryError::unavailable(error),
        // SQLite's errors of its environment, not of the request: SQLITE_BUSY once
        // busy_timeout has run out (the writer is overloaded), SQLITE_LOCKED,
        // SQLITE_IOERR and SQLITE_CANTOPEN (the file cannot be read or written),
        // SQLITE_FULL, SQLITE_READONLY, SQLITE_NOLCK/PROTOCOL, SQLITE_NOMEM. The
        // transaction rolled back, so nothing was stored, and the same request may
        // succeed once the disk is back.
        Error::DatabaseError(DatabaseErrorKind::Unknown, info)
            if SQLITE_ENVIRONMENT_ERRORS
                .iter()
                .any(|cause| info.message().contains(cause)) =>
        {
            RepositoryError::unavailable(error)
        }
        _ => RepositoryError::unexpected(error),
    }
}

/// No connection could be had from the pool within its timeout.
pub(crate) fn from_pool(error: diesel::r2d2::PoolError) -> RepositoryError {
    RepositoryError::unavailable(error)
}

/// A stored row that the domain refuses: only corruption or a bug gets here.
pub(crate) fn corrupt_row(what: &str, error: impl std::fmt::Display) -> RepositoryError {
    RepositoryError::unexpected(format!(
        "stored billing event has an invalid {what}: {error}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Message(&'static str);

    impl diesel::result::DatabaseErrorInformation for Message {
        fn message(&self) -> &str {
            self.0
        }
        fn details(&self) -> Option<&str> {
            None
        }
        fn hint(&self) -> Option<&str> {
            None
        }
        fn table_name(&self) -> Option<&str> {
            None
        }
        fn column_name(&self) -> Option<&str> {
            None
        }
        fn constraint_name(&self) -> Option<&str> {
            None
        }
        fn statement_position(&self) -> Option<i32> {
            None
        }
    }

    fn sqlite_error(message: &'static str) -> RepositoryError {
        from_diesel(Error::DatabaseError(
            DatabaseErrorKind::Unknown,
            Box::new(Message(message)),
        ))
    }

    #[test]
    fn every_io_class_sqlite_error_is_unavailable() {
        for message in [
            "disk I/O error",
            "unable to open database file",
            "attempt to write a readonly database",
            "database or disk is full",
            "database is locked",
        ] {
            assert!(
                matches!(sqlite_error(message), RepositoryError::Unavailable(_)),
                "{message}"
            );
        }
        assert!(matches!(
            sqlite_error("no such table: billing_events"),
            RepositoryError::Unexpected(_)
        ));
    }
}
