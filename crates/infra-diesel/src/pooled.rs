//! The repository port over a pool of synchronous diesel connections.
//!
//! diesel is synchronous; an actix worker is a single-threaded runtime that must never
//! block. So the pool checkout *and* the queries run together on tokio's blocking
//! threads, inside the caller's tracing span so their log lines keep the request's txID.
//! The steps of each port method (what runs in which transaction) are written here once;
//! each backend supplies only its queries.

use crate::error::{from_diesel, from_pool, DbError};
use crate::sessions::SessionManager;
use app::{BillingEventRepository, InsertRequest, Insertion, RepositoryError};
use async_trait::async_trait;
use diesel::r2d2::{Pool, R2D2Connection};
use domain::{
    BillingEvent, BillingEventGuid, ClientName, EventFilter, EventStatus, GroupBy, HistoryEntry,
    Position, SettleOutcome, SettleTarget, SummaryRow, Timestamp,
};
use std::collections::{HashMap, HashSet};
use std::fmt;

/// The queries one backend runs, on one connection.
pub(crate) trait Queries: Send + Sync + 'static {
    type Connection: R2D2Connection + 'static;

    /// Runs `work` in a write transaction. On SQLite it starts with the write lock
    /// (`BEGIN IMMEDIATE`), so a writer never fails upgrading a read lock; this
    /// process's writers take turns before that (`WriterQueue`), and `busy_timeout`
    /// covers writers of other processes.
    fn write<T>(
        conn: &mut Self::Connection,
        work: impl FnOnce(&mut Self::Connection) -> Result<T, DbError>,
    ) -> Result<T, DbError>;

    /// Runs the steps of a group insert (`insert_new`, then the read of the guids it
    /// found taken): by default in `write`'s transaction. A backend whose `insert_new`
    /// is one statement, atomic by itself, may run them without one.
    fn write_insertion<T>(
        conn: &mut Self::Connection,
        work: impl FnOnce(&mut Self::Connection) -> Result<T, DbError>,
    ) -> Result<T, DbError> {
        Self::write(conn, work)
    }

    /// Inserts each event unless its guid is taken (`ON CONFLICT DO NOTHING`, so the
    /// database settles races), with its creation's history line (from none to its
    /// status, at `modified`, under the item's txID), and returns the guids this call
    /// inserted. The guids are distinct, in the order to insert them.
    fn insert_new(
        conn: &mut Self::Connection,
        events: &[(&BillingEvent, &str)],
    ) -> Result<HashSet<BillingEventGuid>, DbError>;

    /// The stored events with these guids (without locking them).
    fn find_many(
        conn: &mut Self::Connection,
        guids: &[BillingEventGuid],
    ) -> Result<Vec<BillingEvent>, DbError>;

    fn find(
        conn: &mut Self::Connection,
        guid: BillingEventGuid,
    ) -> Result<Option<BillingEvent>, DbError>;

    /// The events with these guids, of the `scope` client when one is given, locked
    /// against other writers until the transaction ends (PostgreSQL `FOR UPDATE`;
    /// SQLite's write lock already excludes them). Another client's rows are never
    /// locked: a caller cannot hold, or time, rows it may not see.
    fn lock(
        conn: &mut Self::Connection,
        guids: &[BillingEventGuid],
        scope: Option<&ClientName>,
    ) -> Result<Vec<BillingEvent>, DbError>;

    /// Stores a settled event's status, `modified` and revision.
    fn update_status(conn: &mut Self::Connection, event: &BillingEvent) -> Result<(), DbError>;

    fn append_history(
        conn: &mut Self::Connection,
        entries: &[(BillingEventGuid, HistoryEntry)],
    ) -> Result<(), DbError>;

    /// The history rows of `guid`, oldest first.
    fn history(
        conn: &mut Self::Connection,
        guid: BillingEventGuid,
    ) -> Result<Vec<HistoryEntry>, DbError>;

    fn list(
        conn: &mut Self::Connection,
        filter: &EventFilter,
        after: Option<Position>,
        limit: u32,
    ) -> Result<Vec<BillingEvent>, DbError>;

    fn summarize(
        conn: &mut Self::Connection,
        filter: &EventFilter,
        group_by: &[GroupBy],
    ) -> Result<Vec<SummaryRow>, DbError>;
}

pub(crate) struct PooledRepository<Q: Queries> {
    pool: Pool<SessionManager<Q::Connection>>,
    backend: &'static str,
    writers: Option<WriterQueue>,
    /// Turns for reads whose cost grows with the data (summaries): at most a quarter of
    /// the pool (at least one) at once, so that however many a caller starts, the rest
    /// of the pool is left for short requests.
    long_reads: tokio::sync::Semaphore,
}

/// SQLite takes one writer at a time, and its busy handler makes the others poll for
/// the lock with growing sleeps (up to 100 ms), in no order: under a few concurrent
/// writers the file sits idle between them and one unlucky writer can wait out the
/// whole `busy_timeout`. So writers queue here instead, first come first served (tokio's
/// semaphore is fair), each waiting at most the same `busy_timeout`.
struct WriterQueue {
    turn: tokio::sync::Semaphore,
    patience: std::time::Duration,
}

impl<Q: Queries> PooledRepository<Q> {
    /// `one_writer_within`: queue writers in the process, each waiting at most this long
    /// for its turn (SQLite); `None` lets the database order them (PostgreSQL).
    pub(crate) fn new(
        pool: Pool<SessionManager<Q::Connection>>,
        backend: &'static str,
        one_writer_within: Option<std::time::Duration>,
    ) -> Self {
        let long_reads = (pool.max_size() / 4).max(1) as usize;
        Self {
            pool,
            backend,
            writers: one_writer_within.map(|patience| WriterQueue {
                turn: tokio::sync::Semaphore::new(1),
                patience,
            }),
            long_reads: tokio::sync::Semaphore::new(long_reads),
        }
    }

    /// As `run`, for a read whose cost grows with the data: it waits for one of the
    /// few turns such reads share, at most as long as for a connection.
    pub(crate) async fn run_long_read<T, F>(&self, work: F) -> Result<T, RepositoryError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Q::Connection) -> Result<T, DbError> + Send + 'static,
    {
        let patience = self.pool.connection_timeout();
        let _turn = tokio::time::timeout(patience, self.long_reads.acquire())
            .await
            .map_err(|_| {
                RepositoryError::unavailable(format!("no turn for a long read within {patience:?}"))
            })?
            .map_err(RepositoryError::unexpected)?;
        self.run(work).await
    }

    /// As `run`, for work that writes: in turn with the other writers where the backend
    /// takes one at a time.
    pub(crate) async fn run_write<T, F>(&self, work: F) -> Result<T, RepositoryError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Q::Connection) -> Result<T, DbError> + Send + 'static,
    {
        let Some(writers) = &self.writers else {
            return self.run(work).await;
        };
        let _turn = tokio::time::timeout(writers.patience, writers.turn.acquire())
            .await
            .map_err(|_| {
                RepositoryError::unavailable(format!(
                    "no turn to write within {:?}",
                    writers.patience
                ))
            })?
            .map_err(RepositoryError::unexpected)?;
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
            .field("long_read_turns", &self.long_reads.available_permits())
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
            Q::write_insertion(conn, |conn| insert_in_transaction::<Q>(conn, items))
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
                let guids: Vec<BillingEventGuid> =
                    targets.iter().map(|target| target.guid).collect();
                let mut current: HashMap<BillingEventGuid, BillingEvent> =
                    Q::lock(conn, &guids, scope.as_ref())?
                        .into_iter()
                        .map(|event| (event.guid, event))
                        .collect();
                let mut outcomes = Vec::with_capacity(targets.len());
                for target in &targets {
                    let before = current.get(&target.guid);
                    let outcome = target.decide(before, scope.as_ref(), to, at);
                    if let (SettleOutcome::Changed(changed), Some(before)) = (&outcome, before) {
                        let entry = outcome.history_entry(before.status, &tx_id);
                        Q::update_status(conn, changed)?;
                        if let Some(entry) = entry {
                            Q::append_history(conn, &[(changed.guid, entry)])?;
                        }
                        current.insert(changed.guid, changed.clone());
                    }
                    outcomes.push(outcome);
                }
                Ok(outcomes)
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

/// The steps of [`BillingEventRepository::insert_many`], inside its transaction.
fn insert_in_transaction<Q: Queries>(
    conn: &mut Q::Connection,
    items: Vec<InsertRequest>,
) -> Result<Vec<Insertion>, DbError> {
    // The first item with a guid is the one that may be stored; later ones with the same
    // guid are retries of it (or conflicts), exactly as separate posts would be.
    let mut first_of: HashMap<BillingEventGuid, usize> = HashMap::new();
    for (index, item) in items.iter().enumerate() {
        first_of.entry(item.event.guid).or_insert(index);
    }
    let is_first = |index: usize, item: &InsertRequest| first_of[&item.event.guid] == index;
    let mut candidates: Vec<(&BillingEvent, &str)> = items
        .iter()
        .enumerate()
        .filter(|(index, item)| is_first(*index, item))
        .map(|(_, item)| (&item.event, item.tx_id.as_str()))
        .collect();
    // In guid order, so that concurrent batches wait on each other's keys in one order
    // and cannot deadlock.
    candidates.sort_by_key(|(event, _)| event.guid);
    let inserted = Q::insert_new(conn, &candidates)?;
    // A guid was taken. On PostgreSQL, ON CONFLICT waited for a concurrent insert of it
    // to commit, and this read is a new statement under READ COMMITTED; on SQLite writes
    // are serial. Either way the winner is committed and visible, and nothing deletes
    // events.
    let taken: Vec<BillingEventGuid> = candidates
        .iter()
        .map(|(event, _)| event.guid)
        .filter(|guid| !inserted.contains(guid))
        .collect();
    // Mostly nothing was taken: then no read at all, one round trip less per group.
    let stored: HashMap<BillingEventGuid, BillingEvent> = if taken.is_empty() {
        HashMap::new()
    } else {
        Q::find_many(conn, &taken)?
            .into_iter()
            .map(|event| (event.guid, event))
            .collect()
    };
    // A repeat of a guid inserted here answers with the first item's event.
    let repeated: HashMap<BillingEventGuid, BillingEvent> = items
        .iter()
        .enumerate()
        .filter(|(index, item)| !is_first(*index, item) && inserted.contains(&item.event.guid))
        .map(|(_, item)| {
            (
                item.event.guid,
                items[first_of[&item.event.guid]].event.clone(),
            )
        })
        .collect();
    items
        .into_iter()
        .enumerate()
        .map(|(index, item)| {
            let guid = item.event.guid;
            if inserted.contains(&guid) {
                return Ok(if first_of[&guid] == index {
                    Insertion::Created(item.event)
                } else {
                    Insertion::AlreadyExists(repeated[&guid].clone())
                });
            }
            stored
                .get(&guid)
                .cloned()
                .map(Insertion::AlreadyExists)
                .ok_or_else(|| {
                    DbError(RepositoryError::unexpected(
                        "guid conflicted but no event is stored",
                    ))
                })
        })
        .collect()
}
