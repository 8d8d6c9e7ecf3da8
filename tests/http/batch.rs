//! Batches: each item as a single post would be, in one request; and concurrent single
//! posts, which share transactions through group commit.

use crate::helpers::{event_body, new_guid, number, xml_child, TestApp, SEED_SAMPLE};
use serde_json::{json, Value};

fn item(guid: &str, price: &str) -> Value {
    serde_json::from_str(&event_body(&[
        ("billingEventGuid", json!(guid)),
        ("price", number(price)),
    ]))
    .unwrap()
}

pub async fn each_item_is_answered_as_a_single_post_would_be(app: TestApp) {
    let stored = app
        .post_json("/api/v1/BillingEvents/acme", SEED_SAMPLE)
        .await
        .json();
    let stored_guid = stored["billingEventGuid"].as_str().unwrap();
    let new = new_guid();
    let mut invalid = item(&new_guid(), "1");
    invalid["quantity"] = json!("lots");
    let batch = json!([
        item(&new, "1.5"),
        invalid,
        item(&new, "1.5"),
        item(stored_guid, "99"),
        item(stored_guid, "7.0")
    ]);
    let reply = app
        .post_json("/api/v1/BillingEvents/Acme/batch", &batch.to_string())
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let result = reply.json();
    let statuses: Vec<u64> = result["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, [201, 400, 200, 409, 200]);
    assert_eq!(
        result["results"][1]["errors"]["quantity"][0],
        "must be a decimal number such as 6.0 or \"-2.50\""
    );
    assert_eq!(result["results"][0]["billingEventGuid"], new.as_str());
    assert_eq!(
        (
            result["created"].as_u64(),
            result["replayed"].as_u64(),
            result["conflicted"].as_u64(),
            result["rejected"].as_u64()
        ),
        (Some(1), Some(2), Some(1), Some(1))
    );
    assert_eq!(
        app.get(&format!("/api/v1/BillingEvents/{new}"))
            .await
            .json()["price"]
            .to_string(),
        "1.5"
    );
    let retried = app
        .post_json("/api/v1/BillingEvents/acme/batch", &batch.to_string())
        .await
        .json();
    assert_eq!(
        (retried["created"].as_u64(), retried["replayed"].as_u64()),
        (Some(0), Some(3)),
        "a retry stores nothing twice"
    );
}

pub async fn a_batch_over_the_item_limit_stores_nothing(app: TestApp) {
    let guids: Vec<String> = (0..1_001).map(|_| new_guid()).collect();
    let batch: Vec<Value> = guids.iter().map(|guid| item(guid, "1")).collect();
    let reply = app
        .post_json(
            "/api/v1/BillingEvents/acme/batch",
            &Value::Array(batch).to_string(),
        )
        .await;
    assert_eq!(reply.status, 413, "{}", reply.text);
    assert_eq!(
        app.get(&format!("/api/v1/BillingEvents/{}", guids[0]))
            .await
            .status,
        404
    );
    let not_an_array = app
        .post_json("/api/v1/BillingEvents/acme/batch", SEED_SAMPLE)
        .await;
    assert_eq!(not_an_array.status, 400);
    for (content_type, empty) in [
        ("application/json", "[]"),
        ("application/xml", "<ArrayOfInvoiceBillingEvent/>"),
    ] {
        let reply = app
            .post("/api/v1/BillingEvents/acme/batch", content_type, empty)
            .await;
        assert_eq!(reply.status, 400, "{content_type}: {}", reply.text);
        assert!(
            reply
                .text
                .contains("A batch must hold at least one billing event."),
            "{}",
            reply.text
        );
    }
}

pub async fn a_thousand_items_are_stored_in_one_request(app: TestApp) {
    let batch: Vec<Value> = (0..1_000).map(|_| item(&new_guid(), "0.01")).collect();
    let reply = app
        .post_json(
            "/api/v1/BillingEvents/acme/batch",
            &Value::Array(batch).to_string(),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", &reply.text[..200]);
    assert_eq!(reply.json()["created"], 1_000);
    let summary = app
        .get("/api/v1/BillingEvents/summary?clientName=acme")
        .await
        .json();
    assert_eq!(summary["groups"][0]["count"], 1_000);
}

pub async fn xml_batches_use_an_array_of_events(app: TestApp) {
    let guid = new_guid();
    let xml = format!(
        r#"<ArrayOfInvoiceBillingEvent
          xmlns="http://schemas.datacontract.org/2004/07/BillingEvents">
        <InvoiceBillingEvent><BillingEventGuid>{guid}</BillingEventGuid>
          <MemberUniqueKey>m</MemberUniqueKey><EventDateTime>2025-01-01T00:00:00Z</EventDateTime>
          <Quantity>1</Quantity><Price>2.50</Price></InvoiceBillingEvent>
        <InvoiceBillingEvent><MemberUniqueKey>m</MemberUniqueKey></InvoiceBillingEvent>
        </ArrayOfInvoiceBillingEvent>"#
    );
    let reply = app
        .post("/api/v1/BillingEvents/acme/batch", "application/xml", &xml)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(xml_child(&reply.text, "Created"), "1");
    assert_eq!(xml_child(&reply.text, "Rejected"), "1");
    assert!(
        reply.text.contains(&format!(
            "<BillingEventGuid>{guid}</BillingEventGuid><Index>0</Index><Status>201</Status>"
        )),
        "{}",
        reply.text
    );
}

pub async fn concurrent_posts_of_overlapping_guids_store_each_once(app: TestApp) {
    let guids: Vec<String> = (0..8).map(|_| new_guid()).collect();
    let bodies: Vec<String> = (0..64)
        .map(|n| event_body(&[("billingEventGuid", json!(guids[n % 8]))]))
        .collect();
    let posts = bodies
        .iter()
        .map(|body| app.post_json("/api/v1/BillingEvents/acme", body));
    let replies = futures_util::future::join_all(posts).await;
    let created = replies.iter().filter(|reply| reply.status == 201).count();
    let replayed = replies.iter().filter(|reply| reply.status == 200).count();
    assert_eq!((created, replayed), (8, 56));
}
