//! `billing-events verify`: whether a database can be trusted with money, checked
//! without changing it. A restored or recovered database is checked before it is
//! served; the checks read every event, so they take a while on a large one (see
//! docs/performance.md).

use crate::checks::SQLITE_CREATION;
use crate::checks::{foreign_keys, integrity, missing_creations, Checked, Count, Line};
use crate::schema_version::SchemaComparison;
use crate::{Backend, ConnectError, DatabaseOptions};
use diesel::{sql_query, Connection, PgConnection, RunQueryDsl, SqliteConnection};
use std::path::Path;

/// One check and what it found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// What was checked, in a few words.
    pub what: &'static str,
    /// What is wrong, or `None` when nothing is.
    pub problem: Option<String>,
}

/// Every check of one database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    pub checks: Vec<Check>,
}

impl VerifyReport {
    /// Whether every check passed.
    pub fn is_clean(&self) -> bool {
        self.checks.iter().all(|check| check.problem.is_none())
    }
}

/// Checks the database of `options` and reports what is wrong with it. Nothing is
/// created, migrated or changed: a SQLite file that does not exist is an error.
///
/// # Errors
/// When the database cannot be opened at all.
pub fn verify(options: &DatabaseOptions) -> Result<VerifyReport, ConnectError> {
    let checks = match options.url.backend() {
        Backend::Sqlite { path } => {
            if !Path::new(path).is_file() {
                return Err(ConnectError::NoDatabase {
                    url: options.url.to_string(),
                });
            }
            let opened = SqliteConnection::establish(path);
            let mut conn = opened.map_err(|e| ConnectError::OpenFile {
                path: path.to_owned(),
                source: Box::new(e),
            })?;
            vec![
                check(
                    "SQLite's integrity check",
                    integrity(&mut conn, "integrity_check"),
                ),
                check("every history line's event exists", foreign_keys(&mut conn)),
                check(
                    "every event has its creation in the history",
                    missing_creations(&mut conn, SQLITE_CREATION),
                ),
                check(
                    "the schema is one this binary knows",
                    schema(&mut conn, &crate::sqlite::known_migrations()),
                ),
            ]
        }
        Backend::Postgres => {
            let url = options.url.for_libpq(options.connect_timeout);
            let mut conn =
                PgConnection::establish(&url).map_err(|e| ConnectError::Verify(Box::new(e)))?;
            vec![
                check(
                    "every event has its creation in the history",
                    missing_creations(&mut conn, "h.billing_event_guid = e.billing_event_guid"),
                ),
                check("the monthly totals match the events", totals(&mut conn)),
                check(
                    "the schema is one this binary knows",
                    schema(&mut conn, &crate::postgres::known_migrations()),
                ),
            ]
        }
    };
    Ok(VerifyReport { checks })
}

/// The schema of the database of `options` against this binary's migrations, read
/// without creating or changing anything (a database never migrated has every one
/// pending).
///
/// # Errors
/// `NoDatabase` for a SQLite file that does not exist; when it cannot be opened.
pub(crate) fn schema_of(options: &DatabaseOptions) -> Result<SchemaComparison, ConnectError> {
    let (known, applied) = match options.url.backend() {
        Backend::Sqlite { path } => {
            if !Path::new(path).is_file() {
                return Err(ConnectError::NoDatabase {
                    url: options.url.to_string(),
                });
            }
            let mut conn =
                SqliteConnection::establish(path).map_err(|e| ConnectError::OpenFile {
                    path: path.to_owned(),
                    source: Box::new(e),
                })?;
            (
                crate::sqlite::known_migrations(),
                applied_versions(&mut conn)?,
            )
        }
        Backend::Postgres => {
            let url = options.url.for_libpq(options.connect_timeout);
            let mut conn =
                PgConnection::establish(&url).map_err(|e| ConnectError::Verify(Box::new(e)))?;
            (
                crate::postgres::known_migrations(),
                applied_versions(&mut conn)?,
            )
        }
    };
    Ok(SchemaComparison::of(&known, &applied))
}

/// The migrations applied to a database; none where it has no record of any. Any
/// other failure to read them (a malformed file, say) is an error, not "none".
fn applied_versions<C>(conn: &mut C) -> Result<Vec<String>, ConnectError>
where
    C: Connection,
    for<'a> diesel::query_builder::SqlQuery: diesel::query_dsl::LoadQuery<'a, C, Line>,
{
    match sql_query("SELECT version AS line FROM __diesel_schema_migrations").load::<Line>(conn) {
        Ok(rows) => Ok(rows.into_iter().map(|row| row.line).collect()),
        Err(error) => {
            let said = error.to_string();
            if said.contains("no such table") || said.contains("does not exist") {
                Ok(Vec::new())
            } else {
                Err(ConnectError::Verify(Box::new(error)))
            }
        }
    }
}

fn check(what: &'static str, checked: Checked) -> Check {
    Check {
        what,
        problem: checked.unwrap_or_else(|error| Some(format!("could not be checked: {error}"))),
    }
}

/// PostgreSQL's monthly totals (folded, and changes not folded yet) against the events
/// they sum, key by key.
fn totals(conn: &mut PgConnection) -> Checked {
    let count: Count = sql_query(
        "WITH events AS (
             SELECT client_name, billing_event_month(event_date_time) AS month, event_type_id,
                    status_id, count(*) AS n, sum(quantity) AS q, sum(quantity * price) AS a
             FROM billing_events GROUP BY 1, 2, 3, 4),
         totals AS (
             SELECT client_name, month, event_type_id, status_id, sum(n) AS n, sum(q) AS q,
                    sum(a) AS a
             FROM (SELECT client_name, month, event_type_id, status_id, event_count AS n,
                          total_quantity AS q, total_amount AS a FROM billing_event_totals
                   UNION ALL
                   SELECT client_name, month, event_type_id, status_id, event_count,
                          total_quantity, total_amount FROM billing_event_total_changes) AS t
             GROUP BY 1, 2, 3, 4)
         SELECT count(*) AS n
         FROM events FULL OUTER JOIN totals USING (client_name, month, event_type_id, status_id)
         WHERE coalesce(events.n, 0) <> coalesce(totals.n, 0)
            OR coalesce(events.q, 0) <> coalesce(totals.q, 0)
            OR coalesce(events.a, 0) <> coalesce(totals.a, 0)",
    )
    .get_result(conn)?;
    Ok((count.n > 0).then(|| {
        format!(
            "{} client, month, type and status totals differ from the events they sum",
            count.n
        )
    }))
}

fn schema<C>(conn: &mut C, known: &[String]) -> Checked
where
    C: Connection,
    for<'a> diesel::query_builder::SqlQuery: diesel::query_dsl::LoadQuery<'a, C, Line>,
{
    let applied: Vec<String> = sql_query("SELECT version AS line FROM __diesel_schema_migrations")
        .load::<Line>(conn)?
        .into_iter()
        .map(|row| row.line)
        .collect();
    let comparison = SchemaComparison::of(known, &applied);
    Ok(if let Some(newest) = comparison.unknown.last() {
        Some(format!(
            "migration {newest} is newer than this binary knows (its newest is {})",
            comparison.latest_known
        ))
    } else if comparison.pending.len() == known.len() {
        Some("no migration is applied: not a billing-events database".to_owned())
    } else {
        // Older: the service migrates it at start. Not a problem of the data.
        None
    })
}
