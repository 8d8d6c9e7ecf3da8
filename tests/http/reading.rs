//! Reading one event back, and the operational endpoints.

use crate::helpers::{TestApp, SEED_GUID, SEED_SAMPLE};

pub async fn a_stored_event_reads_back_with_fresh_system_fields(app: TestApp) {
    let posted = app
        .post_json("/api/v1/BillingEvents/acme", SEED_SAMPLE)
        .await
        .json();
    let reply = app
        .get(&format!(
            "/api/v1/BillingEvents/{}",
            SEED_GUID.to_uppercase()
        ))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let read = reply.json();
    for field in [
        "billingEventGuid",
        "memberUniqueKey",
        "eventDateTime",
        "eventTypeId",
        "invoiceBillingEventStatusId",
        "quantity",
        "price",
        "modifiedDateTime",
    ] {
        assert_eq!(read[field], posted[field], "{field}");
    }
    assert_ne!(read["txID"], posted["txID"]);
    assert_eq!(read["txID"], reply.header("x-transaction-id"));
}

pub async fn an_unknown_guid_is_404_and_a_non_guid_is_400(app: TestApp) {
    let unknown = app
        .get("/api/v1/BillingEvents/0b7d3c1e-9a0e-4d5f-8f00-000000000001")
        .await;
    assert_eq!(unknown.status, 404, "{}", unknown.text);
    assert_eq!(unknown.json()["status"], 404);
    let not_a_guid = app.get("/api/v1/BillingEvents/acme").await;
    assert_eq!(not_a_guid.status, 400, "{}", not_a_guid.text);
    assert!(
        not_a_guid.json()["errors"]["bGuid"].is_array(),
        "{}",
        not_a_guid.text
    );
}

pub async fn health_and_readiness_answer_while_the_database_does(app: TestApp) {
    let health = app.get("/health").await;
    assert_eq!(
        (health.status, health.json()["status"].as_str()),
        (200, Some("ok"))
    );
    let ready = app.get("/ready").await;
    assert_eq!(
        (ready.status, ready.json()["status"].as_str()),
        (200, Some("ready"))
    );
}
