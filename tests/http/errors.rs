//! Bad requests: each gets an RFC 9457 problem naming what is wrong, and stores nothing.

use crate::helpers::{event_body, new_guid, number, Reply, TestApp, SEED_SAMPLE};
use serde_json::{json, Value};

fn assert_problem(reply: &Reply, status: u16) -> Value {
    assert_eq!(reply.status, status, "{}", reply.text);
    assert_eq!(reply.header("content-type"), "application/problem+json");
    let problem = reply.json();
    assert_eq!(problem["status"], status);
    assert_eq!(problem["txID"], reply.header("x-transaction-id"));
    for member in ["type", "title", "detail"] {
        assert!(problem[member].is_string(), "{member} in {problem}");
    }
    problem
}

pub async fn every_bad_field_is_named_at_once(app: TestApp) {
    let guid = new_guid();
    let body = json!({
        "billingEventGuid": guid, "memberUniqueKey": "  ", "eventDateTime": "14/08/2025",
        "eventTypeId": "Refund", "invoiceBillingEventStatusId": true, "quantity": "NaN",
        "price": "1234567890123456789"
    });
    let reply = app
        .post_json("/api/v1/BillingEvents/bad%2Fclient", &body.to_string())
        .await;
    let problem = assert_problem(&reply, 400);
    let mut named: Vec<&str> = problem["errors"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    named.sort_unstable();
    assert_eq!(
        named,
        [
            "clientName",
            "eventDateTime",
            "eventTypeId",
            "invoiceBillingEventStatusId",
            "memberUniqueKey",
            "price",
            "quantity"
        ]
    );
    assert!(problem["errors"]["eventTypeId"][0]
        .as_str()
        .unwrap()
        .contains("Usage (1)"));
    assert_eq!(
        app.get(&format!("/api/v1/BillingEvents/{guid}"))
            .await
            .status,
        404,
        "nothing stored"
    );
}

pub async fn missing_required_fields_and_wrong_kinds_are_named(app: TestApp) {
    let body = event_body(&[
        ("memberUniqueKey", Value::Null),
        ("eventDateTime", Value::Null),
        ("quantity", json!([1])),
        ("price", json!(null)),
        ("billingEventGuid", number("12")),
    ]);
    // `event_body` removes fields given as Null; post an explicit null for price too.
    let body = body.replacen('{', r#"{"price": null,"#, 1);
    let problem = assert_problem(
        &app.post_json("/api/v1/BillingEvents/acme", &body).await,
        400,
    );
    assert_eq!(problem["errors"]["memberUniqueKey"], json!(["is required"]));
    assert_eq!(problem["errors"]["eventDateTime"], json!(["is required"]));
    assert_eq!(problem["errors"]["price"], json!(["is required"]));
    assert_eq!(
        problem["errors"]["quantity"],
        json!(["must not be a JSON array"])
    );
    assert_eq!(
        problem["errors"]["billingEventGuid"],
        json!(["must be a string"])
    );
}

pub async fn malformed_json_is_400(app: TestApp) {
    for body in ["{\"quantity\": 6.0,", "not json", "[1, 2]", ""] {
        let problem = assert_problem(
            &app.post_json("/api/v1/BillingEvents/acme", body).await,
            400,
        );
        assert_eq!(problem["type"], "/problems/malformed-body", "{body:?}");
    }
}

pub async fn other_content_types_are_415(app: TestApp) {
    for content_type in ["text/plain", "multipart/form-data", "application/jsonx"] {
        assert_problem(
            &app.post("/api/v1/BillingEvents/acme", content_type, SEED_SAMPLE)
                .await,
            415,
        );
    }
    let no_type = app
        .client
        .post(format!("{}/api/v1/BillingEvents/acme", app.address))
        .body(SEED_SAMPLE);
    assert_problem(&app.send(no_type).await, 415);
}

pub async fn a_body_over_the_limit_is_413(app: TestApp) {
    let padding = "x".repeat(70 * 1024);
    let body = event_body(&[("padding", json!(padding))]);
    assert_problem(
        &app.post_json("/api/v1/BillingEvents/acme", &body).await,
        413,
    );
    // The same without a Content-Length: a chunked body is cut off while reading.
    let chunks = futures_util::stream::iter(
        body.into_bytes()
            .chunks(8192)
            .map(|chunk| Ok::<_, std::io::Error>(chunk.to_vec()))
            .collect::<Vec<_>>(),
    );
    let chunked = app
        .client
        .post(format!("{}/api/v1/BillingEvents/acme", app.address))
        .header("Content-Type", "application/json")
        .body(reqwest::Body::wrap_stream(chunks));
    assert_problem(&app.send(chunked).await, 413);
    assert_eq!(
        app.get(&format!(
            "/api/v1/BillingEvents/{}",
            crate::helpers::SEED_GUID
        ))
        .await
        .status,
        404
    );
}

pub async fn unknown_routes_are_404_and_wrong_methods_405(app: TestApp) {
    assert_problem(&app.get("/api/v2/BillingEvents/acme").await, 404);
    assert_problem(&app.get("/").await, 404);
    let delete = app
        .client
        .delete(format!("{}/api/v1/BillingEvents/acme", app.address));
    let reply = app.send(delete).await;
    assert_problem(&reply, 405);
    assert_eq!(reply.header("allow"), "GET, HEAD, POST, PATCH");
    let post_health = app.post_json("/health", "{}").await;
    assert_problem(&post_health, 405);
    assert_eq!(post_health.header("allow"), "GET, HEAD");
}

pub async fn a_corrupt_stored_row_is_a_503_without_internals(app: TestApp) {
    app.post_json("/api/v1/BillingEvents/acme", SEED_SAMPLE)
        .await;
    infra_diesel::test_support::execute_sql(
        &app.database.url(),
        "UPDATE billing_events SET event_type_id = 42",
    );
    let reply = app
        .get(&format!(
            "/api/v1/BillingEvents/{}",
            crate::helpers::SEED_GUID
        ))
        .await;
    let problem = assert_problem(&reply, 503);
    assert_eq!(reply.header("retry-after"), "1");
    assert_eq!(problem["title"], "Service Unavailable");
    assert_eq!(
        problem["detail"],
        "The service could not complete the request; quote the txID when reporting it."
    );
    let mut members: Vec<&str> = problem
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    members.sort_unstable();
    assert_eq!(
        members,
        ["Message", "detail", "status", "title", "txID", "type"],
        "no internals"
    );
}
