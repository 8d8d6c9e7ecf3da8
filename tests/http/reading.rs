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

pub async fn metrics_count_requests_events_and_commits(app: TestApp) {
    let guid = crate::helpers::new_guid();
    let body = crate::helpers::event_body(&[("billingEventGuid", serde_json::json!(guid))]);
    assert_eq!(
        app.post_json("/api/v1/BillingEvents/acme", &body)
            .await
            .status,
        201
    );
    assert_eq!(
        app.post_json("/api/v1/BillingEvents/acme", &body)
            .await
            .status,
        200
    );
    assert_eq!(
        app.post_json("/api/v1/BillingEvents/acme", "{}")
            .await
            .status,
        400
    );
    let reply = app.get("/METRICS").await;
    assert_eq!(reply.status, 200);
    assert!(reply
        .header("content-type")
        .starts_with("text/plain; version=0.0.4"));
    let value = |series: &str| -> f64 {
        reply
            .text
            .lines()
            .find(|line| line.starts_with(series))
            .and_then(|line| line.rsplit(' ').next())
            .and_then(|value| value.parse().ok())
            .unwrap_or_else(|| panic!("no {series} in\n{}", reply.text))
    };
    // The recorder is shared by every test of this process: at least ours are counted.
    for outcome in ["created", "replayed", "rejected"] {
        assert!(
            value(&format!("billing_events_total{{outcome=\"{outcome}\"}}")) >= 1.0,
            "{outcome}"
        );
    }
    assert!(value("group_commit_batch_size_count") >= 1.0);
    assert!(
        reply.text.contains("route=\"/api/v1/BillingEvents/{id}\""),
        "routes are patterns, not paths"
    );
    assert!(reply.text.contains("status=\"201\""));
    assert!(reply.text.contains("http_request_duration_seconds_bucket"));
    assert!(reply.text.contains("db_pool_connections_idle"));
    assert!(!reply.text.contains(&guid), "no raw path in a label");
}
