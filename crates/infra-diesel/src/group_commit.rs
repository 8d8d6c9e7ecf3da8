//! Group commit: concurrent single inserts share one transaction.
//!
//! A commit costs a flush to disk, so one transaction per request caps a service at the
//! disk's flush rate. Here each insert joins a bounded queue; a dispatcher takes
//! whatever has queued while the previous commit was in flight (up to `max_batch`),
//! writes it with `insert_group` in one transaction, and only after the commit answers
//! each waiting request with its own result: created, already there, or the error. The
//! more load, the bigger the groups; an idle service commits each insert at once. No
//! timer is involved, so a lone request never waits for company.

use app::{BillingEventRepository, InsertRequest, Insertion, RepositoryError};
use async_trait::async_trait;
use domain::{
    BillingEvent, BillingEventGuid, ClientName, EventFilter, EventStatus, GroupBy, HistoryEntry,
    Position, SettleOutcome, SettleTarget, SummaryRow, Timestamp,
};
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot, Semaphore};

/// How the writer groups inserts.
#[derive(Debug, Clone, Copy)]
pub struct GroupCommitOptions {
    /// The most inserts in one transaction.
    pub max_batch: usize,
    /// Inserts that may wait; past this, an insert fails at once as `Unavailable` (the
    /// service answers 503 with `Retry-After`) instead of the queue growing without bound.
    pub queue_capacity: usize,
    /// Transactions in flight at once: 1 for SQLite (one writer), more for PostgreSQL.
    pub concurrent_commits: usize,
}

struct Waiting {
    item: InsertRequest,
    reply: oneshot::Sender<Result<Insertion, RepositoryError>>,
}

/// A repository whose `insert` goes through group commit; every other method goes
/// straight to the inner repository.
pub struct GroupCommit {
    inner: Arc<dyn BillingEventRepository>,
    queue: mpsc::Sender<Waiting>,
    /// Inserts queued or in a commit, for metrics and tests.
    depth: Arc<AtomicUsize>,
}

impl fmt::Debug for GroupCommit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GroupCommit")
            .field("inner", &self.inner)
            .field("depth", &self.depth.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl GroupCommit {
    /// Starts the dispatcher on the current tokio runtime. It stops when the returned
    /// repository (and every clone of the `Arc`) is dropped, after answering what was
    /// queued.
    pub fn start(inner: Arc<dyn BillingEventRepository>, options: GroupCommitOptions) -> Arc<Self> {
        let (queue, waiting) = mpsc::channel(options.queue_capacity.max(1));
        let depth = Arc::new(AtomicUsize::new(0));
        tokio::spawn(dispatch(waiting, inner.clone(), options, depth.clone()));
        Arc::new(Self {
            inner,
            queue,
            depth,
        })
    }

    /// Inserts waiting or being committed right now.
    pub fn depth(&self) -> usize {
        self.depth.load(Ordering::Relaxed)
    }
}

async fn dispatch(
    mut waiting: mpsc::Receiver<Waiting>,
    inner: Arc<dyn BillingEventRepository>,
    options: GroupCommitOptions,
    depth: Arc<AtomicUsize>,
) {
    let commits = Arc::new(Semaphore::new(options.concurrent_commits.max(1)));
    loop {
        // Wait for a free commit slot first: while commits are in flight, requests pile
        // up in the queue, and the next group takes them all.
        let Ok(slot) = commits.clone().acquire_owned().await else {
            return;
        };
        let Some(first) = waiting.recv().await else {
            return;
        };
        let mut group = vec![first];
        while group.len() < options.max_batch {
            match waiting.try_recv() {
                Ok(next) => group.push(next),
                Err(_) => break,
            }
        }
        let (inner, depth) = (inner.clone(), depth.clone());
        tokio::spawn(async move {
            let size = group.len();
            let (items, replies): (Vec<InsertRequest>, Vec<_>) = group
                .into_iter()
                .map(|waiting| (waiting.item, waiting.reply))
                .unzip();
            tracing::debug!(size, "group commit");
            #[allow(clippy::cast_precision_loss)] // a group holds at most max_batch inserts
            metrics::histogram!("group_commit_batch_size").record(size as f64);
            match inner.insert_group(items).await {
                Ok(results) => {
                    for (reply, result) in replies.into_iter().zip(results) {
                        let _ = reply.send(Ok(result));
                    }
                }
                // Nothing of the group is stored: every request in it is told so.
                Err(error) => {
                    for reply in replies {
                        let _ = reply.send(Err(error.clone()));
                    }
                }
            }
            let left = depth.fetch_sub(size, Ordering::Relaxed) - size;
            #[allow(clippy::cast_precision_loss)]
            metrics::gauge!("group_commit_queue_depth").set(left as f64);
            drop(slot);
        });
    }
}

#[async_trait]
impl BillingEventRepository for GroupCommit {
    async fn insert(&self, item: InsertRequest) -> Result<Insertion, RepositoryError> {
        let (reply, answer) = oneshot::channel();
        let waiting = Waiting { item, reply };
        self.depth.fetch_add(1, Ordering::Relaxed);
        if let Err(error) = self.queue.try_send(waiting) {
            self.depth.fetch_sub(1, Ordering::Relaxed);
            let why = match error {
                mpsc::error::TrySendError::Full(_) => "the write queue is full",
                mpsc::error::TrySendError::Closed(_) => "the writer has stopped",
            };
            return Err(RepositoryError::unavailable(why));
        }
        answer
            .await
            .map_err(|_| RepositoryError::unexpected("the writer dropped a waiting insert"))?
    }

    async fn insert_many(
        &self,
        items: Vec<InsertRequest>,
    ) -> Result<Vec<Insertion>, RepositoryError> {
        self.inner.insert_many(items).await
    }

    async fn find(&self, guid: BillingEventGuid) -> Result<Option<BillingEvent>, RepositoryError> {
        self.inner.find(guid).await
    }

    async fn settle(
        &self,
        scope: Option<&ClientName>,
        targets: &[SettleTarget],
        to: EventStatus,
        at: Timestamp,
        tx_id: &str,
    ) -> Result<Vec<SettleOutcome>, RepositoryError> {
        self.inner.settle(scope, targets, to, at, tx_id).await
    }

    async fn history(
        &self,
        guid: BillingEventGuid,
    ) -> Result<Option<Vec<HistoryEntry>>, RepositoryError> {
        self.inner.history(guid).await
    }

    async fn list(
        &self,
        filter: &EventFilter,
        after: Option<Position>,
        limit: u32,
    ) -> Result<Vec<BillingEvent>, RepositoryError> {
        self.inner.list(filter, after, limit).await
    }

    async fn summarize(
        &self,
        filter: &EventFilter,
        group_by: &[GroupBy],
    ) -> Result<Vec<SummaryRow>, RepositoryError> {
        self.inner.summarize(filter, group_by).await
    }

    async fn ping(&self) -> Result<(), RepositoryError> {
        self.inner.ping().await
    }
}
