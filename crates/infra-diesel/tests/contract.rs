//! One contract suite for every backend: what `BillingEventRepository` promises, checked
//! on a real SQLite file always, and on a real PostgreSQL database with the
//! `postgres-tests` feature (which `make test` turns on when a server answers, and CI
//! always does).

use app::{BillingEventRepository, Insertion};
use domain::{
    BillingEvent, BillingEventGuid, ClientName, EventStatus, EventType, MemberUniqueKey, Price,
    Quantity, Timestamp,
};
use infra_diesel::test_support::{options_for, TestDatabase};
use std::sync::Arc;

/// A repository on a fresh database; the database lives as long as this does.
struct Subject {
    repository: Arc<dyn BillingEventRepository>,
    database: Box<dyn TestDatabase>,
}

fn open(database: Box<dyn TestDatabase>) -> Subject {
    let repository = infra_diesel::connect(&options_for(&database.url())).expect("connect");
    Subject {
        repository,
        database,
    }
}

fn event(quantity: &str, price: &str, at: &str) -> BillingEvent {
    domain::NewBillingEvent {
        guid: BillingEventGuid::new_random(),
        client: ClientName::parse("Acme").unwrap(),
        member: MemberUniqueKey::parse("member ünïcode ✓").unwrap(),
        event_time: Timestamp::parse(at).unwrap(),
        event_type: EventType::Usage,
        status: EventStatus::Pending,
        quantity: Quantity::parse(quantity).unwrap(),
        price: Price::parse(price).unwrap(),
    }
    .stored_at(Timestamp::parse("2026-11-26T10:00:00.123456Z").unwrap())
}

fn sample() -> BillingEvent {
    event("6.0", "7.0", "2025-08-14T01:25:53.8669171+00:00")
}

async fn a_stored_event_reads_back_identically(subject: Subject) {
    let stored = sample();
    assert_eq!(
        subject.repository.insert(&stored).await.unwrap(),
        Insertion::Created
    );
    let found = subject.repository.find(stored.guid).await.unwrap().unwrap();
    assert_eq!(found, stored);
    assert_eq!(found.client.as_str(), "acme");
    assert_eq!(found.member.as_str(), "member ünïcode ✓");
}

async fn decimals_round_trip_exactly_with_their_scale(subject: Subject) {
    for (quantity, price) in [
        ("0.1", "0.1"),
        ("6.0", "7.00"),
        ("2.50", "-7"),
        ("12345678901234.5678", "-12345678901234.5678"),
        ("123456789012345678.1234567890", "0.0000000001"),
        ("0", "-0.5"),
    ] {
        let stored = event(quantity, price, "2025-08-14T01:25:53Z");
        subject.repository.insert(&stored).await.unwrap();
        let found = subject.repository.find(stored.guid).await.unwrap().unwrap();
        assert_eq!(found.quantity.to_string(), quantity);
        assert_eq!(found.price.to_string(), price);
    }
}

async fn instants_round_trip_to_the_microsecond(subject: Subject) {
    for at in [
        "2025-08-14T01:25:53.866917Z",
        "2025-08-14T01:25:53.0000010Z",
        "0001-01-01T00:00:00Z",
        "9999-12-31T23:59:59.999999Z",
        "1969-12-31T23:59:59.999999Z",
    ] {
        let stored = event("1", "1", at);
        subject.repository.insert(&stored).await.unwrap();
        let found = subject.repository.find(stored.guid).await.unwrap().unwrap();
        assert_eq!(found.event_time, Timestamp::parse(at).unwrap(), "{at}");
        assert_eq!(found.modified, stored.modified);
    }
}

async fn a_taken_guid_returns_the_stored_event_unchanged(subject: Subject) {
    let first = sample();
    subject.repository.insert(&first).await.unwrap();
    let mut second = event("99", "99", "2030-01-01T00:00:00Z");
    second.guid = first.guid;
    assert_eq!(
        subject.repository.insert(&second).await.unwrap(),
        Insertion::AlreadyExists(first.clone())
    );
    assert_eq!(
        subject.repository.find(first.guid).await.unwrap(),
        Some(first)
    );
}

async fn concurrent_inserts_of_one_guid_store_exactly_one(subject: Subject) {
    let guid = BillingEventGuid::new_random();
    let attempts: Vec<_> = (0..20)
        .map(|n| {
            let repository = subject.repository.clone();
            let mut candidate = event(&n.to_string(), "1", "2025-08-14T01:25:53Z");
            candidate.guid = guid;
            tokio::spawn(async move {
                (
                    candidate.clone(),
                    repository.insert(&candidate).await.unwrap(),
                )
            })
        })
        .collect();
    let mut winners = Vec::new();
    let mut reported = Vec::new();
    for attempt in attempts {
        match attempt.await.unwrap() {
            (candidate, Insertion::Created) => winners.push(candidate),
            (_, Insertion::AlreadyExists(stored)) => reported.push(stored),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one insert wins");
    let stored = subject.repository.find(guid).await.unwrap().unwrap();
    assert_eq!(stored, winners[0]);
    assert_eq!(reported.len(), 19);
    assert!(
        reported.iter().all(|seen| *seen == stored),
        "losers see the winner"
    );
}

async fn an_unknown_guid_is_not_found(subject: Subject) {
    subject.repository.insert(&sample()).await.unwrap();
    assert_eq!(
        subject
            .repository
            .find(BillingEventGuid::new_random())
            .await
            .unwrap(),
        None
    );
}

async fn a_reachable_database_answers_ping(subject: Subject) {
    assert!(subject.repository.ping().await.is_ok());
}

async fn reopening_keeps_events_and_migrations_run_once(subject: Subject) {
    let stored = sample();
    subject.repository.insert(&stored).await.unwrap();
    let url = subject.database.url();
    let reopened = tokio::task::spawn_blocking(move || infra_diesel::connect(&options_for(&url)))
        .await
        .unwrap()
        .expect("a second start-up on the same database");
    assert_eq!(reopened.find(stored.guid).await.unwrap(), Some(stored));
}

macro_rules! contract_suite {
    ($backend:ident, $database:expr) => {
        mod $backend {
            use super::*;

            fn subject() -> Subject {
                open(Box::new($database))
            }

            contract_suite!(@cases
                a_stored_event_reads_back_identically,
                decimals_round_trip_exactly_with_their_scale,
                instants_round_trip_to_the_microsecond,
                a_taken_guid_returns_the_stored_event_unchanged,
                concurrent_inserts_of_one_guid_store_exactly_one,
                an_unknown_guid_is_not_found,
                a_reachable_database_answers_ping,
                reopening_keeps_events_and_migrations_run_once,
            );
        }
    };
    (@cases $($case:ident),+ $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $case() {
                super::$case(subject()).await;
            }
        )+
    };
}

contract_suite!(sqlite, infra_diesel::test_support::TempSqlite::new());

#[cfg(feature = "postgres-tests")]
contract_suite!(postgres, infra_diesel::test_support::TempPostgres::new());
