//! Rebuilding a domain event from stored columns, shared by both backends.
//!
//! Stored values pass through the same constructors as input does, so a row that the
//! domain would refuse surfaces as an error instead of as a wrong event.

use crate::error::corrupt_row;
use app::RepositoryError;
use domain::{
    BillingEvent, BillingEventGuid, ClientName, EventStatus, EventType, MemberUniqueKey, Price,
    Quantity, Timestamp,
};
use rust_decimal::Decimal;

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
        })
    }
}
