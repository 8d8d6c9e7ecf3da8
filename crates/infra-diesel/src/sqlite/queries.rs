//! Billing-event queries on SQLite: amounts as canonical decimal text, instants as
//! integer microseconds.

use super::schema::billing_events;
use crate::error::{corrupt_row, from_diesel};
use crate::pooled::Queries;
use crate::stored::StoredColumns;
use app::RepositoryError;
use diesel::prelude::*;
use domain::{BillingEvent, BillingEventGuid, Timestamp};
use rust_decimal::Decimal;
use std::str::FromStr;

pub(crate) struct SqliteQueries;

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = billing_events, check_for_backend(diesel::sqlite::Sqlite))]
struct Row {
    billing_event_guid: String,
    client_name: String,
    member_unique_key: String,
    event_date_time: i64,
    event_type_id: i16,
    status_id: i16,
    quantity: String,
    price: String,
    modified_date_time: i64,
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
        }
    }
}

impl Row {
    fn into_event(self) -> Result<BillingEvent, RepositoryError> {
        let instant =
            |micros| Timestamp::from_unix_micros(micros).map_err(|e| corrupt_row("time", e));
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
        }
        .into_event()
    }
}

impl Queries for SqliteQueries {
    type Connection = SqliteConnection;

    fn insert_if_new(
        conn: &mut SqliteConnection,
        event: &BillingEvent,
    ) -> Result<bool, RepositoryError> {
        let inserted = diesel::insert_into(billing_events::table)
            .values(Row::from(event))
            .on_conflict(billing_events::billing_event_guid)
            .do_nothing()
            .execute(conn)
            .map_err(from_diesel)?;
        Ok(inserted == 1)
    }

    fn find(
        conn: &mut SqliteConnection,
        guid: BillingEventGuid,
    ) -> Result<Option<BillingEvent>, RepositoryError> {
        billing_events::table
            .find(guid.to_string())
            .select(Row::as_select())
            .first(conn)
            .optional()
            .map_err(from_diesel)?
            .map(Row::into_event)
            .transpose()
    }
}
