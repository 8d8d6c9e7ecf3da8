//! Read an event's audit history: its creation and every status change.

use crate::ports::{BillingEventRepository, RepositoryError};
use domain::HistoryEntry;
use domain::{Access, BillingEventGuid, GuidError};
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum GetHistoryError {
    #[error("the billing event guid {0}")]
    InvalidGuid(GuidError),
    #[error("no billing event has this guid")]
    NotFound,
    #[error(transparent)]
    Repository(#[from] RepositoryError),
}

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
    ) -> Result<(BillingEventGuid, Vec<HistoryEntry>), GetHistoryError> {
        let guid = BillingEventGuid::parse(guid).map_err(GetHistoryError::InvalidGuid)?;
        // A key scoped to one client first proves the event is its client's.
        if let Some(client) = access.client() {
            let event = self.repository.find(guid).await?;
            if event.is_none_or(|event| event.client != *client) {
                return Err(GetHistoryError::NotFound);
            }
        }
        let entries = self
            .repository
            .history(guid)
            .await?
            .ok_or(GetHistoryError::NotFound)?;
        Ok((guid, entries))
    }
}
