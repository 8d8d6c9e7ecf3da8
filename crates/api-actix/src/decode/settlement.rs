//! Decoding a bulk settlement body: `{"status": "Invoiced", "billingEventGuids": […]}`,
//! property names in any letter case, unknown ones ignored.
//!
//! Read in one pass without building a `serde_json::Value`; the guid list stops at one
//! past `max_guids`, so the use case can refuse an oversized request without the rest
//! of it ever being held.

use crate::decode::DecodeError;
use crate::vocabulary::parameter_name;
use app::{Parameter, SettleRequest};
use serde::de::{
    DeserializeSeed, Deserializer, Error as _, IgnoredAny, MapAccess, SeqAccess, Visitor,
};
use serde_json::value::RawValue as JsonText;
use std::fmt;

/// The request for `client_name`; at most `max_guids + 1` guids are kept.
///
/// # Errors
/// `MalformedBody` when the body is not a JSON object, or `billingEventGuids` is not an
/// array.
pub fn decode(
    body: &[u8],
    client_name: &str,
    max_guids: usize,
) -> Result<SettleRequest, DecodeError> {
    let malformed = |error: serde_json::Error| DecodeError::MalformedBody(error.to_string());
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let request = RequestSeed {
        client_name,
        max_guids,
    }
    .deserialize(&mut deserializer)
    .map_err(malformed)?;
    deserializer.end().map_err(malformed)?;
    Ok(request)
}

struct RequestSeed<'a> {
    client_name: &'a str,
    max_guids: usize,
}

impl<'de> DeserializeSeed<'de> for RequestSeed<'_> {
    type Value = SettleRequest;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<SettleRequest, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RequestSeed<'_> {
    type Value = SettleRequest;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object with status and billingEventGuids")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut properties: A) -> Result<SettleRequest, A::Error> {
        let mut request = SettleRequest {
            client_name: self.client_name.to_owned(),
            ..SettleRequest::default()
        };
        while let Some(name) = properties.next_key::<std::borrow::Cow<'de, str>>()? {
            if name.eq_ignore_ascii_case(&parameter_name(Parameter::SettleStatus)) {
                let value: &JsonText = properties.next_value()?;
                request.status = text_or_number(value).map_err(A::Error::custom)?;
            } else if name.eq_ignore_ascii_case(&parameter_name(Parameter::SettleGuids)) {
                request.guids = properties.next_value_seed(GuidsSeed {
                    max_guids: self.max_guids,
                })?;
            } else {
                properties.next_value::<IgnoredAny>()?;
            }
        }
        Ok(request)
    }
}

/// A string's text or a number's literal; `None` for any other kind.
fn text_or_number(value: &JsonText) -> Result<Option<String>, serde_json::Error> {
    let text = value.get();
    Ok(match text.as_bytes().first() {
        Some(b'"') => Some(serde_json::from_str(text)?),
        Some(b'-' | b'0'..=b'9') => Some(text.to_owned()),
        _ => None,
    })
}

struct GuidsSeed {
    max_guids: usize,
}

impl<'de> DeserializeSeed<'de> for GuidsSeed {
    type Value = Vec<String>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Vec<String>, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for GuidsSeed {
    type Value = Vec<String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("billingEventGuids: an array of GUID strings")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<Vec<String>, A::Error> {
        let mut guids = Vec::new();
        while let Some(item) = items.next_element::<&JsonText>()? {
            // A non-string item is kept as its JSON text, so it is named as a bad guid.
            let guid = if item.get().starts_with('"') {
                serde_json::from_str(item.get()).map_err(A::Error::custom)?
            } else {
                item.get().to_owned()
            };
            guids.push(guid);
            if guids.len() > self.max_guids {
                // One past the limit says "too many"; the rest is skipped unread.
                while items.next_element::<IgnoredAny>()?.is_some() {}
                break;
            }
        }
        Ok(guids)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_in_any_case_and_numbers_and_odd_items_are_kept_as_text() {
        let request = decode(
            br#"{"STATUS": 2, "billingeventguids": ["a", 1, {"x": []}], "other": [1]}"#,
            "acme",
            10,
        )
        .unwrap();
        assert_eq!(request.status.as_deref(), Some("2"));
        assert_eq!(request.guids, ["a", "1", r#"{"x": []}"#]);
        assert_eq!(request.client_name, "acme");
    }

    #[test]
    fn guids_stop_one_past_the_limit() {
        let request = decode(
            br#"{"billingEventGuids": ["a", "b", "c", "d"], "status": "Paid"}"#,
            "acme",
            2,
        )
        .unwrap();
        assert_eq!(request.guids, ["a", "b", "c"]);
        assert_eq!(
            request.status.as_deref(),
            Some("Paid"),
            "read after the skipped items"
        );
    }

    #[test]
    fn anything_but_an_object_with_an_array_is_malformed() {
        for body in [&b"[]"[..], b"{\"billingEventGuids\": \"a\"}", b"{", b"{} x"] {
            assert!(
                matches!(decode(body, "acme", 10), Err(DecodeError::MalformedBody(_))),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }
}
