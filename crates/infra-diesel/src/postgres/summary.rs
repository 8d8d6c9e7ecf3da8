//! A summary on PostgreSQL: `SELECT keys, count, sums FROM (the filtered events) GROUP BY
//! keys`, around the very query a listing runs, so the two cannot select different
//! events. Only the grouping is written here, and it comes from a fixed set of columns.

use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::Untyped;
use diesel::{PgConnection, QueryResult, RunQueryDsl};
use domain::GroupBy;

/// The summary of the events `events` selects (member, type, status, quantity, price).
pub(super) struct SummaryOver<Q> {
    events: Q,
    by_member: bool,
    by_type: bool,
    by_status: bool,
}

impl<Q> SummaryOver<Q> {
    pub fn new(events: Q, group_by: &[GroupBy]) -> Self {
        Self {
            events,
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
            "count(*) AS event_count, sum(quantity)::text AS total_quantity, \
             sum(quantity * price)::text AS total_amount FROM (",
        );
        self.events.walk_ast(out.reborrow())?;
        out.push_sql(") AS e");
        let grouped: Vec<&str> = self
            .keys()
            .into_iter()
            .filter(|(_, grouped)| *grouped)
            .map(|(column, _)| column)
            .collect();
        if !grouped.is_empty() {
            out.push_sql(" GROUP BY ");
            out.push_sql(&grouped.join(", "));
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
