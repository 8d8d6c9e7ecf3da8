//! Pooled PostgreSQL connections the server has dropped: one that just did work is
//! handed out untested, so the next request on it fails as unavailable and the one
//! after gets a new connection; one idle for longer than the trust window is tested
//! and replaced before any request sees it. Runs with the `postgres-tests` feature.
#![cfg(feature = "postgres-tests")]

use app::RepositoryError;
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection, RunQueryDsl};
use domain::{BillingEventGuid, ClientName, EventFilter};
use infra_diesel::test_support::{
    execute_sql, insert_request, options_for, postgres_admin_url, sample_event, TempPostgres,
    TestDatabase,
};
use infra_diesel::DatabaseOptions;
use std::time::Duration;

/// Ends every server process connected to the test database but the caller's, and
/// waits until they are gone.
fn drop_connections(database: &TempPostgres) {
    let name = database.name();
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
        url: Some(format!("{base}/billing_no_such_database")),
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

#[derive(diesel::QueryableByName)]
struct Waiting {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    sessions: i64,
}

/// How many sessions of the database at `url` wait for a lock now.
fn waiting_for_a_lock(url: &str) -> i64 {
    let mut conn = PgConnection::establish(url).unwrap();
    diesel::sql_query(
        "SELECT count(*) AS sessions FROM pg_stat_activity \
         WHERE datname = current_database() AND wait_event_type = 'Lock'",
    )
    .get_result::<Waiting>(&mut conn)
    .unwrap()
    .sessions
}

/// A summary that outlasts `long_read_timeout` is answered 503 at it, and the server
/// stops the statement about a second later instead of running it on: here it waits on a
/// lock another session keeps for the whole test.
#[tokio::test]
async fn a_summary_given_up_on_is_stopped_by_the_server_too() {
    let database = TempPostgres::new();
    let stores = infra_diesel::open(&DatabaseOptions {
        // Time enough for the summary's thread, at the lowest priority on a busy
        // machine, to reach the lock before its caller gives up.
        long_read_timeout: Duration::from_secs(2),
        ..options_for(&database.url())
    })
    .unwrap();
    let mut locker = PgConnection::establish(&database.url()).unwrap();
    locker
        .batch_execute("BEGIN; LOCK TABLE billing_events IN ACCESS EXCLUSIVE MODE;")
        .unwrap();

    // From mid-month: a ragged end, summed from the events themselves.
    let acme_since = EventFilter {
        from: Some(domain::Timestamp::parse("2025-03-10T00:00:00Z").unwrap()),
        ..EventFilter::of_client(ClientName::parse("acme").unwrap())
    };
    let answer = stores.events.summarize(&acme_since, &[]).await;
    let waiting_when_answered = waiting_for_a_lock(&database.url());
    let mut waiting = waiting_when_answered;
    for _ in 0..50 {
        if waiting == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        waiting = waiting_for_a_lock(&database.url());
    }

    assert!(
        matches!(answer, Err(RepositoryError::Unavailable(_))),
        "{answer:?}"
    );
    assert_eq!(
        waiting_when_answered, 1,
        "the summary still waits in the server"
    );
    assert_eq!(
        waiting, 0,
        "the server stopped it while the lock is still held"
    );
    locker.batch_execute("ROLLBACK").unwrap();
}
