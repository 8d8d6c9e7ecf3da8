//! Decoding an `application/x-www-form-urlencoded` body into the domain's draft.
//!
//! Keys match field names in any letter case; unknown keys are ignored; a repeated key's
//! last value wins. An empty value counts as absent, as ASP.NET's model binding treats
//! it (an HTML form sends empty inputs as `name=`).

use domain::{BillingEventDraft, Field, RawValue};

pub fn decode(body: &[u8], client_name: &str) -> BillingEventDraft {
    let mut draft = BillingEventDraft {
        client_name: client_name.to_owned(),
        ..BillingEventDraft::default()
    };
    for (name, value) in form_urlencoded::parse(body) {
        if let Some(slot) =
            Field::from_name_ignoring_case(&name).and_then(|field| draft.slot_mut(field))
        {
            *slot = if value.is_empty() {
                RawValue::Missing
            } else {
                RawValue::Text(value.into_owned())
            };
        }
    }
    draft
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_match_in_any_case_and_values_are_text() {
        let draft = decode(
            b"BillingEventGuid=6d91f288-c380-4652-bd35-ce286ac4c806&memberuniquekey=sample+string+4\
              &EventDateTime=2025-08-14T01%3A25%3A53.8669171%2B00%3A00&QUANTITY=6.0&price=7.0&txID=x",
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
        assert!(draft.validate().is_ok());
    }

    #[test]
    fn empty_values_are_absent_and_the_last_repeat_wins() {
        let draft = decode(b"billingEventGuid=&price=1&Price=2&clientName=evil", "acme");
        assert_eq!(draft.billing_event_guid, RawValue::Missing);
        assert_eq!(draft.price, RawValue::Text("2".into()));
        assert_eq!(draft.client_name, "acme");
    }
}
