//! Folds the changes the triggers append into the monthly totals, in the background, so
//! a summary reads a few rows per month however many writes made them.
//!
//! One fold is one transaction: the changes it deletes and the totals it adds commit
//! together, so a summary, which adds both tables, sees each change exactly once. Folds
//! of several replicas take turns through an advisory lock; one that finds the lock
//! taken skips its turn.

use crate::sessions::SessionManager;
use diesel::r2d2::Pool;
use diesel::sql_types::{BigInt, Bool};
use diesel::{sql_query, Connection, PgConnection, QueryResult, QueryableByName, RunQueryDsl};
use std::sync::Weak;
use std::time::Duration;

/// How often changes are folded: a summary never adds more than about this much of the
/// writes one by one.
const EVERY: Duration = Duration::from_secs(1);

/// The most changes one fold takes, so one transaction stays short after a long pause;
/// a full fold is followed by another at once.
const MOST_AT_ONCE: i64 = 50_000;

/// Any fixed number other than the migrations' lock, the same in every replica.
const FOLD_LOCK: i64 = 0x0000_746f_7461_6c73; // "totals" in ASCII

const FOLD: &str = "\
WITH folded AS (
    DELETE FROM billing_event_total_changes
    WHERE ctid = ANY (ARRAY(SELECT ctid FROM billing_event_total_changes LIMIT $1))
    RETURNING *
), added AS (
    INSERT INTO billing_event_totals AS t
    SELECT client_name, month, event_type_id, status_id,
           sum(event_count), sum(total_quantity), sum(total_amount)
    FROM folded GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    ON CONFLICT (client_name, month, event_type_id, status_id) DO UPDATE SET
        event_count = t.event_count + excluded.event_count,
        total_quantity = t.total_quantity + excluded.total_quantity,
        total_amount = t.total_amount + excluded.total_amount
)
SELECT count(*) AS folded FROM folded";

#[derive(QueryableByName)]
struct Locked {
    #[diesel(sql_type = Bool)]
    locked: bool,
}

#[derive(QueryableByName)]
struct Folded {
    #[diesel(sql_type = BigInt)]
    folded: i64,
}

/// Folds at most `MOST_AT_ONCE` changes; how many it folded (0 when another replica's
/// fold holds the turn).
fn fold_once(conn: &mut PgConnection) -> QueryResult<i64> {
    conn.transaction(|conn| {
        let turn: Locked = sql_query("SELECT pg_try_advisory_xact_lock($1) AS locked")
            .bind::<BigInt, _>(FOLD_LOCK)
            .get_result(conn)?;
        if !turn.locked {
            return Ok(0);
        }
        let folded: Folded = sql_query(FOLD)
            .bind::<BigInt, _>(MOST_AT_ONCE)
            .get_result(conn)?;
        Ok(folded.folded)
    })
}

/// Every change there is, in as many folds as it takes.
pub(crate) fn fold_all(conn: &mut PgConnection) -> QueryResult<()> {
    while fold_once(conn)? == MOST_AT_ONCE {}
    Ok(())
}

/// Folds every `EVERY` on a thread of its own, with a connection from `pool`, until
/// `owner` is dropped. A failure is logged once until a fold succeeds again; the
/// changes wait, and summaries stay exact meanwhile.
pub(super) fn fold_in_background<T: Send + Sync + 'static>(
    pool: Pool<SessionManager<PgConnection>>,
    owner: Weak<T>,
) {
    let spawned = std::thread::Builder::new()
        .name("totals-fold".to_owned())
        .spawn(move || {
            let mut failing = false;
            loop {
                std::thread::sleep(EVERY);
                if owner.strong_count() == 0 {
                    return;
                }
                let outcome =
                    pool.get()
                        .map_err(|error| error.to_string())
                        .and_then(|mut session| {
                            let folded = fold_all(&mut session.connection);
                            session.record(folded.is_ok());
                            folded.map_err(|error| error.to_string())
                        });
                match outcome {
                    Ok(()) => failing = false,
                    Err(error) if !failing => {
                        failing = true;
                        tracing::warn!(
                            %error,
                            "cannot fold the monthly totals; \
                             summaries read the changes until it can"
                        );
                    }
                    Err(_) => {}
                }
            }
        });
    if let Err(error) = spawned {
        tracing::warn!(
            %error,
            "cannot start folding the monthly totals; summaries read every change"
        );
    }
}
