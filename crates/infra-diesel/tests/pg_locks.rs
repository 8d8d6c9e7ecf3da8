//! Row locks on PostgreSQL are taken only on the caller's own rows: settling another
//! client's guid neither waits for that row nor holds it. Runs with `postgres-tests`.
#![cfg(feature = "postgres-tests")]

use diesel::{Connection, PgConnection, RunQueryDsl};
use domain::{BillingEventGuid, ClientName, EventStatus, Timestamp};
use domain::{SettleOutcome, SettleTarget};
use infra_diesel::test_support::{
    insert_request, options_for, sample_event, TempPostgres, TestDatabase,
};
use std::time::Duration;

#[tokio::test]
async fn settling_another_clients_guid_never_touches_its_row_lock() {
    let database = TempPostgres::new();
    let stores = infra_diesel::open(&options_for(&database.url())).unwrap();
    let event = sample_event(BillingEventGuid::new_random());
    stores
        .events
        .insert(insert_request(&event, "tx"))
        .await
        .unwrap();

    // The owner's own transaction holds the row.
    let mut owner = PgConnection::establish(&database.url()).unwrap();
    diesel::sql_query("BEGIN").execute(&mut owner).unwrap();
    diesel::sql_query(format!(
        "SELECT 1 FROM billing_events WHERE billing_event_guid = '{}' FOR UPDATE",
        event.guid
    ))
    .execute(&mut owner)
    .unwrap();

    let stranger = ClientName::parse("other").unwrap();
    let target = SettleTarget {
        guid: event.guid,
        expected_revisions: None,
    };
    let at = Timestamp::parse("2026-02-01T00:00:00Z").unwrap();
    // Were the row locked before the client is checked, this would wait for the
    // owner's transaction, which never ends within the test.
    let outcome = tokio::time::timeout(
        Duration::from_secs(10),
        stores.events.settle(
            Some(&stranger),
            &[target],
            EventStatus::Invoiced,
            at,
            "tx-2",
        ),
    )
    .await
    .expect("answered without waiting for the owner's lock")
    .unwrap();
    assert_eq!(outcome, [SettleOutcome::NotFound]);

    diesel::sql_query("ROLLBACK").execute(&mut owner).unwrap();
    let unchanged = stores.events.find(event.guid).await.unwrap().unwrap();
    assert_eq!(unchanged.status, EventStatus::Pending);
}
