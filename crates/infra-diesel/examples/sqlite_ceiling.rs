//! SQLite's own ceiling for `make bench`: how many rows per second the database itself
//! commits into the `billing_events` table, with the service's settings (WAL,
//! `synchronous = FULL`), without any service in front.
//!
//! `sqlite_ceiling <file> <rows per transaction> <threads> <seconds>` prints rows/s.

use diesel::connection::SimpleConnection;
use diesel::{Connection, SqliteConnection};
use infra_diesel::{DatabaseOptions, DatabaseUrl};
use std::fmt::Write as _;
use std::time::{Duration, Instant};

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
    infra_diesel::connect(&DatabaseOptions {
        url: DatabaseUrl::parse(&format!("sqlite://{path}")).expect("a path"),
        pool_size: 1,
        connect_timeout: Duration::from_secs(5),
        sqlite_busy_timeout: Duration::from_secs(5),
    })
    .expect("migrate");
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            let path = path.clone();
            std::thread::spawn(move || {
                let mut conn = SqliteConnection::establish(&path).expect("open");
                // Many threads on one write lock: SQLite's busy handler is not fair, so
                // give it long enough that no thread gives up within the run.
                conn.batch_execute("PRAGMA busy_timeout = 60000; PRAGMA synchronous = FULL;")
                    .expect("pragmas");
                let mut stored = 0_usize;
                while Instant::now() < deadline {
                    let mut sql = String::from("BEGIN IMMEDIATE; INSERT INTO billing_events VALUES ");
                    for row in 0..rows {
                        let separator = if row == 0 { "" } else { "," };
                        let _ = write!(
                            sql,
                            "{separator}('{}','bench','m',1735689600000000,1,0,'1.5','2.50',1735689600000000,1)",
                            uuid::Uuid::new_v4()
                        );
                    }
                    sql.push_str("; COMMIT;");
                    conn.batch_execute(&sql).expect("insert");
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
