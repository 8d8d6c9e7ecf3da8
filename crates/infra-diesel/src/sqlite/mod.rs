//! The SQLite backend: one file, WAL, set up for a server.

mod files;
mod queries;
mod schema;

pub use files::{backup, restore, FileError};

use crate::pooled::PooledRepository;
use crate::schema_version::{self, SchemaComparison};
use crate::sessions::{ConnectAttempts, Session, SessionManager};
use crate::{ConnectError, DatabaseOptions, Repositories};
use diesel::connection::SimpleConnection;
use diesel::r2d2::{CustomizeConnection, Pool};
use diesel::{sql_query, Connection, QueryResult, QueryableByName, RunQueryDsl, SqliteConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

/// The versions of the migrations this binary carries, oldest first.
pub(crate) fn known_migrations() -> Vec<String> {
    schema_version::known::<diesel::sqlite::Sqlite>(&MIGRATIONS)
}

/// Settings every pooled connection gets, since SQLite keeps most of them per
/// connection:
/// - `busy_timeout`: a writer waits for the lock instead of failing at once;
/// - WAL: readers never block the writer, and commits append instead of rewriting;
/// - `synchronous = FULL`: each commit is on disk before we answer "stored", so an
///   acknowledged event survives a crash of the process *and* of the machine;
/// - `foreign_keys = ON`: off by default in SQLite; a history line must point at its event.
#[derive(Debug)]
struct ServerSettings {
    busy_timeout: Duration,
}

impl CustomizeConnection<Session<SqliteConnection>, diesel::r2d2::Error> for ServerSettings {
    fn on_acquire(
        &self,
        session: &mut Session<SqliteConnection>,
    ) -> Result<(), diesel::r2d2::Error> {
        let conn = &mut session.connection;
        conn.batch_execute(&session_pragmas(self.busy_timeout))
            .and_then(|()| use_wal(conn, self.busy_timeout))
            .map_err(diesel::r2d2::Error::QueryError)
    }
}

/// What each pooled connection sets on opening (above); public so that `make bench`'s
/// ceiling writes with exactly the service's settings.
pub fn session_pragmas(busy_timeout: Duration) -> String {
    format!(
        "PRAGMA busy_timeout = {}; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
        busy_timeout.as_millis()
    )
}

#[derive(QueryableByName)]
struct JournalMode {
    #[diesel(sql_type = diesel::sql_types::Text)]
    journal_mode: String,
}

/// Switches the file to WAL unless it already is (the mode is kept in the file). Asking
/// waits on `busy_timeout` like any read, where setting the mode fails at once with
/// "database is locked" while another process holds the file's lock (another start-up
/// switching it, say): so that is tried again, every 10 ms, for up to `patience`.
fn use_wal(conn: &mut SqliteConnection, patience: Duration) -> QueryResult<()> {
    let deadline = Instant::now() + patience;
    loop {
        let switched = sql_query("PRAGMA journal_mode")
            .get_result::<JournalMode>(conn)
            .and_then(|current| {
                if current.journal_mode.eq_ignore_ascii_case("wal") {
                    Ok(())
                } else {
                    conn.batch_execute("PRAGMA journal_mode = WAL;")
                }
            });
        match switched {
            Err(diesel::result::Error::DatabaseError(_, info))
                if info.message().contains("locked") && Instant::now() < deadline =>
            {
                std::thread::sleep(Duration::from_millis(10));
            }
            other => return other,
        }
    }
}

pub(crate) fn connect(path: &str, options: &DatabaseOptions) -> Result<Repositories, ConnectError> {
    let repository = open(path, options)?;
    Ok(Repositories {
        events: repository.clone(),
        keys: repository,
    })
}

/// The file at `path`, created and migrated as needed, behind a pool. Created only
/// where no process opened one before, and never while a restore is unfinished.
fn open(
    path: &str,
    options: &DatabaseOptions,
) -> Result<Arc<PooledRepository<queries::SqliteQueries>>, ConnectError> {
    let file = Path::new(path);
    if let Some(folder) = Path::new(path)
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
    {
        std::fs::create_dir_all(folder).map_err(|source| ConnectError::CreateFolder {
            path: folder.display().to_string(),
            source,
        })?;
    }
    // The pool opens its connections at once, and each switches a new file to WAL
    // unless it already is: two switching together fail with "database is locked".
    // So one connection switches it first, alone.
    // SQLite says a file is malformed as soon as it reads a page it cannot make sense
    // of, before any check: that is the file failing its check too.
    let open_error = |source: Box<dyn std::error::Error + Send + Sync>| {
        let said = source.to_string();
        if said.contains("malformed") || said.contains("not a database") {
            ConnectError::Malformed {
                path: path.to_owned(),
                problems: said,
            }
        } else {
            ConnectError::OpenFile {
                path: path.to_owned(),
                source,
            }
        }
    };
    // Held while this process runs: no restore swaps the file under it. Taken before
    // looking for an unfinished restore, so that one running now has ended.
    files::hold(file).map_err(|e| open_error(Box::new(e)))?;
    if files::restoring_path(file).exists() {
        return Err(ConnectError::RestoreInterrupted {
            path: path.to_owned(),
        });
    }
    if !file.exists() && files::was_opened_before(file) {
        return Err(ConnectError::Lost {
            path: path.to_owned(),
        });
    }
    let mut first = SqliteConnection::establish(path).map_err(|e| open_error(Box::new(e)))?;
    first
        .batch_execute(&format!(
            "PRAGMA busy_timeout = {};",
            options.sqlite_busy_timeout.as_millis()
        ))
        .and_then(|()| use_wal(&mut first, options.sqlite_busy_timeout))
        .map_err(|e| open_error(Box::new(e)))?;
    // A file that is not what SQLite wrote (a copy put in place beside a stale WAL from
    // a crash, say) can read back wrong totals without an error: it is never served.
    let checking = Instant::now();
    if let Some(problems) =
        crate::checks::integrity(&mut first, "quick_check").map_err(|e| open_error(Box::new(e)))?
    {
        return Err(ConnectError::Malformed {
            path: path.to_owned(),
            problems,
        });
    }
    tracing::info!(
        seconds = checking.elapsed().as_secs_f64(),
        "the SQLite file passed its integrity check"
    );
    drop(first);
    let attempts = Arc::new(ConnectAttempts::default());
    let pool = Pool::builder()
        .max_size(options.pool_size)
        .connection_timeout(options.connect_timeout)
        .connection_customizer(Box::new(ServerSettings {
            busy_timeout: options.sqlite_busy_timeout,
        }))
        .build(SessionManager::<SqliteConnection>::new(
            path,
            Duration::ZERO,
            attempts.clone(),
        ))
        .map_err(|source| ConnectError::Pool {
            url: options.url.to_string(),
            last_error: attempts.last_error(),
            source,
        })?;
    // Processes starting together on one new file (the service and `keys create`, say)
    // take turns: each holds the write lock from before it reads which migrations are
    // pending until they are applied, so a second one finds nothing left to do. diesel
    // runs each migration in a savepoint inside this transaction.
    pool.get()
        .map_err(ConnectError::Checkout)?
        .connection
        .immediate_transaction(|conn| {
            let known = known_migrations();
            let applied = schema_version::versions(&conn.applied_migrations()?);
            SchemaComparison::of(&known, &applied).refuse_unknown()?;
            let ran = conn.run_pending_migrations(MIGRATIONS)?;
            schema_version::record(&known, &ran);
            Ok(())
        })
        .map_err(|error: Box<dyn std::error::Error + Send + Sync>| {
            match error.downcast::<ConnectError>() {
                Ok(refused) => *refused,
                Err(other) => ConnectError::Migrations(other),
            }
        })?;
    files::mark_opened(file).map_err(|e| open_error(Box::new(e)))?;
    Ok(Arc::new(PooledRepository::new(
        pool,
        "sqlite",
        Some(options.sqlite_busy_timeout),
        None,
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::DbError;
    use crate::filter::listing_page;
    use crate::pooled::Lane;
    use crate::test_support::{options_for, sample_event, TempSqlite, TestDatabase};
    use app::RepositoryError;
    use diesel::sql_types::Text;
    use diesel::sqlite::Sqlite;
    use diesel::{QueryDsl, SelectableHelper};
    use domain::{BillingEventGuid, EventFilter, EventStatus, EventType, Position, Timestamp};
    use std::sync::mpsc::Sender;

    type HeldWork = Box<dyn FnOnce(&mut SqliteConnection) -> Result<(), DbError> + Send>;

    /// Starts a call (`start` hands `work` to a repository method) whose work waits on its
    /// thread until the returned sender is used, and once it runs there, aborts the
    /// caller's task: a caller gone while its work goes on.
    async fn abandoned_mid_work<Call>(start: impl FnOnce(HeldWork) -> Call) -> Sender<()>
    where
        Call: std::future::Future<Output = Result<(), RepositoryError>> + Send + 'static,
    {
        let (started, has_started) = std::sync::mpsc::channel::<()>();
        let (release, released) = std::sync::mpsc::channel::<()>();
        let abandoned = tokio::spawn(start(Box::new(move |_conn| {
            started.send(()).unwrap();
            released
                .recv()
                .map_err(|e| DbError(RepositoryError::unexpected(e)))
        })));
        tokio::task::spawn_blocking(move || has_started.recv())
            .await
            .unwrap()
            .unwrap();
        abandoned.abort();
        assert!(abandoned.await.unwrap_err().is_cancelled());
        release
    }

    /// A pool of 4 leaves one long read at a time. A caller who stops waiting (here: its
    /// task aborted, as a PostgreSQL caller stops at its deadline) must not free that
    /// turn while its read still holds a connection, or summaries that outlast their
    /// deadline, started again and again, take the whole pool.
    #[tokio::test]
    async fn a_long_read_keeps_its_turn_until_it_ends_not_until_its_caller_leaves() {
        let database = TempSqlite::new();
        let mut options = options_for(&database.url());
        options.connect_timeout = Duration::from_millis(300);
        let path = database.url()["sqlite://".len()..].to_owned();
        let repository = open(&path, &options).unwrap();

        let release = abandoned_mid_work(|work| {
            let repository = repository.clone();
            async move { repository.run_long_read(work).await }
        })
        .await;

        let while_it_runs = repository.run_long_read(|_conn| Ok(())).await;
        assert!(
            matches!(while_it_runs, Err(RepositoryError::Unavailable(_))),
            "{while_it_runs:?}"
        );
        release.send(()).unwrap();
        assert_eq!(repository.run_long_read(|_conn| Ok(7)).await.unwrap(), 7);
    }

    /// One writer at a time: a writer whose caller stops waiting (a batch whose client
    /// hung up: its request's future is dropped) keeps its turn until its work ends, so
    /// the next writer queues for the turn instead of finding SQLite's lock held.
    #[tokio::test]
    async fn a_write_keeps_its_turn_until_it_ends_not_until_its_caller_leaves() {
        let database = TempSqlite::new();
        let mut options = options_for(&database.url());
        options.sqlite_busy_timeout = Duration::from_secs(1);
        let path = database.url()["sqlite://".len()..].to_owned();
        let repository = open(&path, &options).unwrap();

        let release = abandoned_mid_work(|work| {
            let repository = repository.clone();
            async move { repository.run_write(Lane::OneCaller, work).await }
        })
        .await;

        let while_it_runs = repository.run_write(Lane::Shared, |_conn| Ok(())).await;
        assert!(
            matches!(&while_it_runs, Err(RepositoryError::Unavailable(cause))
                if cause.to_string().contains("no turn to write")),
            "{while_it_runs:?}"
        );
        release.send(()).unwrap();
        assert_eq!(
            repository
                .run_write(Lane::Shared, |_conn| Ok(7))
                .await
                .unwrap(),
            7
        );
    }

    /// A call whose caller left while it waited for a connection is given up: its work
    /// never starts (a client that hung up on a queued settlement costs nothing more).
    #[tokio::test]
    async fn work_whose_caller_left_before_it_started_never_starts() {
        let database = TempSqlite::new();
        let mut options = options_for(&database.url());
        options.pool_size = 1;
        let path = database.url()["sqlite://".len()..].to_owned();
        let repository = open(&path, &options).unwrap();
        let release = abandoned_mid_work(|work| {
            let repository = repository.clone();
            async move { repository.run(work).await }
        })
        .await;

        let (ran, has_run) = std::sync::mpsc::channel::<()>();
        let queued = tokio::spawn({
            let repository = repository.clone();
            async move {
                repository
                    .run(move |_conn| {
                        let _ = ran.send(());
                        Ok(())
                    })
                    .await
            }
        });
        // The queued call has handed its work to a thread, which waits for the pool's
        // one connection; then its caller leaves.
        tokio::task::yield_now().await;
        queued.abort();
        assert!(queued.await.unwrap_err().is_cancelled());
        release.send(()).unwrap();
        assert_eq!(repository.run(|_conn| Ok(7)).await.unwrap(), 7);
        // The abandoned work would run as soon as the connection is free; a second is
        // far longer than that takes.
        let waited =
            tokio::task::spawn_blocking(move || has_run.recv_timeout(Duration::from_secs(1)))
                .await
                .unwrap();
        assert_eq!(
            waited,
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected),
            "the abandoned work ran, or is still queued"
        );
    }

    #[derive(QueryableByName)]
    struct CompileOption {
        #[diesel(sql_type = diesel::sql_types::Text)]
        compile_options: String,
    }

    /// `.cargo/config.toml` builds the bundled SQLite without its process-wide page-cache
    /// and allocation mutexes; a build that missed it would be slow, not wrong.
    #[test]
    fn the_bundled_sqlite_is_built_without_its_global_mutexes() {
        let mut conn = SqliteConnection::establish(":memory:").unwrap();
        let options: Vec<String> = sql_query("PRAGMA compile_options")
            .load::<CompileOption>(&mut conn)
            .unwrap()
            .into_iter()
            .map(|row| row.compile_options)
            .collect();
        assert!(options.iter().any(|o| o == "THREADSAFE=1"), "{options:?}");
        assert!(
            !options.iter().any(|o| o == "ENABLE_MEMORY_MANAGEMENT"),
            "{options:?}"
        );
        assert!(
            options.iter().any(|o| o == "DEFAULT_MEMSTATUS=0"),
            "{options:?}"
        );
    }

    #[derive(QueryableByName)]
    struct PlanStep {
        #[diesel(sql_type = Text)]
        detail: String,
    }

    /// How SQLite reads `query` on a fresh, migrated file.
    fn plan<Q: diesel::query_builder::QueryFragment<Sqlite>>(query: &Q) -> Vec<String> {
        let database = TempSqlite::new();
        let path = database.url()["sqlite://".len()..].to_owned();
        drop(open(&path, &options_for(&database.url())).unwrap());
        let mut conn = SqliteConnection::establish(&path).unwrap();
        let sql = diesel::debug_query::<Sqlite, _>(query).to_string();
        let (sql, _binds) = sql.split_once(" -- binds:").unwrap();
        diesel::sql_query(format!("EXPLAIN QUERY PLAN {sql}"))
            .load::<PlanStep>(&mut conn)
            .unwrap()
            .into_iter()
            .map(|step| step.detail)
            .collect()
    }

    /// How SQLite reads the listing page the service sends for `filter` after `after`.
    fn page_plan(filter: &EventFilter, after: Option<Position>) -> Vec<String> {
        plan(&listing_page!(
            Sqlite,
            queries::Row,
            filter,
            after,
            101_u32,
            |t: Timestamp| t.unix_micros(),
            |g: BillingEventGuid| g.to_string(),
            queries::unlikely,
            |column| column + 0_i16
        ))
    }

    /// How SQLite reads the events a summary of `filter` sums.
    fn summary_plan(filter: &EventFilter) -> Vec<String> {
        plan(&queries::summarized(filter).select(queries::Row::as_select()))
    }

    /// A summary reads its events as a page does, without the order: a client's month
    /// from the time index alone, `modifiedSince` through its own index (not a walk of
    /// the client's whole history), one member or type through its index, several types
    /// from the time index.
    #[test]
    fn each_summary_filter_reads_through_its_own_index() {
        let event = sample_event(BillingEventGuid::new_time_ordered());
        let client = EventFilter::of_client(event.client.clone());
        let search = |index: &str| format!("SEARCH billing_events USING INDEX {index}");
        let alone = |range: &str| {
            format!(
                "SEARCH billing_events USING COVERING INDEX billing_events_by_client_time \
                 ({range})"
            )
        };
        let cases = [
            (client.clone(), vec![alone("client_name=?")]),
            (
                EventFilter {
                    from: Some(event.event_time),
                    to: Some(event.modified),
                    ..client.clone()
                },
                vec![alone(
                    "client_name=? AND event_date_time>? AND event_date_time<?",
                )],
            ),
            (
                EventFilter {
                    modified_since: Some(event.modified),
                    ..client.clone()
                },
                vec![search(
                    "billing_events_by_client_modified (client_name=? AND modified_date_time>?)",
                )],
            ),
            (
                EventFilter {
                    member: Some(event.member.clone()),
                    ..client.clone()
                },
                vec![search(
                    "billing_events_by_client_member (client_name=? AND member_unique_key=?)",
                )],
            ),
            (
                EventFilter {
                    types: vec![event.event_type],
                    ..client.clone()
                },
                vec![search(
                    "billing_events_by_client_type (client_name=? AND event_type_id=?)",
                )],
            ),
            (
                EventFilter {
                    types: vec![EventType::Usage, EventType::Credit],
                    ..client.clone()
                },
                vec![alone("client_name=?")],
            ),
        ];
        for (filter, expected) in cases {
            assert_eq!(summary_plan(&filter), expected, "{filter:?}");
        }
    }

    /// Each listing filter is read through the index made for it, and a page without one
    /// from the time index alone. The time index holds every listed column, and SQLite,
    /// which keeps no statistics of its own here, would read every filtered page from it,
    /// walking a client's whole history for a page of one member's: the statistics the
    /// migration writes, and `unlikely` on `modifiedSince`, are what keep these plans. A
    /// filter on several types or statuses walks the time index, stopping at the page's
    /// end, instead of reading and sorting every matching event of the client.
    #[test]
    fn each_listing_filter_reads_through_its_own_index() {
        let event = sample_event(BillingEventGuid::new_time_ordered());
        let client = EventFilter::of_client(event.client.clone());
        let search = |index: &str| format!("SEARCH billing_events USING INDEX {index}");
        let alone = |range: &str| {
            format!(
                "SEARCH billing_events USING COVERING INDEX billing_events_by_client_time \
                 ({range})"
            )
        };
        let sorted = "USE TEMP B-TREE FOR ORDER BY".to_owned();
        let cases = [
            (client.clone(), None, vec![alone("client_name=?")]),
            (
                client.clone(),
                Some(Position::of(&event)),
                vec![alone("client_name=? AND event_date_time>?")],
            ),
            (
                EventFilter {
                    from: Some(event.event_time),
                    to: Some(event.modified),
                    ..client.clone()
                },
                None,
                vec![alone(
                    "client_name=? AND event_date_time>? AND event_date_time<?",
                )],
            ),
            (
                EventFilter {
                    member: Some(event.member.clone()),
                    ..client.clone()
                },
                None,
                vec![search(
                    "billing_events_by_client_member (client_name=? AND member_unique_key=?)",
                )],
            ),
            (
                EventFilter {
                    types: vec![event.event_type],
                    ..client.clone()
                },
                None,
                vec![search(
                    "billing_events_by_client_type (client_name=? AND event_type_id=?)",
                )],
            ),
            (
                EventFilter {
                    types: vec![EventType::Usage, EventType::Credit],
                    ..client.clone()
                },
                None,
                vec![alone("client_name=?")],
            ),
            (
                EventFilter {
                    statuses: vec![event.status],
                    ..client.clone()
                },
                None,
                vec![search(
                    "billing_events_by_client_status (client_name=? AND status_id=?)",
                )],
            ),
            (
                EventFilter {
                    statuses: vec![EventStatus::Pending, EventStatus::Failed],
                    ..client.clone()
                },
                None,
                vec![alone("client_name=?")],
            ),
            (
                EventFilter {
                    modified_since: Some(event.modified),
                    ..client.clone()
                },
                None,
                vec![
                    search(
                        "billing_events_by_client_modified \
                         (client_name=? AND modified_date_time>?)",
                    ),
                    sorted.clone(),
                ],
            ),
        ];
        for (filter, after, plan) in cases {
            assert_eq!(page_plan(&filter, after), plan, "{filter:?}");
        }
    }
}
