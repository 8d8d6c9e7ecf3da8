//! In-memory stand-ins for the ports, for the use cases' unit tests.

use crate::ports::{
    ApiKeyRepository, BillingEventRepository, Clock, InsertRequest, Insertion, RepositoryError,
};
use async_trait::async_trait;
use domain::{
    ApiKeyId, ApiKeyRecord, BillingEvent, BillingEventDraft, BillingEventGuid, ClientName,
    EventFilter, EventStatus, GroupBy, HistoryEntry, Position, RawValue, SettleOutcome,
    SettleTarget, Summary, SummaryRow, Timestamp,
};
use std::collections::HashMap;
use std::sync::Mutex;

#[derive(Debug, Default)]
struct Store {
    events: HashMap<BillingEventGuid, BillingEvent>,
    history: HashMap<BillingEventGuid, Vec<HistoryEntry>>,
}

/// A repository in a map; `failing()` makes one whose database is always down.
#[derive(Debug, Default)]
pub struct InMemoryRepository {
    store: Mutex<Store>,
    down: bool,
}

impl InMemoryRepository {
    pub fn failing() -> Self {
        Self {
            down: true,
            ..Self::default()
        }
    }

    /// How many events are stored.
    pub fn stored_count(&self) -> usize {
        self.store.lock().unwrap().events.len()
    }

    fn check_up(&self) -> Result<(), RepositoryError> {
        if self.down {
            Err(RepositoryError::unavailable("database is down"))
        } else {
            Ok(())
        }
    }
}

#[async_trait]
impl BillingEventRepository for InMemoryRepository {
    async fn insert_many(
        &self,
        items: Vec<InsertRequest>,
    ) -> Result<Vec<Insertion>, RepositoryError> {
        self.check_up()?;
        let mut store = self.store.lock().unwrap();
        let mut results = Vec::with_capacity(items.len());
        for InsertRequest { event, tx_id } in items {
            if let Some(stored) = store.events.get(&event.guid) {
                results.push(Insertion::AlreadyExists(stored.clone()));
                continue;
            }
            let created = HistoryEntry {
                from: None,
                to: event.status,
                at: event.modified,
                tx_id,
            };
            store.history.insert(event.guid, vec![created]);
            store.events.insert(event.guid, event.clone());
            results.push(Insertion::Created(event));
        }
        Ok(results)
    }

    async fn find(&self, guid: BillingEventGuid) -> Result<Option<BillingEvent>, RepositoryError> {
        self.check_up()?;
        Ok(self.store.lock().unwrap().events.get(&guid).cloned())
    }

    async fn settle(
        &self,
        scope: Option<&ClientName>,
        targets: &[SettleTarget],
        to: EventStatus,
        at: Timestamp,
        tx_id: &str,
    ) -> Result<Vec<SettleOutcome>, RepositoryError> {
        self.check_up()?;
        let mut store = self.store.lock().unwrap();
        let mut outcomes = Vec::new();
        for target in targets {
            let current = store.events.get(&target.guid).cloned();
            let outcome = target.decide(current.as_ref(), scope, to, at);
            if let (SettleOutcome::Changed(changed), Some(before)) = (&outcome, &current) {
                let entry = outcome
                    .history_entry(before.status, tx_id)
                    .expect("a change has an entry");
                store.history.entry(changed.guid).or_default().push(entry);
                store.events.insert(changed.guid, changed.clone());
            }
            outcomes.push(outcome);
        }
        Ok(outcomes)
    }

    async fn history(
        &self,
        guid: BillingEventGuid,
    ) -> Result<Option<Vec<HistoryEntry>>, RepositoryError> {
        self.check_up()?;
        Ok(self.store.lock().unwrap().history.get(&guid).cloned())
    }

    async fn list(
        &self,
        filter: &EventFilter,
        after: Option<Position>,
        limit: u32,
    ) -> Result<Vec<BillingEvent>, RepositoryError> {
        self.check_up()?;
        let store = self.store.lock().unwrap();
        let mut events: Vec<BillingEvent> = store
            .events
            .values()
            .filter(|event| {
                filter.matches(event) && after.is_none_or(|position| position.precedes(event))
            })
            .cloned()
            .collect();
        events.sort_by_key(|event| (event.event_time, event.guid));
        events.truncate(limit as usize);
        Ok(events)
    }

    async fn summarize(
        &self,
        filter: &EventFilter,
        group_by: &[GroupBy],
    ) -> Result<Vec<SummaryRow>, RepositoryError> {
        self.check_up()?;
        let store = self.store.lock().unwrap();
        Ok(Summary::of(
            store.events.values().filter(|event| filter.matches(event)),
            group_by,
        ))
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

/// The request to insert `event` under `tx_id`.
pub fn insert_request(event: &BillingEvent, tx_id: &str) -> InsertRequest {
    InsertRequest {
        event: event.clone(),
        tx_id: tx_id.to_owned(),
    }
}

/// A new event of client `acme` at second `second` of 2025-01-01, with a random guid.
pub fn event_at(second: u32) -> BillingEvent {
    let mut draft = sample_draft();
    draft.billing_event_guid = RawValue::Missing;
    draft.event_date_time = RawValue::Text(format!("2025-01-01T00:00:{second:02}Z"));
    draft
        .validate(BillingEventGuid::new_random)
        .unwrap()
        .stored_at(Timestamp::parse("2026-01-01T00:00:00Z").unwrap())
}

/// A key store in a vector.
#[derive(Debug, Default)]
pub struct InMemoryKeys(Mutex<Vec<ApiKeyRecord>>);

#[async_trait]
impl ApiKeyRepository for InMemoryKeys {
    async fn add_key(&self, key: &ApiKeyRecord) -> Result<(), RepositoryError> {
        let mut keys = self.0.lock().unwrap();
        if keys.iter().any(|stored| stored.id == key.id) {
            return Err(RepositoryError::unexpected("a key id is stored once"));
        }
        keys.push(key.clone());
        Ok(())
    }

    async fn find_key(&self, id: &ApiKeyId) -> Result<Option<ApiKeyRecord>, RepositoryError> {
        Ok(self
            .0
            .lock()
            .unwrap()
            .iter()
            .find(|key| key.id == *id)
            .cloned())
    }

    async fn list_keys(
        &self,
        client: Option<&ClientName>,
    ) -> Result<Vec<ApiKeyRecord>, RepositoryError> {
        let keys = self.0.lock().unwrap();
        let mut listed: Vec<ApiKeyRecord> = keys
            .iter()
            .filter(|key| client.is_none_or(|client| key.access.client() == Some(client)))
            .cloned()
            .collect();
        listed.sort_by_key(|key| (key.created, key.id.to_string()));
        Ok(listed)
    }

    async fn revoke_key(&self, id: &ApiKeyId, at: Timestamp) -> Result<bool, RepositoryError> {
        let mut keys = self.0.lock().unwrap();
        let Some(key) = keys.iter_mut().find(|key| key.id == *id) else {
            return Ok(false);
        };
        key.revoked.get_or_insert(at);
        Ok(true)
    }
}
