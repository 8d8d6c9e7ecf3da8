//! Rebuilding a domain event from stored columns, shared by both backends.
//!
//! Stored values pass through the same constructors as input does, so a row that the
//! domain would refuse surfaces as an error instead of as a wrong event.

use crate::error::corrupt_row;
use app::RepositoryError;
use domain::{
    BillingEvent, BillingEventGuid, ClientName, EventStatus, EventType, HistoryEntry,
    MemberUniqueKey, Price, Quantity, Timestamp,
};
use rust_decimal::Decimal;

/// A backend's row of `billing_events`, which becomes a domain event.
pub(crate) trait StoredRow {
    fn into_event(self) -> Result<BillingEvent, RepositoryError>;
}

/// The events of `rows`, in order.
pub(crate) fn events<R: StoredRow>(rows: Vec<R>) -> Result<Vec<BillingEvent>, RepositoryError> {
    rows.into_iter().map(StoredRow::into_event).collect()
}

/// The columns of one stored event, in backend-neutral types.
pub(crate) struct StoredColumns {
    pub guid: uuid::Uuid,
    pub client_name: String,
    pub member_unique_key: String,
    pub event_date_time: Timestamp,
    pub event_type_id: i16,
    pub status_id: i16,
    pub quantity: Decimal,
    pub price: Decimal,
    pub modified_date_time: Timestamp,
    pub revision: i32,
}

impl StoredColumns {
    pub(crate) fn into_event(self) -> Result<BillingEvent, RepositoryError> {
        Ok(BillingEvent {
            guid: BillingEventGuid::from_uuid(self.guid).map_err(|e| corrupt_row("guid", e))?,
            client: ClientName::parse(&self.client_name)
                .map_err(|e| corrupt_row("client name", e))?,
            member: MemberUniqueKey::parse(self.member_unique_key)
                .map_err(|e| corrupt_row("member key", e))?,
            event_time: self.event_date_time,
            event_type: EventType::from_code(self.event_type_id.into())
                .map_err(|e| corrupt_row("event type", e))?,
            status: EventStatus::from_code(self.status_id.into())
                .map_err(|e| corrupt_row("status", e))?,
            quantity: Quantity::from_decimal(self.quantity)
                .map_err(|e| corrupt_row("quantity", e))?,
            price: Price::from_decimal(self.price).map_err(|e| corrupt_row("price", e))?,
            modified: self.modified_date_time,
            revision: u32::try_from(self.revision).map_err(|e| corrupt_row("revision", e))?,
        })
    }
}

/// Rebuilds a history entry from its stored columns.
pub(crate) fn history_entry(
    from: Option<i16>,
    to: i16,
    at: Timestamp,
    tx_id: String,
) -> Result<HistoryEntry, RepositoryError> {
    let status = |code: i16| {
        EventStatus::from_code(code.into()).map_err(|e| corrupt_row("history status", e))
    };
    Ok(HistoryEntry {
        from: from.map(status).transpose()?,
        to: status(to)?,
        at,
        tx_id,
    })
}

/// The history line of an event's creation: from no status to its own.
pub(crate) fn creation(event: &BillingEvent, tx_id: &str) -> HistoryEntry {
    HistoryEntry {
        from: None,
        to: event.status,
        at: event.modified,
        tx_id: tx_id.to_owned(),
    }
}

/// The revision as stored: a revision past `i32::MAX` would take billions of changes.
pub(crate) fn stored_revision(revision: u32) -> i32 {
    i32::try_from(revision).unwrap_or(i32::MAX)
}
