//! The repository port over a pool of synchronous diesel connections.
//!
//! diesel is synchronous; an actix worker is a single-threaded runtime that must never
//! block. So the pool checkout *and* the queries run together on tokio's blocking
//! threads (long reads on a thread of their own that yields the cores, `yielding`),
//! inside the caller's tracing span so their log lines keep the request's txID.
//! What runs in which transaction is written once (`steps`); each backend supplies only
//! its queries (`backend`); work takes its turn first where it must (`turns`).

mod backend;
mod handover;
mod steps;
mod turns;
mod yielding;

pub(crate) use backend::Queries;

use crate::error::{from_pool, is_connection_lost, is_connection_unusable, DbError};
use crate::lifeline::InWork;
use crate::outage::Outage;
use crate::sessions::{Session, SessionManager};
use app::{BillingEventRepository, InsertRequest, Insertion, RepositoryError};
use async_trait::async_trait;
use diesel::r2d2::{Pool, PooledConnection, R2D2Connection};
use domain::{
    BillingEvent, BillingEventGuid, ClientName, EventFilter, EventStatus, GroupBy, HistoryEntry,
    Position, SettleOutcome, SettleTarget, SummaryRow, Timestamp,
};
use handover::{GaveUp, Handover};
use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};
pub(crate) use turns::Lane;
use turns::{Turns, WriterTurn, WriterTurns};

/// How long one call on the database may take, checkout included, before the caller
/// answers without it and its connection is discarded.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CallTimeouts {
    pub call: Duration,
    /// Reads whose cost grows with the data (summaries).
    pub long_read: Duration,
}

/// What a call does, which decides what a broken connection means for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Read,
    /// A read whose cost grows with the data: it yields the cores to everything else.
    LongRead,
    Write,
}

pub(crate) struct PooledRepository<Q: Queries> {
    pool: Pool<SessionManager<Q::Connection>>,
    backend: &'static str,
    writers: Option<WriterTurns>,
    long_reads: Turns,
    /// `None`: calls are not cut short (SQLite: a local file bounds its own waits with
    /// `busy_timeout`, and cannot hang the way a server across a network can).
    timeouts: Option<CallTimeouts>,
    outage: Outage,
}

type Pooled<Q> = PooledConnection<SessionManager<<Q as Queries>::Connection>>;

/// A writer's or long read's turn, shared by the caller and the work it hands to a thread.
type Turn = Arc<Held>;

/// What a turn holds, given back when its last holder drops it.
#[derive(Debug)]
#[allow(dead_code)] // held for what dropping them gives back
enum Held {
    Writer(WriterTurn),
    LongRead(tokio::sync::OwnedSemaphorePermit),
}

impl<Q: Queries> PooledRepository<Q> {
    /// `one_writer_within`: queue writers in the process, each waiting at most this long
    /// for its turn (SQLite); `None` lets the database order them (PostgreSQL).
    pub(crate) fn new(
        pool: Pool<SessionManager<Q::Connection>>,
        backend: &'static str,
        one_writer_within: Option<Duration>,
        timeouts: Option<CallTimeouts>,
    ) -> Self {
        let long_reads = Turns::long_reads(pool.max_size(), pool.connection_timeout());
        Self {
            pool,
            backend,
            writers: one_writer_within.map(WriterTurns::new),
            long_reads,
            timeouts,
            outage: Outage::default(),
        }
    }

    fn deadline(&self, long: bool) -> Option<Instant> {
        self.timeouts.map(|timeouts| {
            Instant::now()
                + if long {
                    timeouts.long_read
                } else {
                    timeouts.call
                }
        })
    }

    /// As `run`, for a read whose cost grows with the data: it waits for one of the
    /// few turns such reads share, at most as long as for a connection. The turn goes
    /// with the work to its thread and is given back when the work ends (or when the
    /// thread drops it unstarted), however early the caller stops waiting.
    pub(crate) async fn run_long_read<T, F>(&self, work: F) -> Result<T, RepositoryError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Q::Connection) -> Result<T, DbError> + Send + 'static,
    {
        let turn = Some(Arc::new(Held::LongRead(self.long_reads.turn().await?)));
        let deadline = self.deadline(true);
        self.observed(self.call(Kind::LongRead, deadline, false, turn, work).await)
    }

    /// As `run`, for work that writes: in turn with the other writers where the backend
    /// takes one at a time. The turn goes with the work to its thread, as a long read's
    /// does: a batch whose client hung up still holds SQLite's lock until its connection
    /// is back, and the next writer must queue here, not poll that lock for up to
    /// `busy_timeout`. A write whose answer was lost is `OutcomeUnknown`.
    pub(crate) async fn run_write<T, F>(&self, lane: Lane, work: F) -> Result<T, RepositoryError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Q::Connection) -> Result<T, DbError> + Send + 'static,
    {
        let turn = self.writer_turn(lane).await?;
        let deadline = self.deadline(false);
        self.observed(self.call(Kind::Write, deadline, false, turn, work).await)
    }

    /// Runs `work` with a pooled connection on a blocking thread.
    pub(crate) async fn run<T, F>(&self, work: F) -> Result<T, RepositoryError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Q::Connection) -> Result<T, DbError> + Send + 'static,
    {
        let deadline = self.deadline(false);
        self.observed(self.call(Kind::Read, deadline, false, None, work).await)
    }

    /// This writer's turn where the backend takes one writer at a time (SQLite).
    async fn writer_turn(&self, lane: Lane) -> Result<Option<Turn>, RepositoryError> {
        match &self.writers {
            Some(writers) => {
                let turn = writers.turn(lane).await?;
                Ok(Some(Arc::new(Held::Writer(turn))))
            }
            None => Ok(None),
        }
    }

    fn observed<T>(&self, result: Result<T, RepositoryError>) -> Result<T, RepositoryError> {
        self.outage.observe(&result);
        result
    }

    /// One call: checkout and work on a blocking thread, answered by `deadline` if there
    /// is one. `verified`: ping the connection before the work, whatever its trust (a
    /// retry after a broken connection, when its pool mates may be broken too). `turn`
    /// goes with the work to its thread and is given back once the connection is back in
    /// the pool (or the thread drops the job unstarted), however early the caller stops
    /// waiting.
    async fn call<T, F>(
        &self,
        kind: Kind,
        deadline: Option<Instant>,
        verified: bool,
        turn: Option<Turn>,
        work: F,
    ) -> Result<T, RepositoryError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Q::Connection) -> Result<T, DbError> + Send + 'static,
    {
        let pool = self.pool.clone();
        let span = tracing::Span::current();
        let handover = Arc::new(Handover::default());
        let thread_handover = handover.clone();
        let in_work = Arc::new(InWork::default());
        let thread_in_work = in_work.clone();
        let job = move || {
            // Declared before the session, so dropped after it.
            let _turn = turn;
            let _entered = span.enter();
            let mut session = checkout::<Q>(&pool, deadline, verified)?;
            let state = pool.state();
            metrics::gauge!("db_pool_connections_in_use")
                .set(f64::from(state.connections - state.idle_connections));
            metrics::gauge!("db_pool_connections_idle").set(f64::from(state.idle_connections));
            thread_in_work.hold(session.lifeline());
            if !thread_handover.start_work() {
                thread_in_work.release();
                return Err(RepositoryError::unavailable(
                    "the call was given up before it started",
                ));
            }
            let result = work(&mut session.connection).map_err(|DbError(error)| error);
            thread_in_work.release();
            session.record(result.is_ok());
            let unusable = result.as_ref().is_err_and(is_connection_unusable);
            if unusable || thread_handover.was_given_up() {
                session.discard();
            }
            result
        };
        let task: std::pin::Pin<Box<dyn Future<Output = _> + Send>> = if kind == Kind::LongRead {
            Box::pin(yielding::run_yielding(job))
        } else {
            let handle = tokio::task::spawn_blocking(job);
            Box::pin(async move { handle.await.map_err(RepositoryError::unexpected) })
        };
        // A caller that stops waiting (its client gone, its request dropped) gives the
        // work up as a deadline does: not started, it never starts.
        let mut abandoned = Abandoned {
            handover: &handover,
            in_work: &in_work,
            answered: false,
        };
        let joined = match deadline {
            None => task.await,
            Some(deadline) => {
                if let Ok(joined) = tokio::time::timeout_at(deadline.into(), task).await {
                    joined
                } else {
                    abandoned.answered = true;
                    let why = "the database did not answer in time";
                    let gave_up = give_up(&handover, &in_work);
                    return Err(match (kind, gave_up) {
                        (Kind::Write, GaveUp::DuringWork) => RepositoryError::outcome_unknown(why),
                        _ => RepositoryError::unavailable(why),
                    });
                }
            }
        };
        abandoned.answered = true;
        match joined? {
            Err(error) if kind == Kind::Write && is_connection_lost(&error) => {
                Err(RepositoryError::OutcomeUnknown(match error {
                    RepositoryError::Unavailable(cause)
                    | RepositoryError::OutcomeUnknown(cause)
                    | RepositoryError::Unexpected(cause) => cause,
                }))
            }
            other => other,
        }
    }

    /// Inserts `items`; if the answer was lost, tries once more on a connection that
    /// answers, within the same deadline. Inserts are idempotent on the guid, so the
    /// retry cannot store twice, and an event it finds stored exactly as this call made
    /// it (down to its `modified` instant) was stored by the first try: `Created`.
    async fn insert_with_one_retry(
        &self,
        lane: Lane,
        items: Vec<InsertRequest>,
    ) -> Result<Vec<Insertion>, RepositoryError> {
        let insert = |items: Vec<InsertRequest>| {
            move |conn: &mut Q::Connection| {
                Q::write_insertion(conn, |conn| steps::insert_in_transaction::<Q>(conn, items))
            }
        };
        // Held here too, so that the retry keeps the turn the first try had.
        let turn = self.writer_turn(lane).await?;
        let deadline = self.deadline(false);
        let first = self
            .call(
                Kind::Write,
                deadline,
                false,
                turn.clone(),
                insert(items.clone()),
            )
            .await;
        let Err(RepositoryError::OutcomeUnknown(unknown)) = first else {
            return self.observed(first);
        };
        if deadline.is_some_and(|deadline| Instant::now() >= deadline) {
            return self.observed(Err(RepositoryError::OutcomeUnknown(unknown)));
        }
        tracing::info!(error = %unknown, "retrying a group whose outcome is unknown");
        metrics::counter!("db_insert_retries_total").increment(1);
        let retried = self
            .call(Kind::Write, deadline, true, turn, insert(items.clone()))
            .await;
        self.observed(match retried {
            Ok(insertions) => Ok(steps::claim_own(&items, insertions)),
            Err(_) => Err(RepositoryError::OutcomeUnknown(unknown)),
        })
    }
}

/// Gives a call's work up: if it runs, its connection is cut (where its socket is known),
/// so its thread and pool slot are free at once instead of waiting on an answer that may
/// never come, and a write not yet committed is not.
fn give_up(handover: &Handover, in_work: &InWork) -> GaveUp {
    let gave_up = handover.give_up();
    if gave_up == GaveUp::DuringWork && in_work.cut() {
        metrics::counter!("db_connections_cut_total").increment(1);
    }
    gave_up
}

/// A call its caller may stop waiting for: dropped unanswered, it gives the work up.
struct Abandoned<'a> {
    handover: &'a Handover,
    in_work: &'a InWork,
    answered: bool,
}

impl Drop for Abandoned<'_> {
    fn drop(&mut self) {
        if !self.answered {
            give_up(self.handover, self.in_work);
        }
    }
}

/// A pooled connection, within the deadline; `verified` pings it first (discarding
/// connections that do not answer, until one does or time runs out).
fn checkout<Q: Queries>(
    pool: &Pool<SessionManager<Q::Connection>>,
    deadline: Option<Instant>,
    verified: bool,
) -> Result<Pooled<Q>, RepositoryError> {
    loop {
        let mut session: Pooled<Q> = match deadline {
            Some(deadline) => pool.get_timeout(deadline.saturating_duration_since(Instant::now())),
            None => pool.get(),
        }
        .map_err(from_pool)?;
        if !verified || ping(&mut session) {
            return Ok(session);
        }
        session.discard();
    }
}

fn ping<C: R2D2Connection>(session: &mut Session<C>) -> bool {
    session.connection.ping().is_ok()
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
            .field("timeouts", &self.timeouts)
            .field("outage", &self.outage)
            .finish()
    }
}

#[async_trait]
impl<Q: Queries> BillingEventRepository for PooledRepository<Q> {
    async fn insert_many(
        &self,
        items: Vec<InsertRequest>,
    ) -> Result<Vec<Insertion>, RepositoryError> {
        self.insert_with_one_retry(Lane::OneCaller, items).await
    }

    async fn insert_group(
        &self,
        items: Vec<InsertRequest>,
    ) -> Result<Vec<Insertion>, RepositoryError> {
        self.insert_with_one_retry(Lane::Shared, items).await
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
        self.run_write(Lane::OneCaller, move |conn| {
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
        self.run(|conn| conn.ping().map_err(DbError::from)).await
    }
}
