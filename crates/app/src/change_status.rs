//! Settle one event: move its status by the lifecycle, at most once per revision.

use crate::common_error::{from_repository_error, CommonError};
use crate::ports::{BillingEventRepository, Clock};
use domain::{
    Access, BillingEvent, BillingEventDraft, BillingEventGuid, EventStatus, Field,
    ForbiddenTransition, RawValue, ValidationErrors,
};
use domain::{SettleOutcome, SettleTarget};
use std::sync::Arc;

/// What a status change did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusChange {
    Changed(BillingEvent),
    /// The event already had the status: nothing changed (200, as a retry would want).
    Unchanged(BillingEvent),
}

#[derive(Debug, thiserror::Error)]
pub enum ChangeStatusError {
    #[error("{0}")]
    Invalid(ValidationErrors),
    #[error(transparent)]
    ForbiddenTransition(ForbiddenTransition),
    /// `If-Match` named another revision than the stored one.
    #[error("the billing event is at revision {current_revision}")]
    StaleRevision { current_revision: u32 },
    /// Forbidden, invalid guid, not found, or the store failing.
    #[error(transparent)]
    Common(#[from] CommonError),
}
from_repository_error!(ChangeStatusError);

#[derive(Debug, Clone)]
pub struct ChangeBillingEventStatus {
    repository: Arc<dyn BillingEventRepository>,
    clock: Arc<dyn Clock>,
}

impl ChangeBillingEventStatus {
    pub fn new(repository: Arc<dyn BillingEventRepository>, clock: Arc<dyn Clock>) -> Self {
        Self { repository, clock }
    }

    /// Moves the event's status to the one in `body`, only if the event is at one of
    /// `expected_revisions` when they are given.
    ///
    /// # Errors
    /// `InvalidGuid`; `Invalid` when the status is missing or bad, or the body tries to
    /// change anything else; `NotFound`; `ForbiddenTransition` for a move the lifecycle forbids;
    /// `StaleRevision` when the revision differs; `Repository`.
    pub async fn execute(
        &self,
        guid: &str,
        body: BillingEventDraft,
        expected_revisions: Option<Vec<u32>>,
        access: &Access,
        tx_id: &str,
    ) -> Result<StatusChange, ChangeStatusError> {
        let guid = BillingEventGuid::parse(guid).map_err(CommonError::InvalidGuid)?;
        let to = status_only(body).map_err(ChangeStatusError::Invalid)?;
        let target = SettleTarget {
            guid,
            expected_revisions,
        };
        let outcome = self
            .repository
            .settle(access.client(), &[target], to, self.clock.now(), tx_id)
            .await?
            .pop();
        match outcome {
            Some(SettleOutcome::Changed(event)) => Ok(StatusChange::Changed(event)),
            Some(SettleOutcome::Unchanged(event)) => Ok(StatusChange::Unchanged(event)),
            Some(SettleOutcome::Forbidden(forbidden)) => {
                Err(ChangeStatusError::ForbiddenTransition(forbidden))
            }
            Some(SettleOutcome::Stale { current }) => Err(ChangeStatusError::StaleRevision {
                current_revision: current.revision,
            }),
            Some(SettleOutcome::NotFound) | None => Err(CommonError::NotFound.into()),
        }
    }
}

/// The status a body asks for. Everything else about an event is fixed once stored, so a
/// body that sends another field is refused, naming it.
fn status_only(body: BillingEventDraft) -> Result<EventStatus, ValidationErrors> {
    let mut errors = ValidationErrors::default();
    let fixed = [
        (Field::BillingEventGuid, &body.billing_event_guid),
        (Field::MemberUniqueKey, &body.member_unique_key),
        (Field::EventDateTime, &body.event_date_time),
        (Field::EventTypeId, &body.event_type_id),
        (Field::Quantity, &body.quantity),
        (Field::Price, &body.price),
    ];
    for (field, value) in fixed {
        if *value != RawValue::Missing {
            errors.add(
                field,
                "cannot be changed: only the status moves; correct an amount with a new Credit \
                 or Adjustment event",
            );
        }
    }
    let status = match body.invoice_billing_event_status_id {
        RawValue::Text(text) | RawValue::Number(text) => {
            EventStatus::parse(&text).map_err(|e| e.to_string())
        }
        RawValue::Missing => Err("is required".to_owned()),
        RawValue::Unsupported(kind) => Err(format!("must not be {kind}")),
    };
    match status {
        Ok(status) if errors.is_empty() => Ok(status),
        Ok(_) => Err(errors),
        Err(message) => {
            errors.add(Field::InvoiceBillingEventStatusId, message);
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fakes::{insert_request, sample_draft, FixedClock, InMemoryRepository};
    use domain::HistoryEntry;

    const GUID: &str = "6d91f288-c380-4652-bd35-ce286ac4c806";

    async fn stored(repository: &Arc<InMemoryRepository>) -> BillingEvent {
        let event = sample_draft()
            .validate(BillingEventGuid::new_random)
            .unwrap()
            .stored_at(domain::Timestamp::parse("2026-01-01T00:00:00Z").unwrap());
        repository
            .insert(insert_request(&event, "tx-create"))
            .await
            .unwrap();
        event
    }

    fn body(status: &str) -> BillingEventDraft {
        BillingEventDraft {
            invoice_billing_event_status_id: RawValue::Text(status.into()),
            ..BillingEventDraft::default()
        }
    }

    fn use_case(repository: &Arc<InMemoryRepository>) -> ChangeBillingEventStatus {
        ChangeBillingEventStatus::new(
            repository.clone(),
            Arc::new(FixedClock::at("2026-02-02T00:00:00Z")),
        )
    }

    #[tokio::test]
    async fn an_allowed_move_changes_the_status_and_is_recorded() {
        let repository = Arc::new(InMemoryRepository::default());
        stored(&repository).await;
        let Ok(StatusChange::Changed(event)) = use_case(&repository)
            .execute(
                GUID,
                body("invoiced"),
                Some(vec![7, 1]),
                &Access::AllClients,
                "tx-1",
            )
            .await
        else {
            panic!("Unknown -> Invoiced is allowed");
        };
        assert_eq!((event.status, event.revision), (EventStatus::Invoiced, 2));
        let history = repository.history(event.guid).await.unwrap().unwrap();
        assert_eq!(
            history.last(),
            Some(&HistoryEntry {
                from: Some(EventStatus::Unknown),
                to: EventStatus::Invoiced,
                at: event.modified,
                tx_id: "tx-1".into()
            })
        );
    }

    #[tokio::test]
    async fn the_same_status_again_changes_nothing() {
        let repository = Arc::new(InMemoryRepository::default());
        let event = stored(&repository).await;
        let outcome = use_case(&repository)
            .execute(GUID, body("Unknown"), None, &Access::AllClients, "tx")
            .await
            .unwrap();
        assert_eq!(outcome, StatusChange::Unchanged(event));
        assert_eq!(
            repository
                .history(event_guid())
                .await
                .unwrap()
                .unwrap()
                .len(),
            1
        );
    }

    fn event_guid() -> BillingEventGuid {
        BillingEventGuid::parse(GUID).unwrap()
    }

    #[tokio::test]
    async fn forbidden_moves_stale_revisions_and_unknown_events_are_refused() {
        let repository = Arc::new(InMemoryRepository::default());
        stored(&repository).await;
        let use_case = use_case(&repository);
        use_case
            .execute(GUID, body("Cancelled"), None, &Access::AllClients, "tx")
            .await
            .unwrap();
        let forbidden = use_case
            .execute(GUID, body("Pending"), None, &Access::AllClients, "tx")
            .await;
        assert!(matches!(
            forbidden,
            Err(ChangeStatusError::ForbiddenTransition(
                ForbiddenTransition {
                    from: EventStatus::Cancelled,
                    to: EventStatus::Pending
                }
            ))
        ));
        let stale = use_case
            .execute(
                GUID,
                body("Cancelled"),
                Some(vec![1]),
                &Access::AllClients,
                "tx",
            )
            .await;
        assert!(matches!(
            stale,
            Err(ChangeStatusError::StaleRevision {
                current_revision: 2
            })
        ));
        let unknown = use_case
            .execute(
                "0b7d3c1e-9a0e-4d5f-8f00-000000000001",
                body("Pending"),
                None,
                &Access::AllClients,
                "tx",
            )
            .await;
        assert!(matches!(
            unknown,
            Err(ChangeStatusError::Common(CommonError::NotFound))
        ));
        let other = Access::Client(domain::ClientName::parse("other").unwrap());
        let foreign = use_case
            .execute(GUID, body("Cancelled"), None, &other, "tx")
            .await;
        assert!(matches!(
            foreign,
            Err(ChangeStatusError::Common(CommonError::NotFound))
        ));
    }

    #[tokio::test]
    async fn a_body_that_changes_anything_else_is_refused_naming_it() {
        let repository = Arc::new(InMemoryRepository::default());
        stored(&repository).await;
        let mut draft = body("Invoiced");
        draft.price = RawValue::Number("1".into());
        let Err(ChangeStatusError::Invalid(errors)) = use_case(&repository)
            .execute(GUID, draft, None, &Access::AllClients, "tx")
            .await
        else {
            panic!("accepted a price change");
        };
        assert_eq!(
            errors.iter().map(|(field, _)| field).collect::<Vec<_>>(),
            [Field::Price]
        );
        let Err(ChangeStatusError::Invalid(errors)) = use_case(&repository)
            .execute(
                GUID,
                BillingEventDraft::default(),
                None,
                &Access::AllClients,
                "tx",
            )
            .await
        else {
            panic!("accepted no status");
        };
        assert_eq!(
            errors.of(Field::InvoiceBillingEventStatusId),
            ["is required"]
        );
    }
}
