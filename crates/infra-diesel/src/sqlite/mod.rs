//! The SQLite backend: one file, WAL, set up for a server.

mod queries;
mod schema;

use crate::pooled::PooledRepository;
use crate::{ConnectError, DatabaseOptions, Repositories};
use diesel::connection::SimpleConnection;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool};
use diesel::SqliteConnection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

/// Settings every pooled connection gets, since SQLite keeps most of them per
/// connection:
/// - `busy_timeout`: a writer waits for the lock instead of failing at once;
/// - WAL: readers never block the writer, and commits append instead of rewriting;
/// - `synchronous = FULL`: each commit is on disk before we answer "stored", so an
///   acknowledged event survives a crash of the process *and* of the machine;
/// - `foreign_keys = ON`: off by default in SQLite, wanted by later tables.
#[derive(Debug)]
struct ServerSettings {
    busy_timeout: Duration,
}

impl CustomizeConnection<SqliteConnection, diesel::r2d2::Error> for ServerSettings {
    fn on_acquire(&self, conn: &mut SqliteConnection) -> Result<(), diesel::r2d2::Error> {
        conn.batch_execute(&format!(
            "PRAGMA busy_timeout = {}; PRAGMA journal_mode = WAL; \
             PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
            self.busy_timeout.as_millis()
        ))
        .map_err(diesel::r2d2::Error::QueryError)
    }
}

pub(crate) fn connect(path: &str, options: &DatabaseOptions) -> Result<Repositories, ConnectError> {
    if let Some(folder) = Path::new(path)
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
    {
        std::fs::create_dir_all(folder).map_err(|source| ConnectError::CreateFolder {
            path: folder.display().to_string(),
            source,
        })?;
    }
    let pool = Pool::builder()
        .max_size(options.pool_size)
        .connection_timeout(options.connect_timeout)
        .connection_customizer(Box::new(ServerSettings {
            busy_timeout: options.sqlite_busy_timeout,
        }))
        .build(ConnectionManager::<SqliteConnection>::new(path))
        .map_err(|source| ConnectError::Pool {
            url: options.url.to_string(),
            source,
        })?;
    // Processes starting together on one new file (the service and `keys create`, say)
    // take turns: each holds the write lock from before it reads which migrations are
    // pending until they are applied, so a second one finds nothing left to do. diesel
    // runs each migration in a savepoint inside this transaction.
    pool.get()
        .map_err(ConnectError::Checkout)?
        .immediate_transaction(|conn| {
            conn.run_pending_migrations(MIGRATIONS)?;
            Ok(())
        })
        .map_err(ConnectError::Migrations)?;
    let repository = Arc::new(PooledRepository::<queries::SqliteQueries>::new(
        pool,
        "sqlite",
        Some(options.sqlite_busy_timeout),
    ));
    Ok(Repositories {
        events: repository.clone(),
        keys: repository,
    })
}
