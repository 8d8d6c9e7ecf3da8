//! One contract suite for every backend: what `BillingEventRepository` and
//! `ApiKeyRepository` promise, checked
//! on a real SQLite file always, and on a real PostgreSQL database with the
//! `postgres-tests` feature (which `make test` turns on when a server answers, and CI
//! always does).

use app::{ApiKeyRepository, BillingEventRepository, InsertRequest, Insertion};
use bigdecimal::BigDecimal;
use domain::{
    Access, ApiKeyId, BillingEvent, BillingEventGuid, ClientName, EventFilter, EventStatus,
    EventType, GroupBy, HistoryEntry, IssuedKey, MemberUniqueKey, Position, Price, Quantity,
    SettleOutcome, SettleTarget, Summary, SummaryRow, Timestamp,
};
#[cfg(feature = "postgres-tests")]
use infra_diesel::test_support::TempPostgres;
use infra_diesel::test_support::{
    database_for, insert_request, options_for, TempSqlite, TestDatabase,
};
use std::str::FromStr;
use std::sync::Arc;

/// A repository on a fresh database; the database lives as long as this does.
struct Subject {
    repository: Arc<dyn BillingEventRepository>,
    keys: Arc<dyn ApiKeyRepository>,
    /// The database behind the stores, kept for as long as they are used (none for the
    /// in-memory stand-ins).
    database: Option<Box<dyn TestDatabase>>,
}

/// The stores straight on `database`.
#[allow(clippy::unused_async)] // awaited like every subject, so one macro opens them all
async fn open(database: Box<dyn TestDatabase>) -> Subject {
    let stores = infra_diesel::open(&options_for(&database.url())).expect("connect");
    Subject {
        repository: stores.events,
        keys: stores.keys,
        database: Some(database),
    }
}

/// The stores the service runs on: group commit and coalesced key reads in front.
async fn production(database: Box<dyn TestDatabase>) -> Subject {
    let stores = infra_diesel::connect(&database_for(&database.url()))
        .await
        .expect("connect");
    Subject {
        repository: stores.events,
        keys: stores.keys,
        database: Some(database),
    }
}

/// The in-memory stand-ins the use cases' unit tests rely on.
#[allow(clippy::unused_async)] // awaited like every subject, so one macro opens them all
async fn in_memory() -> Subject {
    Subject {
        repository: Arc::new(app::fakes::InMemoryRepository::default()),
        keys: Arc::new(app::fakes::InMemoryKeys::default()),
        database: None,
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
        subject
            .repository
            .insert(insert_request(&stored, "tx"))
            .await
            .unwrap(),
        Insertion::Created(stored.clone())
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
        ("0.00", "0.0"),
        ("0.0000000000", "0.000"),
    ] {
        let stored = event(quantity, price, "2025-08-14T01:25:53Z");
        subject
            .repository
            .insert(insert_request(&stored, "tx"))
            .await
            .unwrap();
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
        subject
            .repository
            .insert(insert_request(&stored, "tx"))
            .await
            .unwrap();
        let found = subject.repository.find(stored.guid).await.unwrap().unwrap();
        assert_eq!(found.event_time, Timestamp::parse(at).unwrap(), "{at}");
        assert_eq!(found.modified, stored.modified);
    }
}

async fn a_taken_guid_returns_the_stored_event_unchanged(subject: Subject) {
    let first = sample();
    subject
        .repository
        .insert(insert_request(&first, "tx"))
        .await
        .unwrap();
    let mut second = event("99", "99", "2030-01-01T00:00:00Z");
    second.guid = first.guid;
    assert_eq!(
        subject
            .repository
            .insert(insert_request(&second, "tx"))
            .await
            .unwrap(),
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
                    repository
                        .insert(insert_request(&candidate, "tx"))
                        .await
                        .unwrap(),
                )
            })
        })
        .collect();
    let mut winners = Vec::new();
    let mut reported = Vec::new();
    for attempt in attempts {
        match attempt.await.unwrap() {
            (candidate, Insertion::Created(_)) => winners.push(candidate),
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
    subject
        .repository
        .insert(insert_request(&sample(), "tx"))
        .await
        .unwrap();
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
    subject
        .repository
        .insert(insert_request(&stored, "tx"))
        .await
        .unwrap();
    let url = subject.database.as_ref().expect("a database").url();
    let reopened = tokio::task::spawn_blocking(move || infra_diesel::open(&options_for(&url)))
        .await
        .unwrap()
        .expect("a second start-up on the same database");
    assert_eq!(
        reopened.events.find(stored.guid).await.unwrap(),
        Some(stored)
    );
}

fn at(text: &str) -> Timestamp {
    Timestamp::parse(text).unwrap()
}

fn target(guid: BillingEventGuid, expected_revision: Option<u32>) -> SettleTarget {
    SettleTarget {
        guid,
        expected_revisions: expected_revision.map(|revision| vec![revision]),
    }
}

async fn settling_changes_status_and_history_in_one_step(subject: Subject) {
    let stored = sample();
    subject
        .repository
        .insert(insert_request(&stored, "tx-create"))
        .await
        .unwrap();
    let when = at("2026-12-01T00:00:00.5Z");
    let outcomes = subject
        .repository
        .settle(
            None,
            &[target(stored.guid, Some(1))],
            EventStatus::Invoiced,
            when,
            "tx-settle",
        )
        .await
        .unwrap();
    let SettleOutcome::Changed(changed) = &outcomes[0] else {
        panic!("{outcomes:?}")
    };
    assert_eq!(
        (changed.status, changed.revision, changed.modified),
        (EventStatus::Invoiced, 2, when)
    );
    assert_eq!(
        subject.repository.find(stored.guid).await.unwrap().as_ref(),
        Some(changed)
    );
    let history = subject
        .repository
        .history(stored.guid)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        history,
        [
            HistoryEntry {
                from: None,
                to: EventStatus::Pending,
                at: stored.modified,
                tx_id: "tx-create".into()
            },
            HistoryEntry {
                from: Some(EventStatus::Pending),
                to: EventStatus::Invoiced,
                at: when,
                tx_id: "tx-settle".into()
            },
        ]
    );
    assert_eq!(
        subject
            .repository
            .history(BillingEventGuid::new_random())
            .await
            .unwrap(),
        None
    );
}

async fn every_settle_outcome_is_reported_per_target(subject: Subject) {
    let (pending, mut foreign) = (sample(), sample());
    foreign.client = ClientName::parse("other").unwrap();
    subject
        .repository
        .insert(insert_request(&pending, "tx"))
        .await
        .unwrap();
    subject
        .repository
        .insert(insert_request(&foreign, "tx"))
        .await
        .unwrap();
    let acme = ClientName::parse("acme").unwrap();
    let when = at("2026-12-01T00:00:00Z");
    let outcomes = subject
        .repository
        .settle(
            Some(&acme),
            &[
                target(pending.guid, Some(7)),
                target(BillingEventGuid::new_random(), None),
                target(foreign.guid, None),
                target(pending.guid, None),
                target(pending.guid, None),
            ],
            EventStatus::Cancelled,
            when,
            "tx",
        )
        .await
        .unwrap();
    assert!(
        matches!(&outcomes[0], SettleOutcome::Stale { current } if current.revision == 1),
        "{outcomes:?}"
    );
    assert_eq!(outcomes[1], SettleOutcome::NotFound);
    assert_eq!(
        outcomes[2],
        SettleOutcome::NotFound,
        "another client's event"
    );
    assert!(matches!(&outcomes[3], SettleOutcome::Changed(event) if event.revision == 2));
    assert!(matches!(&outcomes[4], SettleOutcome::Unchanged(event) if event.revision == 2));
    let forbidden = subject
        .repository
        .settle(
            None,
            &[target(pending.guid, None)],
            EventStatus::Pending,
            when,
            "tx",
        )
        .await
        .unwrap();
    assert!(
        matches!(forbidden[0], SettleOutcome::Forbidden(_)),
        "{forbidden:?}"
    );
    assert_eq!(
        subject
            .repository
            .history(pending.guid)
            .await
            .unwrap()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        subject
            .repository
            .find(foreign.guid)
            .await
            .unwrap()
            .unwrap()
            .status,
        EventStatus::Pending
    );
}

async fn concurrent_settlements_of_one_revision_change_it_once(subject: Subject) {
    let stored = sample();
    subject
        .repository
        .insert(insert_request(&stored, "tx"))
        .await
        .unwrap();
    let attempts: Vec<_> = (0..10)
        .map(|n| {
            let repository = subject.repository.clone();
            let guid = stored.guid;
            tokio::spawn(async move {
                repository
                    .settle(
                        None,
                        &[target(guid, Some(1))],
                        EventStatus::Invoiced,
                        at("2026-12-01T00:00:00Z"),
                        &format!("tx-{n}"),
                    )
                    .await
                    .unwrap()
                    .remove(0)
            })
        })
        .collect();
    let mut changed = 0;
    for attempt in attempts {
        match attempt.await.unwrap() {
            SettleOutcome::Changed(_) => changed += 1,
            SettleOutcome::Stale { current } => assert_eq!(current.revision, 2),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(changed, 1);
    assert_eq!(
        subject
            .repository
            .history(stored.guid)
            .await
            .unwrap()
            .unwrap()
            .len(),
        2
    );
}

/// Thirty events spread over members, types, statuses, times and modification times.
async fn varied_events(subject: &Subject) -> Vec<BillingEvent> {
    let mut all = Vec::new();
    for n in 0_u32..30 {
        let mut event = event(
            &format!("{}.{}", n % 4, n % 3),
            &format!("0.{}", n % 7 + 1),
            &format!("2025-03-{:02}T00:00:00Z", n % 9 + 1),
        );
        event.member = MemberUniqueKey::parse(["Ann", "bob", "Zoë"][n as usize % 3]).unwrap();
        event.event_type = EventType::ALL[n as usize % 6];
        event.status = EventStatus::ALL[n as usize % 5];
        event.modified = at(&format!("2026-0{}-01T00:00:00Z", n % 5 + 1));
        if n % 10 == 0 {
            event.client = ClientName::parse("other").unwrap();
        }
        subject
            .repository
            .insert(insert_request(&event, "tx"))
            .await
            .unwrap();
        all.push(event);
    }
    all
}

fn filters() -> Vec<EventFilter> {
    let everything = EventFilter {
        client: ClientName::parse("acme").unwrap(),
        member: None,
        from: None,
        to: None,
        types: vec![],
        statuses: vec![],
        modified_since: None,
    };
    vec![
        everything.clone(),
        EventFilter {
            member: Some(MemberUniqueKey::parse("Zoë").unwrap()),
            ..everything.clone()
        },
        EventFilter {
            from: Some(at("2025-03-03T00:00:00Z")),
            to: Some(at("2025-03-06T00:00:00Z")),
            ..everything.clone()
        },
        EventFilter {
            types: vec![EventType::Usage, EventType::Credit],
            ..everything.clone()
        },
        EventFilter {
            statuses: vec![EventStatus::Pending],
            ..everything.clone()
        },
        EventFilter {
            modified_since: Some(at("2026-04-01T00:00:00Z")),
            ..everything.clone()
        },
        EventFilter {
            client: ClientName::parse("nobody").unwrap(),
            ..everything
        },
    ]
}

async fn listing_matches_the_filter_rule_in_order_and_pages_walk_it_once(subject: Subject) {
    let all = varied_events(&subject).await;
    for filter in filters() {
        let mut expected: Vec<&BillingEvent> =
            all.iter().filter(|event| filter.matches(event)).collect();
        expected.sort_by_key(|event| (event.event_time, event.guid));
        let listed = subject.repository.list(&filter, None, 1000).await.unwrap();
        assert_eq!(listed.iter().collect::<Vec<_>>(), expected, "{filter:?}");
        let mut walked = Vec::new();
        let mut after = None;
        loop {
            let page = subject.repository.list(&filter, after, 4).await.unwrap();
            let Some(last) = page.last() else { break };
            after = Some(Position {
                event_time: last.event_time,
                guid: last.guid,
            });
            walked.extend(page);
        }
        assert_eq!(walked, listed, "{filter:?}");
    }
}

async fn summaries_are_exact_and_agree_with_the_reference_sum(subject: Subject) {
    let all = varied_events(&subject).await;
    let groupings: [&[GroupBy]; 5] = [
        &[],
        &[GroupBy::Member],
        &[GroupBy::Type],
        &[GroupBy::Status],
        &[GroupBy::Member, GroupBy::Type, GroupBy::Status],
    ];
    for filter in filters() {
        for group_by in groupings {
            let rows = subject
                .repository
                .summarize(&filter, group_by)
                .await
                .unwrap();
            let reference = Summary::of(all.iter().filter(|event| filter.matches(event)), group_by);
            assert_eq!(rows, reference, "{filter:?} by {group_by:?}");
            let texts = |rows: &[SummaryRow]| {
                rows.iter()
                    .map(|row| (row.total_quantity.to_string(), row.total_amount.to_string()))
                    .collect::<Vec<_>>()
            };
            assert_eq!(texts(&rows), texts(&reference), "same digits, same scale");
        }
    }
}

async fn a_tenth_three_times_is_three_tenths(subject: Subject) {
    for _ in 0..3 {
        subject
            .repository
            .insert(insert_request(
                &event("1", "0.1", "2025-01-01T00:00:00Z"),
                "tx",
            ))
            .await
            .unwrap();
    }
    subject
        .repository
        .insert(insert_request(
            &event("0.1", "0.1", "2025-01-01T00:00:00Z"),
            "tx",
        ))
        .await
        .unwrap();
    let filter = filters().remove(0);
    let rows = subject.repository.summarize(&filter, &[]).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].count, 4);
    assert_eq!(rows[0].total_quantity.to_string(), "3.1");
    assert_eq!(rows[0].total_amount, BigDecimal::from_str("0.31").unwrap());
    assert_eq!(rows[0].total_amount.to_string(), "0.31");
    let nobody = subject
        .repository
        .summarize(&filters().pop().unwrap(), &[])
        .await
        .unwrap();
    assert_eq!(
        (nobody[0].count, nobody[0].total_amount.to_string()),
        (0, "0".to_owned())
    );
}

async fn a_batch_stores_each_new_guid_once_and_reports_every_item(subject: Subject) {
    let taken = sample();
    subject
        .repository
        .insert(insert_request(&taken, "tx-0"))
        .await
        .unwrap();
    let (first, second) = (sample(), sample());
    let mut retry_of_first = event("9", "9", "2030-01-01T00:00:00Z");
    retry_of_first.guid = first.guid;
    let items: Vec<InsertRequest> = [&first, &taken, &retry_of_first, &second]
        .into_iter()
        .map(|event| insert_request(event, "tx-batch"))
        .collect();
    let results = subject.repository.insert_many(items).await.unwrap();
    assert_eq!(
        results,
        [
            Insertion::Created(first.clone()),
            Insertion::AlreadyExists(taken),
            Insertion::AlreadyExists(first.clone()),
            Insertion::Created(second.clone())
        ]
    );
    assert_eq!(
        subject.repository.find(first.guid).await.unwrap(),
        Some(first.clone())
    );
    let history = subject
        .repository
        .history(second.guid)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].tx_id, "tx-batch");
    assert_eq!(
        subject.repository.insert_many(Vec::new()).await.unwrap(),
        []
    );
}

async fn concurrent_batches_of_overlapping_guids_store_each_once(subject: Subject) {
    let events: Vec<BillingEvent> = (0..40)
        .map(|n| event(&n.to_string(), "1", "2025-01-01T00:00:00Z"))
        .collect();
    let batches: Vec<_> = (0..8)
        .map(|offset| {
            let repository = subject.repository.clone();
            // Each batch takes 20 events starting at its own offset, so neighbours overlap.
            let items: Vec<InsertRequest> = events
                .iter()
                .cycle()
                .skip(offset * 5)
                .take(20)
                .map(|event| insert_request(event, &format!("tx-{offset}")))
                .collect();
            tokio::spawn(async move { repository.insert_many(items).await.unwrap() })
        })
        .collect();
    let mut created = 0;
    for batch in batches {
        created += batch
            .await
            .unwrap()
            .iter()
            .filter(|result| matches!(result, Insertion::Created(_)))
            .count();
    }
    assert_eq!(
        created,
        events.len(),
        "every guid created exactly once across all batches"
    );
    for event in &events {
        assert_eq!(
            subject
                .repository
                .history(event.guid)
                .await
                .unwrap()
                .unwrap()
                .len(),
            1
        );
    }
}

/// A key of `access` made at second `second` of a fixed day.
fn key(second: u32, access: Access) -> IssuedKey {
    let id = [u8::try_from(second).unwrap(); 8];
    IssuedKey::from_random(
        id,
        [9; 32],
        access,
        Some(format!("key {second}")),
        Timestamp::parse(&format!("2026-01-01T00:00:{second:02}.123456Z")).unwrap(),
    )
}

async fn keys_are_stored_listed_and_revoked_as_hashes(subject: Subject) {
    let acme = Access::Client(ClientName::parse("acme").unwrap());
    let admin = key(1, Access::AllClients);
    let first = key(2, acme.clone());
    let second = key(3, acme.clone());
    let other = key(4, Access::Client(ClientName::parse("other").unwrap()));
    for issued in [&second, &admin, &other, &first] {
        subject.keys.add_key(&issued.record).await.unwrap();
    }
    assert_eq!(
        subject.keys.find_key(&first.record.id).await.unwrap(),
        Some(first.record.clone())
    );
    let unknown = ApiKeyId::parse("00000000000000ff").unwrap();
    assert_eq!(subject.keys.find_key(&unknown).await.unwrap(), None);
    let everyone = subject.keys.list_keys(None).await.unwrap();
    assert_eq!(
        everyone,
        [&admin, &first, &second, &other].map(|issued| issued.record.clone())
    );
    let listed = subject
        .keys
        .list_keys(Some(&ClientName::parse("acme").unwrap()))
        .await
        .unwrap();
    assert_eq!(listed, [first.record.clone(), second.record.clone()]);

    let at = Timestamp::parse("2026-02-01T00:00:00Z").unwrap();
    assert!(subject.keys.revoke_key(&first.record.id, at).await.unwrap());
    let later = Timestamp::parse("2026-03-01T00:00:00Z").unwrap();
    assert!(subject
        .keys
        .revoke_key(&first.record.id, later)
        .await
        .unwrap());
    assert!(!subject.keys.revoke_key(&unknown, at).await.unwrap());
    let revoked = subject
        .keys
        .find_key(&first.record.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(revoked.revoked, Some(at), "the first revocation time stays");
    let untouched = subject
        .keys
        .find_key(&second.record.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(untouched.revoked, None);

    let duplicate = subject.keys.add_key(&first.record).await;
    assert!(duplicate.is_err(), "a key id is stored once");
}

/// The port's contract: what every store must do, whatever it is.
macro_rules! contract_suite {
    ($subject:ident, $open:expr) => {
        mod $subject {
            use super::*;

            async fn subject() -> Subject {
                $open.await
            }

            contract_suite!(@cases
                a_stored_event_reads_back_identically,
                decimals_round_trip_exactly_with_their_scale,
                instants_round_trip_to_the_microsecond,
                a_taken_guid_returns_the_stored_event_unchanged,
                concurrent_inserts_of_one_guid_store_exactly_one,
                an_unknown_guid_is_not_found,
                a_reachable_database_answers_ping,
                settling_changes_status_and_history_in_one_step,
                every_settle_outcome_is_reported_per_target,
                concurrent_settlements_of_one_revision_change_it_once,
                listing_matches_the_filter_rule_in_order_and_pages_walk_it_once,
                summaries_are_exact_and_agree_with_the_reference_sum,
                a_tenth_three_times_is_three_tenths,
                a_batch_stores_each_new_guid_once_and_reports_every_item,
                concurrent_batches_of_overlapping_guids_store_each_once,
                keys_are_stored_listed_and_revoked_as_hashes,
            );
        }
    };
    (@cases $($case:ident),+ $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $case() {
                super::$case(subject().await).await;
            }
        )+
    };
}

contract_suite!(sqlite, open(Box::new(TempSqlite::new())));
contract_suite!(sqlite_production, production(Box::new(TempSqlite::new())));
contract_suite!(in_memory, in_memory());

#[cfg(feature = "postgres-tests")]
contract_suite!(postgres, open(Box::new(TempPostgres::new())));

#[cfg(feature = "postgres-tests")]
contract_suite!(
    postgres_production,
    production(Box::new(TempPostgres::new()))
);

/// What only a database does: keep what was stored across start-ups.
mod databases {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn sqlite_reopens_with_its_events_and_migrations_run_once() {
        reopening_keeps_events_and_migrations_run_once(open(Box::new(TempSqlite::new())).await)
            .await;
    }

    #[cfg(feature = "postgres-tests")]
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn postgres_reopens_with_its_events_and_migrations_run_once() {
        reopening_keeps_events_and_migrations_run_once(open(Box::new(TempPostgres::new())).await)
            .await;
    }
}
