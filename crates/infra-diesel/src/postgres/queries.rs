//! Billing-event queries on PostgreSQL.

use super::insert_group::InsertGroup;
use super::months::SummaryParts;
use super::schema::{billing_event_history, billing_events};
use super::summary::{SummaryOver, TotalsOf};
use crate::error::{corrupt_row, DbError};
use crate::filter::filtered_events;
use crate::pooled::Queries;
use crate::stored::{events, history_entry, StoredColumns, StoredRow};
use app::RepositoryError;
use bigdecimal::BigDecimal;
use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Nullable, SmallInt, Text, Timestamptz, Uuid};
use domain::{
    canonical_total, BillingEvent, BillingEventGuid, ClientName, EventFilter, EventStatus,
    EventType, GroupBy, HistoryEntry, MemberUniqueKey, SummaryRow, Timestamp,
};
use rust_decimal::Decimal;
use std::collections::HashSet;
use std::str::FromStr;

pub(crate) struct PgQueries;

#[derive(Queryable, Selectable)]
#[diesel(table_name = billing_events, check_for_backend(Pg))]
pub(super) struct Row {
    billing_event_guid: uuid::Uuid,
    client_name: String,
    member_unique_key: String,
    event_date_time: DateTime<Utc>,
    event_type_id: i16,
    status_id: i16,
    quantity: Decimal,
    price: Decimal,
    modified_date_time: DateTime<Utc>,
    revision: i32,
}

fn instant(at: DateTime<Utc>) -> Result<Timestamp, RepositoryError> {
    Timestamp::from_datetime(at).map_err(|e| corrupt_row("time", e))
}

impl StoredRow for Row {
    fn into_event(self) -> Result<BillingEvent, RepositoryError> {
        StoredColumns {
            guid: self.billing_event_guid,
            client_name: self.client_name,
            member_unique_key: self.member_unique_key,
            event_date_time: instant(self.event_date_time)?,
            event_type_id: self.event_type_id,
            status_id: self.status_id,
            quantity: self.quantity,
            price: self.price,
            modified_date_time: instant(self.modified_date_time)?,
            revision: self.revision,
        }
        .into_event()
    }
}

/// One group of a summary as PostgreSQL computes it; totals come as `numeric` text, so
/// not a digit is lost on the way.
#[derive(QueryableByName)]
struct SummaryRecord {
    #[diesel(sql_type = Nullable<Text>)]
    member_unique_key: Option<String>,
    #[diesel(sql_type = Nullable<SmallInt>)]
    event_type_id: Option<i16>,
    #[diesel(sql_type = Nullable<SmallInt>)]
    status_id: Option<i16>,
    #[diesel(sql_type = BigInt)]
    event_count: i64,
    #[diesel(sql_type = Nullable<Text>)]
    total_quantity: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    total_amount: Option<String>,
}

impl SummaryRecord {
    fn into_row(self) -> Result<SummaryRow, RepositoryError> {
        let total = |text: Option<String>| {
            text.map_or_else(
                || Ok(BigDecimal::from(0)),
                |text| BigDecimal::from_str(&text),
            )
            .map(|total| canonical_total(&total))
            .map_err(|e| corrupt_row("total", e))
        };
        Ok(SummaryRow {
            member: self
                .member_unique_key
                .map(MemberUniqueKey::parse)
                .transpose()
                .map_err(|e| corrupt_row("member key", e))?,
            event_type: self
                .event_type_id
                .map(|code| EventType::from_code(code.into()))
                .transpose()
                .map_err(|e| corrupt_row("event type", e))?,
            status: self
                .status_id
                .map(|code| EventStatus::from_code(code.into()))
                .transpose()
                .map_err(|e| corrupt_row("status", e))?,
            count: u64::try_from(self.event_count).map_err(|e| corrupt_row("count", e))?,
            total_quantity: total(self.total_quantity)?,
            total_amount: total(self.total_amount)?,
        })
    }
}

impl Queries for PgQueries {
    type Connection = PgConnection;

    fn write<T>(
        conn: &mut PgConnection,
        work: impl FnOnce(&mut PgConnection) -> Result<T, DbError>,
    ) -> Result<T, DbError> {
        conn.transaction(work)
    }

    /// No transaction around it: `insert_new` is one statement, atomic and committed by
    /// itself before it answers, and the read of taken guids after it sees committed
    /// rows either way (nothing deletes events). That saves a group the round trips of
    /// `BEGIN` and `COMMIT`.
    fn write_insertion<T>(
        conn: &mut PgConnection,
        work: impl FnOnce(&mut PgConnection) -> Result<T, DbError>,
    ) -> Result<T, DbError> {
        work(conn)
    }

    /// One statement for the whole group, events and their history lines (see
    /// [`InsertGroup`]): one round trip, the same prepared statement for every size, no
    /// bind-parameter limit, and far cheaper to build and parse than 10 parameters a row.
    fn insert_new(
        conn: &mut PgConnection,
        events: &[(&BillingEvent, &str)],
    ) -> Result<HashSet<BillingEventGuid>, DbError> {
        let inserted: Vec<uuid::Uuid> = InsertGroup::of(events).load(conn)?;
        inserted
            .into_iter()
            .map(|guid| {
                BillingEventGuid::from_uuid(guid).map_err(|e| DbError(corrupt_row("guid", e)))
            })
            .collect()
    }

    fn lock(
        conn: &mut PgConnection,
        guids: &[BillingEventGuid],
        scope: Option<&ClientName>,
    ) -> Result<Vec<BillingEvent>, DbError> {
        let keys: Vec<uuid::Uuid> = guids.iter().map(BillingEventGuid::as_uuid).collect();
        let query = billing_events::table
            .filter(billing_events::billing_event_guid.eq_any(keys))
            // A stable lock order, so two bulk settlements cannot deadlock.
            .order(billing_events::billing_event_guid.asc())
            .for_update()
            .select(Row::as_select());
        let rows = match scope {
            Some(client) => query
                .filter(billing_events::client_name.eq(client.as_str()))
                .load(conn)?,
            None => query.load(conn)?,
        };
        Ok(events(rows)?)
    }

    fn append_history(
        conn: &mut PgConnection,
        entries: &[(BillingEventGuid, HistoryEntry)],
    ) -> Result<(), DbError> {
        if entries.is_empty() {
            return Ok(());
        }
        // As for events: one array parameter per column.
        let guids: Vec<uuid::Uuid> = entries.iter().map(|(guid, _)| guid.as_uuid()).collect();
        let from: Vec<Option<i16>> = entries
            .iter()
            .map(|(_, entry)| entry.from.map(EventStatus::code))
            .collect();
        let to: Vec<i16> = entries.iter().map(|(_, entry)| entry.to.code()).collect();
        let at: Vec<DateTime<Utc>> = entries
            .iter()
            .map(|(_, entry)| entry.at.as_datetime())
            .collect();
        let tx_ids: Vec<&str> = entries
            .iter()
            .map(|(_, entry)| entry.tx_id.as_str())
            .collect();
        diesel::sql_query(
            "INSERT INTO billing_event_history \
             (billing_event_guid, from_status_id, to_status_id, changed_at, tx_id) \
             SELECT * FROM unnest($1::uuid[], $2::int2[], $3::int2[], $4::timestamptz[], \
             $5::text[])",
        )
        .bind::<Array<Uuid>, _>(guids)
        .bind::<Array<Nullable<SmallInt>>, _>(from)
        .bind::<Array<SmallInt>, _>(to)
        .bind::<Array<Timestamptz>, _>(at)
        .bind::<Array<Text>, _>(tx_ids)
        .execute(conn)?;
        Ok(())
    }

    fn history(
        conn: &mut PgConnection,
        guid: BillingEventGuid,
    ) -> Result<Vec<HistoryEntry>, DbError> {
        let rows: Vec<(Option<i16>, i16, DateTime<Utc>, String)> = billing_event_history::table
            .filter(billing_event_history::billing_event_guid.eq(guid.as_uuid()))
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
        Pg,
        PgConnection,
        Row,
        |t: Timestamp| t.as_datetime(),
        |g: BillingEventGuid| g.as_uuid(),
        |condition| condition,
        |column| column
    );

    /// Counted and summed by PostgreSQL in `numeric`, which is exact at any size: whole
    /// months from the monthly totals where the filter allows, and every other event
    /// exactly as the listing filter selects it.
    fn summarize(
        conn: &mut PgConnection,
        filter: &EventFilter,
        group_by: &[GroupBy],
    ) -> Result<Vec<SummaryRow>, DbError> {
        use super::schema::billing_events::dsl as e;
        let parts = SummaryParts::of(filter, group_by);
        let events = parts
            .events
            .iter()
            .map(|part| {
                filtered_events!(
                    Pg,
                    part,
                    None,
                    |t: Timestamp| t.as_datetime(),
                    |g: BillingEventGuid| g.as_uuid(),
                    |condition| condition,
                    |column| column
                )
                .select((
                    e::member_unique_key,
                    e::event_type_id,
                    e::status_id,
                    e::quantity,
                    e::price,
                ))
            })
            .collect();
        let totals = parts.months.map(|months| TotalsOf::new(filter, months));
        let records: Vec<SummaryRecord> = SummaryOver::new(events, totals, group_by).load(conn)?;
        Ok(records
            .into_iter()
            .map(SummaryRecord::into_row)
            .collect::<Result<_, _>>()?)
    }
}

crate::keys::key_queries!(
    PgQueries,
    PgConnection,
    super::schema::api_keys,
    DateTime<Utc>,
    |at| at.as_datetime(),
    Timestamp::from_datetime
);
