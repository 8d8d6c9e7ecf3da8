//! A summary on PostgreSQL: `SELECT keys, count, sums ... GROUP BY keys` over its parts
//! (see `months`): the events of each ragged end, selected by the very query a listing
//! runs, and the monthly totals of the whole months between. Only the grouping and the
//! union are written here, from a fixed set of columns.

use super::months::MonthRange;
use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{Array, SmallInt, Text, Timestamptz, Untyped};
use diesel::{PgConnection, QueryResult, RunQueryDsl};
use domain::{EventFilter, GroupBy};

/// Which totals rows a summary adds: one client's, in a range of months, of some types
/// and statuses (empty for any), as the filter asks.
pub(super) struct TotalsOf {
    client: String,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    types: Vec<i16>,
    statuses: Vec<i16>,
}

impl TotalsOf {
    pub fn new(filter: &EventFilter, months: MonthRange) -> Self {
        Self {
            client: filter.client.as_str().to_owned(),
            from: months.from,
            to: months.to,
            types: filter.types.iter().map(|t| t.code()).collect(),
            statuses: filter.statuses.iter().map(|s| s.code()).collect(),
        }
    }

    fn walk_ast<'b>(&'b self, table: &str, out: &mut AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql(
            "SELECT NULL::text, event_type_id, status_id, event_count, total_quantity, \
             total_amount FROM ",
        );
        out.push_sql(table);
        out.push_sql(" WHERE client_name = ");
        out.push_bind_param::<Text, _>(&self.client)?;
        if let Some(from) = &self.from {
            out.push_sql(" AND month >= ");
            out.push_bind_param::<Timestamptz, _>(from)?;
        }
        if let Some(to) = &self.to {
            out.push_sql(" AND month < ");
            out.push_bind_param::<Timestamptz, _>(to)?;
        }
        if !self.types.is_empty() {
            out.push_sql(" AND event_type_id = ANY(");
            out.push_bind_param::<Array<SmallInt>, _>(&self.types)?;
            out.push_sql(")");
        }
        if !self.statuses.is_empty() {
            out.push_sql(" AND status_id = ANY(");
            out.push_bind_param::<Array<SmallInt>, _>(&self.statuses)?;
            out.push_sql(")");
        }
        Ok(())
    }
}

/// The summary of the events each of `events` selects (member, type, status, quantity,
/// price), plus the totals `totals` names.
pub(super) struct SummaryOver<Q> {
    events: Vec<Q>,
    totals: Option<TotalsOf>,
    by_member: bool,
    by_type: bool,
    by_status: bool,
}

impl<Q> SummaryOver<Q> {
    pub fn new(events: Vec<Q>, totals: Option<TotalsOf>, group_by: &[GroupBy]) -> Self {
        Self {
            events,
            totals,
            by_member: group_by.contains(&GroupBy::Member),
            by_type: group_by.contains(&GroupBy::Type),
            by_status: group_by.contains(&GroupBy::Status),
        }
    }

    /// Each key column, or a typed NULL when not grouped by it.
    fn keys(&self) -> [(&'static str, bool); 3] {
        [
            ("member_unique_key", self.by_member),
            ("event_type_id", self.by_type),
            ("status_id", self.by_status),
        ]
    }
}

impl<Q: QueryFragment<Pg>> QueryFragment<Pg> for SummaryOver<Q> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        let absent = ["NULL::text", "NULL::smallint", "NULL::smallint"];
        out.push_sql("SELECT ");
        for ((column, grouped), absent) in self.keys().into_iter().zip(absent) {
            out.push_sql(if grouped { column } else { absent });
            out.push_sql(" AS ");
            out.push_sql(column);
            out.push_sql(", ");
        }
        out.push_sql(
            "coalesce(sum(n), 0)::bigint AS event_count, sum(q)::text AS total_quantity, \
             sum(a)::text AS total_amount FROM (",
        );
        let mut first = true;
        let mut union = |out: &mut AstPass<'_, 'b, Pg>| {
            if !std::mem::take(&mut first) {
                out.push_sql(" UNION ALL ");
            }
        };
        for events in &self.events {
            union(&mut out);
            out.push_sql(
                "SELECT member_unique_key, event_type_id, status_id, 1::bigint, quantity, \
                 quantity * price FROM (",
            );
            events.walk_ast(out.reborrow())?;
            out.push_sql(") AS e");
        }
        if let Some(totals) = &self.totals {
            for table in ["billing_event_totals", "billing_event_total_changes"] {
                union(&mut out);
                totals.walk_ast(table, &mut out)?;
            }
        }
        out.push_sql(") AS part (member_unique_key, event_type_id, status_id, n, q, a)");
        let grouped: Vec<&str> = self
            .keys()
            .into_iter()
            .filter(|(_, grouped)| *grouped)
            .map(|(column, _)| column)
            .collect();
        if !grouped.is_empty() {
            out.push_sql(" GROUP BY ");
            out.push_sql(&grouped.join(", "));
            // A month's totals outlive its events' moves to another status.
            out.push_sql(" HAVING sum(n) > 0");
            // Byte order for text, as Rust (and so the SQLite summary) sorts it.
            out.push_sql(" ORDER BY ");
            let order: Vec<String> = grouped
                .iter()
                .map(|column| match *column {
                    "member_unique_key" => format!("{column} COLLATE \"C\""),
                    other => other.to_owned(),
                })
                .collect();
            out.push_sql(&order.join(", "));
        }
        Ok(())
    }
}

/// Its text depends on the grouping and the filter, so it is not kept prepared.
impl<Q> QueryId for SummaryOver<Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q> Query for SummaryOver<Q> {
    type SqlType = Untyped;
}

impl<Q> RunQueryDsl<PgConnection> for SummaryOver<Q> {}
