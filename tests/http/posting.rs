//! Posting events: new, replayed, conflicting, concurrent, in every accepted shape.

use crate::helpers::{event_body, new_guid, number, Reply, TestApp, SEED_GUID, SEED_SAMPLE};
use serde_json::{json, Value};

fn assert_system_fields(reply: &Reply) {
    let body = reply.json();
    assert_eq!(
        body["txID"],
        reply.header("x-transaction-id"),
        "txID is the header's"
    );
    assert!(body["executionTime"].is_u64(), "{body}");
    let modified = body["modifiedDateTime"].as_str().unwrap();
    assert!(
        modified.ends_with("+00:00") && modified.len() == 33,
        "{modified}"
    );
}

pub async fn the_seed_sample_is_stored_as_sent(app: TestApp) {
    let reply = app
        .post_json("/api/v1/BillingEvents/acme", SEED_SAMPLE)
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    assert_eq!(
        reply.header("location"),
        format!("/api/v1/BillingEvents/{SEED_GUID}")
    );
    assert!(reply.header("content-type").starts_with("application/json"));
    // Exact text: decimals keep their scale, the time its microseconds.
    assert!(
        reply.text.contains(r#""quantity":6.0,"price":7.0"#),
        "{}",
        reply.text
    );
    let body = reply.json();
    assert_eq!(body["billingEventGuid"], SEED_GUID);
    assert_eq!(body["memberUniqueKey"], "sample string 4");
    assert_eq!(body["eventDateTime"], "2025-08-14T01:25:53.8669170+00:00");
    assert_eq!(body["eventTypeId"], "Unknown");
    assert_eq!(body["invoiceBillingEventStatusId"], "Unknown");
    assert_ne!(
        body["txID"], "sample string 10",
        "system fields are ignored on input"
    );
    assert_ne!(
        body["modifiedDateTime"],
        "2025-08-14T01:25:53.8669171+00:00"
    );
    assert_system_fields(&reply);
}

pub async fn posting_the_same_event_again_returns_the_stored_one(app: TestApp) {
    let first = app
        .post_json("/api/v1/BillingEvents/acme", SEED_SAMPLE)
        .await
        .json();
    // Same event, written differently: another client-name case, 6 for 6.0, the same
    // instant at another offset, and a status that has moved on.
    let retry = event_body(&[
        ("quantity", number("6")),
        ("eventDateTime", json!("2025-08-14T03:25:53.8669171+02:00")),
        ("invoiceBillingEventStatusId", json!("Pending")),
    ]);
    let reply = app.post_json("/api/v1/BillingEvents/ACME", &retry).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let again = reply.json();
    assert_eq!(again["modifiedDateTime"], first["modifiedDateTime"]);
    assert!(
        reply.text.contains(r#""quantity":6.0"#),
        "the stored scale: {}",
        reply.text
    );
    assert_eq!(again["invoiceBillingEventStatusId"], "Unknown");
    assert_ne!(again["txID"], first["txID"]);
    assert_system_fields(&reply);
}

pub async fn different_content_under_a_taken_guid_is_a_conflict(app: TestApp) {
    let first = app
        .post_json("/api/v1/BillingEvents/acme", SEED_SAMPLE)
        .await
        .json();
    for (path, body) in [
        (
            "/api/v1/BillingEvents/acme",
            event_body(&[("price", number("7.01"))]),
        ),
        (
            "/api/v1/BillingEvents/acme",
            event_body(&[("memberUniqueKey", json!("someone else"))]),
        ),
        ("/api/v1/BillingEvents/other", SEED_SAMPLE.to_owned()),
    ] {
        let reply = app.post_json(path, &body).await;
        assert_eq!(reply.status, 409, "{path} {body}: {}", reply.text);
        assert!(reply
            .header("content-type")
            .starts_with("application/problem+json"));
        let problem = reply.json();
        assert_eq!(problem["status"], 409);
        assert!(
            problem["detail"].as_str().unwrap().contains(SEED_GUID),
            "{problem}"
        );
    }
    let stored = app
        .get(&format!("/api/v1/BillingEvents/{SEED_GUID}"))
        .await
        .json();
    assert_eq!(stored["price"], first["price"]);
    assert_eq!(stored["memberUniqueKey"], "sample string 4");
    assert_eq!(stored["modifiedDateTime"], first["modifiedDateTime"]);
}

pub async fn twenty_concurrent_identical_posts_store_one_event(app: TestApp) {
    let body = event_body(&[("billingEventGuid", json!(new_guid()))]);
    let posts = (0..20).map(|_| app.post_json("/api/v1/BillingEvents/acme", &body));
    let replies = futures_util::future::join_all(posts).await;
    let statuses: Vec<u16> = replies.iter().map(|reply| reply.status).collect();
    let created = statuses.iter().filter(|status| **status == 201).count();
    let replayed = statuses.iter().filter(|status| **status == 200).count();
    assert_eq!((created, replayed), (1, 19), "{statuses:?}");
    let modified: Vec<Value> = replies
        .iter()
        .map(|reply| reply.json()["modifiedDateTime"].clone())
        .collect();
    assert!(
        modified.windows(2).all(|pair| pair[0] == pair[1]),
        "all answer the one stored event"
    );
}

pub async fn pascal_case_and_any_case_property_names_are_accepted(app: TestApp) {
    let guid = new_guid();
    let body = json!({
        "BillingEventGuid": guid, "MEMBERUNIQUEKEY": "m-1", "EventDateTime": "2025-08-14T01:25:53Z",
        "EventTypeId": "usage", "InvoiceBillingEventStatusId": 1, "Quantity": "2.50", "Price": 7,
        "SomethingElse": {"ignored": true}
    });
    let reply = app
        .post_json("/api/v1/BillingEvents/acme", &body.to_string())
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    assert!(
        reply.text.contains(r#""quantity":2.50,"price":7"#),
        "{}",
        reply.text
    );
    let stored = reply.json();
    assert_eq!(stored["billingEventGuid"], guid.as_str());
    assert_eq!(stored["eventTypeId"], "Usage");
    assert_eq!(stored["invoiceBillingEventStatusId"], "Pending");
}

pub async fn text_json_with_a_charset_is_json(app: TestApp) {
    for content_type in [
        "text/json",
        "application/json; charset=utf-8",
        "Text/JSON;charset=UTF-8",
    ] {
        let body = event_body(&[("billingEventGuid", json!(new_guid()))]);
        let reply = app
            .post("/api/v1/BillingEvents/acme", content_type, &body)
            .await;
        assert_eq!(reply.status, 201, "{content_type}: {}", reply.text);
    }
}

pub async fn route_literals_match_in_any_case(app: TestApp) {
    let reply = app
        .post_json("/API/V1/billingevents/Acme", SEED_SAMPLE)
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    let read = app.get(&format!("/api/V1/BILLINGEVENTS/{SEED_GUID}")).await;
    assert_eq!(read.status, 200, "{}", read.text);
    assert_eq!(app.get("/HEALTH").await.status, 200);
}

pub async fn a_missing_or_empty_guid_gets_a_new_one(app: TestApp) {
    let mut seen = Vec::new();
    for guid in [Value::Null, json!("00000000-0000-0000-0000-000000000000")] {
        let body = if guid.is_null() {
            event_body(&[("billingEventGuid", Value::Null)])
        } else {
            event_body(&[("billingEventGuid", guid)])
        };
        let reply = app.post_json("/api/v1/BillingEvents/acme", &body).await;
        assert_eq!(reply.status, 201, "{}", reply.text);
        let made = reply.json()["billingEventGuid"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(
            reply.header("location"),
            format!("/api/v1/BillingEvents/{made}")
        );
        assert_eq!(
            app.get(&format!("/api/v1/BillingEvents/{made}"))
                .await
                .status,
            200
        );
        // Time-ordered (UUID version 7), so that the guid index grows at its end.
        assert_eq!(made.as_bytes()[14], b'7', "{made}");
        seen.push(made);
    }
    assert!(seen[0] < seen[1], "{seen:?}");
}

pub async fn every_dotnet_guid_format_names_the_same_event(app: TestApp) {
    let braced = format!("{{{}}}", SEED_GUID.to_uppercase());
    let reply = app
        .post_json(
            "/api/v1/BillingEvents/acme",
            &event_body(&[("billingEventGuid", json!(braced))]),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    assert_eq!(reply.json()["billingEventGuid"], SEED_GUID);
    for form in [SEED_GUID.replace('-', ""), format!("({SEED_GUID})")] {
        let retried = app
            .post_json(
                "/api/v1/BillingEvents/acme",
                &event_body(&[("billingEventGuid", json!(form))]),
            )
            .await;
        assert_eq!(retried.status, 200, "{form}: {}", retried.text);
    }
}

pub async fn amounts_keep_every_digit(app: TestApp) {
    for (quantity, price, stored_quantity, stored_price) in [
        (
            number("0.1"),
            json!("12345678901234.5678"),
            "0.1",
            "12345678901234.5678",
        ),
        (
            json!("-2.50"),
            number("123456789012345678.1234567890"),
            "-2.50",
            "123456789012345678.1234567890",
        ),
        (number("1e2"), number("0.0000000001"), "100", "0.0000000001"),
    ] {
        let body = event_body(&[
            ("billingEventGuid", json!(new_guid())),
            ("quantity", quantity),
            ("price", price),
        ]);
        let reply = app.post_json("/api/v1/BillingEvents/acme", &body).await;
        assert_eq!(reply.status, 201, "{}", reply.text);
        let guid = reply.json()["billingEventGuid"]
            .as_str()
            .unwrap()
            .to_owned();
        let stored = app.get(&format!("/api/v1/BillingEvents/{guid}")).await;
        let expected = format!(r#""quantity":{stored_quantity},"price":{stored_price},"#);
        assert!(
            stored.text.contains(&expected),
            "{expected} in {}",
            stored.text
        );
    }
}

pub async fn amounts_are_strings_for_a_client_that_asks(app: TestApp) {
    let strings = "application/json; amounts=string";
    let guid = new_guid();
    let body = event_body(&[
        ("billingEventGuid", json!(guid)),
        ("quantity", json!("2.50")),
        ("price", json!("123456789012345678.423")),
    ]);
    let asking = |request: reqwest::RequestBuilder| request.header("Accept", strings);
    let posted = app
        .send(asking(
            app.client
                .post(format!("{}/api/v1/BillingEvents/acme", app.address))
                .header("Content-Type", "application/json")
                .body(body),
        ))
        .await;
    assert_eq!(posted.status, 201, "{}", posted.text);
    assert_eq!(posted.json()["quantity"], json!("2.50"));
    assert_eq!(posted.json()["price"], json!("123456789012345678.423"));
    let url = |path: &str| format!("{}/api/v1/BillingEvents{path}", app.address);
    let page = app
        .send(asking(app.client.get(url("?clientName=acme"))))
        .await;
    assert_eq!(
        page.json()["items"][0]["price"],
        json!("123456789012345678.423")
    );
    let summary = app
        .send(asking(app.client.get(url("/summary?clientName=acme"))))
        .await;
    let totals = &summary.json()["groups"][0];
    assert!(totals["totalQuantity"].is_string(), "{}", summary.text);
    assert!(totals["totalAmount"].is_string(), "{}", summary.text);
    // Everyone else reads numbers, as the original's .NET clients do.
    let plain = app.get(&format!("/api/v1/BillingEvents/{guid}")).await;
    assert!(
        plain
            .text
            .contains(r#""quantity":2.50,"price":123456789012345678.423,"#),
        "{}",
        plain.text
    );
}
