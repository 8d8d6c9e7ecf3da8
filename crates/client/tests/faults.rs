//! Through a proxy that drops connections and answers 503 at random, 10,000 events
//! posted by 16 concurrent tasks are all stored exactly once, and every call returns.

mod support;

use billing_events_client::{Client, RetryPolicy};
use domain::{ClientName, EventFilter};
use futures_util::TryStreamExt;
use infra_diesel::test_support::{TempSqlite, TestDatabase};
use std::collections::HashSet;
use std::sync::atomic::Ordering;
use std::time::Duration;
use support::proxy::{self, Faults};
use support::{usage, Service};

const TASKS: usize = 16;
const EVENTS_PER_TASK: usize = 625;

async fn every_event_is_stored_once_through_a_faulty_network(database: Box<dyn TestDatabase>) {
    let service = Service::start(database).await;
    let key = service.key(Some("acme")).await;
    let upstream = service.address.trim_start_matches("http://").to_owned();
    let faults = Faults {
        drop_before: 10,
        busy: 10,
        drop_after: 10,
    };
    let (proxied, counts) = proxy::start(upstream, faults).await;
    // Many attempts with short waits: a fault every third request, over 10,000 events.
    let policy = RetryPolicy {
        max_attempts: 40,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(200),
    };
    let client = Client::builder(proxied, key.clone())
        .retry(policy)
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let tasks: Vec<_> = (0..TASKS)
        .map(|task| {
            let client = client.clone();
            tokio::spawn(async move {
                let mut posted = Vec::with_capacity(EVENTS_PER_TASK);
                for n in 0..EVENTS_PER_TASK {
                    let member = format!("member-{task}");
                    let second = u32::try_from(task * EVENTS_PER_TASK + n).unwrap();
                    let event = usage("acme", &member, second, "1", "0.10");
                    let posted_event = client
                        .post(&event)
                        .await
                        .expect("every call returns stored");
                    assert_eq!(posted_event.event().guid, event.guid);
                    posted.push(event.guid);
                }
                posted
            })
        })
        .collect();
    let mut sent = HashSet::new();
    for task in tasks {
        sent.extend(task.await.unwrap());
    }
    assert_eq!(sent.len(), TASKS * EVENTS_PER_TASK);
    assert!(
        counts.dropped_before.load(Ordering::Relaxed) > 100,
        "the faults were real"
    );
    assert!(counts.busy.load(Ordering::Relaxed) > 100);
    assert!(counts.dropped_after.load(Ordering::Relaxed) > 100);

    // Read back straight from the service: each sent event once, nothing else.
    let direct = Client::new(&service.address, &key).unwrap();
    let filter = EventFilter::of_client(ClientName::parse("acme").unwrap());
    let stored: Vec<_> = direct.list(&filter).try_collect().await.unwrap();
    let stored_guids: HashSet<_> = stored.iter().map(|event| event.guid).collect();
    assert_eq!(
        stored.len(),
        TASKS * EVENTS_PER_TASK,
        "no event stored twice or lost"
    );
    assert_eq!(stored_guids, sent);
    let summary = direct.summary(&filter, &[]).await.unwrap();
    assert_eq!(summary[0].count, (TASKS * EVENTS_PER_TASK) as u64);
    assert_eq!(summary[0].total_amount.to_string(), "1000");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_event_is_stored_once_through_a_faulty_network_on_sqlite() {
    every_event_is_stored_once_through_a_faulty_network(Box::new(TempSqlite::new())).await;
}

#[cfg(feature = "postgres-tests")]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_event_is_stored_once_through_a_faulty_network_on_postgres() {
    use infra_diesel::test_support::TempPostgres;
    every_event_is_stored_once_through_a_faulty_network(Box::new(TempPostgres::new())).await;
}
