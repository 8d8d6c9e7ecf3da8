//! Summaries on PostgreSQL add the monthly totals for whole months and read only the
//! events at ragged ends: the answer is the reference sum whether the latest changes are
//! folded or not, after inserts, batches and settlements. Runs with `postgres-tests`.
#![cfg(feature = "postgres-tests")]

use app::BillingEventRepository;
use diesel::{Connection, PgConnection, RunQueryDsl};
use domain::{
    BillingEvent, BillingEventGuid, ClientName, EventFilter, EventStatus, EventType, GroupBy,
    MemberUniqueKey, Price, Quantity, SettleTarget, Summary, Timestamp,
};
use infra_diesel::test_support::{
    fold_monthly_totals, insert_request, options_for, TempPostgres, TestDatabase,
};

fn at(text: &str) -> Timestamp {
    Timestamp::parse(text).unwrap()
}

/// Sixty events from January to May 2025, mostly of `acme`, of every type and status.
fn events() -> Vec<BillingEvent> {
    (0_u32..60)
        .map(|n| {
            domain::NewBillingEvent {
                guid: BillingEventGuid::new_random(),
                client: ClientName::parse(if n % 7 == 0 { "other" } else { "acme" }).unwrap(),
                member: MemberUniqueKey::parse(["Ann", "bob"][n as usize % 2]).unwrap(),
                event_time: at(&format!(
                    "2025-{:02}-{:02}T{:02}:30:00.25Z",
                    n % 5 + 1,
                    n % 28 + 1,
                    n % 24
                )),
                event_type: EventType::ALL[n as usize % 6],
                status: EventStatus::ALL[n as usize % 5],
                quantity: Quantity::parse(&format!("{}.{}0", n % 4, n % 9)).unwrap(),
                price: Price::parse(&format!("0.{}", n % 7 + 1)).unwrap(),
            }
            .stored_at(at("2026-11-26T10:00:00Z"))
        })
        .collect()
}

fn filters() -> Vec<EventFilter> {
    let acme = EventFilter::of_client(ClientName::parse("acme").unwrap());
    vec![
        acme.clone(),
        EventFilter {
            from: Some(at("2025-02-14T10:00:00Z")),
            to: Some(at("2025-04-20T00:00:00Z")),
            ..acme.clone()
        },
        EventFilter {
            from: Some(at("2025-02-01T00:00:00Z")),
            to: Some(at("2025-04-01T00:00:00Z")),
            types: vec![EventType::ALL[0], EventType::ALL[3]],
            ..acme.clone()
        },
        EventFilter {
            to: Some(at("2025-03-10T00:00:00Z")),
            statuses: vec![EventStatus::ALL[0], EventStatus::ALL[4]],
            ..acme.clone()
        },
        EventFilter {
            from: Some(at("2025-03-10T00:00:00Z")),
            ..acme
        },
    ]
}

const GROUPINGS: [&[GroupBy]; 4] = [
    &[],
    &[GroupBy::Type],
    &[GroupBy::Status],
    &[GroupBy::Type, GroupBy::Status],
];

/// Every filter's summary, in every grouping, is the reference sum of the stored events.
async fn assert_exact(repository: &dyn BillingEventRepository, when: &str) {
    let mut stored = Vec::new();
    for client in ["acme", "other"] {
        let filter = EventFilter::of_client(ClientName::parse(client).unwrap());
        stored.extend(repository.list(&filter, None, 1000).await.unwrap());
    }
    assert_eq!(stored.len(), 60);
    for filter in filters() {
        for group_by in GROUPINGS {
            let summary = repository.summarize(&filter, group_by).await.unwrap();
            let reference = Summary::of(stored.iter().filter(|e| filter.matches(e)), group_by);
            assert_eq!(summary, reference, "{when}: {filter:?} by {group_by:?}");
        }
    }
}

fn pending_changes(url: &str) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = PgConnection::establish(url).unwrap();
    diesel::sql_query("SELECT count(*) AS n FROM billing_event_total_changes")
        .get_result::<Count>(&mut conn)
        .unwrap()
        .n
}

#[tokio::test]
async fn summaries_are_exact_before_and_after_the_changes_are_folded() {
    let database = TempPostgres::new();
    let stores = infra_diesel::open(&options_for(&database.url())).unwrap();
    let repository = stores.events;
    let all = events();
    let (singles, batch) = all.split_at(20);
    for event in singles {
        repository
            .insert(insert_request(event, "tx"))
            .await
            .unwrap();
    }
    repository
        .insert_many(batch.iter().map(|e| insert_request(e, "tx")).collect())
        .await
        .unwrap();
    assert_exact(&*repository, "as written").await;

    fold_monthly_totals(&database.url());
    assert_eq!(pending_changes(&database.url()), 0);
    assert_exact(&*repository, "folded").await;

    let targets: Vec<SettleTarget> = all
        .iter()
        .step_by(3)
        .map(|event| SettleTarget {
            guid: event.guid,
            expected_revisions: None,
        })
        .collect();
    repository
        .settle(
            None,
            &targets,
            EventStatus::ALL[2],
            at("2026-11-27T00:00:00Z"),
            "tx-settle",
        )
        .await
        .unwrap();
    assert_exact(&*repository, "settled, partly folded").await;

    fold_monthly_totals(&database.url());
    assert_exact(&*repository, "settled and folded").await;
}

#[tokio::test]
async fn whole_months_are_read_from_the_totals_and_ragged_ends_from_the_events() {
    let database = TempPostgres::new();
    let stores = infra_diesel::open(&options_for(&database.url())).unwrap();
    let all = events();
    stores
        .events
        .insert_many(all.iter().map(|e| insert_request(e, "tx")).collect())
        .await
        .unwrap();
    fold_monthly_totals(&database.url());
    let count = |filter: EventFilter| {
        let repository = stores.events.clone();
        async move { repository.summarize(&filter, &[]).await.unwrap()[0].count }
    };
    let acme = EventFilter::of_client(ClientName::parse("acme").unwrap());
    let march = EventFilter {
        from: Some(at("2025-03-01T00:00:00Z")),
        to: Some(at("2025-04-01T00:00:00Z")),
        ..acme.clone()
    };
    let within_march = EventFilter {
        from: Some(at("2025-03-01T00:00:00Z")),
        to: Some(at("2025-03-31T23:59:59Z")),
        ..acme
    };
    let (whole, within) = (
        count(march.clone()).await,
        count(within_march.clone()).await,
    );

    // A change made behind the triggers' back shows only where the totals are read.
    let mut conn = PgConnection::establish(&database.url()).unwrap();
    diesel::sql_query(
        "UPDATE billing_event_totals SET event_count = event_count + 1000 \
         WHERE client_name = 'acme' AND month = '2025-03-01T00:00:00Z'",
    )
    .execute(&mut conn)
    .unwrap();
    assert!(whole > 0);
    assert_eq!(count(within_march).await, within);
    assert!(count(march).await >= whole + 1000);
}
