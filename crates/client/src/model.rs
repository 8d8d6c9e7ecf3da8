//! What calls return, in the domain's types.

use domain::{
    BillingEventGuid, EventStatus, EventType, MemberUniqueKey, Price, Quantity, Timestamp,
};

/// A billing event as the service stores it, with the system fields of the call that
/// returned it. Its client is not part of the service's answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    /// The event's guid.
    pub guid: BillingEventGuid,
    /// The member it belongs to, exactly as sent.
    pub member: MemberUniqueKey,
    /// When the billable thing happened (UTC).
    pub event_time: Timestamp,
    /// What kind of charge it is.
    pub event_type: EventType,
    /// Where it is in the invoicing lifecycle.
    pub status: EventStatus,
    /// How many units, exact, with the scale sent.
    pub quantity: Quantity,
    /// Price of one unit, exact, with the scale sent.
    pub price: Price,
    /// When the service stored it, or last changed its status (UTC).
    pub modified: Timestamp,
    /// Its revision, from the answer's `ETag`, where the answer carries one (single
    /// events do; events in a page do not).
    pub revision: Option<u32>,
    /// The transaction id of the call that returned it (quote it to the operators).
    pub tx_id: String,
}

/// What a post did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Posted {
    /// The service stored the event (201).
    Created(StoredEvent),
    /// The service already had this event (200): a retry, here or by an earlier
    /// attempt of this call whose answer was lost.
    AlreadyStored(StoredEvent),
}

impl Posted {
    /// The stored event, however it got there.
    pub fn event(&self) -> &StoredEvent {
        match self {
            Posted::Created(event) | Posted::AlreadyStored(event) => event,
        }
    }
}

/// What became of one item of a batch, as a single post of it would have answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchItem {
    /// Stored by this batch.
    Created(BillingEventGuid),
    /// Already stored (a retry).
    AlreadyStored(BillingEventGuid),
    /// The guid holds a different event; nothing stored.
    Conflict(BillingEventGuid),
    /// The item was refused, every bad field named; nothing stored.
    Invalid(crate::FieldErrors),
}

/// What settling one event did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settled {
    /// It moved to this status.
    Changed(EventStatus),
    /// It already had this status; nothing changed.
    Unchanged(EventStatus),
    /// No event of the client has the guid.
    NotFound,
    /// The lifecycle forbids the move from its current status.
    Forbidden {
        /// Its status, which stays.
        current: EventStatus,
        /// The service's words.
        detail: String,
    },
}
