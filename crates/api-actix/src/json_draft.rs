//! Decoding a JSON body into the domain's draft.
//!
//! Property names match in any letter case, as ASP.NET binds them; unknown properties
//! are ignored; when a property comes twice (in any case) the last one wins, as in
//! Json.NET. Numbers keep their literal text (`serde_json`'s `arbitrary_precision`), so an
//! amount never passes through a float.

use crate::api_error::ApiError;
use domain::{BillingEventDraft, Field, RawValue};
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;
use std::borrow::Cow;
use std::fmt;

// The body is read straight into drafts, property by property, without first building
// a `serde_json::Value` of the whole document: a batch of 1,000 events would otherwise
// allocate a map and a key string per property of every event only to throw them away.

/// The draft for `client_name` from a JSON body.
///
/// # Errors
/// `MalformedBody` when the body is not JSON or not a JSON object.
pub fn decode(body: &[u8], client_name: &str) -> Result<BillingEventDraft, ApiError> {
    whole(body, DraftSeed { client_name })
}

/// The drafts of a batch: a JSON array of event objects.
///
/// # Errors
/// `MalformedBody` when the body is not a JSON array, or an item is not an object.
pub fn decode_many(body: &[u8], client_name: &str) -> Result<Vec<BillingEventDraft>, ApiError> {
    whole(body, BatchSeed { client_name })
}

/// Reads the body as one `seed`, with nothing but whitespace after it.
fn whole<'de, S: DeserializeSeed<'de>>(body: &'de [u8], seed: S) -> Result<S::Value, ApiError> {
    let malformed = |error: serde_json::Error| ApiError::MalformedBody(error.to_string());
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value = seed.deserialize(&mut deserializer).map_err(malformed)?;
    deserializer.end().map_err(malformed)?;
    Ok(value)
}

struct BatchSeed<'a> {
    client_name: &'a str,
}

impl<'de> DeserializeSeed<'de> for BatchSeed<'_> {
    type Value = Vec<BillingEventDraft>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for BatchSeed<'_> {
    type Value = Vec<BillingEventDraft>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a batch: a JSON array of billing events")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<Self::Value, A::Error> {
        let mut drafts = Vec::with_capacity(items.size_hint().unwrap_or(0).min(10_000));
        while let Some(draft) = items.next_element_seed(DraftSeed {
            client_name: self.client_name,
        })? {
            drafts.push(draft);
        }
        Ok(drafts)
    }
}

struct DraftSeed<'a> {
    client_name: &'a str,
}

impl<'de> DeserializeSeed<'de> for DraftSeed<'_> {
    type Value = BillingEventDraft;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for DraftSeed<'_> {
    type Value = BillingEventDraft;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a billing event: a JSON object with the billing event's properties")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut properties: A) -> Result<Self::Value, A::Error> {
        let mut draft = BillingEventDraft {
            client_name: self.client_name.to_owned(),
            ..BillingEventDraft::default()
        };
        while let Some(PropertyName(name)) = properties.next_key()? {
            // The client comes from the route; system fields and unknown ones are
            // skipped without being kept. A later duplicate overwrites an earlier one.
            match Field::from_name_ignoring_case(&name).and_then(|field| draft.slot_mut(field)) {
                Some(slot) => *slot = raw(properties.next_value()?),
                None => {
                    properties.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(draft)
    }
}

/// A property name, borrowed from the body unless it has escapes.
struct PropertyName<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for PropertyName<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NameVisitor;
        impl<'de> Visitor<'de> for NameVisitor {
            type Value = PropertyName<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a property name")
            }

            fn visit_borrowed_str<E>(self, name: &'de str) -> Result<Self::Value, E> {
                Ok(PropertyName(Cow::Borrowed(name)))
            }

            fn visit_str<E>(self, name: &str) -> Result<Self::Value, E> {
                Ok(PropertyName(Cow::Owned(name.to_owned())))
            }
        }
        deserializer.deserialize_str(NameVisitor)
    }
}

fn raw(value: Value) -> RawValue {
    match value {
        Value::Null => RawValue::Missing,
        Value::String(text) => RawValue::Text(text),
        Value::Number(number) => RawValue::Number(number.to_string()),
        Value::Bool(_) => RawValue::Unsupported("a JSON boolean"),
        Value::Array(_) => RawValue::Unsupported("a JSON array"),
        Value::Object(_) => RawValue::Unsupported("a JSON object"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_their_literal_text() {
        let draft = decode(
            br#"{"quantity": 6.0, "price": 12345678901234.5678}"#,
            "acme",
        )
        .unwrap();
        assert_eq!(draft.quantity, RawValue::Number("6.0".into()));
        assert_eq!(draft.price, RawValue::Number("12345678901234.5678".into()));
    }

    #[test]
    fn property_names_match_in_any_case_and_the_last_duplicate_wins() {
        let draft = decode(
            br#"{"MemberUniqueKey": "a", "PRICE": "1", "price": "2"}"#,
            "acme",
        )
        .unwrap();
        assert_eq!(draft.member_unique_key, RawValue::Text("a".into()));
        assert_eq!(draft.price, RawValue::Text("2".into()));
    }

    #[test]
    fn the_client_comes_from_the_route_and_unknown_properties_are_ignored() {
        let draft = decode(
            br#"{"clientName": "evil", "txID": "x", "extra": [1]}"#,
            "acme",
        )
        .unwrap();
        assert_eq!(draft.client_name, "acme");
        assert_eq!(
            draft,
            BillingEventDraft {
                client_name: "acme".into(),
                ..BillingEventDraft::default()
            }
        );
    }

    #[test]
    fn nulls_are_missing_and_other_kinds_are_named() {
        let draft = decode(
            br#"{"quantity": null, "price": true, "eventTypeId": {}}"#,
            "acme",
        )
        .unwrap();
        assert_eq!(draft.quantity, RawValue::Missing);
        assert_eq!(draft.price, RawValue::Unsupported("a JSON boolean"));
        assert_eq!(draft.event_type_id, RawValue::Unsupported("a JSON object"));
    }

    #[test]
    fn only_a_json_object_is_accepted() {
        for body in [&b""[..], b"[]", b"42", b"{\"a\":", b"not json"] {
            assert!(
                matches!(decode(body, "acme"), Err(ApiError::MalformedBody(_))),
                "{body:?}"
            );
        }
    }
}
