//! The billing-event repository on diesel: SQLite by default, PostgreSQL for real
//! deployments, chosen at run time by the database URL's scheme.
//!
//! Each backend keeps its native column types (see the migrations) and its own small
//! query module; pooling, the hop off the async runtime and error mapping are shared.

mod checks;
mod database_url;
mod deferred;
mod error;
mod event_queries;
mod filter;
mod group_commit;
mod key_lookups;
mod keys;
mod lifeline;
mod outage;
mod pooled;
mod postgres;
mod schema_version;
mod sessions;
mod settings;
mod sqlite;
mod stored;
#[cfg(feature = "test-support")]
#[allow(clippy::missing_panics_doc)] // test helpers fail loudly by design
pub mod test_support;
mod verify;

pub use database_url::{Backend, DatabaseUrl, DatabaseUrlError};
pub use deferred::connect_or_wait;
pub use group_commit::{GroupCommit, GroupCommitOptions};
pub use key_lookups::CoalescedKeyLookups;
pub use schema_version::schema_version;
pub use settings::{Database, DatabaseSettingError, DatabaseSettings, GroupCommitSettings};
pub use sqlite::session_pragmas as sqlite_session_pragmas;
pub use sqlite::{backup as backup_sqlite, restore as restore_sqlite, FileError};
pub use verify::{verify, Check, VerifyReport};

use app::{ApiKeyRepository, BillingEventRepository};
use std::sync::Arc;
use std::time::Duration;

/// How to open the database.
#[derive(Debug, Clone)]
pub struct DatabaseOptions {
    pub url: DatabaseUrl,
    /// Connections kept by the pool.
    pub pool_size: u32,
    /// How long a request waits for a pooled connection (or a new one) before the
    /// database counts as unavailable; on PostgreSQL also the most one call may take,
    /// checkout included, before the request is answered without it.
    pub connect_timeout: Duration,
    /// PostgreSQL: the most a read whose cost grows with the data (a summary) may take.
    pub long_read_timeout: Duration,
    /// SQLite only: how long a writer waits for the write lock before giving up.
    pub sqlite_busy_timeout: Duration,
}

/// Why the repository could not be opened at start-up.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("cannot create the folder {path} for the SQLite database")]
    CreateFolder {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot open the SQLite file {path}")]
    OpenFile {
        path: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("cannot connect to the database {url}: {last_error}")]
    Pool {
        url: String,
        /// Why the last attempt failed (r2d2's own error may say only "timed out").
        last_error: String,
        #[source]
        source: diesel::r2d2::PoolError,
    },
    #[error("cannot run the database migrations")]
    Migrations(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("cannot check out a connection to run the migrations")]
    Checkout(#[source] diesel::r2d2::PoolError),
    #[error("opening the database was interrupted: {0}")]
    Interrupted(String),
    #[error("the database at {url} is a standby (in recovery); the service needs the primary")]
    NotPrimary { url: String },
    #[error(
        "the database holds migration {database}, newer than this binary knows (its newest \
         is {binary}): run the release that migrated it, or restore a backup from before it"
    )]
    UnknownMigrations { database: String, binary: String },
    #[error(
        "the SQLite file {path} fails its integrity check ({problems}): it is not served; \
         restore a backup with `billing-events restore` (docs/operations.md)"
    )]
    Malformed { path: String, problems: String },
    #[error("there is no database at {url}")]
    NoDatabase { url: String },
    #[error(
        "a restore of {path} did not finish ({path}.restoring is still there): run \
         `billing-events restore` again before starting the service"
    )]
    RestoreInterrupted { path: String },
    #[error(
        "the SQLite file {path} is gone, though a service opened it before ({path}.lock \
         says so): restore a backup with `billing-events restore`, or remove the lock file \
         to start an empty database on purpose"
    )]
    Lost { path: String },
    #[error(
        "the database at {url} is not migrated ({pending} migrations pending): start the \
         service on it once, or run `billing-events migrate`"
    )]
    NotMigrated { url: String, pending: usize },
    #[error("cannot check the database")]
    Verify(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl ConnectError {
    /// Whether waiting cannot help: the server refused these credentials or this
    /// database, or a SQLite folder cannot be made.
    pub fn is_permanent(&self) -> bool {
        match self {
            ConnectError::CreateFolder { .. }
            | ConnectError::OpenFile { .. }
            | ConnectError::UnknownMigrations { .. }
            | ConnectError::Malformed { .. }
            | ConnectError::RestoreInterrupted { .. }
            | ConnectError::Lost { .. }
            | ConnectError::NoDatabase { .. } => true,
            ConnectError::Pool { last_error, .. } => sessions::is_permanent(last_error),
            _ => false,
        }
    }

    /// Whether an operator must act before the database is tried again: libpq could not
    /// read the URL, a newer release migrated the database, the SQLite file is
    /// malformed, or there is no database where one must be.
    pub fn needs_an_operator(&self) -> bool {
        match self {
            ConnectError::Pool { last_error, .. } => sessions::is_malformed_url(last_error),
            ConnectError::Verify(source) => sessions::is_malformed_url(&source.to_string()),
            ConnectError::UnknownMigrations { .. }
            | ConnectError::Malformed { .. }
            | ConnectError::RestoreInterrupted { .. }
            | ConnectError::Lost { .. }
            | ConnectError::NoDatabase { .. }
            | ConnectError::NotMigrated { .. } => true,
            _ => false,
        }
    }
}

/// The stores of one database, sharing its pool.
#[derive(Debug, Clone)]
pub struct Repositories {
    pub events: Arc<dyn BillingEventRepository>,
    pub keys: Arc<dyn ApiKeyRepository>,
}

/// The stores the service runs on: the database opened and migrated, single inserts
/// sharing transactions (group commit), concurrent key reads sharing queries.
///
/// Starts group commit's and the key lookups' dispatchers on the current tokio runtime.
///
/// # Errors
/// As for [`open`]; and `Interrupted` when the blocking open could not finish.
pub async fn connect(database: &Database) -> Result<Repositories, ConnectError> {
    let options = database.options.clone();
    let stores = tokio::task::spawn_blocking(move || open(&options))
        .await
        .map_err(|error| ConnectError::Interrupted(error.to_string()))??;
    Ok(Repositories {
        events: GroupCommit::start(stores.events, database.group_commit),
        keys: CoalescedKeyLookups::start(stores.keys),
    })
}

/// As [`connect`], on a database that exists and is migrated, which it never creates or
/// migrates: for the `keys` commands, so that a key is never made in a new, empty
/// database (in the wrong folder, say) that the service does not serve.
///
/// # Errors
/// `NoDatabase` or `NotMigrated`, and as for [`connect`].
pub async fn connect_existing(database: &Database) -> Result<Repositories, ConnectError> {
    let options = database.options.clone();
    let comparison = tokio::task::spawn_blocking(move || verify::schema_of(&options))
        .await
        .map_err(|error| ConnectError::Interrupted(error.to_string()))??;
    comparison.refuse_unknown()?;
    if !comparison.pending.is_empty() {
        return Err(ConnectError::NotMigrated {
            url: database.options.url.to_string(),
            pending: comparison.pending.len(),
        });
    }
    connect(database).await
}

/// The stores straight on the database, each call its own transaction: for tools and
/// for tests of the stores themselves. Opens the pool for `options.url` and runs the
/// pending migrations embedded for that backend.
///
/// Blocks while it connects and migrates: call it off the async workers.
///
/// # Errors
/// When the folder of a SQLite file cannot be made, the database cannot be reached
/// within the timeout, or a migration fails.
pub fn open(options: &DatabaseOptions) -> Result<Repositories, ConnectError> {
    match options.url.backend() {
        Backend::Sqlite { path } => sqlite::connect(path, options),
        Backend::Postgres => postgres::connect(options),
    }
}
