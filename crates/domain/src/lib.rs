//! The billing-events domain: what a billing event is, the value types it is made of, and
//! the rules every service that handles one must agree on.
//!
//! Everything here is pure: no I/O, no clock, no runtime. Other Rust services depend on
//! this crate to read and write the same events, so every value type is valid once
//! constructed ("parse, don't validate") and every enum keeps stable numeric codes.
//!
//! # Example
//!
//! A submission built from parsed values, then stored: it starts at revision 1, and its
//! amounts print back exactly as sent.
//!
//! ```
//! use domain::{
//!     BillingEventGuid, ClientName, EventStatus, EventType, MemberUniqueKey,
//!     NewBillingEvent, Price, Quantity, Timestamp,
//! };
//!
//! let submission = NewBillingEvent {
//!     guid: BillingEventGuid::parse("6d91f288-c380-4652-bd35-ce286ac4c806").unwrap(),
//!     client: ClientName::parse("Acme").unwrap(),
//!     member: MemberUniqueKey::parse("member-42").unwrap(),
//!     event_time: Timestamp::parse("2025-08-14T01:25:53.8669171+00:00").unwrap(),
//!     event_type: EventType::Usage,
//!     status: EventStatus::Pending,
//!     quantity: Quantity::parse("6.0").unwrap(),
//!     price: Price::parse("2.50").unwrap(),
//! };
//! let stored = submission.stored_at(Timestamp::parse("2025-08-14T01:26:00Z").unwrap());
//!
//! assert_eq!(stored.revision, 1);
//! assert_eq!(stored.client.as_str(), "acme");
//! assert_eq!(stored.quantity.to_string(), "6.0");
//! assert_eq!(stored.price.to_string(), "2.50");
//! assert_eq!(
//!     stored.event_time.to_string(),
//!     "2025-08-14T01:25:53.8669170+00:00"
//! );
//! ```
#![warn(missing_docs)]

mod amount;
mod api_key;
mod client_name;
mod coded_enum;
mod draft;
mod event;
mod event_status;
mod event_type;
mod field;
mod filter;
mod guid;
mod member_key;
mod settlement;
mod summary;
#[cfg(test)]
mod test_events;
mod timestamp;

pub use amount::{AmountError, Price, Quantity};
pub use api_key::{
    Access, ApiKeyHash, ApiKeyId, ApiKeyIdError, ApiKeyRecord, IssuedKey, MalformedKey,
    PresentedKey,
};
pub use client_name::{ClientName, ClientNameError};
pub use coded_enum::UnknownCode;
pub use draft::{BillingEventDraft, RawValue, ValidationErrors};
pub use event::{BillingEvent, ForbiddenTransition, NewBillingEvent, Settlement};
pub use event_status::{EventStatus, Transition};
pub use event_type::EventType;
pub use field::Field;
pub use filter::{EventFilter, Position};
pub use guid::{BillingEventGuid, GuidError};
pub use member_key::{MemberKeyError, MemberUniqueKey};
pub use settlement::{HistoryEntry, SettleOutcome, SettleTarget};
pub use summary::{canonical_total, GroupBy, Summary, SummaryRow};
pub use timestamp::{Timestamp, TimestampError};
