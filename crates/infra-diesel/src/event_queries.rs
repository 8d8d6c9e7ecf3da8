//! The queries on stored events that read and write the same way on both backends,
//! written once: each backend's `Queries` impl expands this with its row type and its
//! four differences (how an instant and a guid are stored, and two planner hints: a
//! selective condition, and a filter on several values). What really differs stays in
//! each backend's module: the group insert, history lines, locking and summaries.

/// `find`, `find_many`, `update_statuses` and `list` for `$row` on `$backend`.
macro_rules! event_queries {
    ($backend:ty, $conn:ty, $row:ty, $instant:expr, $guid:expr, $selective:expr, $several:expr) => {
        fn find_many(
            conn: &mut $conn,
            guids: &[domain::BillingEventGuid],
        ) -> Result<Vec<domain::BillingEvent>, crate::error::DbError> {
            use super::schema::billing_events::dsl as e;
            use diesel::prelude::*;
            let mut found = Vec::with_capacity(guids.len());
            // Within SQLite's bound-parameter limit per statement.
            for chunk in guids.chunks(10_000) {
                let keys: Vec<_> = chunk.iter().map(|guid| $guid(*guid)).collect();
                let rows: Vec<$row> = e::billing_events
                    .filter(e::billing_event_guid.eq_any(keys))
                    .select(<$row>::as_select())
                    .load(conn)?;
                found.extend(crate::stored::events(rows)?);
            }
            Ok(found)
        }

        fn find(
            conn: &mut $conn,
            guid: domain::BillingEventGuid,
        ) -> Result<Option<domain::BillingEvent>, crate::error::DbError> {
            use super::schema::billing_events::dsl as e;
            use diesel::prelude::*;
            let row: Option<$row> = e::billing_events
                .find($guid(guid))
                .select(<$row>::as_select())
                .first(conn)
                .optional()?;
            Ok(row.map(crate::stored::StoredRow::into_event).transpose()?)
        }

        fn update_statuses(
            conn: &mut $conn,
            guids: &[domain::BillingEventGuid],
            to: domain::EventStatus,
            at: domain::Timestamp,
        ) -> Result<(), crate::error::DbError> {
            use super::schema::billing_events::dsl as e;
            use diesel::prelude::*;
            // Within SQLite's bound-parameter limit per statement; one statement for a
            // whole settlement on PostgreSQL, so its totals trigger runs once.
            for chunk in guids.chunks(10_000) {
                let keys: Vec<_> = chunk.iter().map(|guid| $guid(*guid)).collect();
                diesel::update(e::billing_events.filter(e::billing_event_guid.eq_any(keys)))
                    .set((
                        e::status_id.eq(to.code()),
                        e::modified_date_time.eq($instant(at)),
                        e::revision.eq(e::revision + 1),
                    ))
                    .execute(conn)?;
            }
            Ok(())
        }

        fn list(
            conn: &mut $conn,
            filter: &domain::EventFilter,
            after: Option<domain::Position>,
            limit: u32,
        ) -> Result<Vec<domain::BillingEvent>, crate::error::DbError> {
            use diesel::prelude::*;
            let rows: Vec<$row> = crate::filter::listing_page!(
                $backend, $row, filter, after, limit, $instant, $guid, $selective, $several
            )
            .load(conn)?;
            Ok(crate::stored::events(rows)?)
        }
    };
}

pub(crate) use event_queries;
