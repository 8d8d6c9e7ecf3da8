//! SQLite migrations: processes starting together on a new file migrate it once, and a
//! database made before history lines pointed at row ids keeps every event and every
//! history line, in order, through the migration, and through a way down and up again.

use app::BillingEventRepository;
use diesel::connection::SimpleConnection;
use diesel::migration::MigrationSource;
use diesel::sqlite::Sqlite;
use diesel::{Connection, RunQueryDsl, SqliteConnection};
use diesel_migrations::{FileBasedMigrations, MigrationHarness};
use domain::{BillingEvent, BillingEventGuid, EventStatus, Timestamp};
use domain::{HistoryEntry, SettleOutcome, SettleTarget};
use infra_diesel::test_support::{
    insert_request, options_for, sample_event, TempSqlite, TestDatabase,
};
use infra_diesel::{Backend, DatabaseUrl};
use std::sync::Arc;

/// The migrations before `history_by_event_row`.
const EARLIER_MIGRATIONS: usize = 3;

fn migrations() -> FileBasedMigrations {
    FileBasedMigrations::from_path(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/sqlite"))
        .expect("the SQLite migrations folder")
}

fn open_file(database: &TempSqlite) -> SqliteConnection {
    let url = DatabaseUrl::parse(&database.url()).unwrap();
    let Backend::Sqlite { path } = url.backend() else {
        panic!("a SQLite URL")
    };
    let mut conn = SqliteConnection::establish(path).unwrap();
    // As the service's connections do: wait for a lock another connection holds for a
    // moment (the last of a pool to close checkpoints the WAL) instead of failing.
    conn.batch_execute("PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;")
        .unwrap();
    conn
}

fn at(text: &str) -> Timestamp {
    Timestamp::parse(text).unwrap()
}

fn line(from: Option<EventStatus>, to: EventStatus, when: &str, tx_id: &str) -> HistoryEntry {
    HistoryEntry {
        from,
        to,
        at: at(when),
        tx_id: tx_id.into(),
    }
}

/// Writes `event` the way the schema before the migration held it.
fn insert_old_event(conn: &mut SqliteConnection, event: &BillingEvent) {
    conn.batch_execute(&format!(
        "INSERT INTO billing_events VALUES ('{guid}', '{client}', '{member}', {time}, {kind}, \
         {status}, '{quantity}', '{price}', {modified}, {revision});",
        guid = event.guid,
        client = event.client.as_str(),
        member = event.member.as_str(),
        time = event.event_time.unix_micros(),
        kind = event.event_type.code(),
        status = event.status.code(),
        quantity = event.quantity,
        price = event.price,
        modified = event.modified.unix_micros(),
        revision = event.revision,
    ))
    .unwrap();
}

/// Writes a history line of `guid` the way the schema before the migration held it.
fn insert_old_line(conn: &mut SqliteConnection, guid: BillingEventGuid, line: &HistoryEntry) {
    conn.batch_execute(&format!(
        "INSERT INTO billing_event_history (billing_event_guid, from_status_id, \
         to_status_id, changed_at, tx_id) VALUES ('{guid}', {from}, {to}, {at}, '{tx}');",
        from = line
            .from
            .map_or_else(|| "NULL".to_owned(), |s| s.code().to_string()),
        to = line.to.code(),
        at = line.at.unix_micros(),
        tx = line.tx_id,
    ))
    .unwrap();
}

async fn connect(database: &TempSqlite) -> Arc<dyn BillingEventRepository> {
    let options = options_for(&database.url());
    tokio::task::spawn_blocking(move || infra_diesel::open(&options))
        .await
        .unwrap()
        .expect("start-up runs the pending migration")
        .events
}

async fn history(
    repository: &dyn BillingEventRepository,
    guid: BillingEventGuid,
) -> Vec<HistoryEntry> {
    repository
        .history(guid)
        .await
        .unwrap()
        .expect("a stored event")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_and_their_history_survive_the_move_to_row_ids_and_back() {
    let database = TempSqlite::new();
    let mut conn = open_file(&database);
    for _ in 0..EARLIER_MIGRATIONS {
        conn.run_next_migration(migrations()).unwrap();
    }
    // Two events whose lines interleave: one created, the other created, the first settled.
    let mut settled = sample_event(BillingEventGuid::new_random());
    settled.status = EventStatus::Failed;
    settled.revision = 2;
    let other = sample_event(BillingEventGuid::new_random());
    let created = line(None, EventStatus::Pending, "2026-01-01T00:00:00Z", "tx-1");
    let other_created = line(None, EventStatus::Pending, "2026-01-01T00:00:00Z", "tx-2");
    let failed = line(
        Some(EventStatus::Pending),
        EventStatus::Failed,
        "2026-02-01T00:00:00Z",
        "tx-3",
    );
    insert_old_event(&mut conn, &settled);
    insert_old_event(&mut conn, &other);
    insert_old_line(&mut conn, settled.guid, &created);
    insert_old_line(&mut conn, other.guid, &other_created);
    insert_old_line(&mut conn, settled.guid, &failed);
    drop(conn);

    let repository = connect(&database).await;
    assert_eq!(
        repository.find(settled.guid).await.unwrap(),
        Some(settled.clone())
    );
    assert_eq!(
        history(&*repository, settled.guid).await,
        [created.clone(), failed.clone()]
    );
    assert_eq!(
        history(&*repository, other.guid).await,
        [line(
            None,
            EventStatus::Pending,
            "2026-01-01T00:00:00Z",
            "tx-2"
        )]
    );

    // New events and settlements after the move go on the same histories, in order.
    let new = sample_event(BillingEventGuid::new_random());
    repository
        .insert(insert_request(&new, "tx-4"))
        .await
        .unwrap();
    let outcomes = repository
        .settle(
            None,
            &[SettleTarget {
                guid: settled.guid,
                expected_revisions: Some(vec![2]),
            }],
            EventStatus::Cancelled,
            at("2026-03-01T00:00:00Z"),
            "tx-5",
        )
        .await
        .unwrap();
    assert!(
        matches!(outcomes[..], [SettleOutcome::Changed(_)]),
        "{outcomes:?}"
    );
    let cancelled = line(
        Some(EventStatus::Failed),
        EventStatus::Cancelled,
        "2026-03-01T00:00:00Z",
        "tx-5",
    );
    assert_eq!(
        history(&*repository, settled.guid).await,
        [created.clone(), failed.clone(), cancelled.clone()]
    );
    assert_eq!(
        history(&*repository, new.guid).await,
        [line(
            None,
            EventStatus::Pending,
            "2026-01-01T00:00:00Z",
            "tx-4"
        )]
    );
    drop(repository);

    // Down, and up again at the next start-up: nothing is lost on the way.
    open_file(&database)
        .revert_last_migration(migrations())
        .unwrap();
    let repository = connect(&database).await;
    assert_eq!(
        history(&*repository, settled.guid).await,
        [created, failed, cancelled]
    );
    assert_eq!(repository.find(new.guid).await.unwrap(), Some(new));
}

/// Eight start-ups at once on one new file (the service and `keys create` started
/// together, say): every one succeeds, every migration is applied, and the file is in
/// WAL mode.
#[test]
fn start_ups_racing_on_a_new_file_all_succeed_in_wal_mode() {
    let database = TempSqlite::new();
    let starts: Vec<_> = (0..8)
        .map(|_| {
            let options = options_for(&database.url());
            std::thread::spawn(move || infra_diesel::open(&options).map(|_| ()))
        })
        .collect();
    for start in starts {
        if let Err(error) = start.join().unwrap() {
            panic!("a start-up failed: {}", app::error_chain(&error));
        }
    }
    let applied = open_file(&database).applied_migrations().unwrap().len();
    assert_eq!(applied, migrations_count());
    let mode: JournalMode = diesel::sql_query("PRAGMA journal_mode")
        .get_result(&mut open_file(&database))
        .unwrap();
    assert_eq!(mode.journal_mode, "wal");
}

#[derive(diesel::QueryableByName)]
struct JournalMode {
    #[diesel(sql_type = diesel::sql_types::Text)]
    journal_mode: String,
}

fn migrations_count() -> usize {
    MigrationSource::<Sqlite>::migrations(&migrations())
        .unwrap()
        .len()
}
