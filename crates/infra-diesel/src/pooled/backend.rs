//! What a backend supplies: its connection and the queries it runs on one, each with the
//! promise the steps above it rely on.

use crate::error::DbError;
use diesel::r2d2::R2D2Connection;
use domain::{
    BillingEvent, BillingEventGuid, ClientName, EventFilter, EventStatus, GroupBy, HistoryEntry,
    Position, SummaryRow, Timestamp,
};
use std::collections::HashSet;

/// The queries one backend runs, on one connection.
pub(crate) trait Queries: Send + Sync + 'static {
    type Connection: R2D2Connection + 'static;

    /// Runs `work` in a write transaction. On SQLite it starts with the write lock
    /// (`BEGIN IMMEDIATE`), so a writer never fails upgrading a read lock; this
    /// process's writers take turns before that (`Turns::one_writer`), and `busy_timeout`
    /// covers writers of other processes.
    fn write<T>(
        conn: &mut Self::Connection,
        work: impl FnOnce(&mut Self::Connection) -> Result<T, DbError>,
    ) -> Result<T, DbError>;

    /// Runs the steps of a group insert (`insert_new`, then the read of the guids it
    /// found taken): by default in `write`'s transaction. A backend whose `insert_new`
    /// is one statement, atomic by itself, may run them without one.
    fn write_insertion<T>(
        conn: &mut Self::Connection,
        work: impl FnOnce(&mut Self::Connection) -> Result<T, DbError>,
    ) -> Result<T, DbError> {
        Self::write(conn, work)
    }

    /// Inserts each event unless its guid is taken (`ON CONFLICT DO NOTHING`, so the
    /// database settles races), with its creation's history line (from none to its
    /// status, at `modified`, under the item's txID), and returns the guids this call
    /// inserted. The guids are distinct, in the order to insert them.
    fn insert_new(
        conn: &mut Self::Connection,
        events: &[(&BillingEvent, &str)],
    ) -> Result<HashSet<BillingEventGuid>, DbError>;

    /// The stored events with these guids (without locking them).
    fn find_many(
        conn: &mut Self::Connection,
        guids: &[BillingEventGuid],
    ) -> Result<Vec<BillingEvent>, DbError>;

    fn find(
        conn: &mut Self::Connection,
        guid: BillingEventGuid,
    ) -> Result<Option<BillingEvent>, DbError>;

    /// The events with these guids, of the `scope` client when one is given, locked
    /// against other writers until the transaction ends (PostgreSQL `FOR UPDATE`;
    /// SQLite's write lock already excludes them). Another client's rows are never
    /// locked: a caller cannot hold, or time, rows it may not see.
    fn lock(
        conn: &mut Self::Connection,
        guids: &[BillingEventGuid],
        scope: Option<&ClientName>,
    ) -> Result<Vec<BillingEvent>, DbError>;

    /// Settles the events with these guids (distinct, each locked by this transaction)
    /// to `to` at `at`, one revision further each, in as few statements as the backend
    /// takes.
    fn update_statuses(
        conn: &mut Self::Connection,
        guids: &[BillingEventGuid],
        to: EventStatus,
        at: Timestamp,
    ) -> Result<(), DbError>;

    fn append_history(
        conn: &mut Self::Connection,
        entries: &[(BillingEventGuid, HistoryEntry)],
    ) -> Result<(), DbError>;

    /// The history rows of `guid`, oldest first.
    fn history(
        conn: &mut Self::Connection,
        guid: BillingEventGuid,
    ) -> Result<Vec<HistoryEntry>, DbError>;

    fn list(
        conn: &mut Self::Connection,
        filter: &EventFilter,
        after: Option<Position>,
        limit: u32,
    ) -> Result<Vec<BillingEvent>, DbError>;

    fn summarize(
        conn: &mut Self::Connection,
        filter: &EventFilter,
        group_by: &[GroupBy],
    ) -> Result<Vec<SummaryRow>, DbError>;
}
