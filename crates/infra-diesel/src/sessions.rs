//! Pooled connections that are tested on checkout only when there is reason to doubt
//! them.
//!
//! r2d2 tests every connection it hands out with a round trip (`SELECT 1`), so that a
//! connection the server dropped is replaced instead of failing a request; under load
//! that is a round trip for every statement that does work. A connection that just did
//! work is as good as tested, so a session that succeeded within
//! [`SessionManager::TRUSTED_FOR`] is handed out as it is; one that has been idle
//! longer, or whose last work failed, is pinged first.
//! The price: if the server goes away within that window after a connection's last
//! success, the next request on it fails with 503 (even if the server is already back),
//! and its next checkout pings it and replaces it.
//!
//! A session whose connection broke, or whose call was given up on, is discarded when
//! it comes back, never handed out again. And a new connection is retried every
//! [`SessionManager::RETRY_EVERY`] inside one `connect`, so the pool connects within
//! that of the database coming back instead of after r2d2's doubling back-off.

use crate::lifeline::Lifeline;
use diesel::r2d2::{ConnectionManager, ManageConnection, R2D2Connection};
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What the attempts to connect of one pool share: the last failure (r2d2 reports only
/// "timed out" when an attempt outlasts its wait), and whether to stop trying (the
/// pool was given up on, and its attempts must not go on reconnecting on their own).
#[derive(Debug, Default)]
pub(crate) struct ConnectAttempts {
    given_up: AtomicBool,
    last_error: Mutex<Option<String>>,
}

impl ConnectAttempts {
    /// Stops every attempt of the pool at its next failure.
    pub fn give_up(&self) {
        self.given_up.store(true, Ordering::Relaxed);
    }

    /// Why the last attempt failed, if one did.
    pub fn last_error(&self) -> String {
        self.last_error
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
            .unwrap_or_else(|| "no attempt failed".to_owned())
    }

    fn failed(&self, error: &impl fmt::Display) {
        *self
            .last_error
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(error.to_string());
    }
}

/// Whether a failure to connect will fail the same way however long one waits: the
/// server refused these credentials or this database, as opposed to not answering; or
/// libpq could not read the URL.
pub(crate) fn is_permanent(error: &str) -> bool {
    is_malformed_url(error)
        || [
            "password authentication failed",
            "does not exist",
            "no pg_hba.conf entry",
        ]
        .iter()
        .any(|cause| error.contains(cause))
}

/// Whether libpq refused the URL itself (a parameter it does not know, such as
/// `Password=`, a value it cannot read): a setting to fix, found before any server is
/// asked.
pub(crate) fn is_malformed_url(error: &str) -> bool {
    [
        "invalid URI",
        "invalid connection option",
        "invalid percent-encoded token",
        "invalid integer value",
        "invalid port number",
        "invalid sslmode value",
        "invalid value for parameter",
        "missing \"=\" after",
        "unterminated quoted string",
    ]
    .iter()
    .any(|cause| error.contains(cause))
}

/// A pooled connection and what its last use showed.
pub(crate) struct Session<C> {
    pub connection: C,
    /// When work last succeeded on it (or it connected); `None` once work failed.
    trusted_since: Option<Instant>,
    /// Never to be used again: the pool drops it when it comes back.
    discarded: bool,
    /// Its socket, for a caller that gives up on it mid-call (PostgreSQL).
    lifeline: Lifeline,
}

impl<C> Session<C> {
    #[cfg(test)]
    fn new(connection: C, at: Instant) -> Self {
        Self::with_lifeline(connection, at, Lifeline::default())
    }

    fn with_lifeline(connection: C, at: Instant, lifeline: Lifeline) -> Self {
        Self {
            connection,
            trusted_since: Some(at),
            discarded: false,
            lifeline,
        }
    }

    /// What cuts the connection's socket, where it is known.
    pub fn lifeline(&self) -> &Lifeline {
        &self.lifeline
    }

    /// Marks the connection as one the pool must drop instead of keeping.
    pub fn discard(&mut self) {
        self.discarded = true;
    }

    /// Records how the work just done on the connection went.
    pub fn record(&mut self, succeeded: bool) {
        self.record_at(succeeded, Instant::now());
    }

    fn record_at(&mut self, succeeded: bool, at: Instant) {
        self.trusted_since = succeeded.then_some(at);
    }

    /// Whether the connection may be handed out at `now` without a round trip.
    fn is_trusted_at(&self, now: Instant) -> bool {
        self.trusted_since.is_some_and(|since| {
            now.saturating_duration_since(since) < SessionManager::<C>::TRUSTED_FOR
        })
    }
}

impl<C> Drop for Session<C> {
    fn drop(&mut self) {
        // Before the connection closes its socket, whose number may then be reused.
        self.lifeline.retire();
    }
}

/// diesel's connection manager, with sessions in place of bare connections.
pub(crate) struct SessionManager<C> {
    inner: ConnectionManager<C>,
    keep_trying: Duration,
    attempts: Arc<ConnectAttempts>,
    /// The database server's port, when a session's socket is to be found so that a
    /// call given up on can cut it (PostgreSQL).
    lifelines_to: Option<u16>,
}

impl<C> SessionManager<C> {
    /// How long after a success a connection is handed out untested: far longer than
    /// the milliseconds between uses under load, short enough that a connection left
    /// idle through a restart or failover is tested before it is used.
    pub const TRUSTED_FOR: Duration = Duration::from_secs(1);

    /// How often a connection is tried again while the database does not answer.
    pub const RETRY_EVERY: Duration = Duration::from_millis(100);

    /// Connects to `url`, trying again for up to `keep_trying` before reporting a failure
    /// to the pool, unless the failure is permanent or `attempts` says to give up.
    pub fn new(
        url: impl Into<String>,
        keep_trying: Duration,
        attempts: Arc<ConnectAttempts>,
    ) -> Self {
        Self {
            inner: ConnectionManager::new(url),
            keep_trying,
            attempts,
            lifelines_to: None,
        }
    }

    /// The manager, finding each new connection's socket to the server at `port`.
    #[must_use]
    pub fn with_lifelines_to(self, port: u16) -> Self {
        Self {
            lifelines_to: Some(port),
            ..self
        }
    }
}

impl<C> fmt::Debug for SessionManager<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionManager").finish_non_exhaustive()
    }
}

impl<C: R2D2Connection + Send + 'static> ManageConnection for SessionManager<C> {
    type Connection = Session<C>;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<Session<C>, Self::Error> {
        let give_up = Instant::now() + self.keep_trying;
        loop {
            let connected = match self.lifelines_to {
                Some(port) => Lifeline::establish(port, || self.inner.connect()),
                None => self.inner.connect().map(|c| (c, Lifeline::default())),
            };
            match connected {
                Ok((connection, lifeline)) => {
                    return Ok(Session::with_lifeline(connection, Instant::now(), lifeline))
                }
                Err(error) => {
                    self.attempts.failed(&error);
                    if Instant::now() + Self::RETRY_EVERY >= give_up
                        || self.attempts.given_up.load(Ordering::Relaxed)
                        || is_permanent(&error.to_string())
                    {
                        return Err(error);
                    }
                    std::thread::sleep(Self::RETRY_EVERY);
                }
            }
        }
    }

    fn is_valid(&self, session: &mut Session<C>) -> Result<(), Self::Error> {
        if session.is_trusted_at(Instant::now()) {
            return Ok(());
        }
        self.inner.is_valid(&mut session.connection)?;
        session.record(true);
        Ok(())
    }

    fn has_broken(&self, session: &mut Session<C>) -> bool {
        session.discarded || self.inner.has_broken(&mut session.connection)
    }
}

#[cfg(test)]
mod tests {
    use super::{Session, SessionManager};
    use std::time::{Duration, Instant};

    const TRUSTED_FOR: Duration = SessionManager::<()>::TRUSTED_FOR;

    #[test]
    fn a_connection_is_trusted_for_a_while_after_it_connected() {
        let at = Instant::now();
        let session = Session::new((), at);

        assert!(session.is_trusted_at(at + TRUSTED_FOR / 2));
        assert!(!session.is_trusted_at(at + TRUSTED_FOR));
    }

    #[test]
    fn failed_work_makes_the_next_checkout_test_the_connection() {
        let at = Instant::now();
        let mut session = Session::new((), at);

        session.record_at(false, at);

        assert!(!session.is_trusted_at(at));
    }

    #[test]
    fn successful_work_renews_the_trust() {
        let connected = Instant::now();
        let mut session = Session::new((), connected);
        let worked = connected + TRUSTED_FOR * 3;

        session.record_at(true, worked);

        assert!(!session.is_trusted_at(worked + TRUSTED_FOR));
        assert!(session.is_trusted_at(worked + TRUSTED_FOR / 2));
    }
}
