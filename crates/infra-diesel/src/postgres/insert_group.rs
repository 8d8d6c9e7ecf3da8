//! The statement that stores a group of new events and their creation lines on
//! PostgreSQL, as a prepared statement the connection keeps.
//!
//! diesel never keeps a `sql_query` prepared, so every run would be parsed and planned
//! again. This statement's text is the same for every group size (each column travels
//! as one array), so it is a query type of its own with a fixed query id, which diesel
//! prepares once per connection and then only binds and executes.

use crate::stored::stored_revision;
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{Array, Integer, SmallInt, Text, Timestamptz, Uuid};
use diesel::{PgConnection, QueryResult, RunQueryDsl};
use domain::BillingEvent;

/// The new events' columns, one array each, in the order the rows are to be inserted.
pub(super) struct InsertGroup<'a> {
    guids: Vec<uuid::Uuid>,
    clients: Vec<&'a str>,
    members: Vec<&'a str>,
    event_times: Vec<chrono::DateTime<chrono::Utc>>,
    event_types: Vec<i16>,
    statuses: Vec<i16>,
    /// Amounts travel as their decimal text, cast to `numeric` by the server: diesel's
    /// binary `numeric` binding of `rust_decimal` writes any zero with scale 0 (`0.00`
    /// would be stored as `0`), and an amount comes back as it was sent.
    quantities: Vec<String>,
    prices: Vec<String>,
    modified: Vec<chrono::DateTime<chrono::Utc>>,
    revisions: Vec<i32>,
    tx_ids: Vec<&'a str>,
}

impl<'a> InsertGroup<'a> {
    /// The columns of these events, each with the txID of its creation line.
    pub fn of(events: &[(&'a BillingEvent, &'a str)]) -> Self {
        fn column<'a, T>(
            events: &[(&'a BillingEvent, &'a str)],
            value: impl Fn(&'a BillingEvent) -> T,
        ) -> Vec<T> {
            events.iter().map(|(event, _)| value(event)).collect()
        }
        Self {
            guids: column(events, |e| e.guid.as_uuid()),
            clients: column(events, |e| e.client.as_str()),
            members: column(events, |e| e.member.as_str()),
            event_times: column(events, |e| e.event_time.as_datetime()),
            event_types: column(events, |e| e.event_type.code()),
            statuses: column(events, |e| e.status.code()),
            quantities: column(events, |e| e.quantity.to_string()),
            prices: column(events, |e| e.price.to_string()),
            modified: column(events, |e| e.modified.as_datetime()),
            revisions: column(events, |e| stored_revision(e.revision)),
            tx_ids: events.iter().map(|(_, tx_id)| *tx_id).collect(),
        }
    }
}

/// `unnest` turns the arrays back into rows, in the order given; the history insert
/// takes exactly the rows `RETURNING` names, and the statement answers with their guids.
impl QueryFragment<Pg> for InsertGroup<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql("WITH input AS (SELECT * FROM unnest(");
        out.push_bind_param::<Array<Uuid>, _>(&self.guids)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Text>, _>(&self.clients)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Text>, _>(&self.members)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Timestamptz>, _>(&self.event_times)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<SmallInt>, _>(&self.event_types)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<SmallInt>, _>(&self.statuses)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Text>, _>(&self.quantities)?;
        out.push_sql("::numeric[], ");
        out.push_bind_param::<Array<Text>, _>(&self.prices)?;
        out.push_sql("::numeric[], ");
        out.push_bind_param::<Array<Timestamptz>, _>(&self.modified)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Integer>, _>(&self.revisions)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Text>, _>(&self.tx_ids)?;
        out.push_sql(
            ") AS t (billing_event_guid, client_name, member_unique_key, event_date_time, \
               event_type_id, status_id, quantity, price, modified_date_time, revision, tx_id) \
             ), inserted AS ( \
               INSERT INTO billing_events (billing_event_guid, client_name, member_unique_key, \
                 event_date_time, event_type_id, status_id, quantity, price, modified_date_time, \
                 revision) \
               SELECT billing_event_guid, client_name, member_unique_key, event_date_time, \
                 event_type_id, status_id, quantity, price, modified_date_time, revision \
               FROM input \
               ON CONFLICT (billing_event_guid) DO NOTHING RETURNING billing_event_guid \
             ), history AS ( \
               INSERT INTO billing_event_history \
                 (billing_event_guid, from_status_id, to_status_id, changed_at, tx_id) \
               SELECT input.billing_event_guid, NULL, input.status_id, \
                 input.modified_date_time, input.tx_id \
               FROM input JOIN inserted USING (billing_event_guid) \
             ) \
             SELECT billing_event_guid FROM inserted",
        );
        Ok(())
    }
}

/// The same text for every group: one id, so diesel's statement cache keeps it.
impl QueryId for InsertGroup<'_> {
    type QueryId = InsertGroupId;
    const HAS_STATIC_QUERY_ID: bool = true;
}

/// What [`InsertGroup`]'s statement is known by in the statement cache.
pub(super) struct InsertGroupId;

impl Query for InsertGroup<'_> {
    type SqlType = Uuid;
}

impl RunQueryDsl<PgConnection> for InsertGroup<'_> {}

#[cfg(all(test, feature = "postgres-tests"))]
mod tests {
    use super::InsertGroup;
    use crate::test_support::{options_for, sample_event, TempPostgres, TestDatabase};
    use diesel::sql_types::BigInt;
    use diesel::{sql_query, Connection, PgConnection, QueryableByName, RunQueryDsl};
    use domain::BillingEventGuid;

    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        count: i64,
    }

    fn group(events: &[domain::BillingEvent]) -> Vec<(&domain::BillingEvent, &str)> {
        events.iter().map(|event| (event, "tx")).collect()
    }

    #[test]
    fn groups_of_any_size_share_one_prepared_statement() {
        let database = TempPostgres::new();
        crate::open(&options_for(&database.url())).expect("migrated");
        let mut conn = PgConnection::establish(&database.url()).expect("a connection");
        let events: Vec<_> = (0..4)
            .map(|_| sample_event(BillingEventGuid::new_random()))
            .collect();

        let first: Vec<uuid::Uuid> = InsertGroup::of(&group(&events[..1]))
            .load(&mut conn)
            .expect("one stored");
        // The first event again is taken: only the three new ones come back.
        let second: Vec<uuid::Uuid> = InsertGroup::of(&group(&events))
            .load(&mut conn)
            .expect("three stored");

        assert_eq!(first, vec![events[0].guid.as_uuid()]);
        let mut expected: Vec<_> = events[1..].iter().map(|e| e.guid.as_uuid()).collect();
        let mut returned = second;
        expected.sort();
        returned.sort();
        assert_eq!(returned, expected);
        let kept: Count = sql_query(
            "SELECT count(*) AS count FROM pg_prepared_statements WHERE statement LIKE '%unnest%'",
        )
        .get_result(&mut conn)
        .expect("the connection's prepared statements");
        assert_eq!(kept.count, 1);
    }
}
