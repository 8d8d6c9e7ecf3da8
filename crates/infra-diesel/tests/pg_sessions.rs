//! Pooled PostgreSQL connections the server has dropped: one that just did work is
//! handed out untested, so the next request on it fails as unavailable and the one
//! after gets a new connection; one idle for longer than the trust window is tested
//! and replaced before any request sees it. Runs with the `postgres-tests` feature.
#![cfg(feature = "postgres-tests")]

use app::RepositoryError;
use domain::BillingEventGuid;
use infra_diesel::test_support::{
    execute_sql, insert_request, options_for, postgres_admin_url, sample_event, TempPostgres,
    TestDatabase,
};
use infra_diesel::DatabaseOptions;
use std::time::Duration;

/// Ends every server process connected to the test database but the caller's, and
/// waits until they are gone.
fn drop_connections(database: &TempPostgres) {
    let name = database.url().rsplit('/').next().unwrap().to_owned();
    execute_sql(
        &postgres_admin_url(),
        &format!(
            "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity \
             WHERE datname = '{name}' AND pid <> pg_backend_pid()"
        ),
    );
}

fn one_connection(database: &TempPostgres) -> DatabaseOptions {
    DatabaseOptions {
        pool_size: 1,
        ..options_for(&database.url())
    }
}

#[tokio::test]
async fn a_dropped_connection_fails_one_request_right_after_use_and_is_replaced() {
    let database = TempPostgres::new();
    let stores = infra_diesel::open(&one_connection(&database)).unwrap();
    let event = sample_event(BillingEventGuid::new_random());
    stores
        .events
        .insert(insert_request(&event, "tx-1"))
        .await
        .unwrap();

    drop_connections(&database);
    let right_after = stores.events.find(event.guid).await;
    let next = stores.events.find(event.guid).await;

    assert!(
        matches!(right_after, Err(RepositoryError::Unavailable(_))),
        "{right_after:?}"
    );
    assert_eq!(next.unwrap().map(|found| found.guid), Some(event.guid));
}

#[tokio::test]
async fn a_dropped_idle_connection_is_replaced_before_a_request_uses_it() {
    let database = TempPostgres::new();
    let stores = infra_diesel::open(&one_connection(&database)).unwrap();
    let event = sample_event(BillingEventGuid::new_random());
    stores
        .events
        .insert(insert_request(&event, "tx-1"))
        .await
        .unwrap();

    drop_connections(&database);
    // Past the window in which a connection that just worked is trusted untested.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let found = stores.events.find(event.guid).await;

    assert_eq!(found.unwrap().map(|found| found.guid), Some(event.guid));
}

#[tokio::test]
async fn a_database_that_does_not_exist_stops_start_up_with_the_servers_reason() {
    let admin = postgres_admin_url();
    let (base, _) = admin.rsplit_once('/').unwrap();
    let database = infra_diesel::DatabaseSettings {
        url: format!("{base}/billing_no_such_database"),
        pool_size: 2,
        connect_timeout_ms: 3_000,
        long_read_timeout_ms: 3_000,
        sqlite_busy_timeout_ms: 1_000,
        group_commit: infra_diesel::GroupCommitSettings {
            max_batch: 8,
            queue_capacity: 8,
            concurrent_commits: 0,
        },
    }
    .check()
    .unwrap();

    let error = infra_diesel::connect_or_wait(&database).await.unwrap_err();

    assert!(error.is_permanent(), "{error}");
    assert!(error.to_string().contains("does not exist"), "{error}");
}
