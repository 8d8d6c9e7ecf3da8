//! A SQLite summary streams its rows: the memory it takes follows the number of groups,
//! not the number of events. Measured by dhat's counting allocator, so the figure is
//! the same on any machine.

use domain::{BillingEventGuid, ClientName};
use domain::{EventFilter, GroupBy};
use infra_diesel::test_support::{
    insert_request, options_for, sample_event, TempSqlite, TestDatabase,
};

// dhat counts the heap from when its profiler starts: here, the summary alone.
#[global_allocator]
static ALLOCATOR: dhat::Alloc = dhat::Alloc;

const EVENTS: usize = 20_000;

#[tokio::test]
async fn a_summary_of_many_events_holds_one_row_per_group() {
    let database = TempSqlite::new();
    let stores = infra_diesel::open(&options_for(&database.url())).unwrap();
    for chunk in 0..EVENTS / 1_000 {
        let items: Vec<_> = (0..1_000)
            .map(|_| {
                insert_request(
                    &sample_event(BillingEventGuid::new_random()),
                    &format!("tx-{chunk}"),
                )
            })
            .collect();
        stores.events.insert_many(items).await.unwrap();
    }
    let filter = EventFilter {
        client: ClientName::parse("acme").unwrap(),
        member: None,
        from: None,
        to: None,
        types: Vec::new(),
        statuses: Vec::new(),
        modified_since: None,
    };

    let profiler = dhat::Profiler::builder().testing().build();
    let rows = stores
        .events
        .summarize(&filter, &[GroupBy::Status])
        .await
        .unwrap();
    let extra = dhat::HeapStats::get().max_bytes;
    drop(profiler);

    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].count, EVENTS as u64);
    assert_eq!(rows[0].total_amount.to_string(), "50000");
    // Loading the events would take well over 200 bytes each (4 MB here); streaming
    // takes SQLite's page cache and one row at a time.
    assert!(
        extra < 1_000_000,
        "a summary of {EVENTS} events took {extra} bytes at its peak"
    );
}
