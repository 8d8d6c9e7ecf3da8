//! The service's JSON, both ways. Requests carry amounts as decimal strings (exact, and
//! taken by the service as sent); answers are read through the domain's own parsers,
//! with amounts from their literal text, so nothing passes through a float and an
//! answer the service would never send is an error.

use crate::error::{ClientError, FieldErrors};
use crate::model::StoredEvent;
use bigdecimal::BigDecimal;
use domain::{
    BillingEventGuid, EventStatus, EventType, GroupBy, MemberUniqueKey, NewBillingEvent, Price,
    Quantity, SummaryRow, Timestamp,
};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{json, Value};
use std::str::FromStr;

/// The body of a post: the contract's camelCase fields.
pub fn event_body(event: &NewBillingEvent) -> Value {
    json!({
        "billingEventGuid": event.guid.to_string(),
        "memberUniqueKey": event.member.as_str(),
        "eventDateTime": event.event_time.to_string(),
        "eventTypeId": event.event_type.name(),
        "invoiceBillingEventStatusId": event.status.name(),
        "quantity": event.quantity.to_string(),
        "price": event.price.to_string(),
    })
}

fn unexpected(what: impl std::fmt::Display) -> ClientError {
    ClientError::UnexpectedResponse(what.to_string())
}

/// Reads `text` as `T`, any failure an unexpected answer.
pub fn parse<'a, T: Deserialize<'a>>(text: &'a str) -> Result<T, ClientError> {
    serde_json::from_str(text).map_err(|error| unexpected(format!("{error}: {text:.200}")))
}

/// An event as answers carry it.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventJson {
    billing_event_guid: String,
    member_unique_key: String,
    event_date_time: String,
    event_type_id: String,
    invoice_billing_event_status_id: String,
    quantity: Box<RawValue>,
    price: Box<RawValue>,
    modified_date_time: String,
    // Part of every event answer; read so that its absence is an error.
    #[allow(dead_code)]
    execution_time: u64,
    #[serde(rename = "txID")]
    tx_id: String,
}

impl EventJson {
    /// The event, every field through its domain parser.
    pub fn into_event(self, revision: Option<u32>) -> Result<StoredEvent, ClientError> {
        Ok(StoredEvent {
            guid: BillingEventGuid::parse(&self.billing_event_guid).map_err(unexpected)?,
            member: MemberUniqueKey::parse(self.member_unique_key).map_err(unexpected)?,
            event_time: Timestamp::parse(&self.event_date_time).map_err(unexpected)?,
            event_type: EventType::parse(&self.event_type_id).map_err(unexpected)?,
            status: EventStatus::parse(&self.invoice_billing_event_status_id)
                .map_err(unexpected)?,
            quantity: amount(&self.quantity, Quantity::parse, Quantity::parse_number)?,
            price: amount(&self.price, Price::parse, Price::parse_number)?,
            modified: Timestamp::parse(&self.modified_date_time).map_err(unexpected)?,
            revision,
            tx_id: self.tx_id,
        })
    }
}

/// An amount from its JSON text: a number's literal, or a string's content.
fn amount<T, E: std::fmt::Display>(
    raw: &RawValue,
    from_text: fn(&str) -> Result<T, E>,
    from_number: fn(&str) -> Result<T, E>,
) -> Result<T, ClientError> {
    let text = raw.get();
    if text.starts_with('"') {
        let unquoted: String = serde_json::from_str(text).map_err(unexpected)?;
        from_text(&unquoted).map_err(unexpected)
    } else {
        from_number(text).map_err(unexpected)
    }
}

/// A decimal total from its JSON literal, exact.
fn total(raw: &RawValue) -> Result<BigDecimal, ClientError> {
    let text = raw.get().trim_matches('"');
    BigDecimal::from_str(text).map_err(unexpected)
}

/// A page of a listing.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageJson {
    pub items: Vec<EventJson>,
    pub next_cursor: Option<String>,
}

/// A summary.
#[derive(Deserialize)]
pub struct SummaryJson {
    groups: Vec<GroupJson>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GroupJson {
    member_unique_key: Option<String>,
    event_type_id: Option<String>,
    invoice_billing_event_status_id: Option<String>,
    count: u64,
    total_quantity: Box<RawValue>,
    total_amount: Box<RawValue>,
}

impl SummaryJson {
    /// The rows, each key grouped by present and checked against `group_by`.
    pub fn into_rows(self, group_by: &[GroupBy]) -> Result<Vec<SummaryRow>, ClientError> {
        self.groups
            .into_iter()
            .map(|group| {
                let row = SummaryRow {
                    member: group
                        .member_unique_key
                        .map(MemberUniqueKey::parse)
                        .transpose()
                        .map_err(unexpected)?,
                    event_type: group
                        .event_type_id
                        .map(|name| EventType::parse(&name))
                        .transpose()
                        .map_err(unexpected)?,
                    status: group
                        .invoice_billing_event_status_id
                        .map(|name| EventStatus::parse(&name))
                        .transpose()
                        .map_err(unexpected)?,
                    count: group.count,
                    total_quantity: total(&group.total_quantity)?,
                    total_amount: total(&group.total_amount)?,
                };
                let keys = [
                    (GroupBy::Member, row.member.is_some()),
                    (GroupBy::Type, row.event_type.is_some()),
                    (GroupBy::Status, row.status.is_some()),
                ];
                if keys
                    .iter()
                    .any(|(key, present)| group_by.contains(key) != *present)
                {
                    return Err(unexpected("a summary group without its keys"));
                }
                Ok(row)
            })
            .collect()
    }
}

/// A batch's answer.
#[derive(Deserialize)]
pub struct BatchJson {
    pub results: Vec<BatchResultJson>,
}

/// One item of a batch's answer.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchResultJson {
    pub index: usize,
    pub status: u16,
    pub billing_event_guid: Option<String>,
    pub errors: Option<FieldErrors>,
}

/// A bulk settlement's answer.
#[derive(Deserialize)]
pub struct SettlementJson {
    pub results: Vec<SettlementResultJson>,
}

/// One guid of a bulk settlement's answer.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SettlementResultJson {
    pub billing_event_guid: String,
    pub outcome: String,
    pub invoice_billing_event_status_id: Option<String>,
    pub detail: Option<String>,
}

/// A problem (RFC 9457) as the service writes it.
#[derive(Deserialize)]
pub struct ProblemJson {
    pub detail: String,
    #[serde(default)]
    pub errors: FieldErrors,
}

/// The revision an `ETag` names (`"3"`).
pub fn revision(etag: Option<&str>) -> Option<u32> {
    etag?.strip_prefix('"')?.strip_suffix('"')?.parse().ok()
}
