//! What the use cases need from the outside world, and what adapters must promise.

use async_trait::async_trait;
use domain::{
    ApiKeyId, ApiKeyRecord, BillingEvent, BillingEventGuid, ClientName, EventFilter, EventStatus,
    GroupBy, HistoryEntry, Position, SettleOutcome, SettleTarget, SummaryRow, Timestamp,
};
use std::error::Error;
use std::sync::Arc;

/// A shared cause, kept for logs and never shown to clients. Shared, so that one
/// failure can be told to every request it failed (a group commit's, say).
pub type Cause = Arc<dyn Error + Send + Sync + 'static>;

/// Why the repository could not answer.
#[derive(Debug, Clone, thiserror::Error)]
pub enum RepositoryError {
    /// The database cannot be reached right now (no connection within the pool's
    /// timeout, connection refused). Retrying later may work.
    #[error("the database is unavailable")]
    Unavailable(#[source] Cause),
    /// A write reached the database but its answer did not come back (the connection
    /// broke, or the database did not answer in time): it may have been committed, or
    /// not. Sending the same request again is safe, as inserts are idempotent on the guid.
    #[error("the outcome of the write is unknown")]
    OutcomeUnknown(#[source] Cause),
    /// Anything else: a bug, corrupt data, a failed statement.
    #[error("unexpected database error")]
    Unexpected(#[source] Cause),
}

impl RepositoryError {
    /// `Unavailable`, caused by `cause` (an error, or a message).
    pub fn unavailable(cause: impl Into<Box<dyn Error + Send + Sync>>) -> Self {
        Self::Unavailable(Arc::from(cause.into()))
    }

    /// `OutcomeUnknown`, caused by `cause` (an error, or a message).
    pub fn outcome_unknown(cause: impl Into<Box<dyn Error + Send + Sync>>) -> Self {
        Self::OutcomeUnknown(Arc::from(cause.into()))
    }

    /// `Unexpected`, caused by `cause` (an error, or a message).
    pub fn unexpected(cause: impl Into<Box<dyn Error + Send + Sync>>) -> Self {
        Self::Unexpected(Arc::from(cause.into()))
    }
}

/// A new event to store, with the transaction id its creation is recorded under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InsertRequest {
    pub event: BillingEvent,
    pub tx_id: String,
}

/// What happened to an insert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Insertion {
    /// The event was stored and committed; here it is, handed back.
    Created(BillingEvent),
    /// An event with this guid was already stored; here it is, unchanged.
    AlreadyExists(BillingEvent),
}

/// Where billing events are kept.
#[async_trait]
pub trait BillingEventRepository: Send + Sync + std::fmt::Debug {
    /// Stores the event unless its guid is taken, with its creation in the history
    /// under its txID, in one transaction.
    ///
    /// Uniqueness is the database's to settle, in one atomic step: of any number of
    /// concurrent inserts of one guid exactly one returns `Created`; the others return
    /// `AlreadyExists` with the event that won. `Created` means committed.
    ///
    /// # Errors
    /// `Unavailable` when the database cannot be reached; `Unexpected` otherwise. After
    /// an error nothing of the event is stored.
    async fn insert(&self, item: InsertRequest) -> Result<Insertion, RepositoryError> {
        self.insert_many(vec![item])
            .await?
            .pop()
            .ok_or_else(|| RepositoryError::unexpected("an insert gave no result"))
    }

    /// Stores many events in one transaction, each as [`insert`](Self::insert) would:
    /// one `Insertion` per item, in order. A guid that comes twice in `items` is stored
    /// once; the later item gets `AlreadyExists` with the earlier one. `Created` means
    /// committed: results are returned only after the commit.
    ///
    /// # Errors
    /// As for [`insert`](Self::insert); after an error none of the items is stored.
    async fn insert_many(
        &self,
        items: Vec<InsertRequest>,
    ) -> Result<Vec<Insertion>, RepositoryError>;

    /// As [`insert_many`](Self::insert_many), for a group of single posts from many
    /// callers gathered by group commit: a backend that takes one writer at a time may
    /// let it go before writers that serve one caller (a batch, a settlement), so that
    /// one caller's heavy writes do not hold up everyone's posts.
    ///
    /// # Errors
    /// As for [`insert_many`](Self::insert_many).
    async fn insert_group(
        &self,
        items: Vec<InsertRequest>,
    ) -> Result<Vec<Insertion>, RepositoryError> {
        self.insert_many(items).await
    }

    /// The event stored under `guid`, if any.
    ///
    /// # Errors
    /// As for [`insert`](Self::insert).
    async fn find(&self, guid: BillingEventGuid) -> Result<Option<BillingEvent>, RepositoryError>;

    /// Settles each target to `to` at `at`, in order, in one transaction, each event
    /// locked against concurrent settlement: applies [`BillingEvent::settle`], and
    /// records every change in the history under `tx_id` in the same transaction. One
    /// outcome per target. With `scope`, events of other clients are `NotFound`. A guid
    /// named twice is settled once (the second sees the first's result).
    ///
    /// # Errors
    /// As for [`insert`](Self::insert); after an error nothing is changed.
    async fn settle(
        &self,
        scope: Option<&ClientName>,
        targets: &[SettleTarget],
        to: EventStatus,
        at: Timestamp,
        tx_id: &str,
    ) -> Result<Vec<SettleOutcome>, RepositoryError>;

    /// The history of the event, oldest first; `None` when no event has this guid.
    ///
    /// # Errors
    /// As for [`insert`](Self::insert).
    async fn history(
        &self,
        guid: BillingEventGuid,
    ) -> Result<Option<Vec<HistoryEntry>>, RepositoryError>;

    /// Up to `limit` events matching `filter`, ordered by (`eventDateTime`, guid),
    /// starting after `after`.
    ///
    /// # Errors
    /// As for [`insert`](Self::insert).
    async fn list(
        &self,
        filter: &EventFilter,
        after: Option<Position>,
        limit: u32,
    ) -> Result<Vec<BillingEvent>, RepositoryError>;

    /// Counts and exact totals of the events matching `filter`, per group of
    /// `group_by` (one row overall when empty), ordered by the group keys.
    ///
    /// # Errors
    /// As for [`insert`](Self::insert).
    async fn summarize(
        &self,
        filter: &EventFilter,
        group_by: &[GroupBy],
    ) -> Result<Vec<SummaryRow>, RepositoryError>;

    /// Succeeds when the database answers a trivial query.
    ///
    /// # Errors
    /// As for [`insert`](Self::insert).
    async fn ping(&self) -> Result<(), RepositoryError>;
}

/// Where API keys are kept: only their hashes, never the keys.
#[async_trait]
pub trait ApiKeyRepository: Send + Sync + std::fmt::Debug {
    /// Stores a new key; its id is fresh (64 random bits).
    ///
    /// # Errors
    /// As for [`BillingEventRepository::insert`].
    async fn add_key(&self, key: &ApiKeyRecord) -> Result<(), RepositoryError>;

    /// The key with this id, revoked or not. Read from the database every time, so a
    /// revocation counts from the next request on every replica.
    async fn find_key(&self, id: &ApiKeyId) -> Result<Option<ApiKeyRecord>, RepositoryError>;

    /// Every key, or only the keys of `client`, oldest first.
    async fn list_keys(
        &self,
        client: Option<&ClientName>,
    ) -> Result<Vec<ApiKeyRecord>, RepositoryError>;

    /// Marks the key revoked at `at` (an already revoked key keeps its first time).
    /// `false` when no key has this id.
    async fn revoke_key(&self, id: &ApiKeyId, at: Timestamp) -> Result<bool, RepositoryError>;
}

/// The current time, as the service records it.
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> Timestamp;
}
