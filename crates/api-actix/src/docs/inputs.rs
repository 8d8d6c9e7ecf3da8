//! The request bodies as the OpenAPI document describes them, and the examples of
//! requests and answers the operations show. Documentation only: bodies are decoded
//! field by field (see `decode`) so that every bad field can be named.

use crate::docs::samples;
use crate::vocabulary::{EventStatusSchema, EventTypeSchema};
use serde_json::Value;
use utoipa::ToSchema;

/// A billing event as a client posts it.
// Each property's schema is the domain's rule, set by `refinements` from
// `wire_schemas`; only the names and descriptions come from here.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct InvoiceBillingEventInput {
    /// Unique identifier for the billing event: any .NET GUID format (D, N, B, P). Absent,
    /// null or all zeros: the server makes one.
    billing_event_guid: Option<String>,
    /// Unique identifier for the member: 1–256 characters, not blank, no control
    /// characters; stored exactly as sent.
    member_unique_key: String,
    /// ISO 8601 date and time with `Z`, an offset, or none (UTC); up to 7 fractional
    /// digits; kept to the microsecond.
    event_date_time: String,
    /// Name in any case, or number. Default `Unknown`.
    event_type_id: Option<EventTypeSchema>,
    /// Name in any case, or number. Default `Unknown`.
    invoice_billing_event_status_id: Option<EventStatusSchema>,
    /// Exact decimal, as a number or a string: at most 18 digits before the point and 10
    /// after; the scale sent is kept.
    quantity: String,
    /// Exact decimal price of the event, as a number or a string; same limits.
    price: String,
}

/// The example for a request body in `content_type`: JSON as a JSON value, the others
/// as their text.
pub fn request_example(content_type: &str) -> Value {
    let sample = samples::REQUESTS
        .iter()
        .find(|sample| sample.content_type == content_type)
        .expect("a sample for every documented request type");
    if content_type.ends_with("json") {
        serde_json::from_str(sample.body).expect("the JSON sample is JSON")
    } else {
        Value::String(sample.body.to_owned())
    }
}

/// A batch of one event in XML: the XML sample inside `ArrayOfInvoiceBillingEvent`.
pub fn batch_xml_example() -> Value {
    Value::String(format!(
        "<ArrayOfInvoiceBillingEvent \
         xmlns=\"http://schemas.datacontract.org/2004/07/BillingEvents\">\n\
         {}\n</ArrayOfInvoiceBillingEvent>",
        request_example("application/xml")
            .as_str()
            .unwrap_or_default()
    ))
}

/// A settlement of the sample event.
pub fn settlement_example() -> Value {
    serde_json::json!({
        "status": "Invoiced",
        "billingEventGuids": ["6d91f288-c380-4652-bd35-ce286ac4c806"]
    })
}

/// The example of an event response in `content_type`.
pub fn response_example(content_type: &str) -> Value {
    let format = crate::encode::negotiation::negotiate(Some(content_type), None).format;
    let text = samples::response(format);
    if format.is_xml() {
        Value::String(text)
    } else {
        serde_json::from_str(&text).expect("the JSON sample is JSON")
    }
}

/// A status change of one event (only the status can change).
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct StatusChangeInput {
    invoice_billing_event_status_id: EventStatusSchema,
}

/// A bulk settlement: up to 10,000 guids of the client.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct SettlementInput {
    status: EventStatusSchema,
    billing_event_guids: Vec<String>,
}
