//! The PostgreSQL backend: native uuid, numeric and timestamptz columns.

mod insert_group;
mod queries;
mod schema;
mod summary;

use crate::pooled::PooledRepository;
use crate::sessions::SessionManager;
use crate::{ConnectError, DatabaseOptions, Repositories};
use diesel::connection::SimpleConnection;
use diesel::r2d2::Pool;
use diesel::PgConnection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use std::sync::Arc;

const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Any fixed number, the same in every replica: replicas starting together take turns
/// at the migrations instead of racing.
const MIGRATION_LOCK: i64 = 0x0062_696c_6c69_6e67; // "billing" in ASCII

pub(crate) fn connect(options: &DatabaseOptions) -> Result<Repositories, ConnectError> {
    let pool = Pool::builder()
        .max_size(options.pool_size)
        .connection_timeout(options.connect_timeout)
        .build(SessionManager::<PgConnection>::new(options.url.expose()))
        .map_err(|source| ConnectError::Pool {
            url: options.url.to_string(),
            source,
        })?;
    let mut session = pool.get().map_err(ConnectError::Checkout)?;
    let migrate = |conn: &mut PgConnection| {
        conn.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))?;
        let result = conn.run_pending_migrations(MIGRATIONS).map(|_| ());
        conn.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"))?;
        result
    };
    migrate(&mut session.connection).map_err(ConnectError::Migrations)?;
    drop(session);
    let repository = Arc::new(PooledRepository::<queries::PgQueries>::new(
        pool, "postgres", None,
    ));
    Ok(Repositories {
        events: repository.clone(),
        keys: repository,
    })
}
