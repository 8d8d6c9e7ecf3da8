//! What the use cases need from the outside world, and what adapters must promise.

use async_trait::async_trait;
use domain::{BillingEvent, BillingEventGuid, Timestamp};
use std::error::Error;

/// A boxed cause, kept for logs and never shown to clients.
pub type Cause = Box<dyn Error + Send + Sync + 'static>;

/// Why the repository could not answer.
#[derive(Debug, thiserror::Error)]
pub enum RepositoryError {
    /// The database cannot be reached right now (no connection within the pool's
    /// timeout, connection refused). Retrying later may work.
    #[error("the database is unavailable")]
    Unavailable(#[source] Cause),
    /// Anything else: a bug, corrupt data, a failed statement.
    #[error("unexpected database error")]
    Unexpected(#[source] Cause),
}

/// What happened to an insert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Insertion {
    /// The event was stored and committed.
    Created,
    /// An event with this guid was already stored; here it is, unchanged.
    AlreadyExists(BillingEvent),
}

/// Where billing events are kept.
#[async_trait]
pub trait BillingEventRepository: Send + Sync + std::fmt::Debug {
    /// Stores `event` unless its guid is taken.
    ///
    /// Uniqueness is the database's to settle, in one atomic step: of any number of
    /// concurrent inserts of one guid exactly one returns `Created`; the others return
    /// `AlreadyExists` with the event that won. `Created` means committed.
    ///
    /// # Errors
    /// `Unavailable` when the database cannot be reached; `Unexpected` otherwise. After
    /// an error nothing of the event is stored.
    async fn insert(&self, event: &BillingEvent) -> Result<Insertion, RepositoryError>;

    /// The event stored under `guid`, if any.
    ///
    /// # Errors
    /// As for [`insert`](Self::insert).
    async fn find(&self, guid: BillingEventGuid) -> Result<Option<BillingEvent>, RepositoryError>;

    /// Succeeds when the database answers a trivial query.
    ///
    /// # Errors
    /// As for [`insert`](Self::insert).
    async fn ping(&self) -> Result<(), RepositoryError>;
}

/// The current time, as the service records it.
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> Timestamp;
}
