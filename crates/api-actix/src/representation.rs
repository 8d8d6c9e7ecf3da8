//! How a stored event is written back to clients: the original API's camelCase shape.

use crate::request_context::RequestContext;
use domain::BillingEvent;
use serde::Serialize;
use serde_json::Number;
use std::str::FromStr;

/// An event as the response body carries it, with the system fields of this call.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EventRepresentation {
    billing_event_guid: String,
    member_unique_key: String,
    event_date_time: String,
    event_type_id: &'static str,
    invoice_billing_event_status_id: &'static str,
    quantity: Number,
    price: Number,
    modified_date_time: String,
    execution_time: u64,
    #[serde(rename = "txID")]
    tx_id: String,
}

impl EventRepresentation {
    /// Call last, just before answering: `executionTime` is measured up to here.
    pub fn of(event: &BillingEvent, context: &RequestContext) -> Self {
        Self {
            billing_event_guid: event.guid.to_string(),
            member_unique_key: event.member.as_str().to_owned(),
            event_date_time: event.event_time.to_string(),
            event_type_id: event.event_type.name(),
            invoice_billing_event_status_id: event.status.name(),
            quantity: exact_number(&event.quantity.to_string()),
            price: exact_number(&event.price.to_string()),
            modified_date_time: event.modified.to_string(),
            execution_time: context.elapsed_millis(),
            tx_id: context.tx_id.clone(),
        }
    }
}

/// A JSON number written with exactly these digits (`6.0` stays `6.0`): with
/// `arbitrary_precision`, `serde_json` keeps a number's text as it is.
fn exact_number(decimal: &str) -> Number {
    Number::from_str(decimal).expect("a domain decimal is a valid JSON number")
}

#[cfg(test)]
mod tests {
    use super::exact_number;

    #[test]
    fn numbers_are_written_with_their_scale() {
        for text in [
            "6.0",
            "2.50",
            "-7",
            "0.0000000001",
            "123456789012345678.1234567890",
        ] {
            assert_eq!(serde_json::to_string(&exact_number(text)).unwrap(), text);
        }
    }
}
