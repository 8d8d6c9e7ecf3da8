//! Throwaway databases for tests: a SQLite file in a temporary folder, or a fresh
//! database on a PostgreSQL server. Each is removed when dropped.

use crate::{DatabaseOptions, DatabaseUrl};
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use std::time::Duration;

/// The server that PostgreSQL tests use: `BILLING_TEST_POSTGRES_URL`, or the local one.
pub fn postgres_admin_url() -> String {
    std::env::var("BILLING_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// Options for a test database: a small pool, short timeouts.
pub fn options_for(url: &str) -> DatabaseOptions {
    DatabaseOptions {
        url: DatabaseUrl::parse(url).expect("a test database URL"),
        pool_size: 4,
        connect_timeout: Duration::from_secs(10),
        sqlite_busy_timeout: Duration::from_secs(10),
    }
}

/// The settings the service would open a test database with: [`options_for`], and
/// group commit as configured by default.
pub fn database_for(url: &str) -> crate::Database {
    crate::Database {
        options: options_for(url),
        group_commit: crate::GroupCommitOptions {
            max_batch: 512,
            queue_capacity: 10_000,
            concurrent_commits: 2,
        },
    }
}

/// A database that exists for one test.
pub trait TestDatabase: Send + Sync {
    fn url(&self) -> String;
}

/// A SQLite file in its own temporary folder.
#[derive(Debug)]
pub struct TempSqlite {
    folder: tempfile::TempDir,
}

impl TempSqlite {
    pub fn new() -> Self {
        Self {
            folder: tempfile::tempdir().expect("a temporary folder"),
        }
    }
}

impl Default for TempSqlite {
    fn default() -> Self {
        Self::new()
    }
}

impl TestDatabase for TempSqlite {
    fn url(&self) -> String {
        // Absolute path: sqlite:// followed by /tmp/… gives sqlite:///tmp/…
        format!(
            "sqlite://{}/billing-events.db",
            self.folder.path().display()
        )
    }
}

/// A fresh database on the PostgreSQL test server, dropped (connections and all) when
/// this is dropped.
///
/// # Panics
/// When the server cannot be reached: a PostgreSQL test that cannot reach its server
/// fails, it never passes by doing nothing.
#[derive(Debug)]
pub struct TempPostgres {
    name: String,
    url: String,
}

impl TempPostgres {
    pub fn new() -> Self {
        let admin = postgres_admin_url();
        let name = format!("billing_test_{}", uuid::Uuid::new_v4().simple());
        let mut conn = PgConnection::establish(&admin).unwrap_or_else(|error| {
            panic!("PostgreSQL tests need a server at {admin} (set BILLING_TEST_POSTGRES_URL): {error}")
        });
        conn.batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create a test database");
        let (base, _) = admin
            .rsplit_once('/')
            .expect("the admin URL names a database");
        Self {
            url: format!("{base}/{name}"),
            name,
        }
    }
}

impl Default for TempPostgres {
    fn default() -> Self {
        Self::new()
    }
}

impl TestDatabase for TempPostgres {
    fn url(&self) -> String {
        self.url.clone()
    }
}

impl Drop for TempPostgres {
    fn drop(&mut self) {
        if let Ok(mut conn) = PgConnection::establish(&postgres_admin_url()) {
            let _ = conn.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

/// The request to insert `event` under `tx_id`.
pub fn insert_request(event: &domain::BillingEvent, tx_id: &str) -> app::InsertRequest {
    app::InsertRequest {
        event: event.clone(),
        tx_id: tx_id.to_owned(),
    }
}

/// A valid stored event of client `acme` under `guid`, for tests that need many.
pub fn sample_event(guid: domain::BillingEventGuid) -> domain::BillingEvent {
    let parse = |text| domain::Timestamp::parse(text).expect("a fixed instant");
    domain::NewBillingEvent {
        guid,
        client: domain::ClientName::parse("acme").expect("a fixed name"),
        member: domain::MemberUniqueKey::parse("m".to_owned()).expect("a fixed key"),
        event_time: parse("2025-01-01T00:00:00Z"),
        event_type: domain::EventType::Usage,
        status: domain::EventStatus::Pending,
        quantity: domain::Quantity::parse("1").expect("a fixed amount"),
        price: domain::Price::parse("2.50").expect("a fixed amount"),
    }
    .stored_at(parse("2026-01-01T00:00:00Z"))
}

/// Runs raw SQL on a test database, for tests that must reach past the repository
/// (to corrupt a row on purpose, say).
///
/// # Panics
/// When the database cannot be opened or the SQL fails.
pub fn execute_sql(url: &str, sql: &str) {
    match DatabaseUrl::parse(url)
        .expect("a test database URL")
        .backend()
    {
        crate::Backend::Sqlite { path } => diesel::SqliteConnection::establish(path)
            .expect("open the SQLite file")
            .batch_execute(sql),
        crate::Backend::Postgres => PgConnection::establish(url)
            .expect("connect to the PostgreSQL database")
            .batch_execute(sql),
    }
    .expect("run the SQL");
}

/// Drops a test PostgreSQL database now, with its open connections, to play an outage.
impl TempPostgres {
    pub fn drop_now(&self) {
        PgConnection::establish(&postgres_admin_url())
            .expect("connect to the PostgreSQL server")
            .batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .expect("drop the test database");
    }
}
