//! Read one billing event by its guid.

use crate::common_error::CommonError;
use crate::ports::BillingEventRepository;
use domain::{Access, BillingEvent, BillingEventGuid};
use std::sync::Arc;

/// The use case. Cheap to clone; share one per process.
#[derive(Debug, Clone)]
pub struct GetBillingEvent {
    repository: Arc<dyn BillingEventRepository>,
}

impl GetBillingEvent {
    pub fn new(repository: Arc<dyn BillingEventRepository>) -> Self {
        Self { repository }
    }

    /// The event stored under the guid written in `guid` (any .NET format), if the
    /// caller's `access` covers its client.
    ///
    /// # Errors
    /// `InvalidGuid` when the text is not a GUID, or is the empty GUID (which .NET sends
    /// for "none", so it never names an event); `NotFound` when none is stored under it
    /// or it is another client's; `Repository` when the
    /// database failed.
    pub async fn execute(&self, guid: &str, access: &Access) -> Result<BillingEvent, CommonError> {
        let guid = BillingEventGuid::parse(guid).map_err(CommonError::InvalidGuid)?;
        self.repository
            .find(guid)
            .await?
            .filter(|event| access.permits(&event.client))
            .ok_or(CommonError::NotFound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fakes::{insert_request, sample_draft, InMemoryRepository};
    use domain::GuidError;
    use domain::Timestamp;

    #[tokio::test]
    async fn a_stored_event_is_found_by_its_guid_in_any_format() {
        let repository = Arc::new(InMemoryRepository::default());
        let event = sample_draft()
            .validate(BillingEventGuid::new_random)
            .unwrap()
            .stored_at(Timestamp::parse("2026-01-01T00:00:00Z").unwrap());
        repository
            .insert(insert_request(&event, "tx"))
            .await
            .unwrap();
        let use_case = GetBillingEvent::new(repository);
        let braced = format!("{{{}}}", event.guid.to_string().to_uppercase());
        assert_eq!(
            use_case
                .execute(&braced, &Access::AllClients)
                .await
                .unwrap(),
            event
        );
        let own = Access::Client(event.client.clone());
        assert_eq!(use_case.execute(&braced, &own).await.unwrap(), event);
        let other = Access::Client(domain::ClientName::parse("other").unwrap());
        assert!(matches!(
            use_case.execute(&braced, &other).await,
            Err(CommonError::NotFound)
        ));
    }

    #[tokio::test]
    async fn unknown_empty_and_malformed_guids_are_told_apart() {
        let use_case = GetBillingEvent::new(Arc::new(InMemoryRepository::default()));
        let unknown = use_case
            .execute("6d91f288-c380-4652-bd35-ce286ac4c806", &Access::AllClients)
            .await;
        assert!(matches!(unknown, Err(CommonError::NotFound)));
        let empty = use_case
            .execute("00000000000000000000000000000000", &Access::AllClients)
            .await;
        assert!(matches!(
            empty,
            Err(CommonError::InvalidGuid(GuidError::Empty))
        ));
        let malformed = use_case.execute("acme", &Access::AllClients).await;
        assert!(matches!(
            malformed,
            Err(CommonError::InvalidGuid(GuidError::Malformed))
        ));
    }
}
