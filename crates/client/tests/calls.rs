//! Every call of the client against the real service, each checked against what the
//! service stored: on SQLite, and on PostgreSQL with `postgres-tests`.

mod support;

use billing_events_client::{BatchItem, Client, ClientError, Posted, Settled};
use domain::{
    BillingEventGuid, ClientName, EventFilter, EventStatus, EventType, GroupBy, MemberUniqueKey,
};
use futures_util::TryStreamExt;
use infra_diesel::test_support::TestDatabase;
use support::{usage, Service};

/// The service, an admin key, and a client with it.
async fn start(database: Box<dyn TestDatabase>) -> (Service, String, Client) {
    let service = Service::start(database).await;
    let admin = service.key(None).await;
    let client = Client::new(&service.address, &admin).unwrap();
    (service, admin, client)
}

async fn posting_stores_once_and_says_whether_it_was_new(database: Box<dyn TestDatabase>) {
    let (_service, _, client) = start(database).await;
    let event = usage("acme", "m-1", 1, "6.0", "7.00");
    let Posted::Created(created) = client.post(&event).await.unwrap() else {
        panic!("a new event is created");
    };
    assert_eq!(created.guid, event.guid);
    assert_eq!(created.quantity.to_string(), "6.0", "the scale sent");
    assert_eq!(created.price.to_string(), "7.00");
    assert_eq!(created.revision, Some(1));
    let Posted::AlreadyStored(again) = client.post(&event).await.unwrap() else {
        panic!("the same event again is already stored");
    };
    assert_eq!(
        (again.guid, again.modified),
        (created.guid, created.modified)
    );
    assert_eq!(client.get(event.guid).await.unwrap().member, event.member);

    let mut other = usage("acme", "m-2", 2, "1", "1");
    other.guid = event.guid;
    let Err(ClientError::Conflict {
        stored: Some(stored),
    }) = client.post(&other).await
    else {
        panic!("another event under a taken guid is a conflict");
    };
    assert_eq!(stored.member.as_str(), "m-1", "carrying the stored event");
    assert!(matches!(
        client.get(BillingEventGuid::new_random()).await,
        Err(ClientError::NotFound)
    ));
}

async fn a_batch_answers_each_event_in_order(database: Box<dyn TestDatabase>) {
    let (service, admin, _) = start(database).await;
    let client = Client::builder(&service.address, admin)
        .batch_size(7)
        .build()
        .unwrap();
    let taken = usage("acme", "m", 0, "1", "1");
    client.post(&taken).await.unwrap();
    let mut conflicting = usage("globex", "other", 1, "2", "2");
    conflicting.guid = taken.guid;
    let mut events: Vec<_> = (0..20)
        .map(|n| {
            usage(
                if n % 3 == 0 { "globex" } else { "acme" },
                "m",
                n + 10,
                "1",
                "0.5",
            )
        })
        .collect();
    events.insert(5, taken.clone());
    events.insert(9, conflicting);
    let results = client.post_batch(&events).await.unwrap();
    assert_eq!(results.len(), events.len());
    for (index, (event, result)) in events.iter().zip(&results).enumerate() {
        let expected = match index {
            5 => BatchItem::AlreadyStored(event.guid),
            9 => BatchItem::Conflict(event.guid),
            _ => BatchItem::Created(event.guid),
        };
        assert_eq!(*result, expected, "item {index}");
    }
    let again = client.post_batch(&events).await.unwrap();
    assert!(again
        .iter()
        .enumerate()
        .all(|(index, result)| index == 9 || matches!(result, BatchItem::AlreadyStored(_))));
}

async fn listing_follows_every_page_and_summaries_are_exact(database: Box<dyn TestDatabase>) {
    let (service, admin, _) = start(database).await;
    let paged = Client::builder(&service.address, admin)
        .page_size(7)
        .build()
        .unwrap();
    let mut events: Vec<_> = (0..23)
        .map(|n| {
            usage(
                "acme",
                if n % 2 == 0 { "even" } else { "odd" },
                n,
                "1",
                "0.1",
            )
        })
        .collect();
    events[3].event_type = EventType::Credit;
    paged.post_batch(&events).await.unwrap();
    paged
        .post(&usage("globex", "x", 99, "1", "1"))
        .await
        .unwrap();
    let filter = EventFilter::of_client(ClientName::parse("acme").unwrap());
    let listed: Vec<_> = paged.list(&filter).try_collect().await.unwrap();
    let guids: Vec<_> = listed.iter().map(|event| event.guid).collect();
    let sent: Vec<_> = events.iter().map(|event| event.guid).collect();
    assert_eq!(guids, sent, "all 23 over four pages, in event-time order");

    let mut even_members = filter.clone();
    even_members.member = Some(MemberUniqueKey::parse("even").unwrap());
    let rows = paged
        .summary(&even_members, &[GroupBy::Type])
        .await
        .unwrap();
    let totals: Vec<_> = rows
        .iter()
        .map(|row| (row.event_type, row.count, row.total_amount.to_string()))
        .collect();
    assert_eq!(
        totals,
        [(Some(EventType::Usage), 12, "1.2".to_owned()),],
        "a tenth twelve times is 1.2, exactly"
    );
    let all = paged.summary(&filter, &[]).await.unwrap();
    assert_eq!(
        (all[0].count, all[0].total_amount.to_string()),
        (23, "2.3".to_owned())
    );
}

async fn statuses_move_by_the_lifecycle_and_revision(database: Box<dyn TestDatabase>) {
    let (_service, _, client) = start(database).await;
    let event = usage("acme", "m", 1, "1", "1");
    client.post(&event).await.unwrap();
    let invoiced = client
        .set_status(event.guid, EventStatus::Invoiced, Some(1))
        .await
        .unwrap();
    assert_eq!(
        (invoiced.status, invoiced.revision),
        (EventStatus::Invoiced, Some(2))
    );
    let Err(ClientError::StaleRevision { current }) = client
        .set_status(event.guid, EventStatus::Cancelled, Some(1))
        .await
    else {
        panic!("revision 1 is gone");
    };
    assert_eq!(current, Some(2));
    let Err(ClientError::ForbiddenTransition { detail }) = client
        .set_status(event.guid, EventStatus::Pending, None)
        .await
    else {
        panic!("Invoiced is final");
    };
    assert!(detail.contains("Invoiced"), "{detail}");

    let pending = usage("acme", "m", 2, "1", "1");
    client.post(&pending).await.unwrap();
    let acme = ClientName::parse("acme").unwrap();
    let unknown = BillingEventGuid::new_random();
    let results = client
        .settle(
            &acme,
            &[pending.guid, event.guid, unknown, pending.guid],
            EventStatus::Cancelled,
        )
        .await
        .unwrap();
    let outcomes: Vec<_> = results.into_iter().map(|(_, settled)| settled).collect();
    assert_eq!(outcomes[0], Settled::Changed(EventStatus::Cancelled));
    assert!(matches!(
        outcomes[1],
        Settled::Forbidden {
            current: EventStatus::Invoiced,
            ..
        }
    ));
    assert_eq!(outcomes[2], Settled::NotFound);
    assert_eq!(outcomes[3], Settled::Unchanged(EventStatus::Cancelled));
    let Err(ClientError::Invalid(fields)) = client.settle(&acme, &[], EventStatus::Invoiced).await
    else {
        panic!("no guids is invalid");
    };
    assert!(fields.contains_key("billingEventGuids"), "{fields:?}");
}

async fn keys_are_held_to_their_client(database: Box<dyn TestDatabase>) {
    let (service, _, admin) = start(database).await;
    let globex_event = usage("globex", "m", 1, "1", "1");
    admin.post(&globex_event).await.unwrap();
    let acme = Client::new(&service.address, &service.key(Some("acme")).await).unwrap();
    assert!(matches!(
        acme.post(&usage("globex", "m", 2, "1", "1")).await,
        Err(ClientError::Forbidden)
    ));
    assert!(matches!(
        acme.get(globex_event.guid).await,
        Err(ClientError::NotFound)
    ));
    let mut taken = usage("acme", "m", 3, "1", "1");
    taken.guid = globex_event.guid;
    let Err(ClientError::Conflict { stored }) = acme.post(&taken).await else {
        panic!("a guid another client holds is a conflict");
    };
    assert!(stored.is_none(), "another client's event is never shown");
    let refused = Client::new(&service.address, "bek_0000000000000000_00").unwrap();
    assert!(matches!(
        refused.get(globex_event.guid).await,
        Err(ClientError::Unauthorized)
    ));
}

macro_rules! on {
    ($backend:ident, $database:expr) => {
        mod $backend {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn posting_stores_once_and_says_whether_it_was_new() {
                super::posting_stores_once_and_says_whether_it_was_new(Box::new($database)).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn a_batch_answers_each_event_in_order() {
                super::a_batch_answers_each_event_in_order(Box::new($database)).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn listing_follows_every_page_and_summaries_are_exact() {
                super::listing_follows_every_page_and_summaries_are_exact(Box::new($database))
                    .await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn statuses_move_by_the_lifecycle_and_revision() {
                super::statuses_move_by_the_lifecycle_and_revision(Box::new($database)).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn keys_are_held_to_their_client() {
                super::keys_are_held_to_their_client(Box::new($database)).await;
            }
        }
    };
}

on!(sqlite, infra_diesel::test_support::TempSqlite::new());

#[cfg(feature = "postgres-tests")]
on!(postgres, infra_diesel::test_support::TempPostgres::new());
