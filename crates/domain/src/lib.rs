//! The billing-events domain: what a billing event is, the value types it is made of, and
//! the rules every service that handles one must agree on.
//!
//! Everything here is pure: no I/O, no clock, no runtime. Other Rust services depend on
//! this crate to read and write the same events, so every value type is valid once
//! constructed ("parse, don't validate") and every enum keeps stable numeric codes.

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
