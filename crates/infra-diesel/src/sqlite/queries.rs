//! Billing-event queries on SQLite: amounts as canonical decimal text, instants as
//! integer microseconds.

use super::schema::{billing_event_history, billing_events};
use crate::error::{corrupt_row, DbError};
use crate::filter::filtered_events;
use crate::pooled::Queries;
use crate::stored::{creation, events, history_entry, stored_revision, StoredColumns, StoredRow};
use app::RepositoryError;
use diesel::connection::DefaultLoadingMode;
use diesel::prelude::*;
use diesel::sqlite::Sqlite;
use domain::{
    BillingEvent, BillingEventGuid, ClientName, EventFilter, EventStatus, GroupBy, HistoryEntry,
    Summary, SummaryRow, Timestamp,
};
use rust_decimal::Decimal;
use std::collections::HashSet;
use std::str::FromStr;

pub(crate) struct SqliteQueries;

diesel::define_sql_function! {
    /// SQLite's planner hint that `condition` is rarely true (`likelihood` 0.0625), for a
    /// range whose selectivity it cannot know without statistics; it changes no result.
    fn unlikely(condition: diesel::sql_types::Bool) -> diesel::sql_types::Bool;
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = billing_events, check_for_backend(Sqlite))]
pub(super) struct Row {
    billing_event_guid: String,
    client_name: String,
    member_unique_key: String,
    event_date_time: i64,
    event_type_id: i16,
    status_id: i16,
    quantity: String,
    price: String,
    modified_date_time: i64,
    revision: i32,
}

impl From<&BillingEvent> for Row {
    fn from(event: &BillingEvent) -> Self {
        Self {
            billing_event_guid: event.guid.to_string(),
            client_name: event.client.as_str().to_owned(),
            member_unique_key: event.member.as_str().to_owned(),
            event_date_time: event.event_time.unix_micros(),
            event_type_id: event.event_type.code(),
            status_id: event.status.code(),
            quantity: event.quantity.to_string(),
            price: event.price.to_string(),
            modified_date_time: event.modified.unix_micros(),
            revision: stored_revision(event.revision),
        }
    }
}

fn instant(micros: i64) -> Result<Timestamp, RepositoryError> {
    Timestamp::from_unix_micros(micros).map_err(|e| corrupt_row("time", e))
}

impl StoredRow for Row {
    fn into_event(self) -> Result<BillingEvent, RepositoryError> {
        let decimal = |text: &str| Decimal::from_str(text).map_err(|e| corrupt_row("amount", e));
        StoredColumns {
            guid: uuid::Uuid::parse_str(&self.billing_event_guid)
                .map_err(|e| corrupt_row("guid", e))?,
            client_name: self.client_name,
            member_unique_key: self.member_unique_key,
            event_date_time: instant(self.event_date_time)?,
            event_type_id: self.event_type_id,
            status_id: self.status_id,
            quantity: decimal(&self.quantity)?,
            price: decimal(&self.price)?,
            modified_date_time: instant(self.modified_date_time)?,
            revision: self.revision,
        }
        .into_event()
    }
}

impl Queries for SqliteQueries {
    type Connection = SqliteConnection;

    fn write<T>(
        conn: &mut SqliteConnection,
        work: impl FnOnce(&mut SqliteConnection) -> Result<T, DbError>,
    ) -> Result<T, DbError> {
        conn.immediate_transaction(work)
    }

    /// One statement per row (diesel cannot combine a multi-row insert with
    /// `ON CONFLICT` on SQLite), each returning the new row's id for its history line,
    /// then the history lines, all inside the caller's one transaction and one commit.
    fn insert_new(
        conn: &mut SqliteConnection,
        events: &[(&BillingEvent, &str)],
    ) -> Result<HashSet<BillingEventGuid>, DbError> {
        let mut inserted = HashSet::new();
        let mut created = Vec::new();
        for (event, tx_id) in events {
            let row_id: Option<i64> = diesel::insert_into(billing_events::table)
                .values(Row::from(*event))
                .on_conflict(billing_events::billing_event_guid)
                .do_nothing()
                .returning(billing_events::id)
                .get_result(conn)
                .optional()?;
            if let Some(row_id) = row_id {
                inserted.insert(event.guid);
                created.push((row_id, creation(event, tx_id)));
            }
        }
        append_history_rows(conn, &created)?;
        Ok(inserted)
    }

    fn lock(
        conn: &mut SqliteConnection,
        guids: &[BillingEventGuid],
        scope: Option<&ClientName>,
    ) -> Result<Vec<BillingEvent>, DbError> {
        let mut found = Vec::with_capacity(guids.len());
        // Within SQLite's bound-parameter limit per statement.
        for chunk in guids.chunks(10_000) {
            let keys: Vec<String> = chunk.iter().map(ToString::to_string).collect();
            let mut query = billing_events::table
                .filter(billing_events::billing_event_guid.eq_any(keys))
                .into_boxed();
            if let Some(client) = scope {
                query = query.filter(billing_events::client_name.eq(client.as_str()));
            }
            found.extend(events(query.select(Row::as_select()).load::<Row>(conn)?)?);
        }
        Ok(found)
    }

    fn append_history(
        conn: &mut SqliteConnection,
        entries: &[(BillingEventGuid, HistoryEntry)],
    ) -> Result<(), DbError> {
        let mut lines = Vec::with_capacity(entries.len());
        for (guid, entry) in entries {
            let row_id: i64 = billing_events::table
                .find(guid.to_string())
                .select(billing_events::id)
                .first(conn)?;
            lines.push((row_id, entry.clone()));
        }
        append_history_rows(conn, &lines)
    }

    fn history(
        conn: &mut SqliteConnection,
        guid: BillingEventGuid,
    ) -> Result<Vec<HistoryEntry>, DbError> {
        let rows: Vec<(Option<i16>, i16, i64, String)> = billing_event_history::table
            .filter(
                billing_event_history::event_id.eq_any(
                    billing_events::table
                        .find(guid.to_string())
                        .select(billing_events::id),
                ),
            )
            .order(billing_event_history::id.asc())
            .select((
                billing_event_history::from_status_id,
                billing_event_history::to_status_id,
                billing_event_history::changed_at,
                billing_event_history::tx_id,
            ))
            .load(conn)?;
        rows.into_iter()
            .map(|(from, to, at, tx_id)| Ok(history_entry(from, to, instant(at)?, tx_id)?))
            .collect()
    }

    crate::event_queries::event_queries!(
        Sqlite,
        SqliteConnection,
        Row,
        |t: Timestamp| t.unix_micros(),
        |g: BillingEventGuid| g.to_string(),
        unlikely,
        |column| column + 0_i16
    );

    /// SQLite has no exact decimal type to sum in, so the matching events are summed
    /// here, in arbitrary precision, row by row as SQLite steps through them: memory
    /// follows the number of groups, never the number of events.
    fn summarize(
        conn: &mut SqliteConnection,
        filter: &EventFilter,
        group_by: &[GroupBy],
    ) -> Result<Vec<SummaryRow>, DbError> {
        let rows = summarized(filter)
            .select(Row::as_select())
            .load_iter::<Row, DefaultLoadingMode>(conn)?;
        let mut summary = Summary::new(group_by);
        for row in rows {
            summary.add(&row?.into_event()?);
        }
        Ok(summary.finish())
    }
}

/// The events a summary reads: every one the filter matches, in no order.
pub(super) fn summarized(filter: &EventFilter) -> billing_events::BoxedQuery<'static, Sqlite> {
    filtered_events!(
        Sqlite,
        filter,
        None,
        |t: Timestamp| t.unix_micros(),
        |g: BillingEventGuid| g.to_string(),
        unlikely,
        |column| column + 0_i16
    )
}

/// History lines of the events with these row ids, in the order given.
fn append_history_rows(
    conn: &mut SqliteConnection,
    lines: &[(i64, HistoryEntry)],
) -> Result<(), DbError> {
    // Five values a row, and SQLite takes at most 32,766 in one statement.
    for chunk in lines.chunks(1_000) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|(row_id, entry)| {
                (
                    billing_event_history::event_id.eq(*row_id),
                    billing_event_history::from_status_id.eq(entry.from.map(EventStatus::code)),
                    billing_event_history::to_status_id.eq(entry.to.code()),
                    billing_event_history::changed_at.eq(entry.at.unix_micros()),
                    billing_event_history::tx_id.eq(entry.tx_id.clone()),
                )
            })
            .collect();
        diesel::insert_into(billing_event_history::table)
            .values(rows)
            .execute(conn)?;
    }
    Ok(())
}

crate::keys::key_queries!(
    SqliteQueries,
    SqliteConnection,
    super::schema::api_keys,
    i64,
    |at| at.unix_micros(),
    Timestamp::from_unix_micros
);
