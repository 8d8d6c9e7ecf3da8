//! What a failover does to the service, played through a TCP proxy in front of a real
//! PostgreSQL database: a connection cut after the database ran the insert, a database
//! that stops answering (frozen), and a service that starts while no database answers.
//! Each case checks what the client is told against what the database holds.

use crate::helpers::{event_body, new_guid, TestApp};
use infra_diesel::test_support::ProxiedPostgres;
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};

const CONNECT_TIMEOUT_MS: u64 = 2_000;

/// One pooled connection, so the test knows which one each request uses, and no key
/// lookups, so the insert is the request's first call on it.
async fn app_through(database: &Arc<ProxiedPostgres>) -> TestApp {
    TestApp::spawn_with(
        Box::new(database.clone()),
        &[
            ("BILLING__AUTH__REQUIRED", "false"),
            ("BILLING__DATABASE__POOL_SIZE", "1"),
            (
                "BILLING__DATABASE__CONNECT_TIMEOUT_MS",
                &CONNECT_TIMEOUT_MS.to_string(),
            ),
        ],
    )
    .await
}

async fn post_event(app: &TestApp, guid: &str) -> crate::helpers::Reply {
    let body = event_body(&[("billingEventGuid", json!(guid))]);
    app.post_json("/api/v1/BillingEvents/acme", &body).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_insert_whose_answer_is_lost_is_retried_and_answered_created() {
    let database = Arc::new(ProxiedPostgres::new());
    let app = app_through(&database).await;
    // The pooled connection has just worked, so the next insert goes out on it untested.
    assert_eq!(post_event(&app, &new_guid()).await.status, 201);

    database.proxy.cut_answers(1);
    let guid = new_guid();
    let posted = post_event(&app, &guid).await;

    assert_eq!(posted.status, 201, "{}", posted.text);
    assert_eq!(posted.json()["billingEventGuid"], json!(guid));
    let metrics = app.get("/metrics").await.text;
    let retries: u64 = metrics
        .lines()
        .find_map(|line| line.strip_prefix("db_insert_retries_total "))
        .and_then(|count| count.parse().ok())
        .unwrap_or(0);
    assert!(
        retries >= 1,
        "the insert itself was cut and retried, not a ping before it: {metrics}"
    );
    let again = post_event(&app, &guid).await;
    assert_eq!(again.status, 200, "stored once: {}", again.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_insert_whose_outcome_stays_unknown_says_so_and_was_in_fact_stored() {
    let database = Arc::new(ProxiedPostgres::new());
    let app = app_through(&database).await;
    assert_eq!(post_event(&app, &new_guid()).await.status, 201);

    database.proxy.cut_answers(usize::MAX);
    let guid = new_guid();
    let posted = post_event(&app, &guid).await;
    database.proxy.cut_answers(0);

    assert_eq!(posted.status, 503, "{}", posted.text);
    assert_eq!(posted.header("retry-after"), "1");
    assert_eq!(posted.json()["type"], json!("/problems/outcome-unknown"));
    let read = app.get(&format!("/api/v1/BillingEvents/{guid}")).await;
    assert_eq!(
        read.status, 200,
        "the database ran the insert: {}",
        read.text
    );
    assert_eq!(
        post_event(&app, &guid).await.status,
        200,
        "the client's retry finds it"
    );
}

/// A post without a guid whose outcome is unknown names the guid the service made, so
/// that posting again stores the event once, not twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_outcome_names_the_guid_the_service_made() {
    let database = Arc::new(ProxiedPostgres::new());
    let app = app_through(&database).await;
    assert_eq!(post_event(&app, &new_guid()).await.status, 201);

    database.proxy.cut_answers(usize::MAX);
    let without_guid = event_body(&[("billingEventGuid", serde_json::Value::Null)]);
    let posted = app
        .post_json("/api/v1/BillingEvents/acme", &without_guid)
        .await;
    database.proxy.cut_answers(0);

    assert_eq!(posted.status, 503, "{}", posted.text);
    assert_eq!(posted.json()["type"], json!("/problems/outcome-unknown"));
    let guid = posted.json()["billingEventGuid"]
        .as_str()
        .expect("the guid in the problem")
        .to_owned();
    assert_eq!(
        posted.header("location"),
        format!("/api/v1/BillingEvents/{guid}")
    );
    let again = event_body(&[("billingEventGuid", json!(guid))]);
    let reposted = app.post_json("/api/v1/BillingEvents/acme", &again).await;
    assert_eq!(reposted.status, 200, "stored once: {}", reposted.text);
    let listed = app.get("/api/v1/BillingEvents?clientName=acme").await;
    assert_eq!(listed.json()["items"].as_array().map(Vec::len), Some(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frozen_database_is_answered_within_the_connect_timeout_then_recovered_from() {
    let database = Arc::new(ProxiedPostgres::new());
    let app = app_through(&database).await;
    assert_eq!(post_event(&app, &new_guid()).await.status, 201);

    database.proxy.freeze(true);
    let guid = new_guid();
    let started = Instant::now();
    // Bounded here too, so that a service that hangs fails the test instead of hanging it.
    let posted = tokio::time::timeout(Duration::from_secs(15), post_event(&app, &guid)).await;
    let took = started.elapsed();
    let read_path = format!("/api/v1/BillingEvents/{guid}");
    let read = tokio::time::timeout(Duration::from_secs(15), app.get(&read_path)).await;
    database.proxy.freeze(false);
    let (posted, read) = (
        posted.expect("an answer to the post while the database is frozen"),
        read.expect("an answer to the read while the database is frozen"),
    );

    assert_eq!(posted.status, 503, "{}", posted.text);
    assert_eq!(posted.header("retry-after"), "1");
    assert_eq!(
        posted.json()["type"],
        json!("/problems/outcome-unknown"),
        "the insert went out before the database froze"
    );
    // The bound is the setting, not twice it: the old pool held a frozen connection for
    // as long as TCP did (22-30 s).
    let bound = Duration::from_millis(CONNECT_TIMEOUT_MS * 3 / 2);
    assert!(took < bound, "answered in {took:?}, over {bound:?}");
    assert_eq!(read.status, 503, "a read meanwhile: {}", read.text);

    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let found = app.get(&format!("/api/v1/BillingEvents/{guid}")).await;
        if found.status == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "no recovery: {}", found.text);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(post_event(&app, &new_guid()).await.status, 201);
}

/// Connections whose answers never come (a hung server process, a stalled proxy)
/// while new ones work: each call past its deadline cuts its connection's socket, so
/// the pool's every slot is not held by a wait that may never end.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_whose_answers_never_come_give_their_connections_back() {
    let database = Arc::new(ProxiedPostgres::new());
    let app = app_through(&database).await;
    let guid = new_guid();
    assert_eq!(post_event(&app, &guid).await.status, 201);
    let read_path = format!("/api/v1/BillingEvents/{guid}");

    database.proxy.freeze_open_connections();
    let stuck = app.get(&read_path).await;
    assert_eq!(stuck.status, 503, "{}", stuck.text);

    // The pool's one connection was cut at that deadline; the next call connects anew.
    let read = app.get(&read_path).await;
    assert_eq!(read.status, 200, "the pool is still held: {}", read.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_service_starts_while_no_database_answers_and_serves_once_one_does() {
    let database = Arc::new(ProxiedPostgres::new());
    database.proxy.freeze(true);
    let app = app_through(&database).await;

    assert_eq!(app.get("/health").await.status, 200);
    let not_ready = app.get("/ready").await;
    assert_eq!(not_ready.status, 503, "{}", not_ready.text);
    assert_eq!(post_event(&app, &new_guid()).await.status, 503);

    database.proxy.freeze(false);
    let deadline = Instant::now() + Duration::from_secs(30);
    while app.get("/ready").await.status != 200 {
        assert!(Instant::now() < deadline, "never became ready");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(post_event(&app, &new_guid()).await.status, 201);
}
