//! Record a batch of events: each item exactly as a single post would be, all in one
//! transaction.

use crate::common_error::{authorize, from_repository_error, CommonError};
use crate::ports::{BillingEventRepository, Clock, InsertRequest, Insertion};
use domain::{
    Access, BillingEvent, BillingEventDraft, BillingEventGuid, ClientName, ClientNameError,
    ValidationErrors,
};
use std::sync::Arc;

/// What became of one item of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemOutcome {
    Created(BillingEvent),
    Replayed(BillingEvent),
    /// The guid holds a different event (or another client's); nothing stored.
    Conflict(BillingEventGuid),
    /// The item is invalid; nothing stored.
    Invalid(ValidationErrors),
}

#[derive(Debug, thiserror::Error)]
pub enum RecordBillingEventsError {
    /// The route's client name is no client name: no item could be stored under it.
    #[error("the client name {0}")]
    InvalidClient(ClientNameError),
    #[error("a batch may hold at most {limit} items (this one holds {count})")]
    TooManyItems { limit: usize, count: usize },
    /// A batch with no items: nothing to record, almost always a client's mistake.
    #[error("a batch must hold at least one item")]
    NoItems,
    /// Forbidden, invalid guid, not found, or the store failing.
    #[error(transparent)]
    Common(#[from] CommonError),
}
from_repository_error!(RecordBillingEventsError);

/// The most items a service may be set to take in one batch.
pub const MAX_ITEMS_CEILING: usize = 10_000;

#[derive(Debug, Clone)]
pub struct RecordBillingEvents {
    repository: Arc<dyn BillingEventRepository>,
    clock: Arc<dyn Clock>,
    max_items: usize,
}

impl RecordBillingEvents {
    pub fn new(
        repository: Arc<dyn BillingEventRepository>,
        clock: Arc<dyn Clock>,
        max_items: usize,
    ) -> Self {
        Self {
            repository,
            clock,
            max_items,
        }
    }

    /// One outcome per item, in order. Valid items are stored even when others are
    /// invalid; each at most once; retrying the whole batch is safe (stored items then
    /// answer `Replayed`). Nothing is reported stored that was not committed.
    ///
    /// # Errors
    /// `Forbidden` when `access` may not act for `client_name` (the route's);
    /// `InvalidClient` when it is no client name; `NoItems`; `TooManyItems`;
    /// `Repository`. Nothing
    /// is stored in any of these cases.
    ///
    /// # Panics
    /// Never: every item is given an outcome, invalid ones before the insert and valid
    /// ones from its results.
    pub async fn execute(
        &self,
        access: &Access,
        client_name: &str,
        drafts: Vec<BillingEventDraft>,
        tx_id: &str,
    ) -> Result<Vec<ItemOutcome>, RecordBillingEventsError> {
        authorize(access, client_name)?;
        ClientName::parse(client_name).map_err(RecordBillingEventsError::InvalidClient)?;
        if drafts.is_empty() {
            return Err(RecordBillingEventsError::NoItems);
        }
        if drafts.len() > self.max_items {
            return Err(RecordBillingEventsError::TooManyItems {
                limit: self.max_items,
                count: drafts.len(),
            });
        }
        let now = self.clock.now();
        let mut outcomes: Vec<Option<ItemOutcome>> = Vec::with_capacity(drafts.len());
        let mut valid = Vec::new();
        for (index, draft) in drafts.into_iter().enumerate() {
            match draft.validate(BillingEventGuid::new_time_ordered) {
                Ok(submission) => {
                    outcomes.push(None);
                    valid.push((index, submission));
                }
                Err(errors) => outcomes.push(Some(ItemOutcome::Invalid(errors))),
            }
        }
        if !valid.is_empty() {
            let items: Vec<InsertRequest> = valid
                .iter()
                .map(|(_, submission)| InsertRequest {
                    event: submission.clone().stored_at(now),
                    tx_id: tx_id.to_owned(),
                })
                .collect();
            let insertions = self.repository.insert_many(items).await?;
            for ((index, submission), insertion) in valid.into_iter().zip(insertions) {
                outcomes[index] = Some(match insertion {
                    Insertion::Created(event) => ItemOutcome::Created(event),
                    Insertion::AlreadyExists(stored) if submission.repeats(&stored) => {
                        ItemOutcome::Replayed(stored)
                    }
                    Insertion::AlreadyExists(_) => ItemOutcome::Conflict(submission.guid),
                });
            }
        }
        Ok(outcomes
            .into_iter()
            .map(|outcome| outcome.expect("every item has an outcome"))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fakes::{sample_draft, FixedClock, InMemoryRepository};
    use domain::RawValue;

    fn use_case(repository: &Arc<InMemoryRepository>, max_items: usize) -> RecordBillingEvents {
        RecordBillingEvents::new(
            repository.clone(),
            Arc::new(FixedClock::at("2026-01-01T00:00:00Z")),
            max_items,
        )
    }

    #[tokio::test]
    async fn an_empty_batch_is_refused() {
        let repository = Arc::new(InMemoryRepository::default());
        let refused = use_case(&repository, 10)
            .execute(&Access::AllClients, "acme", Vec::new(), "tx")
            .await;
        assert!(matches!(refused, Err(RecordBillingEventsError::NoItems)));
    }

    #[tokio::test]
    async fn each_item_behaves_like_a_single_post_and_a_retry_is_safe() {
        let repository = Arc::new(InMemoryRepository::default());
        let mut other = sample_draft();
        other.billing_event_guid = RawValue::Missing;
        let mut invalid = sample_draft();
        invalid.price = RawValue::Missing;
        let mut conflicting = sample_draft();
        conflicting.price = RawValue::Number("99".into());
        let batch = vec![sample_draft(), invalid, other, sample_draft(), conflicting];
        let outcomes = use_case(&repository, 10)
            .execute(&Access::AllClients, "acme", batch.clone(), "tx")
            .await
            .unwrap();
        assert!(matches!(outcomes[0], ItemOutcome::Created(_)));
        assert!(matches!(&outcomes[1], ItemOutcome::Invalid(errors)
            if errors.of(domain::Field::Price) == ["is required"]));
        assert!(matches!(outcomes[2], ItemOutcome::Created(_)));
        assert!(
            matches!(outcomes[3], ItemOutcome::Replayed(_)),
            "the same guid twice in a batch is stored once"
        );
        assert!(matches!(outcomes[4], ItemOutcome::Conflict(_)));
        assert_eq!(repository.stored_count(), 2);
        let retried = use_case(&repository, 10)
            .execute(&Access::AllClients, "acme", batch, "tx")
            .await
            .unwrap();
        assert!(matches!(retried[0], ItemOutcome::Replayed(_)));
        assert_eq!(
            repository.stored_count(),
            3,
            "only the server-made guid is new again"
        );
    }

    #[tokio::test]
    async fn a_route_client_that_is_no_client_name_is_refused_even_for_no_items() {
        let repository = Arc::new(InMemoryRepository::default());
        for drafts in [Vec::new(), vec![sample_draft()]] {
            let error = use_case(&repository, 10)
                .execute(&Access::AllClients, "a\r\nb", drafts, "tx")
                .await
                .unwrap_err();
            assert!(matches!(error, RecordBillingEventsError::InvalidClient(_)));
        }
        assert_eq!(repository.stored_count(), 0);
    }

    #[tokio::test]
    async fn too_many_items_store_nothing() {
        let repository = Arc::new(InMemoryRepository::default());
        let error = use_case(&repository, 2)
            .execute(&Access::AllClients, "acme", vec![sample_draft(); 3], "tx")
            .await
            .unwrap_err();
        assert!(matches!(
            error,
            RecordBillingEventsError::TooManyItems { limit: 2, count: 3 }
        ));
        assert_eq!(repository.stored_count(), 0);
    }
}
