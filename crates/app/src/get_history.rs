//! Read an event's audit history: its creation and every status change.

use crate::common_error::CommonError;
use crate::ports::BillingEventRepository;
use domain::HistoryEntry;
use domain::{Access, BillingEventGuid};
use std::sync::Arc;

#[derive(Debug, Clone)]
pub struct GetBillingEventHistory {
    repository: Arc<dyn BillingEventRepository>,
}

impl GetBillingEventHistory {
    pub fn new(repository: Arc<dyn BillingEventRepository>) -> Self {
        Self { repository }
    }

    /// The history, oldest first, if the caller's `access` covers the event's client.
    ///
    /// # Errors
    /// `InvalidGuid`; `NotFound`, also for another client's event; `Repository`.
    pub async fn execute(
        &self,
        guid: &str,
        access: &Access,
    ) -> Result<(BillingEventGuid, Vec<HistoryEntry>), CommonError> {
        let guid = BillingEventGuid::parse(guid).map_err(CommonError::InvalidGuid)?;
        // A key scoped to one client first proves the event is its client's.
        if let Some(client) = access.client() {
            let event = self.repository.find(guid).await?;
            if event.is_none_or(|event| event.client != *client) {
                return Err(CommonError::NotFound);
            }
        }
        let entries = self
            .repository
            .history(guid)
            .await?
            .ok_or(CommonError::NotFound)?;
        Ok((guid, entries))
    }
}
