//! Record a billing event: validate it, store it once, and recognise a retry.

use crate::common_error::{authorize, from_repository_error, CommonError};
use crate::ports::{BillingEventRepository, Clock, InsertRequest, Insertion, RepositoryError};
use domain::{Access, BillingEvent, BillingEventDraft, BillingEventGuid, ValidationErrors};
use std::sync::Arc;

/// What recording did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recorded {
    /// A new event, now stored.
    Created(BillingEvent),
    /// A retry of an event already stored: the stored event, unchanged.
    Replayed(BillingEvent),
}

/// Why an event was not recorded. Nothing is stored in any of these cases.
#[derive(Debug, thiserror::Error)]
pub enum RecordBillingEventError {
    #[error("{0}")]
    Invalid(ValidationErrors),
    /// The guid is taken by a different event (or by another client's event).
    #[error("billing event {guid} already exists with different content")]
    Conflict { guid: BillingEventGuid },
    /// The insert reached the database and its answer was lost: the event under `guid`
    /// (made here when the draft had none) may be stored or not. Posting it again with
    /// this guid is safe.
    #[error("the outcome of storing billing event {guid} is unknown")]
    OutcomeUnknown {
        guid: BillingEventGuid,
        #[source]
        source: RepositoryError,
    },
    /// Forbidden, invalid guid, not found, or the store failing.
    #[error(transparent)]
    Common(#[from] CommonError),
}
from_repository_error!(RecordBillingEventError);

/// The use case. Cheap to clone; share one per process.
#[derive(Debug, Clone)]
pub struct RecordBillingEvent {
    repository: Arc<dyn BillingEventRepository>,
    clock: Arc<dyn Clock>,
}

impl RecordBillingEvent {
    pub fn new(repository: Arc<dyn BillingEventRepository>, clock: Arc<dyn Clock>) -> Self {
        Self { repository, clock }
    }

    /// Validates `draft` and stores it (its creation recorded under `tx_id`), or
    /// recognises it as a retry.
    ///
    /// # Errors
    /// `Forbidden` when `access` may not act for the draft's client; `Invalid` with every
    /// bad field; `Conflict` when the guid holds another event; `OutcomeUnknown`, naming
    /// the guid, when the insert's answer was lost; `Repository` when the database failed.
    pub async fn execute(
        &self,
        access: &Access,
        draft: BillingEventDraft,
        tx_id: &str,
    ) -> Result<Recorded, RecordBillingEventError> {
        authorize(access, &draft.client_name)?;
        let submission = draft
            .validate(BillingEventGuid::new_time_ordered)
            .map_err(RecordBillingEventError::Invalid)?;
        let request = InsertRequest {
            event: submission.clone().stored_at(self.clock.now()),
            tx_id: tx_id.to_owned(),
        };
        let inserted = match self.repository.insert(request).await {
            Err(source @ RepositoryError::OutcomeUnknown(_)) => {
                return Err(RecordBillingEventError::OutcomeUnknown {
                    guid: submission.guid,
                    source,
                })
            }
            inserted => inserted?,
        };
        match inserted {
            Insertion::Created(event) => Ok(Recorded::Created(event)),
            Insertion::AlreadyExists(stored) if submission.repeats(&stored) => {
                Ok(Recorded::Replayed(stored))
            }
            Insertion::AlreadyExists(_) => Err(RecordBillingEventError::Conflict {
                guid: submission.guid,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fakes::{sample_draft, FixedClock, InMemoryRepository};
    use domain::{EventStatus, Field, RawValue};

    fn use_case(repository: &Arc<InMemoryRepository>) -> RecordBillingEvent {
        RecordBillingEvent::new(
            repository.clone(),
            Arc::new(FixedClock::at("2026-01-02T03:04:05.123456Z")),
        )
    }

    #[tokio::test]
    async fn another_clients_key_is_forbidden_and_nothing_is_stored() {
        let repository = Arc::new(InMemoryRepository::default());
        let other = Access::Client(domain::ClientName::parse("other").unwrap());
        let error = use_case(&repository)
            .execute(&other, sample_draft(), "tx")
            .await
            .unwrap_err();
        let forbidden = |client: &str| {
            matches!(
                &error,
                RecordBillingEventError::Common(CommonError::Forbidden { client: named })
                    if named == client
            )
        };
        assert!(forbidden("acme"), "{error:?}");
        assert_eq!(repository.stored_count(), 0);
        let own = Access::Client(domain::ClientName::parse("ACME").unwrap());
        assert!(use_case(&repository)
            .execute(&own, sample_draft(), "tx")
            .await
            .is_ok());
    }

    #[tokio::test]
    async fn a_new_event_is_stored_with_the_clock_time() {
        let repository = Arc::new(InMemoryRepository::default());
        let Recorded::Created(event) = use_case(&repository)
            .execute(&Access::AllClients, sample_draft(), "tx")
            .await
            .unwrap()
        else {
            panic!("expected Created");
        };
        assert_eq!(
            event.modified.to_string(),
            "2026-01-02T03:04:05.1234560+00:00"
        );
        assert_eq!(repository.find(event.guid).await.unwrap(), Some(event));
    }

    #[tokio::test]
    async fn a_retry_returns_the_stored_event_with_its_original_time() {
        let repository = Arc::new(InMemoryRepository::default());
        let first = use_case(&repository)
            .execute(&Access::AllClients, sample_draft(), "tx")
            .await
            .unwrap();
        let later = RecordBillingEvent::new(
            repository.clone(),
            Arc::new(FixedClock::at("2027-01-01T00:00:00Z")),
        );
        let mut retry = sample_draft();
        retry.quantity = RawValue::Number("6".into());
        retry.invoice_billing_event_status_id = RawValue::Text("Failed".into());
        let Recorded::Created(stored) = first else {
            panic!("expected Created")
        };
        assert_eq!(
            later
                .execute(&Access::AllClients, retry, "tx")
                .await
                .unwrap(),
            Recorded::Replayed(stored.clone())
        );
        assert_eq!(stored.status, EventStatus::Unknown);
    }

    #[tokio::test]
    async fn different_content_under_a_taken_guid_is_a_conflict_and_changes_nothing() {
        let repository = Arc::new(InMemoryRepository::default());
        let use_case = use_case(&repository);
        let Recorded::Created(stored) = use_case
            .execute(&Access::AllClients, sample_draft(), "tx")
            .await
            .unwrap()
        else {
            panic!("expected Created");
        };
        for change in [
            |d: &mut BillingEventDraft| d.price = RawValue::Number("7.01".into()),
            |d: &mut BillingEventDraft| d.client_name = "other-client".into(),
        ] {
            let mut draft = sample_draft();
            change(&mut draft);
            let error = use_case
                .execute(&Access::AllClients, draft, "tx")
                .await
                .unwrap_err();
            assert!(
                matches!(error, RecordBillingEventError::Conflict { guid } if guid == stored.guid),
                "{error:?}"
            );
        }
        assert_eq!(repository.find(stored.guid).await.unwrap(), Some(stored));
    }

    #[tokio::test]
    async fn an_invalid_draft_reports_its_fields_and_stores_nothing() {
        let repository = Arc::new(InMemoryRepository::default());
        let mut draft = sample_draft();
        draft.price = RawValue::Missing;
        draft.member_unique_key = RawValue::Text(String::new());
        let Err(RecordBillingEventError::Invalid(errors)) = use_case(&repository)
            .execute(&Access::AllClients, draft, "tx")
            .await
        else {
            panic!("expected Invalid");
        };
        let fields: Vec<_> = errors.iter().map(|(field, _)| field).collect();
        assert_eq!(fields, [Field::MemberUniqueKey, Field::Price]);
        assert_eq!(repository.stored_count(), 0);
    }

    #[tokio::test]
    async fn a_failing_repository_is_reported_as_such() {
        let repository = Arc::new(InMemoryRepository::failing());
        let error = use_case(&repository)
            .execute(&Access::AllClients, sample_draft(), "tx")
            .await
            .unwrap_err();
        assert!(matches!(
            error,
            RecordBillingEventError::Common(CommonError::Repository(RepositoryError::Unavailable(
                _
            )))
        ));
    }
}
