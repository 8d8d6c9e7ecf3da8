//! The checks of a database's contents that `verify`, a SQLite start-up and a restore
//! share: each reads the database and says what is wrong, or nothing.

use diesel::sql_types::{BigInt, Text};
use diesel::{sql_query, Connection, QueryableByName, RunQueryDsl, SqliteConnection};

#[derive(QueryableByName)]
pub(crate) struct Line {
    #[diesel(sql_type = Text)]
    pub line: String,
}

#[derive(QueryableByName)]
pub(crate) struct Count {
    #[diesel(sql_type = BigInt)]
    pub n: i64,
}

pub(crate) type Checked = Result<Option<String>, diesel::result::Error>;

/// SQLite's own check of every page and index (`integrity_check`, or the quicker
/// `quick_check`, which leaves out that indexes match their tables); its first findings.
pub(crate) fn integrity(conn: &mut SqliteConnection, pragma: &str) -> Checked {
    let lines: Vec<String> = sql_query(format!("SELECT {pragma} AS line FROM pragma_{pragma}"))
        .load::<Line>(conn)?
        .into_iter()
        .map(|row| row.line)
        .collect();
    Ok(match lines.as_slice() {
        [only] if only == "ok" => None,
        found => Some(found.iter().take(5).cloned().collect::<Vec<_>>().join("; ")),
    })
}

pub(crate) fn foreign_keys(conn: &mut SqliteConnection) -> Checked {
    let count: Count =
        sql_query("SELECT count(*) AS n FROM pragma_foreign_key_check").get_result(conn)?;
    Ok((count.n > 0).then(|| format!("{} history lines name no stored event", count.n)))
}

/// How a SQLite history line names its event.
pub(crate) const SQLITE_CREATION: &str = "h.event_id = e.id";

/// Events without their creation line in the history, `joined` naming a line's event.
pub(crate) fn missing_creations<C>(conn: &mut C, joined: &str) -> Checked
where
    C: Connection,
    for<'a> diesel::query_builder::SqlQuery: diesel::query_dsl::LoadQuery<'a, C, Count>,
{
    let count: Count = sql_query(format!(
        "SELECT count(*) AS n FROM billing_events e WHERE NOT EXISTS \
         (SELECT 1 FROM billing_event_history h WHERE {joined} AND h.from_status_id IS NULL)"
    ))
    .get_result(conn)?;
    Ok((count.n > 0).then(|| format!("{} events have no creation line", count.n)))
}
