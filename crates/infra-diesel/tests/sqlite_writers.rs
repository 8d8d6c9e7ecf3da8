//! SQLite writers queue in the process: many concurrent batches all commit, and a
//! writer that cannot get its turn within `busy_timeout` is told the database is
//! unavailable (the service answers 503) instead of waiting on.

use app::{BillingEventRepository, InsertRequest, Insertion, RepositoryError};
use domain::BillingEventGuid;
use infra_diesel::test_support::{
    insert_request, options_for, sample_event, TempSqlite, TestDatabase,
};
use std::sync::Arc;
use std::time::Duration;

fn batch(size: usize) -> Vec<InsertRequest> {
    (0..size)
        .map(|_| insert_request(&sample_event(BillingEventGuid::new_random()), "tx"))
        .collect()
}

async fn repository(
    database: &TempSqlite,
    busy_timeout: Duration,
) -> Arc<dyn BillingEventRepository> {
    let mut options = options_for(&database.url());
    options.sqlite_busy_timeout = busy_timeout;
    tokio::task::spawn_blocking(move || infra_diesel::open(&options))
        .await
        .unwrap()
        .unwrap()
        .events
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn eight_concurrent_batches_all_commit() {
    let database = TempSqlite::new();
    let repository = repository(&database, Duration::from_secs(10)).await;
    let writers: Vec<_> = (0..8)
        .map(|_| {
            let repository = repository.clone();
            tokio::spawn(async move { repository.insert_many(batch(500)).await })
        })
        .collect();
    for writer in writers {
        let results = writer.await.unwrap().unwrap();
        assert_eq!(results.len(), 500);
        assert!(results
            .iter()
            .all(|result| matches!(result, Insertion::Created(_))));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_writer_without_a_turn_within_busy_timeout_is_unavailable_and_stores_nothing() {
    let database = TempSqlite::new();
    let repository = repository(&database, Duration::from_millis(1)).await;
    // 10,000 rows (the largest batch the service takes) need about half a second to
    // commit here (SQLite's own ceiling on this table is about 20k rows/s); the late
    // writer asks 100 ms in, with 1 ms of patience.
    let rows = batch(10_000);
    let long = tokio::spawn({
        let repository = repository.clone();
        async move { repository.insert_many(rows).await }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let late = batch(1);
    let late_guid = late[0].event.guid;
    let refused = repository.insert_many(late).await;
    assert!(
        matches!(refused, Err(RepositoryError::Unavailable(_))),
        "{refused:?}"
    );
    assert_eq!(long.await.unwrap().unwrap().len(), 10_000);
    assert_eq!(repository.find(late_guid).await.unwrap(), None);
}
