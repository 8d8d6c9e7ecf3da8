//! Property: any valid event posted as JSON, XML or form is stored identically and reads
//! back identically in every response format.

use crate::helpers::{xml_child, TestApp};
use infra_diesel::test_support::TempSqlite;
use proptest::prelude::*;
use std::fmt::Write as _;
use std::sync::OnceLock;

/// One application for every generated case: booting one per case would dwarf the test.
fn shared() -> &'static (tokio::runtime::Runtime, TestApp) {
    static SHARED: OnceLock<(tokio::runtime::Runtime, TestApp)> = OnceLock::new();
    SHARED.get_or_init(|| {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let app = runtime.block_on(TestApp::spawn(Box::new(TempSqlite::new())));
        (runtime, app)
    })
}

/// A valid event, its fields as text, plus how to post it.
#[derive(Debug, Clone)]
struct Case {
    guid: String,
    member: String,
    event_time: String,
    expected_time: String,
    event_type: &'static str,
    status: &'static str,
    quantity: String,
    price: String,
    format: usize,
}

const TYPES: [&str; 6] = [
    "Unknown",
    "Usage",
    "Subscription",
    "OneTime",
    "Credit",
    "Adjustment",
];
const STATUSES: [&str; 5] = ["Unknown", "Pending", "Invoiced", "Cancelled", "Failed"];
const FORMATS: [&str; 5] = [
    "application/json",
    "text/json",
    "application/xml",
    "text/xml",
    "application/x-www-form-urlencoded",
];

/// `-?digits(.digits)?` within 18 integer and 10 fraction digits, canonical (no leading
/// zeros), so the stored text is the sent text.
fn amount() -> impl Strategy<Value = String> {
    (
        any::<bool>(),
        0_u64..=999_999_999_999_999_999,
        proptest::option::of("[0-9]{1,10}"),
    )
        .prop_map(|(negative, integer, fraction)| {
            let sign = if negative { "-" } else { "" };
            match fraction {
                Some(fraction) => format!("{sign}{integer}.{fraction}"),
                None => format!("{sign}{integer}"),
            }
        })
}

fn case() -> impl Strategy<Value = Case> {
    (
        // Printable text with the characters each format must escape, and edge spaces.
        "[ a-zA-Z0-9<>&\"'=+%;/ëé✓]{0,40}[a-zA-Z0-9ü<&+]",
        (
            1_i64..=9999,
            1_u32..=12,
            1_u32..=28,
            0_u32..24,
            0_u32..60,
            0_u32..60,
            0_u32..10_000_000,
        ),
        0..TYPES.len(),
        0..STATUSES.len(),
        amount(),
        amount(),
        0..FORMATS.len(),
    )
        .prop_map(|(member, time, kind, status, quantity, price, format)| {
            let (year, month, day, hour, minute, second, ticks) = time;
            let date = format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}");
            let fraction = format!("{ticks:07}");
            Case {
                guid: uuid::Uuid::new_v4().to_string(),
                member,
                event_time: format!("{date}.{fraction}Z"),
                // Kept to the microsecond: the seventh digit is dropped.
                expected_time: format!("{date}.{}0+00:00", &fraction[..6]),
                event_type: TYPES[kind],
                status: STATUSES[status],
                quantity,
                price,
                format,
            }
        })
}

fn body(case: &Case) -> String {
    let fields = [
        ("BillingEventGuid", case.guid.as_str()),
        ("MemberUniqueKey", case.member.as_str()),
        ("EventDateTime", case.event_time.as_str()),
        ("EventTypeId", case.event_type),
        ("InvoiceBillingEventStatusId", case.status),
        ("Quantity", case.quantity.as_str()),
        ("Price", case.price.as_str()),
    ];
    match FORMATS[case.format] {
        "application/x-www-form-urlencoded" => {
            let mut form = form_urlencoded::Serializer::new(String::new());
            form.extend_pairs(fields);
            form.finish()
        }
        xml if xml.ends_with("xml") => {
            let children = fields.iter().fold(String::new(), |mut xml, (name, value)| {
                let _ = write!(
                    xml,
                    "<{name}>{}</{name}>",
                    quick_xml::escape::escape(*value)
                );
                xml
            });
            format!(r#"<InvoiceBillingEvent xmlns="urn:test">{children}</InvoiceBillingEvent>"#)
        }
        _ => format!(
            concat!(
                r#"{{"billingEventGuid":{},"memberUniqueKey":{},"eventDateTime":"{}","#,
                r#""eventTypeId":"{}","invoiceBillingEventStatusId":"{}","#,
                r#""quantity":{},"price":{}}}"#,
            ),
            serde_json::Value::from(case.guid.clone()),
            serde_json::Value::from(case.member.clone()),
            case.event_time,
            case.event_type,
            case.status,
            case.quantity,
            case.price,
        ),
    }
}

async fn check(app: &TestApp, case: &Case) {
    let posted = app
        .post(
            "/api/v1/BillingEvents/acme",
            FORMATS[case.format],
            &body(case),
        )
        .await;
    assert_eq!(posted.status, 201, "{case:?}: {}", posted.text);
    for accept in [
        "application/json",
        "text/json",
        "application/xml",
        "text/xml",
    ] {
        let request = app
            .client
            .get(format!(
                "{}/api/v1/BillingEvents/{}",
                app.address, case.guid
            ))
            .header("Accept", accept);
        let read = app.send(request).await;
        assert_eq!(read.status, 200, "{}", read.text);
        let fields: Vec<String> = if accept.ends_with("xml") {
            [
                "BillingEventGuid",
                "MemberUniqueKey",
                "EventDateTime",
                "EventTypeId",
                "InvoiceBillingEventStatusId",
                "Quantity",
                "Price",
            ]
            .iter()
            .map(|name| xml_child(&read.text, name))
            .collect()
        } else {
            let json = read.json();
            [
                "billingEventGuid",
                "memberUniqueKey",
                "eventDateTime",
                "eventTypeId",
                "invoiceBillingEventStatusId",
                "quantity",
                "price",
            ]
            .iter()
            .map(|name| match &json[*name] {
                serde_json::Value::String(text) => text.clone(),
                other => other.to_string(),
            })
            .collect()
        };
        let expected = [
            &case.guid,
            &case.member,
            &case.expected_time,
            case.event_type,
            case.status,
            &case.quantity,
            &case.price,
        ];
        assert_eq!(
            fields, expected,
            "posted as {}, read as {accept}",
            FORMATS[case.format]
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn any_valid_event_round_trips_through_every_format(case in case()) {
        let (runtime, app) = shared();
        runtime.block_on(check(app, &case));
    }
}
