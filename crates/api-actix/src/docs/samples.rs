//! Working samples of every request and response format, shown by `/help` and
//! `/openapi.json` and posted by the tests, so a sample cannot drift from the code.
//!
//! All request samples describe the same event (the original help page's sample), so
//! the first one posted is stored (201) and every other one is recognised as a retry
//! (200): proof that each format stores the same thing.

use crate::encode::amount::AmountStyle;
use crate::encode::negotiation::MediaFormat;
use crate::encode::{EventRepresentation, Representation};
use domain::{BillingEventDraft, RawValue};

/// A request body and the `Content-Type` to send it with.
#[derive(Debug, Clone, Copy)]
pub struct RequestSample {
    pub content_type: &'static str,
    pub body: &'static str,
}

const JSON: &str = concat!(
    r#"{ "billingEventGuid": "6d91f288-c380-4652-bd35-ce286ac4c806", "#,
    r#""memberUniqueKey": "sample string 4", "#,
    r#""eventDateTime": "2025-08-14T01:25:53.8669171+00:00", "eventTypeId": "Unknown", "#,
    r#""invoiceBillingEventStatusId": "Unknown", "quantity": 6.0, "price": 7.0, "#,
    r#""modifiedDateTime": "2025-08-14T01:25:53.8669171+00:00", "executionTime": 9, "#,
    r#""txID": "sample string 10" }"#,
);

const XML: &str = concat!(
    r#"<InvoiceBillingEvent xmlns:i="http://www.w3.org/2001/XMLSchema-instance" "#,
    r#"xmlns="http://schemas.datacontract.org/2004/07/BillingEvents">"#,
    r#"
  <BillingEventGuid>6d91f288-c380-4652-bd35-ce286ac4c806</BillingEventGuid>
  <MemberUniqueKey>sample string 4</MemberUniqueKey>
  <EventDateTime>2025-08-14T01:25:53.8669171+00:00</EventDateTime>
  <EventTypeId>Unknown</EventTypeId>
  <InvoiceBillingEventStatusId>Unknown</InvoiceBillingEventStatusId>
  <Quantity>6.0</Quantity>
  <Price>7.0</Price>
  <ModifiedDateTime i:nil="true"/>
  <ExecutionTime i:nil="true"/>
  <TxID i:nil="true"/>
</InvoiceBillingEvent>"#
);

const FORM: &str =
    "BillingEventGuid=6d91f288-c380-4652-bd35-ce286ac4c806&MemberUniqueKey=sample+string+4\
&EventDateTime=2025-08-14T01%3A25%3A53.8669171%2B00%3A00&EventTypeId=Unknown\
&InvoiceBillingEventStatusId=Unknown&Quantity=6.0&Price=7.0";

/// One sample per request format: JSON, text/json, XML, text/xml, form.
pub const REQUESTS: [RequestSample; 5] = [
    RequestSample {
        content_type: "application/json",
        body: JSON,
    },
    RequestSample {
        content_type: "text/json",
        body: JSON,
    },
    RequestSample {
        content_type: "application/xml",
        body: XML,
    },
    RequestSample {
        content_type: "text/xml",
        body: XML,
    },
    RequestSample {
        content_type: "application/x-www-form-urlencoded",
        body: FORM,
    },
];

/// The response to the sample in `format`, as the service writes it (with example
/// system fields).
///
/// # Panics
/// Never: the sample is a constant the unit tests validate.
pub fn response(format: MediaFormat) -> String {
    let draft = BillingEventDraft {
        client_name: "acme".into(),
        billing_event_guid: RawValue::Text("6d91f288-c380-4652-bd35-ce286ac4c806".into()),
        member_unique_key: RawValue::Text("sample string 4".into()),
        event_date_time: RawValue::Text("2025-08-14T01:25:53.8669171+00:00".into()),
        event_type_id: RawValue::Text("Unknown".into()),
        invoice_billing_event_status_id: RawValue::Text("Unknown".into()),
        quantity: RawValue::Number("6.0".into()),
        price: RawValue::Number("7.0".into()),
    };
    let modified =
        domain::Timestamp::parse("2025-08-14T01:25:54.0123450Z").expect("a valid sample time");
    let event = draft
        .validate(domain::BillingEventGuid::new_random)
        .expect("the sample is valid")
        .stored_at(modified);
    let representation = EventRepresentation::with_system_fields(
        &event,
        9,
        "c0ecad8c-7d84-431d-9b7b-fa8dc34755ce",
        AmountStyle::Number,
    );
    if format.is_xml() {
        representation.to_xml(&crate::encode::XmlContract::default())
    } else {
        serde_json::to_string_pretty(&representation).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::{form, json, xml};

    #[test]
    fn every_request_sample_decodes_to_the_same_valid_event() {
        let decoded: Vec<_> = REQUESTS
            .iter()
            .map(|sample| {
                let body = sample.body.as_bytes();
                let draft = match sample.content_type {
                    "application/x-www-form-urlencoded" => form::decode(body, "acme"),
                    content_type if content_type.ends_with("xml") => {
                        xml::decode(body, "acme").unwrap()
                    }
                    _ => json::decode(body, "acme").unwrap(),
                };
                draft
                    .validate(domain::BillingEventGuid::new_random)
                    .unwrap()
            })
            .collect();
        assert!(
            decoded.windows(2).all(|pair| pair[0] == pair[1]),
            "{decoded:?}"
        );
    }

    #[test]
    fn response_samples_keep_the_scale_in_both_formats() {
        assert!(response(MediaFormat::Json).contains(r#""quantity": 6.0"#));
        assert!(response(MediaFormat::Xml).contains("<Quantity>6.0</Quantity>"));
    }
}
