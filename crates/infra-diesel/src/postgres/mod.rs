//! The PostgreSQL backend: native uuid, numeric and timestamptz columns.

pub(crate) mod fold;
mod insert_group;
mod months;
mod queries;
mod schema;
mod summary;

use crate::pooled::{CallTimeouts, PooledRepository};
use crate::schema_version::{self, SchemaComparison};
use crate::sessions::{ConnectAttempts, Session, SessionManager};
use crate::{ConnectError, DatabaseOptions, Repositories};
use diesel::connection::SimpleConnection;
use diesel::r2d2::{CustomizeConnection, NopErrorHandler, Pool};
use diesel::{sql_query, PgConnection, QueryableByName, RunQueryDsl};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use std::sync::Arc;
use std::time::Duration;

const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// The versions of the migrations this binary carries, oldest first.
pub(crate) fn known_migrations() -> Vec<String> {
    schema_version::known::<diesel::pg::Pg>(&MIGRATIONS)
}

/// Connections for key checks alone. Concurrent checks share reads (each distinct key
/// once per read), so two are plenty.
const KEY_POOL_SIZE: u32 = 2;

/// Any fixed number, the same in every replica: replicas starting together take turns
/// at the migrations instead of racing.
const MIGRATION_LOCK: i64 = 0x0062_696c_6c69_6e67; // "billing" in ASCII

/// How long one attempt to open a connection keeps retrying before the pool hears of
/// the failure: long enough to span a failover, so the pool reconnects within
/// `SessionManager::RETRY_EVERY` of the new primary answering.
const KEEP_TRYING: Duration = Duration::from_secs(30);

/// A server-side bound on every statement of a pooled connection: the longest a caller
/// waits (`long_read_timeout`, summaries) and a second more. A caller answers 503 at its
/// deadline and leaves its statement running; with this, a statement no caller waits
/// for any more is stopped by the server within about a second, instead of running on
/// with its connection (and, for a summary, its long-read turn). Migrations lift it
/// while they run.
#[derive(Debug)]
struct StatementLimit(Duration);

impl StatementLimit {
    fn sql(&self) -> String {
        format!("SET statement_timeout = {}", self.0.as_millis())
    }
}

impl CustomizeConnection<Session<PgConnection>, diesel::r2d2::Error> for StatementLimit {
    fn on_acquire(&self, session: &mut Session<PgConnection>) -> Result<(), diesel::r2d2::Error> {
        session
            .connection
            .batch_execute(&self.sql())
            .map_err(diesel::r2d2::Error::QueryError)
    }
}

#[derive(QueryableByName)]
struct Recovery {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    in_recovery: bool,
}

pub(crate) fn connect(options: &DatabaseOptions) -> Result<Repositories, ConnectError> {
    let attempts = Arc::new(ConnectAttempts::default());
    let opened = open(options, &attempts);
    if opened.is_err() {
        // This pool is dropped; its attempts still running must not reconnect for it.
        attempts.give_up();
    }
    opened
}

fn open(
    options: &DatabaseOptions,
    attempts: &Arc<ConnectAttempts>,
) -> Result<Repositories, ConnectError> {
    let url = options.url.for_libpq(options.connect_timeout);
    let unreachable = |source| ConnectError::Pool {
        url: options.url.to_string(),
        last_error: attempts.last_error(),
        source,
    };
    let limit = || StatementLimit(options.long_read_timeout + Duration::from_secs(1));
    let bound_again = limit().sql();
    let pool_of = |size| {
        Pool::builder()
            .max_size(size)
            .connection_timeout(options.connect_timeout)
            // Failed attempts are the outage's, logged once by the repository.
            .error_handler(Box::new(NopErrorHandler))
            .connection_customizer(Box::new(limit()))
            .build(
                SessionManager::<PgConnection>::new(url.clone(), KEEP_TRYING, attempts.clone())
                    .with_lifelines_to(options.url.port()),
            )
    };
    let pool = pool_of(options.pool_size).map_err(unreachable)?;
    let mut session = pool.get().map_err(unreachable)?;
    // diesel's migration set-up runs DDL even with nothing pending, which a standby
    // refuses: ask first, and wait for a primary instead of failing on a replica.
    let recovery: Recovery = sql_query("SELECT pg_is_in_recovery() AS in_recovery")
        .get_result(&mut session.connection)
        .map_err(|error| ConnectError::Migrations(Box::new(error)))?;
    if recovery.in_recovery {
        return Err(ConnectError::NotPrimary {
            url: options.url.to_string(),
        });
    }
    let migrate =
        |conn: &mut PgConnection| -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
            // A migration may rewrite every event: it is not bounded like a request.
            conn.batch_execute("SET statement_timeout = 0")?;
            conn.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))?;
            let result = (|| -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
                let known = known_migrations();
                let applied = schema_version::versions(&conn.applied_migrations()?);
                SchemaComparison::of(&known, &applied).refuse_unknown()?;
                let ran = conn.run_pending_migrations(MIGRATIONS)?;
                schema_version::record(&known, &ran);
                Ok(())
            })();
            conn.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"))?;
            // Bounded again before the pool hands the connection to a request.
            conn.batch_execute(&bound_again)?;
            result
        };
    migrate(&mut session.connection).map_err(|error| match error.downcast::<ConnectError>() {
        Ok(refused) => *refused,
        Err(other) => ConnectError::Migrations(other),
    })?;
    drop(session);
    let timeouts = Some(CallTimeouts {
        call: options.connect_timeout,
        long_read: options.long_read_timeout,
    });
    let repository = Arc::new(PooledRepository::<queries::PgQueries>::new(
        pool.clone(),
        "postgres",
        None,
        timeouts,
    ));
    // Keys are read for every request: on connections of their own, so that however
    // the pool is taken by writes and summaries, a request's key check does not wait
    // for one.
    let keys = PooledRepository::<queries::PgQueries>::new(
        pool_of(KEY_POOL_SIZE).map_err(unreachable)?,
        "postgres",
        None,
        timeouts,
    );
    fold::fold_in_background(pool, Arc::downgrade(&repository));
    Ok(Repositories {
        events: repository,
        keys: Arc::new(keys),
    })
}

#[cfg(all(test, feature = "postgres-tests"))]
mod tests {
    use crate::filter::listing_page;
    use crate::test_support::{options_for, sample_event, TempPostgres, TestDatabase};
    use diesel::connection::SimpleConnection;
    use diesel::pg::Pg;
    use diesel::sql_types::Text;
    use diesel::{sql_query, Connection, PgConnection, QueryableByName, RunQueryDsl};
    use domain::{BillingEventGuid, EventFilter, Timestamp};

    #[derive(QueryableByName)]
    struct PlanLine {
        #[diesel(sql_type = Text, column_name = "QUERY PLAN")]
        line: String,
    }

    /// Rows are stored in the order they arrive, so a client's page read from the heap
    /// is about a hundred heap pages once the table is large. The time index carries
    /// every listed column, so the page the service sends can be read from it alone.
    #[test]
    fn a_clients_page_can_be_read_from_the_time_index_alone() {
        let database = TempPostgres::new();
        crate::open(&options_for(&database.url())).expect("migrated");
        let mut conn = PgConnection::establish(&database.url()).expect("a connection");
        let event = sample_event(BillingEventGuid::new_time_ordered());
        let filter = EventFilter::of_client(event.client.clone());
        let page = listing_page!(
            Pg,
            super::queries::Row,
            &filter,
            None,
            101_u32,
            |t: Timestamp| t.as_datetime(),
            |g: BillingEventGuid| g.as_uuid(),
            |condition| condition,
            |column| column
        );
        let sql = diesel::debug_query::<Pg, _>(&page).to_string();
        let (sql, _binds) = sql.split_once(" -- binds:").expect("a query and its binds");
        sql_query(format!("PREPARE page AS {sql}"))
            .execute(&mut conn)
            .expect("prepared");
        // An empty table is cheaper to scan than any index: ask for the index's plan.
        conn.batch_execute("SET enable_seqscan = off; SET enable_bitmapscan = off")
            .expect("set");
        let plan: Vec<String> = sql_query(format!(
            "EXPLAIN (COSTS OFF) EXECUTE page('{}', 101)",
            event.client
        ))
        .load::<PlanLine>(&mut conn)
        .expect("a plan")
        .into_iter()
        .map(|step| step.line.trim().to_owned())
        .collect();
        assert_eq!(
            plan,
            [
                "Limit",
                "->  Index Only Scan using billing_events_by_client_time on billing_events",
                "Index Cond: (client_name = 'acme'::text)",
            ]
        );
    }
}
