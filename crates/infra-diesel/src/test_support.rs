//! Throwaway databases for tests: a SQLite file in a temporary folder, or a fresh
//! database on a PostgreSQL server. Each is removed when dropped.

use crate::{DatabaseOptions, DatabaseUrl};
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection, RunQueryDsl};
use std::time::Duration;

/// The server that PostgreSQL tests use: `BILLING_TEST_POSTGRES_URL`, or the local one.
/// Without TLS by default: on loopback it protects nothing, and OpenSSL's clean-up at
/// exit can race a pool's thread still in libpq (a test binary that passed every test
/// then died of SIGSEGV, once).
pub fn postgres_admin_url() -> String {
    std::env::var("BILLING_TEST_POSTGRES_URL").unwrap_or_else(|_| {
        "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable".to_owned()
    })
}

/// Options for a test database: a small pool, short timeouts.
pub fn options_for(url: &str) -> DatabaseOptions {
    DatabaseOptions {
        url: DatabaseUrl::parse(url).expect("a test database URL"),
        pool_size: 4,
        connect_timeout: Duration::from_secs(10),
        long_read_timeout: Duration::from_secs(60),
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
    /// Where the service under test connects.
    fn url(&self) -> String;

    /// Where the test itself reaches the database (its keys, its checks): the same,
    /// unless the service's way there is one the test breaks on purpose.
    fn direct_url(&self) -> String {
        self.url()
    }
}

/// A database the test shares with the application (to break it, or to look at it,
/// while the application runs).
impl<T: TestDatabase> TestDatabase for std::sync::Arc<T> {
    fn url(&self) -> String {
        (**self).url()
    }

    fn direct_url(&self) -> String {
        (**self).direct_url()
    }
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
            panic!(
                "PostgreSQL tests need a server at {admin} (set BILLING_TEST_POSTGRES_URL): \
                 {error}"
            )
        });
        conn.batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create a test database");
        let (base, database) = admin
            .rsplit_once('/')
            .expect("the admin URL names a database");
        // The admin URL's parameters (sslmode, say) go with it.
        let parameters = database.find('?').map_or("", |at| &database[at..]);
        Self {
            url: format!("{base}/{name}{parameters}"),
            name,
        }
    }
}

impl TempPostgres {
    /// The database's name on the server.
    pub fn name(&self) -> &str {
        &self.name
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

/// A TCP proxy in front of a server, which a test can make misbehave the way a database
/// host does in a failover. Frozen, it moves no bytes, while the kernel still accepts
/// connections and data (as for a server stopped with `SIGSTOP`). Cutting, it closes each
/// connection instead of passing on the server's next answer (as when a server dies
/// after running a statement, before its answer is out).
#[derive(Debug)]
pub struct TcpProxy {
    port: u16,
    state: std::sync::Arc<ProxyState>,
}

#[derive(Debug, Default)]
struct ProxyState {
    frozen: std::sync::atomic::AtomicBool,
    cut_answers: std::sync::atomic::AtomicUsize,
    /// Connections accepted so far; each is numbered in order.
    accepted: std::sync::atomic::AtomicU64,
    /// Connections numbered below this move no bytes.
    frozen_below: std::sync::atomic::AtomicU64,
}

impl ProxyState {
    fn is_frozen(&self, connection: u64) -> bool {
        use std::sync::atomic::Ordering;
        self.frozen.load(Ordering::SeqCst) || connection < self.frozen_below.load(Ordering::SeqCst)
    }
}

impl TcpProxy {
    /// A proxy on a free loopback port, to `127.0.0.1:upstream`.
    pub fn to(upstream: u16) -> Self {
        use std::net::{TcpListener, TcpStream};
        let listener = TcpListener::bind("127.0.0.1:0").expect("a proxy port");
        let port = listener.local_addr().unwrap().port();
        let state = std::sync::Arc::new(ProxyState::default());
        let shared = state.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)) else {
                    continue;
                };
                let number = shared
                    .accepted
                    .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let (state, towards) = (shared.clone(), (client.try_clone(), server.try_clone()));
                let (Ok(client_end), Ok(server_end)) = towards else {
                    continue;
                };
                std::thread::spawn(move || pump(client, server_end, &state, number, false));
                let state = shared.clone();
                std::thread::spawn(move || pump(server, client_end, &state, number, true));
            }
        });
        Self { port, state }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops (or resumes) moving bytes either way.
    pub fn freeze(&self, frozen: bool) {
        self.state
            .frozen
            .store(frozen, std::sync::atomic::Ordering::SeqCst);
    }

    /// Stops moving bytes on every connection open now, for good, while new ones pass
    /// (as when one server process hangs, or a path through a stalled proxy does).
    pub fn freeze_open_connections(&self) {
        use std::sync::atomic::Ordering;
        let open = self.state.accepted.load(Ordering::SeqCst);
        self.state.frozen_below.store(open, Ordering::SeqCst);
    }

    /// Cuts the connection instead of passing on each of the server's next `answers`
    /// (`usize::MAX`: until told otherwise; 0: pass everything again).
    pub fn cut_answers(&self, answers: usize) {
        self.state
            .cut_answers
            .store(answers, std::sync::atomic::Ordering::SeqCst);
    }
}

/// Moves bytes from `from` to `to` until either end closes.
fn pump(
    mut from: std::net::TcpStream,
    mut to: std::net::TcpStream,
    state: &ProxyState,
    connection: u64,
    answers: bool,
) {
    use std::io::{Read, Write};
    use std::sync::atomic::Ordering;
    let mut buffer = [0_u8; 16 * 1024];
    while let Ok(read) = from.read(&mut buffer) {
        if read == 0 {
            break;
        }
        while state.is_frozen(connection) {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        if answers
            && state
                .cut_answers
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| match left {
                    0 => None,
                    usize::MAX => Some(usize::MAX),
                    left => Some(left - 1),
                })
                .is_ok()
        {
            break;
        }
        if to.write_all(&buffer[..read]).is_err() {
            break;
        }
    }
    let _ = from.shutdown(std::net::Shutdown::Both);
    let _ = to.shutdown(std::net::Shutdown::Both);
}

/// A PostgreSQL test database that the service reaches through a [`TcpProxy`].
#[derive(Debug)]
pub struct ProxiedPostgres {
    pub database: TempPostgres,
    pub proxy: TcpProxy,
}

impl ProxiedPostgres {
    pub fn new() -> Self {
        let database = TempPostgres::new();
        let port = postgres_port(&database.url());
        Self {
            proxy: TcpProxy::to(port),
            database,
        }
    }
}

impl Default for ProxiedPostgres {
    fn default() -> Self {
        Self::new()
    }
}

impl TestDatabase for ProxiedPostgres {
    fn url(&self) -> String {
        let direct = self.database.url();
        let proxied = direct.replacen(
            &format!(":{}/", postgres_port(&direct)),
            &format!(":{}/", self.proxy.port()),
            1,
        );
        assert_ne!(proxied, direct, "the test database URL must name its port");
        proxied
    }

    fn direct_url(&self) -> String {
        self.database.url()
    }
}

/// The port in a `postgres://user@host:port/db` URL (5432 when it names none).
fn postgres_port(url: &str) -> u16 {
    let authority = url
        .split_once("://")
        .map_or(url, |(_, rest)| rest)
        .split('/')
        .next()
        .unwrap_or_default();
    authority
        .rsplit_once(':')
        .and_then(|(_, port)| port.parse().ok())
        .unwrap_or(5432)
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    rows: i64,
}

/// How many rows `table` holds in the PostgreSQL database at `url`.
pub fn count_rows(url: &str, table: &str) -> i64 {
    let mut conn = PgConnection::establish(url).expect("connect to the PostgreSQL database");
    diesel::sql_query(format!("SELECT count(*) AS rows FROM {table}"))
        .get_result::<Count>(&mut conn)
        .expect("count the rows")
        .rows
}

/// Folds every change of the monthly totals on the PostgreSQL database at `url` now, as
/// the service does every second.
pub fn fold_monthly_totals(url: &str) {
    let mut conn = PgConnection::establish(url).expect("connect to fold the totals");
    crate::postgres::fold::fold_all(&mut conn).expect("fold the monthly totals");
}
