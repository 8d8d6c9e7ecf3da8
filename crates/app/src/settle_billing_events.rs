//! Settle many events of one client at once, as an invoicing run does.

use crate::common_error::{authorize, from_repository_error, CommonError};
use crate::parameters::{InvalidParameters, Parameter};
use crate::ports::{BillingEventRepository, Clock};
use domain::{Access, BillingEventGuid, ClientName, EventStatus};
use domain::{SettleOutcome, SettleTarget};
use std::sync::Arc;

/// The most guids one request may name.
pub const MAX_GUIDS: usize = 10_000;

/// A bulk settlement, as it arrived.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SettleRequest {
    pub client_name: String,
    pub status: Option<String>,
    pub guids: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum SettleBillingEventsError {
    #[error("{0}")]
    Invalid(InvalidParameters),
    /// Forbidden, invalid guid, not found, or the store failing.
    #[error(transparent)]
    Common(#[from] CommonError),
}
from_repository_error!(SettleBillingEventsError);

#[derive(Debug, Clone)]
pub struct SettleBillingEvents {
    repository: Arc<dyn BillingEventRepository>,
    clock: Arc<dyn Clock>,
}

impl SettleBillingEvents {
    pub fn new(repository: Arc<dyn BillingEventRepository>, clock: Arc<dyn Clock>) -> Self {
        Self { repository, clock }
    }

    /// Settles every named event of the client to the status, in one transaction: one
    /// outcome per guid, in the request's order. Events of other clients are "not found".
    /// Retrying the same request is safe: what was changed is then "unchanged".
    ///
    /// # Errors
    /// `Forbidden` when `access` may not act for the request's client; `Invalid` naming
    /// every bad parameter; `Repository`. Nothing is changed in any of these cases.
    pub async fn execute(
        &self,
        access: &Access,
        request: &SettleRequest,
        tx_id: &str,
    ) -> Result<Vec<(BillingEventGuid, SettleOutcome)>, SettleBillingEventsError> {
        authorize(access, &request.client_name)?;
        let mut errors = InvalidParameters::default();
        let client = errors.check(
            Parameter::ClientName,
            ClientName::parse(&request.client_name),
        );
        let status = if let Some(text) = &request.status {
            errors.check(Parameter::SettleStatus, EventStatus::parse(text))
        } else {
            errors.add(Parameter::SettleStatus, "is required");
            None
        };
        if request.guids.is_empty() {
            errors.add(
                Parameter::SettleGuids,
                "must name at least one billing event",
            );
        }
        // Too many is wrong whatever the items are: they are not looked at, so the
        // answer stays small however many there were.
        let targets: Vec<SettleTarget> = if request.guids.len() > MAX_GUIDS {
            errors.add(
                Parameter::SettleGuids,
                format!("must name at most {MAX_GUIDS} billing events"),
            );
            Vec::new()
        } else {
            request
                .guids
                .iter()
                .enumerate()
                .filter_map(|(index, text)| {
                    let guid = errors
                        .check(Parameter::SettleGuid(index), BillingEventGuid::parse(text))?;
                    Some(SettleTarget {
                        guid,
                        expected_revisions: None,
                    })
                })
                .collect()
        };
        let (client, status) = errors
            .or_ok((client, status))
            .map_err(SettleBillingEventsError::Invalid)?;
        let (Some(client), Some(status)) = (client, status) else {
            unreachable!("no errors means every parameter parsed");
        };
        let outcomes = self
            .repository
            .settle(Some(&client), &targets, status, self.clock.now(), tx_id)
            .await?;
        Ok(targets
            .iter()
            .map(|target| target.guid)
            .zip(outcomes)
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fakes::{event_at, insert_request, FixedClock, InMemoryRepository};

    #[tokio::test]
    async fn each_guid_gets_its_outcome_and_a_retry_changes_nothing_more() {
        let repository = Arc::new(InMemoryRepository::default());
        let first = event_at(1);
        let mut other_client = event_at(2);
        other_client.client = ClientName::parse("other").unwrap();
        repository
            .insert(insert_request(&first, "tx"))
            .await
            .unwrap();
        repository
            .insert(insert_request(&other_client, "tx"))
            .await
            .unwrap();
        let use_case = SettleBillingEvents::new(
            repository.clone(),
            Arc::new(FixedClock::at("2026-03-03T00:00:00Z")),
        );
        let request = SettleRequest {
            client_name: "ACME".into(),
            status: Some("invoiced".into()),
            guids: vec![
                first.guid.to_string(),
                other_client.guid.to_string(),
                first.guid.to_string(),
            ],
        };
        let outcomes = use_case
            .execute(&Access::AllClients, &request, "tx-run")
            .await
            .unwrap();
        assert!(matches!(outcomes[0].1, SettleOutcome::Changed(_)));
        assert_eq!(
            outcomes[1].1,
            SettleOutcome::NotFound,
            "another client's event does not exist here"
        );
        assert!(
            matches!(outcomes[2].1, SettleOutcome::Unchanged(_)),
            "named twice, settled once"
        );
        let retried = use_case
            .execute(&Access::AllClients, &request, "tx-retry")
            .await
            .unwrap();
        assert!(matches!(retried[0].1, SettleOutcome::Unchanged(_)));
        assert_eq!(
            repository.history(first.guid).await.unwrap().unwrap().len(),
            2
        );
    }

    #[tokio::test]
    async fn bad_parameters_are_named_and_nothing_changes() {
        let use_case = SettleBillingEvents::new(
            Arc::new(InMemoryRepository::default()),
            Arc::new(FixedClock::at("2026-03-03T00:00:00Z")),
        );
        let request = SettleRequest {
            client_name: "acme".into(),
            status: Some("Paid".into()),
            guids: vec![BillingEventGuid::new_random().to_string(), "nope".into()],
        };
        let Err(SettleBillingEventsError::Invalid(errors)) =
            use_case.execute(&Access::AllClients, &request, "tx").await
        else {
            panic!("accepted");
        };
        assert_eq!(
            errors.iter().map(|(name, _)| name).collect::<Vec<_>>(),
            [Parameter::SettleGuid(1), Parameter::SettleStatus]
        );
        let too_many = SettleRequest {
            client_name: "acme".into(),
            status: Some("Invoiced".into()),
            guids: vec!["not a guid".into(); MAX_GUIDS + 1],
        };
        let Err(SettleBillingEventsError::Invalid(errors)) =
            use_case.execute(&Access::AllClients, &too_many, "tx").await
        else {
            panic!("accepted too many");
        };
        assert_eq!(
            errors.iter().map(|(name, _)| name).collect::<Vec<_>>(),
            [Parameter::SettleGuids],
            "the count alone is named, not each bad item"
        );
    }
}
