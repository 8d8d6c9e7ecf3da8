//! Decoding an `application/x-www-form-urlencoded` body into the domain's draft.
//!
//! Keys match field names in any letter case; unknown keys are ignored; a repeated key's
//! last value wins. An empty value counts as absent, as ASP.NET's model binding treats
//! it (an HTML form sends empty inputs as `name=`). A value whose bytes are not UTF-8 is
//! an error of its field, never replaced by U+FFFD: two different byte strings must
//! never become the same stored text.

use crate::vocabulary::field_named;
use domain::{BillingEventDraft, RawValue};
use percent_encoding::percent_decode;
use std::borrow::Cow;

pub fn decode(body: &[u8], client_name: &str) -> BillingEventDraft {
    let mut draft = BillingEventDraft {
        client_name: client_name.to_owned(),
        ..BillingEventDraft::default()
    };
    for pair in body.split(|byte| *byte == b'&') {
        let (name, value) = match pair.iter().position(|byte| *byte == b'=') {
            Some(at) => (&pair[..at], &pair[at + 1..]),
            None => (pair, &b""[..]),
        };
        let Ok(name) = String::from_utf8(unescape(name)) else {
            continue; // not UTF-8, so not the name of any field
        };
        if let Some(slot) = field_named(&name).and_then(|field| draft.slot_mut(field)) {
            *slot = match String::from_utf8(unescape(value)) {
                Ok(value) if value.is_empty() => RawValue::Missing,
                Ok(value) => RawValue::Text(value),
                Err(_) => RawValue::Unsupported("text that is not UTF-8"),
            };
        }
    }
    draft
}

/// A name or value as sent: `+` is a space, `%XX` a byte.
fn unescape(raw: &[u8]) -> Vec<u8> {
    let spaced: Cow<'_, [u8]> = if raw.contains(&b'+') {
        Cow::Owned(
            raw.iter()
                .map(|byte| if *byte == b'+' { b' ' } else { *byte })
                .collect(),
        )
    } else {
        Cow::Borrowed(raw)
    };
    percent_decode(&spaced).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_match_in_any_case_and_values_are_text() {
        let draft = decode(
            b"BillingEventGuid=6d91f288-c380-4652-bd35-ce286ac4c806\
              &memberuniquekey=sample+string+4\
              &EventDateTime=2025-08-14T01%3A25%3A53.8669171%2B00%3A00\
              &QUANTITY=6.0&price=7.0&txID=x",
            "acme",
        );
        assert_eq!(
            draft.member_unique_key,
            RawValue::Text("sample string 4".into())
        );
        assert_eq!(
            draft.event_date_time,
            RawValue::Text("2025-08-14T01:25:53.8669171+00:00".into())
        );
        assert_eq!(draft.quantity, RawValue::Text("6.0".into()));
        assert_eq!(draft.price, RawValue::Text("7.0".into()));
        assert!(draft.validate(domain::BillingEventGuid::new_random).is_ok());
    }

    #[test]
    fn empty_values_are_absent_and_the_last_repeat_wins() {
        let draft = decode(b"billingEventGuid=&price=1&Price=2&clientName=evil", "acme");
        assert_eq!(draft.billing_event_guid, RawValue::Missing);
        assert_eq!(draft.price, RawValue::Text("2".into()));
        assert_eq!(draft.client_name, "acme");
    }

    #[test]
    fn a_value_that_is_not_utf8_is_an_error_of_its_field() {
        let draft = decode(
            b"MemberUniqueKey=%ff&price=%E2%82%AC1&quantity=a%2Bb+c&%ff=1",
            "acme",
        );
        assert_eq!(
            draft.member_unique_key,
            RawValue::Unsupported("text that is not UTF-8")
        );
        assert_eq!(draft.price, RawValue::Text("€1".into()));
        assert_eq!(draft.quantity, RawValue::Text("a+b c".into()));
        let errors = draft
            .validate(domain::BillingEventGuid::new_random)
            .unwrap_err();
        assert_eq!(
            errors.of(domain::Field::MemberUniqueKey),
            ["must not be text that is not UTF-8"]
        );
    }
}
