//! Events for this crate's unit tests.

use crate::{
    BillingEvent, BillingEventGuid, ClientName, EventStatus, EventType, MemberUniqueKey,
    NewBillingEvent, Price, Quantity, Timestamp,
};

/// A stored `Pending` usage event of client `acme`, member `m`, at 2025-01-01, stored
/// 2026-01-01, revision 1.
pub fn pending_event() -> BillingEvent {
    NewBillingEvent {
        guid: BillingEventGuid::parse("6d91f288-c380-4652-bd35-ce286ac4c806").unwrap(),
        client: ClientName::parse("acme").unwrap(),
        member: MemberUniqueKey::parse("m").unwrap(),
        event_time: Timestamp::parse("2025-01-01T00:00:00Z").unwrap(),
        event_type: EventType::Usage,
        status: EventStatus::Pending,
        quantity: Quantity::parse("1").unwrap(),
        price: Price::parse("2.50").unwrap(),
    }
    .stored_at(Timestamp::parse("2026-01-01T00:00:00Z").unwrap())
}
