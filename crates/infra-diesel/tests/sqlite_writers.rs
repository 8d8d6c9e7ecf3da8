//! SQLite writers queue in the process: many concurrent batches all commit. (A writer
//! that gets no turn within `busy_timeout` is unavailable: `pooled::turns`' unit tests.)

use app::{BillingEventRepository, InsertRequest, Insertion};
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
