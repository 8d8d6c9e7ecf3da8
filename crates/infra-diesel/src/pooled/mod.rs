//! The repository port over a pool of synchronous diesel connections.
//!
//! diesel is synchronous; an actix worker is a single-threaded runtime that must never
//! block. So the pool checkout *and* the queries run together on tokio's blocking
//! threads, inside the caller's tracing span so their log lines keep the request's txID.
//! What runs in which transaction is written once (`steps`); each backend supplies only
//! its queries (`backend`); work takes its turn first where it must (`turns`).

mod backend;
mod steps;
mod turns;

pub(crate) use backend::Queries;

use crate::error::{from_diesel, from_pool, DbError};
use crate::sessions::SessionManager;
use app::{BillingEventRepository, InsertRequest, Insertion, RepositoryError};
use async_trait::async_trait;
use diesel::r2d2::{Pool, R2D2Connection};
use domain::{
    BillingEvent, BillingEventGuid, ClientName, EventFilter, EventStatus, GroupBy, HistoryEntry,
    Position, SettleOutcome, SettleTarget, SummaryRow, Timestamp,
};
use std::fmt;
use turns::{LongReads, WriterQueue};

pub(crate) struct PooledRepository<Q: Queries> {
    pool: Pool<SessionManager<Q::Connection>>,
    backend: &'static str,
    writers: Option<WriterQueue>,
    long_reads: LongReads,
}

impl<Q: Queries> PooledRepository<Q> {
    /// `one_writer_within`: queue writers in the process, each waiting at most this long
    /// for its turn (SQLite); `None` lets the database order them (PostgreSQL).
    pub(crate) fn new(
        pool: Pool<SessionManager<Q::Connection>>,
        backend: &'static str,
        one_writer_within: Option<std::time::Duration>,
    ) -> Self {
        let long_reads = LongReads::new(pool.max_size(), pool.connection_timeout());
        Self {
            pool,
            backend,
            writers: one_writer_within.map(WriterQueue::new),
            long_reads,
        }
    }

    /// As `run`, for a read whose cost grows with the data: it waits for one of the
    /// few turns such reads share, at most as long as for a connection.
    pub(crate) async fn run_long_read<T, F>(&self, work: F) -> Result<T, RepositoryError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Q::Connection) -> Result<T, DbError> + Send + 'static,
    {
        let _turn = self.long_reads.turn().await?;
        self.run(work).await
    }

    /// As `run`, for work that writes: in turn with the other writers where the backend
    /// takes one at a time.
    pub(crate) async fn run_write<T, F>(&self, work: F) -> Result<T, RepositoryError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Q::Connection) -> Result<T, DbError> + Send + 'static,
    {
        let _turn = match &self.writers {
            Some(writers) => Some(writers.turn().await?),
            None => None,
        };
        self.run(work).await
    }

    /// Runs `work` with a pooled connection on a blocking thread.
    pub(crate) async fn run<T, F>(&self, work: F) -> Result<T, RepositoryError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Q::Connection) -> Result<T, DbError> + Send + 'static,
    {
        let pool = self.pool.clone();
        let span = tracing::Span::current();
        tokio::task::spawn_blocking(move || {
            let _entered = span.enter();
            let mut session = pool.get().map_err(from_pool)?;
            let state = pool.state();
            metrics::gauge!("db_pool_connections_in_use")
                .set(f64::from(state.connections - state.idle_connections));
            metrics::gauge!("db_pool_connections_idle").set(f64::from(state.idle_connections));
            let result = work(&mut session.connection);
            session.record(result.is_ok());
            result.map_err(|DbError(error)| error)
        })
        .await
        .map_err(RepositoryError::unexpected)?
    }
}

impl<Q: Queries> fmt::Debug for PooledRepository<Q> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.pool.state();
        f.debug_struct("PooledRepository")
            .field("backend", &self.backend)
            .field("connections", &state.connections)
            .field("idle", &state.idle_connections)
            .field("queued_writers", &self.writers.is_some())
            .field("long_read_turns", &self.long_reads.available())
            .finish()
    }
}

#[async_trait]
impl<Q: Queries> BillingEventRepository for PooledRepository<Q> {
    async fn insert_many(
        &self,
        items: Vec<InsertRequest>,
    ) -> Result<Vec<Insertion>, RepositoryError> {
        self.run_write(move |conn| {
            Q::write_insertion(conn, |conn| steps::insert_in_transaction::<Q>(conn, items))
        })
        .await
    }

    async fn find(&self, guid: BillingEventGuid) -> Result<Option<BillingEvent>, RepositoryError> {
        self.run(move |conn| Q::find(conn, guid)).await
    }

    async fn settle(
        &self,
        scope: Option<&ClientName>,
        targets: &[SettleTarget],
        to: EventStatus,
        at: Timestamp,
        tx_id: &str,
    ) -> Result<Vec<SettleOutcome>, RepositoryError> {
        let (scope, targets, tx_id) = (scope.cloned(), targets.to_vec(), tx_id.to_owned());
        self.run_write(move |conn| {
            Q::write(conn, |conn| {
                steps::settle_in_transaction::<Q>(conn, scope.as_ref(), &targets, to, at, &tx_id)
            })
        })
        .await
    }
    async fn history(
        &self,
        guid: BillingEventGuid,
    ) -> Result<Option<Vec<HistoryEntry>>, RepositoryError> {
        self.run(move |conn| {
            if Q::find(conn, guid)?.is_none() {
                return Ok(None);
            }
            Q::history(conn, guid).map(Some)
        })
        .await
    }

    async fn list(
        &self,
        filter: &EventFilter,
        after: Option<Position>,
        limit: u32,
    ) -> Result<Vec<BillingEvent>, RepositoryError> {
        let filter = filter.clone();
        self.run(move |conn| Q::list(conn, &filter, after, limit))
            .await
    }

    async fn summarize(
        &self,
        filter: &EventFilter,
        group_by: &[GroupBy],
    ) -> Result<Vec<SummaryRow>, RepositoryError> {
        let (filter, group_by) = (filter.clone(), group_by.to_vec());
        self.run_long_read(move |conn| Q::summarize(conn, &filter, &group_by))
            .await
    }

    async fn ping(&self) -> Result<(), RepositoryError> {
        self.run(|conn| conn.ping().map_err(|error| DbError(from_diesel(error))))
            .await
    }
}
