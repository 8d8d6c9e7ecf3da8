//! The billing-event repository on diesel: SQLite by default, PostgreSQL for real
//! deployments, chosen at run time by the database URL's scheme.
//!
//! Each backend keeps its native column types (see the migrations) and its own small
//! query module; pooling, the hop off the async runtime and error mapping are shared.

mod database_url;
mod error;
mod filter;
mod group_commit;
mod key_lookups;
mod keys;
mod pooled;
mod postgres;
mod sessions;
mod sqlite;
mod stored;
#[cfg(feature = "test-support")]
#[allow(clippy::missing_panics_doc)] // test helpers fail loudly by design
pub mod test_support;

pub use database_url::{Backend, DatabaseUrl, DatabaseUrlError};
pub use group_commit::{GroupCommit, GroupCommitOptions};
pub use key_lookups::CoalescedKeyLookups;

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
    /// database counts as unavailable.
    pub connect_timeout: Duration,
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
    #[error("cannot connect to the database {url}")]
    Pool {
        url: String,
        #[source]
        source: diesel::r2d2::PoolError,
    },
    #[error("cannot run the database migrations")]
    Migrations(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("cannot check out a connection to run the migrations")]
    Checkout(#[source] diesel::r2d2::PoolError),
}

/// The stores of one database, sharing its pool.
#[derive(Debug, Clone)]
pub struct Repositories {
    pub events: Arc<dyn BillingEventRepository>,
    pub keys: Arc<dyn ApiKeyRepository>,
}

/// Opens the pool for `options.url`, runs the pending migrations embedded for that
/// backend, and returns the stores.
///
/// Blocks while it connects and migrates: call it at start-up, off the async workers.
///
/// # Errors
/// When the folder of a SQLite file cannot be made, the database cannot be reached
/// within the timeout, or a migration fails.
pub fn connect(options: &DatabaseOptions) -> Result<Repositories, ConnectError> {
    match options.url.backend() {
        Backend::Sqlite { path } => sqlite::connect(path, options),
        Backend::Postgres => postgres::connect(options),
    }
}
