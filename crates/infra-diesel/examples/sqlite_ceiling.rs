//! SQLite's own ceiling for `make bench`: how many rows per second the database itself
//! commits into the `billing_events` table, with the service's settings (WAL, and each
//! connection's pragmas: `synchronous = FULL`, foreign keys checked), without any
//! service in front. Rows have the shape the service writes: each event by itself
//! (`ON CONFLICT DO NOTHING RETURNING id`), then its creation line in
//! `billing_event_history`, a thousand lines a statement. They look like the load
//! `make bench` sends the service: times moving forward, members, types and statuses
//! varying.
//!
//! `sqlite_ceiling <file> <rows per transaction> <threads> <seconds>` prints rows/s.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use infra_diesel::{DatabaseOptions, DatabaseUrl};
use std::time::{Duration, Instant};

diesel::table! {
    billing_events (id) {
        id -> BigInt,
        billing_event_guid -> Text,
        client_name -> Text,
        member_unique_key -> Text,
        event_date_time -> BigInt,
        event_type_id -> SmallInt,
        status_id -> SmallInt,
        quantity -> Text,
        price -> Text,
        modified_date_time -> BigInt,
        revision -> Integer,
    }
}

diesel::table! {
    billing_event_history (id) {
        id -> BigInt,
        event_id -> BigInt,
        from_status_id -> Nullable<SmallInt>,
        to_status_id -> SmallInt,
        changed_at -> BigInt,
        tx_id -> Text,
    }
}

fn insert_rows(conn: &mut SqliteConnection, first: usize, rows: usize) -> QueryResult<()> {
    use billing_event_history::dsl as h;
    use billing_events::dsl as e;
    let start = 1_735_689_600_000_000_i64;
    conn.immediate_transaction(|conn| {
        let mut created = Vec::with_capacity(rows);
        for n in first..first + rows {
            let at = start + i64::try_from(n).unwrap_or(i64::MAX) * 1_000;
            let status = i16::try_from(n % 5).unwrap_or(0);
            let row_id: Option<i64> = diesel::insert_into(e::billing_events)
                .values((
                    e::billing_event_guid.eq(uuid::Uuid::now_v7().to_string()),
                    e::client_name.eq("bench"),
                    e::member_unique_key.eq(format!("member {}", n % 1000)),
                    e::event_date_time.eq(at),
                    e::event_type_id.eq(i16::try_from(n % 6).unwrap_or(0)),
                    e::status_id.eq(status),
                    e::quantity.eq("1.5"),
                    e::price.eq("2.50"),
                    e::modified_date_time.eq(at),
                    e::revision.eq(1),
                ))
                .on_conflict(e::billing_event_guid)
                .do_nothing()
                .returning(e::id)
                .get_result(conn)
                .optional()?;
            if let Some(row_id) = row_id {
                created.push((row_id, status, at));
            }
        }
        for chunk in created.chunks(1_000) {
            let lines: Vec<_> = chunk
                .iter()
                .map(|&(row_id, status, at)| {
                    (
                        h::event_id.eq(row_id),
                        h::from_status_id.eq(None::<i16>),
                        h::to_status_id.eq(status),
                        h::changed_at.eq(at),
                        h::tx_id.eq("c0ecad8c-7d84-431d-9b7b-fa8dc34755ce"),
                    )
                })
                .collect();
            diesel::insert_into(h::billing_event_history)
                .values(lines)
                .execute(conn)?;
        }
        Ok(())
    })
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, path, rows, threads, seconds] = args.as_slice() else {
        eprintln!("usage: sqlite_ceiling <file> <rows per transaction> <threads> <seconds>");
        std::process::exit(2);
    };
    let (rows, threads, seconds): (usize, usize, u64) = (
        rows.parse().expect("rows"),
        threads.parse().expect("threads"),
        seconds.parse().expect("seconds"),
    );
    // The same schema as the service: run its migrations.
    infra_diesel::open(&DatabaseOptions {
        url: DatabaseUrl::parse(&format!("sqlite://{path}")).expect("a path"),
        pool_size: 1,
        connect_timeout: Duration::from_secs(5),
        long_read_timeout: Duration::from_secs(30),
        sqlite_busy_timeout: Duration::from_secs(5),
    })
    .expect("migrate");
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let workers: Vec<_> = (0..threads)
        .map(|thread| {
            let path = path.clone();
            std::thread::spawn(move || {
                let mut conn = SqliteConnection::establish(&path).expect("open");
                // The service's settings, foreign keys checked included. Many threads on
                // one write lock: SQLite's busy handler is not fair, so give it long
                // enough that no thread gives up within the run.
                conn.batch_execute(&infra_diesel::sqlite_session_pragmas(Duration::from_secs(
                    60,
                )))
                .expect("pragmas");
                let mut stored = 0_usize;
                while Instant::now() < deadline {
                    insert_rows(&mut conn, thread * 1_000_000_000 + stored, rows).expect("insert");
                    stored += rows;
                }
                stored
            })
        })
        .collect();
    let stored: usize = workers
        .into_iter()
        .map(|worker| worker.join().expect("worker"))
        .sum();
    #[allow(clippy::cast_precision_loss)]
    let rate = stored as f64 / started.elapsed().as_secs_f64();
    println!("{rate:.0}");
}
