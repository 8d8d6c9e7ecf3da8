//! The use cases of billing-events and the ports they need.
//!
//! No HTTP and no SQL here: adapters (`api-actix`, `infra-diesel`) call in and plug in.
//! Each use case has its own error enum for what only it can refuse, and shares the
//! rest (`CommonError`: forbidden, invalid guid, not found, the store failing); the HTTP
//! adapter maps each kind in one place.

pub mod authenticate;
pub mod change_status;
mod common_error;
mod error_chain;
pub mod get_billing_event;
pub mod get_history;
pub mod list_billing_events;
pub mod manage_api_keys;
pub mod parameters;
pub mod ports;
pub mod record_billing_event;
pub mod record_billing_events;
pub mod settle_billing_events;
pub mod summarize_billing_events;

#[cfg(any(test, feature = "fakes"))]
#[allow(clippy::missing_panics_doc)] // stand-ins for tests fail loudly by design
pub mod fakes;

pub use authenticate::{AdmittedKey, Authenticate, AuthenticateError};
pub use change_status::{ChangeBillingEventStatus, ChangeStatusError, StatusChange};
pub use common_error::{authorize, CommonError};
pub use error_chain::error_chain;
pub use get_billing_event::GetBillingEvent;
pub use get_history::GetBillingEventHistory;
pub use list_billing_events::{ListBillingEvents, ListBillingEventsError, ListRequest, Page};
pub use manage_api_keys::{
    may_print, CreateApiKeyError, KeyHolder, ListApiKeysError, ManageApiKeys, RevokeApiKeyError,
};
pub use parameters::{FilterParameters, InvalidParameters, Parameter};
pub use ports::{
    ApiKeyRepository, BillingEventRepository, Clock, InsertRequest, Insertion, RepositoryError,
};
pub use record_billing_event::{RecordBillingEvent, RecordBillingEventError, Recorded};
pub use record_billing_events::{ItemOutcome, RecordBillingEvents, RecordBillingEventsError};
pub use settle_billing_events::{SettleBillingEvents, SettleBillingEventsError, SettleRequest};
pub use summarize_billing_events::{
    SummarizeBillingEvents, SummarizeBillingEventsError, SummaryRequest,
};
