//! Decoding a JSON body into the domain's draft.
//!
//! Property names match in any letter case, as ASP.NET binds them; unknown properties
//! are ignored; when a property comes twice (in any case) the last one wins, as in
//! Json.NET. Numbers keep their literal text (`serde_json`'s `arbitrary_precision`), so an
//! amount never passes through a float.

use crate::decode::DecodeError;
use crate::vocabulary::field_named;
use domain::{BillingEventDraft, Field, RawValue, Timestamp};
use serde::de::{
    DeserializeSeed, Deserializer, Error as _, IgnoredAny, MapAccess, SeqAccess, Visitor,
};
use serde::Deserialize;
use serde_json::value::RawValue as JsonText;
use std::borrow::Cow;
use std::cell::Cell;
use std::fmt;

// The body is read straight into drafts, property by property, without first building
// a `serde_json::Value` of the whole document or of any property: memory follows the
// fields kept, never the size or shape of what is skipped.

/// The draft for `client_name` from a JSON body.
///
/// # Errors
/// `MalformedBody` when the body is not JSON or not a JSON object.
pub fn decode(body: &[u8], client_name: &str) -> Result<BillingEventDraft, DecodeError> {
    whole(body, DraftSeed { client_name })
}

/// The drafts of a batch: a JSON array of event objects.
///
/// # Errors
/// `MalformedBody` when the body is not a JSON array, or an item is not an object;
/// `TooManyItems` as soon as it holds more than `max_items` (the rest is never read).
pub fn decode_many(
    body: &[u8],
    client_name: &str,
    max_items: usize,
) -> Result<Vec<BillingEventDraft>, DecodeError> {
    let over_limit = Cell::new(false);
    let seed = BatchSeed {
        client_name,
        max_items,
        over_limit: &over_limit,
    };
    whole(body, seed).map_err(|error| {
        if over_limit.get() {
            DecodeError::TooManyItems { limit: max_items }
        } else {
            error
        }
    })
}

/// Reads the body as one `seed`, with nothing but whitespace after it.
fn whole<'de, S: DeserializeSeed<'de>>(body: &'de [u8], seed: S) -> Result<S::Value, DecodeError> {
    let malformed = |error: serde_json::Error| DecodeError::MalformedBody(error.to_string());
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value = seed.deserialize(&mut deserializer).map_err(malformed)?;
    deserializer.end().map_err(malformed)?;
    Ok(value)
}

struct BatchSeed<'a> {
    client_name: &'a str,
    max_items: usize,
    /// Set when decoding stopped at the item limit (serde's error cannot say why).
    over_limit: &'a Cell<bool>,
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
        let mut drafts = Vec::new();
        while let Some(draft) = items.next_element_seed(DraftSeed {
            client_name: self.client_name,
        })? {
            if drafts.len() == self.max_items {
                self.over_limit.set(true);
                return Err(A::Error::custom("the batch holds too many items"));
            }
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
            let field = field_named(&name);
            match field.and_then(|field| draft.slot_mut(field)) {
                Some(slot) => {
                    *slot = raw(properties.next_value()?).map_err(A::Error::custom)?;
                    if field == Some(Field::EventDateTime) {
                        read_dotnet_date(slot);
                    }
                }
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

/// `DataContractJsonSerializer`'s default date, `/Date(1755134753866)/` or
/// `/Date(1755134753866-0400)/` (milliseconds since the Unix epoch, then the writer's
/// local offset), read as Json.NET reads it: that instant. The offset only says where the
/// writer was, so it is checked and set aside. Anything else is left for validation.
fn read_dotnet_date(value: &mut RawValue) {
    let RawValue::Text(text) = value else {
        return;
    };
    let Some(inside) = text
        .strip_prefix("/Date(")
        .and_then(|rest| rest.strip_suffix(")/"))
    else {
        return;
    };
    // The sign of the milliseconds is part of them; an offset's sign comes after a digit.
    let split = inside
        .char_indices()
        .skip(1)
        .find(|(_, c)| matches!(c, '+' | '-'))
        .map_or(inside.len(), |(at, _)| at);
    let (millis, offset) = inside.split_at(split);
    let offset_ok =
        offset.is_empty() || (offset.len() == 5 && offset[1..].bytes().all(|b| b.is_ascii_digit()));
    let instant = millis
        .parse::<i64>()
        .ok()
        .filter(|_| offset_ok)
        .and_then(|millis| millis.checked_mul(1000))
        .and_then(|micros| Timestamp::from_unix_micros(micros).ok());
    if let Some(instant) = instant {
        *value = RawValue::Text(instant.to_string());
    }
}

/// A property's value, from its JSON text as it stands in the body: an array or object
/// is checked and skipped, never built, so a huge one costs no memory.
pub(crate) fn raw(value: &JsonText) -> Result<RawValue, serde_json::Error> {
    let text = value.get();
    Ok(match text.as_bytes().first() {
        Some(b'"') => RawValue::Text(serde_json::from_str(text)?),
        Some(b'n') => RawValue::Missing,
        Some(b't' | b'f') => RawValue::Unsupported("a JSON boolean"),
        Some(b'[') => RawValue::Unsupported("a JSON array"),
        Some(b'{') => RawValue::Unsupported("a JSON object"),
        _ => RawValue::Number(text.to_owned()),
    })
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
    fn a_batch_stops_at_its_item_limit() {
        assert_eq!(decode_many(b"[{}, {}]", "acme", 2).unwrap().len(), 2);
        assert!(matches!(
            decode_many(b"[{}, {}, {}", "acme", 2),
            Err(DecodeError::TooManyItems { limit: 2 })
        ));
        assert!(matches!(
            decode_many(b"[{}, 1]", "acme", 2),
            Err(DecodeError::MalformedBody(_))
        ));
    }

    #[test]
    fn only_a_json_object_is_accepted() {
        for body in [&b""[..], b"[]", b"42", b"{\"a\":", b"not json"] {
            assert!(
                matches!(decode(body, "acme"), Err(DecodeError::MalformedBody(_))),
                "{body:?}"
            );
        }
    }

    #[test]
    fn dotnet_json_dates_are_their_instant() {
        let date = |text: &str| {
            let body = format!(r#"{{"eventDateTime": "{text}"}}"#);
            decode(body.as_bytes(), "acme").unwrap().event_date_time
        };
        let instant = RawValue::Text("2025-08-14T01:25:53.8660000+00:00".into());
        assert_eq!(date(r"\/Date(1755134753866)\/"), instant);
        assert_eq!(date(r"\/Date(1755134753866-0400)\/"), instant);
        assert_eq!(date("/Date(1755134753866+0530)/"), instant);
        assert_eq!(
            date(r"\/Date(-1000)\/"),
            RawValue::Text("1969-12-31T23:59:59.0000000+00:00".into())
        );
        for kept in [
            r"\/Date(x)\/",
            r"\/Date(1-04)\/",
            "/Date()/",
            "2025-08-14T01:25:53Z",
        ] {
            let text = serde_json::from_str::<String>(&format!("\"{kept}\"")).unwrap();
            assert_eq!(date(kept), RawValue::Text(text), "{kept}");
        }
    }
}
