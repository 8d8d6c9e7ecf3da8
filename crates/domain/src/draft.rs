//! A submission as it arrived, before validation, and the rules that turn it into a
//! [`NewBillingEvent`] or into the full list of what is wrong with it.
//!
//! Every body format (JSON, XML, form) decodes into a [`BillingEventDraft`]; nothing
//! downstream knows which format came in.

use crate::{
    BillingEventGuid, ClientName, EventStatus, EventType, Field, GuidError, MemberUniqueKey,
    NewBillingEvent, Price, Quantity, Timestamp,
};
use std::collections::BTreeMap;

/// One field's value as a body format delivered it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum RawValue {
    /// Not sent, or sent as null / `i:nil`.
    #[default]
    Missing,
    /// A value its format typed as text (in formats without types, every value).
    Text(String),
    /// A value its format typed as a number, as written (`6.0`, `1e3`): an amount may
    /// then have an exponent, a text field may not be one.
    Number(String),
    /// A value of a kind no field takes, named by the format for the error message
    /// ("a JSON boolean", "nested XML elements").
    Unsupported(&'static str),
}

/// A submission before validation: the client from the route and the body's fields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BillingEventDraft {
    /// Client the event is billed to, as the route names it.
    pub client_name: String,
    /// Event's identity; missing or all zeros means "make one".
    pub billing_event_guid: RawValue,
    /// Member the event belongs to.
    pub member_unique_key: RawValue,
    /// When the billable thing happened.
    pub event_date_time: RawValue,
    /// Kind of event, by name or code; missing means `Unknown`.
    pub event_type_id: RawValue,
    /// Settlement status, by name or code; missing means `Unknown`.
    pub invoice_billing_event_status_id: RawValue,
    /// How many units were used or charged.
    pub quantity: RawValue,
    /// Price of one unit.
    pub price: RawValue,
}

/// Every field that is wrong, with every reason, keyed by the field's wire name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValidationErrors(BTreeMap<Field, Vec<String>>);

impl ValidationErrors {
    /// Notes why `field` is wrong; a reason already noted for it is not repeated.
    pub fn add(&mut self, field: Field, message: impl Into<String>) {
        let (messages, message) = (self.0.entry(field).or_default(), message.into());
        if !messages.contains(&message) {
            messages.push(message);
        }
    }

    /// Whether no field is wrong.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The messages for one field; empty if it is fine.
    pub fn of(&self, field: Field) -> &[String] {
        self.0.get(&field).map_or(&[], Vec::as_slice)
    }

    /// Every wrong field with its messages, in the contract's field order.
    pub fn iter(&self) -> impl Iterator<Item = (Field, &[String])> {
        self.0
            .iter()
            .map(|(field, messages)| (*field, messages.as_slice()))
    }
}

impl std::fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let fields: Vec<_> = self.0.keys().map(|field| format!("{field:?}")).collect();
        write!(f, "invalid fields: {}", fields.join(", "))
    }
}

impl std::error::Error for ValidationErrors {}

impl BillingEventDraft {
    /// Where a body field's value goes; `None` for the client name, which only the
    /// route gives.
    pub fn slot_mut(&mut self, field: Field) -> Option<&mut RawValue> {
        match field {
            Field::ClientName => None,
            Field::BillingEventGuid => Some(&mut self.billing_event_guid),
            Field::MemberUniqueKey => Some(&mut self.member_unique_key),
            Field::EventDateTime => Some(&mut self.event_date_time),
            Field::EventTypeId => Some(&mut self.event_type_id),
            Field::InvoiceBillingEventStatusId => Some(&mut self.invoice_billing_event_status_id),
            Field::Quantity => Some(&mut self.quantity),
            Field::Price => Some(&mut self.price),
        }
    }

    /// Checks every field and returns the event, or every error at once so a client can
    /// fix its request in one round trip. A missing or empty guid gets the one
    /// `fresh_guid` makes (a time-ordered one, in the service): the rules themselves draw
    /// nothing at random.
    pub fn validate(
        self,
        fresh_guid: impl FnOnce() -> BillingEventGuid,
    ) -> Result<NewBillingEvent, ValidationErrors> {
        let mut errors = ValidationErrors::default();

        let client = record(
            &mut errors,
            Field::ClientName,
            ClientName::parse(&self.client_name).map_err(|e| e.to_string()),
        );
        let guid = record(
            &mut errors,
            Field::BillingEventGuid,
            guid(self.billing_event_guid, fresh_guid),
        );
        let member = record(
            &mut errors,
            Field::MemberUniqueKey,
            required_text(self.member_unique_key)
                .and_then(|text| MemberUniqueKey::parse(text).map_err(|e| e.to_string())),
        );
        let event_time = record(
            &mut errors,
            Field::EventDateTime,
            required_text(self.event_date_time)
                .and_then(|text| Timestamp::parse(&text).map_err(|e| e.to_string()))
                .and_then(set_by_the_client),
        );
        let event_type = record(
            &mut errors,
            Field::EventTypeId,
            coded(self.event_type_id, EventType::parse, EventType::default()),
        );
        let status = record(
            &mut errors,
            Field::InvoiceBillingEventStatusId,
            coded(
                self.invoice_billing_event_status_id,
                EventStatus::parse,
                EventStatus::default(),
            ),
        );
        let quantity = record(
            &mut errors,
            Field::Quantity,
            amount(self.quantity, Quantity::parse, Quantity::parse_number),
        );
        let price = record(
            &mut errors,
            Field::Price,
            amount(self.price, Price::parse, Price::parse_number),
        );

        match (
            client, guid, member, event_time, event_type, status, quantity, price,
        ) {
            (
                Some(client),
                Some(guid),
                Some(member),
                Some(event_time),
                Some(event_type),
                Some(status),
                Some(quantity),
                Some(price),
            ) => Ok(NewBillingEvent {
                guid,
                client,
                member,
                event_time,
                event_type,
                status,
                quantity,
                price,
            }),
            _ => Err(errors),
        }
    }
}

/// Keeps the value, or notes the field's error and yields nothing.
fn record<T>(errors: &mut ValidationErrors, field: Field, result: Result<T, String>) -> Option<T> {
    result.map_err(|message| errors.add(field, message)).ok()
}

const REQUIRED: &str = "is required";
const MUST_BE_STRING: &str = "must be a string";

fn kind_error(kind: &str) -> String {
    format!("must not be {kind}")
}

fn required_text(value: RawValue) -> Result<String, String> {
    match value {
        RawValue::Missing => Err(REQUIRED.to_owned()),
        RawValue::Text(text) => Ok(text),
        RawValue::Number(_) => Err(MUST_BE_STRING.to_owned()),
        RawValue::Unsupported(kind) => Err(kind_error(kind)),
    }
}

/// .NET's `default(DateTime)`, 0001-01-01T00:00:00: what a client that never set the
/// event's time sends. Stored, it would bill at the start of the calendar.
const DOTNET_DEFAULT_MICROS: i64 = -62_135_596_800_000_000;

fn set_by_the_client(time: Timestamp) -> Result<Timestamp, String> {
    if time.unix_micros() == DOTNET_DEFAULT_MICROS {
        return Err(
            "is 0001-01-01T00:00:00, .NET's default(DateTime): the event's time was never set"
                .to_owned(),
        );
    }
    Ok(time)
}

fn guid(
    value: RawValue,
    fresh_guid: impl FnOnce() -> BillingEventGuid,
) -> Result<BillingEventGuid, String> {
    match value {
        RawValue::Missing => Ok(fresh_guid()),
        RawValue::Text(text) => match BillingEventGuid::parse(&text) {
            Err(GuidError::Empty) => Ok(fresh_guid()),
            other => other.map_err(|e| e.to_string()),
        },
        RawValue::Number(_) => Err(MUST_BE_STRING.to_owned()),
        RawValue::Unsupported(kind) => Err(kind_error(kind)),
    }
}

fn coded<T, E: ToString>(
    value: RawValue,
    parse: fn(&str) -> Result<T, E>,
    default: T,
) -> Result<T, String> {
    match value {
        RawValue::Missing => Ok(default),
        RawValue::Text(text) | RawValue::Number(text) => parse(&text).map_err(|e| e.to_string()),
        RawValue::Unsupported(kind) => Err(kind_error(kind)),
    }
}

fn amount<T, E: ToString>(
    value: RawValue,
    parse_text: fn(&str) -> Result<T, E>,
    parse_number: fn(&str) -> Result<T, E>,
) -> Result<T, String> {
    match value {
        RawValue::Missing => Err(REQUIRED.to_owned()),
        RawValue::Text(text) => parse_text(&text).map_err(|e| e.to_string()),
        RawValue::Number(text) => parse_number(&text).map_err(|e| e.to_string()),
        RawValue::Unsupported(kind) => Err(kind_error(kind)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(value: &str) -> RawValue {
        RawValue::Text(value.to_owned())
    }

    fn number(value: &str) -> RawValue {
        RawValue::Number(value.to_owned())
    }

    fn seed_sample() -> BillingEventDraft {
        BillingEventDraft {
            client_name: "acme".into(),
            billing_event_guid: text("6d91f288-c380-4652-bd35-ce286ac4c806"),
            member_unique_key: text("sample string 4"),
            event_date_time: text("2025-08-14T01:25:53.8669171+00:00"),
            event_type_id: text("Unknown"),
            invoice_billing_event_status_id: text("Unknown"),
            quantity: number("6.0"),
            price: number("7.0"),
        }
    }

    #[test]
    fn the_seed_sample_is_valid() {
        let event = seed_sample()
            .validate(BillingEventGuid::new_random)
            .unwrap();
        assert_eq!(
            event.guid.to_string(),
            "6d91f288-c380-4652-bd35-ce286ac4c806"
        );
        assert_eq!(event.member.as_str(), "sample string 4");
        assert_eq!(event.quantity.to_string(), "6.0");
        assert_eq!(event.price.to_string(), "7.0");
        assert_eq!(event.event_type, EventType::Unknown);
    }

    #[test]
    fn dotnets_default_datetime_is_refused_as_never_set() {
        for unset in [
            "0001-01-01T00:00:00",
            "0001-01-01T00:00:00Z",
            "0001-01-01T00:00:00.0000000+00:00",
        ] {
            let draft = BillingEventDraft {
                event_date_time: text(unset),
                ..seed_sample()
            };
            let errors = draft.validate(BillingEventGuid::new_random).unwrap_err();
            assert!(
                errors.of(Field::EventDateTime)[0].contains("default(DateTime)"),
                "{unset}"
            );
        }
        let a_moment_later = BillingEventDraft {
            event_date_time: text("0001-01-01T00:00:01Z"),
            ..seed_sample()
        };
        assert!(a_moment_later
            .validate(BillingEventGuid::new_random)
            .is_ok());
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let draft = BillingEventDraft {
            client_name: "bad/name".into(),
            billing_event_guid: text("nope"),
            member_unique_key: RawValue::Missing,
            event_date_time: text("yesterday"),
            event_type_id: text("Refund"),
            invoice_billing_event_status_id: RawValue::Unsupported("a JSON boolean"),
            quantity: text("NaN"),
            price: RawValue::Unsupported("a JSON object"),
        };
        let errors = draft.validate(BillingEventGuid::new_random).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|(field, _)| field).collect();
        assert_eq!(fields, Field::ALL);
        assert_eq!(errors.of(Field::MemberUniqueKey), ["is required"]);
        assert_eq!(errors.of(Field::Price), ["must not be a JSON object"]);
    }

    #[test]
    fn a_missing_or_empty_guid_gets_the_fresh_one_and_a_sent_one_is_kept() {
        let fresh = BillingEventGuid::parse("0b7d3c1e-0000-4000-8000-000000000001").unwrap();
        let mut draft = seed_sample();
        for missing in [
            RawValue::Missing,
            text("00000000-0000-0000-0000-000000000000"),
        ] {
            draft.billing_event_guid = missing;
            assert_eq!(draft.clone().validate(|| fresh).unwrap().guid, fresh);
        }
        let sent = seed_sample()
            .validate(|| panic!("a sent guid draws no fresh one"))
            .unwrap();
        assert_eq!(
            sent.guid.to_string(),
            "6d91f288-c380-4652-bd35-ce286ac4c806"
        );
    }

    #[test]
    fn type_and_status_default_to_unknown_and_read_numbers() {
        let mut draft = seed_sample();
        draft.event_type_id = RawValue::Missing;
        draft.invoice_billing_event_status_id = number("2");
        let event = draft.validate(BillingEventGuid::new_random).unwrap();
        assert_eq!(event.event_type, EventType::Unknown);
        assert_eq!(event.status, EventStatus::Invoiced);
    }

    #[test]
    fn amounts_read_from_strings_and_numbers_but_not_booleans() {
        let mut draft = seed_sample();
        draft.quantity = text("2.50");
        draft.price = number("1e2");
        let event = draft
            .clone()
            .validate(BillingEventGuid::new_random)
            .unwrap();
        assert_eq!(event.quantity.to_string(), "2.50");
        assert_eq!(event.price.to_string(), "100");

        draft.price = RawValue::Unsupported("a JSON boolean");
        draft.quantity = RawValue::Missing;
        let errors = draft.validate(BillingEventGuid::new_random).unwrap_err();
        assert_eq!(errors.of(Field::Price), ["must not be a JSON boolean"]);
        assert_eq!(errors.of(Field::Quantity), ["is required"]);
    }

    #[test]
    fn strings_are_required_where_a_string_is_expected() {
        let mut draft = seed_sample();
        draft.member_unique_key = number("4");
        draft.billing_event_guid = number("1");
        let errors = draft.validate(BillingEventGuid::new_random).unwrap_err();
        assert_eq!(errors.of(Field::MemberUniqueKey), ["must be a string"]);
        assert_eq!(errors.of(Field::BillingEventGuid), ["must be a string"]);
    }
}
