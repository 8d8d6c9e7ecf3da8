//! The repository port over a pool of synchronous diesel connections.
//!
//! diesel is synchronous; an actix worker is a single-threaded runtime that must never
//! block. So the pool checkout *and* the queries run together on tokio's blocking
//! threads, inside the caller's tracing span so their log lines keep the request's txID.

use crate::error::{from_diesel, from_pool};
use app::{BillingEventRepository, Insertion, RepositoryError};
use async_trait::async_trait;
use diesel::r2d2::{ConnectionManager, Pool, R2D2Connection};
use domain::{BillingEvent, BillingEventGuid};
use std::fmt;

/// The queries one backend runs, on one connection.
pub(crate) trait Queries: Send + Sync + 'static {
    type Connection: R2D2Connection + 'static;

    /// Inserts unless the guid is taken (`ON CONFLICT DO NOTHING`, one atomic
    /// statement); true when this call inserted the row.
    fn insert_if_new(
        conn: &mut Self::Connection,
        event: &BillingEvent,
    ) -> Result<bool, RepositoryError>;

    fn find(
        conn: &mut Self::Connection,
        guid: BillingEventGuid,
    ) -> Result<Option<BillingEvent>, RepositoryError>;
}

pub(crate) struct PooledRepository<Q: Queries> {
    pool: Pool<ConnectionManager<Q::Connection>>,
    backend: &'static str,
}

impl<Q: Queries> PooledRepository<Q> {
    pub(crate) fn new(pool: Pool<ConnectionManager<Q::Connection>>, backend: &'static str) -> Self {
        Self { pool, backend }
    }

    /// Runs `work` with a pooled connection on a blocking thread.
    async fn run<T, F>(&self, work: F) -> Result<T, RepositoryError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Q::Connection) -> Result<T, RepositoryError> + Send + 'static,
    {
        let pool = self.pool.clone();
        let span = tracing::Span::current();
        tokio::task::spawn_blocking(move || {
            let _entered = span.enter();
            let mut connection = pool.get().map_err(from_pool)?;
            work(&mut connection)
        })
        .await
        .map_err(|join_error| RepositoryError::Unexpected(Box::new(join_error)))?
    }
}

impl<Q: Queries> fmt::Debug for PooledRepository<Q> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.pool.state();
        f.debug_struct("PooledRepository")
            .field("backend", &self.backend)
            .field("connections", &state.connections)
            .field("idle", &state.idle_connections)
            .finish()
    }
}

#[async_trait]
impl<Q: Queries> BillingEventRepository for PooledRepository<Q> {
    async fn insert(&self, event: &BillingEvent) -> Result<Insertion, RepositoryError> {
        let event = event.clone();
        self.run(move |conn| {
            if Q::insert_if_new(conn, &event)? {
                return Ok(Insertion::Created);
            }
            // The guid is taken. On PostgreSQL, ON CONFLICT waited for a concurrent insert
            // of it to commit, and this read is a new statement under READ COMMITTED; on
            // SQLite writes are serial. Either way the winner is committed and visible,
            // and nothing deletes events, so it is there to read.
            Q::find(conn, event.guid)?
                .map(Insertion::AlreadyExists)
                .ok_or_else(|| {
                    RepositoryError::Unexpected("guid conflicted but no event is stored".into())
                })
        })
        .await
    }

    async fn find(&self, guid: BillingEventGuid) -> Result<Option<BillingEvent>, RepositoryError> {
        self.run(move |conn| Q::find(conn, guid)).await
    }

    async fn ping(&self) -> Result<(), RepositoryError> {
        self.run(|conn| conn.ping().map_err(from_diesel)).await
    }
}
