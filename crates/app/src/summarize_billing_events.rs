//! Exact totals of a client's events, per group.

use crate::common_error::{from_repository_error, CommonError};
use crate::parameters::{FilterParameters, InvalidParameters, Parameter};
use crate::ports::BillingEventRepository;
use domain::Access;
use domain::{GroupBy, SummaryRow};
use std::sync::Arc;

/// A summary request, as it arrived.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SummaryRequest {
    pub filter: FilterParameters,
    /// `member`, `type` or `status`, in any case, repeatable.
    pub group_by: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum SummarizeBillingEventsError {
    #[error("{0}")]
    Invalid(InvalidParameters),
    /// Forbidden, invalid guid, not found, or the store failing.
    #[error(transparent)]
    Common(#[from] CommonError),
}
from_repository_error!(SummarizeBillingEventsError);

#[derive(Debug, Clone)]
pub struct SummarizeBillingEvents {
    repository: Arc<dyn BillingEventRepository>,
}

impl SummarizeBillingEvents {
    pub fn new(repository: Arc<dyn BillingEventRepository>) -> Self {
        Self { repository }
    }

    /// Counts, Σ quantity and Σ quantity × price per group, exact to the last digit.
    /// Another client's events are as absent for a scoped key as a client with none.
    ///
    /// # Errors
    /// `Invalid` naming every bad parameter; `Repository` when the database failed.
    pub async fn execute(
        &self,
        request: &SummaryRequest,
        access: &Access,
    ) -> Result<Vec<SummaryRow>, SummarizeBillingEventsError> {
        let mut errors = InvalidParameters::default();
        let filter = request.filter.parse(&mut errors, access);
        let mut group_by = Vec::new();
        for text in &request.group_by {
            let key = match text.to_ascii_lowercase().as_str() {
                "member" => GroupBy::Member,
                "type" => GroupBy::Type,
                "status" => GroupBy::Status,
                _ => {
                    errors.add(Parameter::GroupBy, "must be member, type or status");
                    continue;
                }
            };
            if !group_by.contains(&key) {
                group_by.push(key);
            }
        }
        let filter = errors
            .or_ok(filter)
            .map_err(SummarizeBillingEventsError::Invalid)?;
        let Some(filter) = filter else {
            unreachable!("no errors means the filter parsed");
        };
        if !access.permits(&filter.client) {
            // Exactly what a client of one's own without events gets, so the answer
            // does not say whether the other client exists.
            return Ok(domain::Summary::of(std::iter::empty(), &group_by));
        }
        Ok(self.repository.summarize(&filter, &group_by).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fakes::{event_at, insert_request, InMemoryRepository};
    use domain::{Price, Quantity};

    #[tokio::test]
    async fn totals_are_exact_per_group() {
        let repository = Arc::new(InMemoryRepository::default());
        for (second, quantity, price) in [
            (1, "1", "0.1"),
            (2, "1", "0.1"),
            (3, "1.0", "0.10"),
            (4, "100", "2.50"),
        ] {
            let mut event = event_at(second);
            event.quantity = Quantity::parse(quantity).unwrap();
            event.price = Price::parse(price).unwrap();
            if second == 4 {
                event.event_type = domain::EventType::Credit;
            }
            repository
                .insert(insert_request(&event, "tx"))
                .await
                .unwrap();
        }
        let use_case = SummarizeBillingEvents::new(repository);
        let request = |group_by: &[&str]| SummaryRequest {
            filter: FilterParameters {
                client_name: Some("acme".into()),
                ..FilterParameters::default()
            },
            group_by: group_by.iter().map(|key| (*key).to_owned()).collect(),
        };
        let overall = use_case
            .execute(&request(&[]), &Access::AllClients)
            .await
            .unwrap();
        assert_eq!(overall.len(), 1);
        assert_eq!(
            (overall[0].count, overall[0].total_amount.to_string()),
            (4, "250.3".to_owned())
        );
        assert_eq!(overall[0].total_quantity.to_string(), "103");
        let acme = Access::Client(domain::ClientName::parse("acme").unwrap());
        let unnamed = SummaryRequest::default();
        assert_eq!(use_case.execute(&unnamed, &acme).await.unwrap(), overall);
        let other = Access::Client(domain::ClientName::parse("other").unwrap());
        let foreign = use_case.execute(&request(&[]), &other).await.unwrap();
        let own_without_events = use_case.execute(&unnamed, &other).await.unwrap();
        assert_eq!(
            foreign, own_without_events,
            "another client looks like a client without events"
        );
        assert_eq!(foreign[0].count, 0);
        let by_type = use_case
            .execute(&request(&["TYPE", "type"]), &Access::AllClients)
            .await
            .unwrap();
        let amounts: Vec<_> = by_type
            .iter()
            .map(|row| (row.event_type, row.total_amount.to_string()))
            .collect();
        assert_eq!(
            amounts,
            [
                (Some(domain::EventType::Unknown), "0.3".to_owned()),
                (Some(domain::EventType::Credit), "250".to_owned())
            ]
        );
        let Err(SummarizeBillingEventsError::Invalid(errors)) = use_case
            .execute(&request(&["day"]), &Access::AllClients)
            .await
        else {
            panic!("accepted groupBy=day");
        };
        assert_eq!(
            errors.iter().map(|(name, _)| name).collect::<Vec<_>>(),
            [Parameter::GroupBy]
        );
    }
}
