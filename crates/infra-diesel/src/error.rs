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

/// The connection broke while a statement was in flight: the server may have run it
/// (and committed it) without its answer coming back.
#[derive(Debug, thiserror::Error)]
#[error("the connection to the database broke before its answer came back")]
pub(crate) struct ConnectionLost(#[source] pub(crate) Error);

/// The server refused a write because it is a standby now (a demoted primary, after a
/// failover): nothing was done, and this connection will never write again.
#[derive(Debug, thiserror::Error)]
#[error("the database server is read-only (a standby)")]
pub(crate) struct ServerReadOnly(#[source] pub(crate) Error);

/// Whether the connection that gave `error` must not be used again: it broke, or it
/// reaches a standby.
pub(crate) fn is_connection_unusable(error: &RepositoryError) -> bool {
    match error {
        RepositoryError::Unavailable(cause) => {
            cause.downcast_ref::<ConnectionLost>().is_some()
                || cause.downcast_ref::<ServerReadOnly>().is_some()
        }
        _ => false,
    }
}

/// Whether `error` is a connection that broke mid-statement (see [`ConnectionLost`]).
pub(crate) fn is_connection_lost(error: &RepositoryError) -> bool {
    match error {
        RepositoryError::Unavailable(cause) => cause.downcast_ref::<ConnectionLost>().is_some(),
        _ => false,
    }
}

pub(crate) fn from_diesel(error: Error) -> RepositoryError {
    match &error {
        // libpq's connection went bad with the statement's answer outstanding (a FATAL
        // from the server, such as "terminating connection due to administrator
        // command" during a switchover, or the socket closed). A COMMIT that failed and
        // could not be rolled back is in the same state.
        Error::DatabaseError(DatabaseErrorKind::ClosedConnection, _)
        | Error::RollbackErrorOnCommit { .. } => {
            RepositoryError::unavailable(ConnectionLost(error))
        }
        // The statement never left, so nothing it asked for happened.
        Error::DatabaseError(DatabaseErrorKind::UnableToSendCommand, _) => {
            RepositoryError::unavailable(error)
        }
        Error::DatabaseError(DatabaseErrorKind::ReadOnlyTransaction, _) => {
            RepositoryError::unavailable(ServerReadOnly(error))
        }
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
        // PostgreSQL stopped the statement: at the `statement_timeout` it was given (long
        // reads get their deadline and a second more), for an operator
        // (`pg_cancel_backend`), or on a standby replaying a conflicting change. None is
        // the request's fault, and it may succeed when tried again.
        Error::DatabaseError(DatabaseErrorKind::Unknown, info)
            if info.message().starts_with(STATEMENT_CANCELED) =>
        {
            RepositoryError::unavailable(error)
        }
        _ => RepositoryError::unexpected(error),
    }
}

/// How PostgreSQL's messages begin when it stops a statement it was running.
const STATEMENT_CANCELED: &str = "canceling statement due to";

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

    fn database_error(message: &'static str) -> RepositoryError {
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
                matches!(database_error(message), RepositoryError::Unavailable(_)),
                "{message}"
            );
        }
        assert!(matches!(
            database_error("no such table: billing_events"),
            RepositoryError::Unexpected(_)
        ));
    }

    #[test]
    fn a_statement_postgresql_stopped_is_unavailable() {
        for message in [
            "canceling statement due to statement timeout",
            "canceling statement due to user request",
            "canceling statement due to conflict with recovery",
        ] {
            assert!(
                matches!(database_error(message), RepositoryError::Unavailable(_)),
                "{message}"
            );
        }
    }
}
