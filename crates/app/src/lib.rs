//! The use cases of billing-events and the ports they need.
//!
//! No HTTP and no SQL here: adapters (`api-actix`, `infra-diesel`) call in and plug in.
//! Each use case has its own error enum, which the HTTP adapter maps in one place.

pub mod get_billing_event;
pub mod ports;
pub mod record_billing_event;

#[cfg(test)]
mod fakes;

pub use get_billing_event::{GetBillingEvent, GetBillingEventError};
pub use ports::{BillingEventRepository, Clock, Insertion, RepositoryError};
pub use record_billing_event::{RecordBillingEvent, RecordBillingEventError, Recorded};
