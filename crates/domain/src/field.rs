//! The fields of a submitted event, used to say which field is wrong. How a format
//! names them is the adapter's business.

/// A field of a submitted billing event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    /// Client the event is billed to, from the route.
    ClientName,
    /// Event's identity (GUID).
    BillingEventGuid,
    /// Member the event belongs to.
    MemberUniqueKey,
    /// When the billable thing happened.
    EventDateTime,
    /// Kind of event.
    EventTypeId,
    /// Settlement status.
    InvoiceBillingEventStatusId,
    /// How many units were used or charged.
    Quantity,
    /// Price of one unit.
    Price,
}

impl Field {
    /// Every field a client can send, in the contract's order.
    pub const ALL: [Field; 8] = [
        Field::ClientName,
        Field::BillingEventGuid,
        Field::MemberUniqueKey,
        Field::EventDateTime,
        Field::EventTypeId,
        Field::InvoiceBillingEventStatusId,
        Field::Quantity,
        Field::Price,
    ];
}
