//! Settling events over HTTP: PATCH with `ETag` and `If-Match`, bulk settlement, history.

use crate::helpers::{event_body, new_guid, Reply, TestApp, SEED_GUID, SEED_SAMPLE};
use serde_json::json;

impl TestApp {
    pub async fn patch(&self, guid: &str, body: &str, if_match: Option<&str>) -> Reply {
        let mut request = self
            .client
            .patch(format!("{}/api/v1/BillingEvents/{guid}", self.address))
            .header("Content-Type", "application/json")
            .body(body.to_owned());
        if let Some(tag) = if_match {
            request = request.header("If-Match", tag);
        }
        self.send(request).await
    }
}

fn status(name: &str) -> String {
    json!({ "invoiceBillingEventStatusId": name }).to_string()
}

pub async fn patch_moves_the_status_and_the_etag(app: TestApp) {
    let posted = app
        .post_json("/api/v1/BillingEvents/acme", SEED_SAMPLE)
        .await;
    assert_eq!(posted.header("etag"), "\"1\"");
    let reply = app
        .patch(SEED_GUID, &status("Invoiced"), Some("\"1\""))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.header("etag"), "\"2\"");
    let event = reply.json();
    assert_eq!(event["invoiceBillingEventStatusId"], "Invoiced");
    assert_ne!(event["modifiedDateTime"], posted.json()["modifiedDateTime"]);
    assert_eq!(
        event["price"],
        posted.json()["price"],
        "nothing else changes"
    );
    let read = app.get(&format!("/api/v1/BillingEvents/{SEED_GUID}")).await;
    assert_eq!(
        (
            read.header("etag"),
            read.json()["invoiceBillingEventStatusId"].as_str()
        ),
        ("\"2\"", Some("Invoiced"))
    );
    let again = app.patch(SEED_GUID, &status("invoiced"), None).await;
    assert_eq!(
        (again.status, again.header("etag")),
        (200, "\"2\""),
        "the same status again changes nothing"
    );
}

pub async fn a_forbidden_move_is_409_naming_both_statuses(app: TestApp) {
    app.post_json("/api/v1/BillingEvents/acme", SEED_SAMPLE)
        .await;
    app.patch(SEED_GUID, &status("Cancelled"), None).await;
    let reply = app.patch(SEED_GUID, &status("Pending"), None).await;
    assert_eq!(reply.status, 409, "{}", reply.text);
    let problem = reply.json();
    assert_eq!(problem["type"], "/problems/forbidden-transition");
    let detail = problem["detail"].as_str().unwrap();
    assert!(detail.contains("from Cancelled to Pending"), "{detail}");
}

pub async fn a_stale_if_match_is_412_and_only_one_of_two_racers_wins(app: TestApp) {
    app.post_json("/api/v1/BillingEvents/acme", SEED_SAMPLE)
        .await;
    let stale = app
        .patch(SEED_GUID, &status("Pending"), Some("\"7\""))
        .await;
    assert_eq!(stale.status, 412, "{}", stale.text);
    assert_eq!(stale.header("etag"), "\"1\"");
    for weak in ["W/\"1\"", "garbage"] {
        assert_eq!(
            app.patch(SEED_GUID, &status("Pending"), Some(weak))
                .await
                .status,
            412,
            "{weak}"
        );
    }
    let (invoiced, failed) = (status("Invoiced"), status("Failed"));
    let (first, second) = tokio::join!(
        app.patch(SEED_GUID, &invoiced, Some("\"1\"")),
        app.patch(SEED_GUID, &failed, Some("\"1\"")),
    );
    let mut statuses = [first.status, second.status];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 412], "{} / {}", first.text, second.text);
    let history = app
        .get(&format!("/api/v1/BillingEvents/{SEED_GUID}/history"))
        .await
        .json();
    assert_eq!(
        history["items"].as_array().unwrap().len(),
        2,
        "one change recorded"
    );
}

pub async fn patch_refuses_other_fields_and_takes_xml(app: TestApp) {
    app.post_json("/api/v1/BillingEvents/acme", SEED_SAMPLE)
        .await;
    let reply = app
        .patch(
            SEED_GUID,
            r#"{"invoiceBillingEventStatusId": "Invoiced", "price": 1}"#,
            None,
        )
        .await;
    assert_eq!(reply.status, 400, "{}", reply.text);
    assert!(reply.json()["errors"]["price"][0]
        .as_str()
        .unwrap()
        .contains("Credit or Adjustment"));
    let missing = app.patch(SEED_GUID, "{}", None).await;
    assert_eq!(
        missing.json()["errors"]["invoiceBillingEventStatusId"],
        json!(["is required"])
    );
    let xml = app
        .client
        .patch(format!("{}/API/V1/billingevents/{SEED_GUID}", app.address))
        .header("Content-Type", "application/xml")
        .body("<E><InvoiceBillingEventStatusId>2</InvoiceBillingEventStatusId></E>");
    let reply = app.send(xml).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(
        crate::helpers::xml_child(&reply.text, "InvoiceBillingEventStatusId"),
        "Invoiced"
    );
    assert_eq!(
        app.patch(&new_guid(), &status("Pending"), None)
            .await
            .status,
        404
    );
    assert_eq!(
        app.patch("acme", &status("Pending"), None).await.status,
        400
    );
}

pub async fn history_lists_creation_and_changes_with_their_txids(app: TestApp) {
    let created = app
        .post_json("/api/v1/BillingEvents/acme", SEED_SAMPLE)
        .await;
    let pending = app.patch(SEED_GUID, &status("Pending"), None).await;
    let invoiced = app.patch(SEED_GUID, &status("Invoiced"), None).await;
    let reply = app
        .get(&format!("/api/v1/BillingEvents/{SEED_GUID}/history"))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let items = reply.json()["items"].clone();
    let steps: Vec<(serde_json::Value, serde_json::Value, serde_json::Value)> = items
        .as_array()
        .unwrap()
        .iter()
        .map(|item| {
            (
                item["from"].clone(),
                item["to"].clone(),
                item["txID"].clone(),
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            (
                json!(null),
                json!("Unknown"),
                json!(created.header("x-transaction-id"))
            ),
            (
                json!("Unknown"),
                json!("Pending"),
                json!(pending.header("x-transaction-id"))
            ),
            (
                json!("Pending"),
                json!("Invoiced"),
                json!(invoiced.header("x-transaction-id"))
            ),
        ]
    );
    assert_eq!(items[2]["at"], invoiced.json()["modifiedDateTime"]);
    assert_eq!(
        app.get(&format!("/api/v1/BillingEvents/{}/history", new_guid()))
            .await
            .status,
        404
    );
}

async fn post_event(app: &TestApp, client: &str) -> String {
    let guid = new_guid();
    let reply = app
        .post_json(
            &format!("/api/v1/BillingEvents/{client}"),
            &event_body(&[("billingEventGuid", json!(guid))]),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    guid
}

pub async fn bulk_settlement_answers_per_guid_and_is_safe_to_retry(app: TestApp) {
    let fresh = post_event(&app, "acme").await;
    let cancelled = post_event(&app, "acme").await;
    app.patch(&cancelled, &status("Cancelled"), None).await;
    let foreign = post_event(&app, "other").await;
    let unknown = new_guid();
    let body =
        json!({ "Status": "Invoiced", "billingEventGuids": [fresh, cancelled, foreign, unknown] })
            .to_string();
    let settle = || app.post_json("/api/v1/BillingEvents/ACME/status", &body);
    let reply = settle().await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let result = reply.json();
    let outcomes: Vec<&str> = result["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["changed", "forbidden", "notFound", "notFound"]);
    assert_eq!(
        (
            result["changed"].as_u64(),
            result["forbidden"].as_u64(),
            result["notFound"].as_u64()
        ),
        (Some(1), Some(1), Some(2))
    );
    let retry = settle().await.json();
    assert_eq!(retry["results"][0]["outcome"], "unchanged");
    assert_eq!(retry["changed"], 0);
    let foreign_now = app
        .get(&format!("/api/v1/BillingEvents/{foreign}"))
        .await
        .json();
    assert_eq!(
        foreign_now["invoiceBillingEventStatusId"], "Unknown",
        "another client's event is untouched"
    );
}

pub async fn bulk_settlement_refuses_bad_requests_whole(app: TestApp) {
    let guid = post_event(&app, "acme").await;
    let bad = json!({ "status": "Invoiced", "billingEventGuids": [guid, "nope"] }).to_string();
    let reply = app
        .post_json("/api/v1/BillingEvents/acme/status", &bad)
        .await;
    assert_eq!(reply.status, 400, "{}", reply.text);
    assert!(reply.json()["errors"]["billingEventGuids[1]"].is_array());
    assert_eq!(
        app.get(&format!("/api/v1/BillingEvents/{guid}"))
            .await
            .json()["invoiceBillingEventStatusId"],
        "Unknown"
    );
    let too_many: Vec<String> = (0..10_001).map(|_| new_guid()).collect();
    let reply = app
        .post_json(
            "/api/v1/BillingEvents/acme/status",
            &json!({ "status": "Invoiced", "billingEventGuids": too_many }).to_string(),
        )
        .await;
    assert_eq!(
        reply.status,
        400,
        "{}",
        &reply.text[..200.min(reply.text.len())]
    );
    let xml = app
        .post(
            "/api/v1/BillingEvents/acme/status",
            "application/xml",
            "<x/>",
        )
        .await;
    assert_eq!(xml.status, 415);
}

pub async fn ten_thousand_guids_settle_in_one_request(app: TestApp) {
    let mut guids: Vec<String> = Vec::new();
    for _ in 0..20 {
        guids.push(post_event(&app, "acme").await);
    }
    guids.extend((0..9_980).map(|_| new_guid()));
    let reply = app
        .post_json(
            "/api/v1/BillingEvents/acme/status",
            &json!({ "status": "Invoiced", "billingEventGuids": guids }).to_string(),
        )
        .await;
    assert_eq!(
        reply.status,
        200,
        "{}",
        &reply.text[..300.min(reply.text.len())]
    );
    let result = reply.json();
    assert_eq!(
        (result["changed"].as_u64(), result["notFound"].as_u64()),
        (Some(20), Some(9_980))
    );
}
