//! The listing filter as a diesel query, written once for both backends' schemas: the
//! listings of both and both summaries select exactly what it selects.
//!
//! The backends differ only in how an instant and a guid are stored, and in what their
//! planners need told (that a range matches few events; that a filter on several values
//! should not read through its index), so the macro takes those four; the
//! conditions are the same text, and they agree with `EventFilter::matches`, which the
//! contract suite checks.

/// A boxed select of `billing_events` narrowed by `$filter` and started after `$after`
/// (in (`event_date_time`, `billing_event_guid`) order, which a listing then orders by;
/// a summary needs no order). `$selective` wraps `modifiedSince`, whose matches are few
/// (the changes since a reader's last visit), for a planner without statistics on it;
/// `$several` wraps the column of a type or status filter on several values.
macro_rules! filtered_events {
    (
        $backend:ty,
        $filter:expr,
        $after:expr,
        $instant:expr,
        $guid:expr,
        $selective:expr,
        $several:expr
    ) => {{
        use super::schema::billing_events::dsl as e;
        use diesel::prelude::*;
        let filter: &domain::EventFilter = $filter;
        let mut query = e::billing_events
            .filter(e::client_name.eq(filter.client.as_str().to_owned()))
            .into_boxed::<$backend>();
        if let Some(member) = &filter.member {
            query = query.filter(e::member_unique_key.eq(member.as_str().to_owned()));
        }
        if let Some(from) = filter.from {
            query = query.filter(e::event_date_time.ge($instant(from)));
        }
        if let Some(to) = filter.to {
            query = query.filter(e::event_date_time.lt($instant(to)));
        }
        // One value reads its filter index in listing order and stops at the page's end;
        // several would read every matching row of the client there and sort them, so
        // `$several` may keep their column out of any index (a walk of the time index).
        let types: Vec<i16> = filter.types.iter().map(|t| t.code()).collect();
        match types.len() {
            0 => {}
            1 => query = query.filter(e::event_type_id.eq_any(types)),
            _ => query = query.filter($several(e::event_type_id).eq_any(types)),
        }
        let statuses: Vec<i16> = filter.statuses.iter().map(|s| s.code()).collect();
        match statuses.len() {
            0 => {}
            1 => query = query.filter(e::status_id.eq_any(statuses)),
            _ => query = query.filter($several(e::status_id).eq_any(statuses)),
        }
        if let Some(since) = filter.modified_since {
            query = query.filter($selective(e::modified_date_time.ge($instant(since))));
        }
        let after: Option<domain::Position> = $after;
        if let Some(position) = after {
            let (time, guid) = ($instant(position.event_time), $guid(position.guid));
            // `>=` alone is what an index range can start from; the `OR` then settles
            // ties within the same instant.
            query = query.filter(e::event_date_time.ge(time)).filter(
                e::event_date_time.gt(time).or(e::event_date_time
                    .eq(time)
                    .and(e::billing_event_guid.gt(guid))),
            );
        }
        query
    }};
}

pub(crate) use filtered_events;

/// A listing's page: `filtered_events!` in listing order, at most `$limit` rows of `$row`.
macro_rules! listing_page {
    (
        $backend:ty,
        $row:ty,
        $filter:expr,
        $after:expr,
        $limit:expr,
        $instant:expr,
        $guid:expr,
        $selective:expr,
        $several:expr
    ) => {{
        use super::schema::billing_events::dsl as e;
        use diesel::prelude::*;
        crate::filter::filtered_events!(
            $backend, $filter, $after, $instant, $guid, $selective, $several
        )
        .order((e::event_date_time.asc(), e::billing_event_guid.asc()))
        .limit(i64::from($limit))
        .select(<$row>::as_select())
    }};
}

pub(crate) use listing_page;
