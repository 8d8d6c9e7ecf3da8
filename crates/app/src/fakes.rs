//! In-memory stand-ins for the ports, for the use cases' unit tests.

use crate::ports::{BillingEventRepository, Clock, Insertion, RepositoryError};
use async_trait::async_trait;
use domain::{BillingEvent, BillingEventDraft, BillingEventGuid, RawValue, Timestamp};
use std::collections::HashMap;
use std::sync::Mutex;

/// A repository in a map; `failing()` makes one whose database is always down.
#[derive(Debug, Default)]
pub struct InMemoryRepository {
    events: Mutex<HashMap<BillingEventGuid, BillingEvent>>,
    down: bool,
}

impl InMemoryRepository {
    pub fn failing() -> Self {
        Self {
            down: true,
            ..Self::default()
        }
    }

    pub fn len(&self) -> usize {
        self.events.lock().unwrap().len()
    }

    fn check_up(&self) -> Result<(), RepositoryError> {
        if self.down {
            Err(RepositoryError::Unavailable("database is down".into()))
        } else {
            Ok(())
        }
    }
}

#[async_trait]
impl BillingEventRepository for InMemoryRepository {
    async fn insert(&self, event: &BillingEvent) -> Result<Insertion, RepositoryError> {
        self.check_up()?;
        let mut events = self.events.lock().unwrap();
        if let Some(stored) = events.get(&event.guid) {
            return Ok(Insertion::AlreadyExists(stored.clone()));
        }
        events.insert(event.guid, event.clone());
        Ok(Insertion::Created)
    }

    async fn find(&self, guid: BillingEventGuid) -> Result<Option<BillingEvent>, RepositoryError> {
        self.check_up()?;
        Ok(self.events.lock().unwrap().get(&guid).cloned())
    }

    async fn ping(&self) -> Result<(), RepositoryError> {
        self.check_up()
    }
}

/// A clock stopped at one instant.
#[derive(Debug)]
pub struct FixedClock(Timestamp);

impl FixedClock {
    pub fn at(text: &str) -> Self {
        Self(Timestamp::parse(text).unwrap())
    }
}

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        self.0
    }
}

/// The original API's help-page sample, for client `acme`.
pub fn sample_draft() -> BillingEventDraft {
    let text = |value: &str| RawValue::Text(value.to_owned());
    BillingEventDraft {
        client_name: "acme".into(),
        billing_event_guid: text("6d91f288-c380-4652-bd35-ce286ac4c806"),
        member_unique_key: text("sample string 4"),
        event_date_time: text("2025-08-14T01:25:53.8669171+00:00"),
        event_type_id: text("Unknown"),
        invoice_billing_event_status_id: text("Unknown"),
        quantity: RawValue::Number("6.0".into()),
        price: RawValue::Number("7.0".into()),
    }
}
