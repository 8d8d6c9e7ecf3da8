//! A typed client of billing-events, for other Rust services.
//!
//! It exists for the places where a producer loses or doubles money: a retry with a
//! fresh guid, giving up on a 503, ignoring `Retry-After`, reading only the first page.
//! Here an event's guid is made once (it is part of the [`domain::NewBillingEvent`]
//! the caller builds), every retry sends the same guid, retryable failures are retried
//! with capped exponential backoff and jitter (honouring `Retry-After`), listings follow
//! `nextCursor` to the end, and answers are read through the `domain` crate's own
//! parsers, so an answer the service would never send is an error, not a default.
//!
//! ```no_run
//! # async fn producer() -> Result<(), billing_events_client::ClientError> {
//! use billing_events_client::{Client, Posted};
//! use domain::{
//!     BillingEventGuid, ClientName, EventStatus, EventType, MemberUniqueKey, NewBillingEvent,
//!     Price, Quantity, Timestamp,
//! };
//!
//! let client = Client::new("http://127.0.0.1:8080", "bek_…")?;
//! let usage = NewBillingEvent {
//!     guid: BillingEventGuid::new_random(),
//!     client: ClientName::parse("acme").unwrap(),
//!     member: MemberUniqueKey::parse("member-42").unwrap(),
//!     event_time: Timestamp::parse("2026-11-30T12:00:00Z").unwrap(),
//!     event_type: EventType::Usage,
//!     status: EventStatus::Pending,
//!     quantity: Quantity::parse("3").unwrap(),
//!     price: Price::parse("0.25").unwrap(),
//! };
//! match client.post(&usage).await? {
//!     Posted::Created(event) | Posted::AlreadyStored(event) => println!("stored {}", event.guid),
//! }
//! # Ok(())
//! # }
//! ```
#![warn(missing_docs)]

mod client;
mod error;
mod model;
mod retry;
mod wire;

pub use client::{Client, ClientBuilder};
pub use error::{ClientError, FieldErrors};
pub use model::{BatchItem, Posted, Settled, StoredEvent};
pub use retry::RetryPolicy;
