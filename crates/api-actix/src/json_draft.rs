//! Decoding a JSON body into the domain's draft.
//!
//! Property names match in any letter case, as ASP.NET binds them; unknown properties
//! are ignored; when a property comes twice (in any case) the last one wins, as in
//! Json.NET. Numbers keep their literal text (`serde_json`'s `arbitrary_precision`), so an
//! amount never passes through a float.

use crate::api_error::ApiError;
use domain::{BillingEventDraft, Field, RawValue};
use serde_json::Value;

/// The draft for `client_name` from a JSON body.
///
/// # Errors
/// `MalformedBody` when the body is not JSON or not a JSON object.
pub fn decode(body: &[u8], client_name: &str) -> Result<BillingEventDraft, ApiError> {
    let value: Value =
        serde_json::from_slice(body).map_err(|error| ApiError::MalformedBody(error.to_string()))?;
    draft_of(value, client_name)
}

/// The drafts of a batch: a JSON array of event objects.
///
/// # Errors
/// `MalformedBody` when the body is not a JSON array, or an item is not an object.
pub fn decode_many(body: &[u8], client_name: &str) -> Result<Vec<BillingEventDraft>, ApiError> {
    let value: Value =
        serde_json::from_slice(body).map_err(|error| ApiError::MalformedBody(error.to_string()))?;
    let Value::Array(items) = value else {
        return Err(ApiError::MalformedBody(
            "A batch must be a JSON array of billing events.".into(),
        ));
    };
    items
        .into_iter()
        .map(|item| draft_of(item, client_name))
        .collect()
}

fn draft_of(value: Value, client_name: &str) -> Result<BillingEventDraft, ApiError> {
    let Value::Object(properties) = value else {
        return Err(ApiError::MalformedBody(
            "A billing event must be a JSON object with the billing event's properties.".into(),
        ));
    };
    let mut draft = BillingEventDraft {
        client_name: client_name.to_owned(),
        ..BillingEventDraft::default()
    };
    for (name, value) in properties {
        // The client comes from the route; system fields and unknown ones are ignored.
        if let Some(slot) =
            Field::from_name_ignoring_case(&name).and_then(|field| draft.slot_mut(field))
        {
            *slot = raw(value);
        }
    }
    Ok(draft)
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
