//! Billing-event queries on PostgreSQL.

use super::schema::billing_events;
use crate::error::{corrupt_row, from_diesel};
use crate::pooled::Queries;
use crate::stored::StoredColumns;
use app::RepositoryError;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use domain::{BillingEvent, BillingEventGuid, Timestamp};
use rust_decimal::Decimal;

pub(crate) struct PgQueries;

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = billing_events, check_for_backend(diesel::pg::Pg))]
struct Row {
    billing_event_guid: uuid::Uuid,
    client_name: String,
    member_unique_key: String,
    event_date_time: DateTime<Utc>,
    event_type_id: i16,
    status_id: i16,
    quantity: Decimal,
    price: Decimal,
    modified_date_time: DateTime<Utc>,
}

impl From<&BillingEvent> for Row {
    fn from(event: &BillingEvent) -> Self {
        Self {
            billing_event_guid: event.guid.as_uuid(),
            client_name: event.client.as_str().to_owned(),
            member_unique_key: event.member.as_str().to_owned(),
            event_date_time: event.event_time.as_datetime(),
            event_type_id: event.event_type.code(),
            status_id: event.status.code(),
            quantity: event.quantity.value(),
            price: event.price.value(),
            modified_date_time: event.modified.as_datetime(),
        }
    }
}

impl Row {
    fn into_event(self) -> Result<BillingEvent, RepositoryError> {
        let instant = |at| Timestamp::from_datetime(at).map_err(|e| corrupt_row("time", e));
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
        }
        .into_event()
    }
}

impl Queries for PgQueries {
    type Connection = PgConnection;

    fn insert_if_new(
        conn: &mut PgConnection,
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
        conn: &mut PgConnection,
        guid: BillingEventGuid,
    ) -> Result<Option<BillingEvent>, RepositoryError> {
        billing_events::table
            .find(guid.as_uuid())
            .select(Row::as_select())
            .first(conn)
            .optional()
            .map_err(from_diesel)?
            .map(Row::into_event)
            .transpose()
    }
}
