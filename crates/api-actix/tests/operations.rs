//! An operator's bad day, played on the release binary: a missing database URL, a key
//! command in the wrong folder, a database migrated by a newer release, a SQLite file
//! restored in place beside a stale WAL after `kill -9`, and a PostgreSQL dump restored
//! into a database that was already migrated. Each is refused, or caught by `verify`,
//! before any of it is served; `backup` and `restore` make the SQLite path safe.

mod support;

use diesel::connection::SimpleConnection;
use diesel::{Connection, SqliteConnection};
use serde_json::json;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};
use support::running::{binary, client_with, create_key, Running, CONFIG};

/// The binary with `args`, on the database at `url` (none: no URL at all), outside the
/// development profile; killed if it runs past 20 s, which is then a failure.
fn run(url: Option<&str>, args: &[&str]) -> Output {
    let mut command = Command::new(binary());
    command
        .env("BILLING_CONFIG_DIR", CONFIG)
        .env("BILLING__SERVER__PORT", "0")
        .env_remove("BILLING__DATABASE__URL")
        .env_remove("BILLING_ENV")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(url) = url {
        command.env("BILLING__DATABASE__URL", url);
    }
    let mut child = command.spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let output = child.wait_with_output().unwrap();
            panic!(
                "{args:?} still running after 20 s: {}",
                String::from_utf8_lossy(&output.stdout)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

/// Everything a run printed, both streams.
fn said(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn sqlite_url(folder: &Path) -> String {
    format!("sqlite://{}/events.db", folder.display())
}

/// Posts `count` new events for acme in one batch; their guids.
async fn post_events(service: &Running, key: &str, count: usize) -> Vec<String> {
    let guids: Vec<String> = (0..count)
        .map(|_| uuid::Uuid::new_v4().to_string())
        .collect();
    let items: Vec<_> = guids
        .iter()
        .enumerate()
        .map(|(n, guid)| {
            json!({"billingEventGuid": guid, "memberUniqueKey": format!("m{}", n % 7),
                   "eventDateTime": format!("2026-{:02}-03T00:00:00Z", n % 12 + 1),
                   "quantity": format!("1.{:02}", n % 100), "price": "2.50"})
        })
        .collect();
    let response = client_with(key)
        .post(format!(
            "http://127.0.0.1:{}/api/v1/BillingEvents/acme/batch",
            service.port
        ))
        .json(&items)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    guids
}

/// How many events of acme the service lists, every page.
async fn listed(service: &Running, key: &str) -> usize {
    let mut count = 0;
    let mut cursor: Option<String> = None;
    loop {
        let mut query = vec![
            ("clientName", "acme".to_owned()),
            ("limit", "1000".to_owned()),
        ];
        if let Some(cursor) = &cursor {
            query.push(("cursor", cursor.clone()));
        }
        let page: serde_json::Value = client_with(key)
            .get(format!(
                "http://127.0.0.1:{}/api/v1/BillingEvents",
                service.port
            ))
            .query(&query)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        count += page["items"].as_array().unwrap().len();
        match page["nextCursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return count,
        }
    }
}

#[test]
fn without_a_database_url_the_service_stops_with_2() {
    let output = run(None, &[]);
    assert_eq!(output.status.code(), Some(2), "{}", said(&output));
    assert!(
        said(&output).contains("BILLING__DATABASE__URL"),
        "{}",
        said(&output)
    );
}

#[test]
fn key_commands_never_create_a_database() {
    let folder = tempfile::tempdir().unwrap();
    let url = sqlite_url(&folder.path().join("elsewhere"));
    for args in [&["keys", "create", "--all-clients"][..], &["keys", "list"]] {
        let output = run(Some(&url), args);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {}", said(&output));
        assert!(said(&output).contains("no database"), "{}", said(&output));
    }
    assert!(
        !folder.path().join("elsewhere").exists(),
        "a folder was made"
    );

    // A file that is there but was never migrated is no database of ours either.
    let empty = folder.path().join("events.db");
    std::fs::write(&empty, b"").unwrap();
    let output = run(
        Some(&sqlite_url(folder.path())),
        &["keys", "create", "--all-clients"],
    );
    assert_eq!(output.status.code(), Some(2), "{}", said(&output));
    assert!(said(&output).contains("not migrated"), "{}", said(&output));
}

#[test]
fn a_database_migrated_by_a_newer_release_is_refused_naming_both_versions() {
    let folder = tempfile::tempdir().unwrap();
    let url = sqlite_url(folder.path());
    let migrated = run(Some(&url), &["migrate"]);
    assert_eq!(migrated.status.code(), Some(0), "{}", said(&migrated));
    let ours = said(&migrated);
    let ours = ours.trim().rsplit(' ').next().unwrap().to_owned();

    SqliteConnection::establish(&folder.path().join("events.db").display().to_string())
        .unwrap()
        .batch_execute("INSERT INTO __diesel_schema_migrations (version) VALUES ('20991231000000')")
        .unwrap();
    let refused = run(Some(&url), &[]);
    assert_eq!(refused.status.code(), Some(2), "{}", said(&refused));
    assert!(
        said(&refused).contains("20991231000000"),
        "{}",
        said(&refused)
    );
    assert!(
        said(&refused).contains(&ours),
        "names {ours}: {}",
        said(&refused)
    );
    let verified = run(Some(&url), &["verify"]);
    assert_eq!(verified.status.code(), Some(1), "{}", said(&verified));
}

/// The finding: after `kill -9` the old WAL stays beside the file; a backup copied in
/// its place gets that WAL replayed onto it, and read back wrong totals with `/ready`
/// at 200. Now the service refuses the file, and `restore` puts the backup in place
/// safely.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_copied_in_place_beside_a_stale_wal_is_never_served() {
    let folder = tempfile::tempdir().unwrap();
    let url = sqlite_url(folder.path());
    let database = folder.path().join("events.db");
    let backup = folder.path().join("backup.db");
    let service = Running::start_on(&url, tempfile::tempdir().unwrap());
    let key = create_key(&url, &["--all-clients"]);
    post_events(&service, &key, 600).await;
    // A clean stop checkpoints the WAL into the file, as a service that has run a while
    // has: the WAL left by the crash below then holds only what came after.
    service.terminate();
    drop(service.all_lines());
    let mut service = Running::start_on(&url, tempfile::tempdir().unwrap());
    let backed_up = run(Some(&url), &["backup", &backup.display().to_string()]);
    assert_eq!(backed_up.status.code(), Some(0), "{}", said(&backed_up));
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&backup).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the backup is its owner's alone");
    }
    let refused = run(Some(&url), &["restore", &backup.display().to_string()]);
    assert_eq!(refused.status.code(), Some(1), "{}", said(&refused));
    assert!(said(&refused).contains("in use"), "{}", said(&refused));
    post_events(&service, &key, 600).await;
    service.child.kill().unwrap();
    service.child.wait().unwrap();
    assert!(
        folder.path().join("events.db-wal").exists(),
        "kill -9 leaves the WAL"
    );

    // What docs/operations.md told operators before: copy the backup in place.
    std::fs::copy(&backup, &database).unwrap();
    let started = run(Some(&url), &[]);
    assert_eq!(started.status.code(), Some(2), "{}", said(&started));
    assert!(said(&started).contains("integrity"), "{}", said(&started));

    // What it says now.
    let restored = run(Some(&url), &["restore", &backup.display().to_string()]);
    assert_eq!(restored.status.code(), Some(0), "{}", said(&restored));
    assert!(said(&restored).contains("replaced-"), "{}", said(&restored));
    let verified = run(Some(&url), &["verify"]);
    assert_eq!(verified.status.code(), Some(0), "{}", said(&verified));
    let service = Running::start_on(&url, tempfile::tempdir().unwrap());
    assert_eq!(
        listed(&service, &key).await,
        600,
        "exactly the backup's events"
    );
}

/// A restore that fails leaves the database as it was; one cut off before its last
/// step, or a database file that is gone, is never answered by a new, empty database.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_failed_or_unfinished_restore_leaves_an_empty_database_served() {
    let folder = tempfile::tempdir().unwrap();
    let url = sqlite_url(folder.path());
    let database = folder.path().join("events.db");
    let service = Running::start_on(&url, tempfile::tempdir().unwrap());
    let key = create_key(&url, &["--all-clients"]);
    post_events(&service, &key, 10).await;
    service.terminate();
    drop(service.all_lines());

    let garbage = folder.path().join("garbage.db");
    std::fs::write(&garbage, vec![7_u8; 8192]).unwrap();
    let refused = run(Some(&url), &["restore", &garbage.display().to_string()]);
    assert_eq!(refused.status.code(), Some(1), "{}", said(&refused));
    assert!(
        said(&refused).contains("cannot be trusted"),
        "{}",
        said(&refused)
    );
    assert!(!folder.path().join("events.db.restoring").exists());

    let backup = folder.path().join("backup.db");
    let backed_up = run(Some(&url), &["backup", &backup.display().to_string()]);
    assert_eq!(backed_up.status.code(), Some(0), "{}", said(&backed_up));
    // Cut off before its last step: the checked copy still waits beside the database.
    std::fs::copy(&backup, folder.path().join("events.db.restoring")).unwrap();
    let started = run(Some(&url), &[]);
    assert_eq!(started.status.code(), Some(2), "{}", said(&started));
    assert!(
        said(&started).contains("did not finish"),
        "{}",
        said(&started)
    );
    for _ in 0..2 {
        let restored = run(Some(&url), &["restore", &backup.display().to_string()]);
        assert_eq!(restored.status.code(), Some(0), "{}", said(&restored));
    }
    let kept_aside = std::fs::read_dir(folder.path())
        .unwrap()
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.starts_with("events.db.replaced-") && !name.ends_with("-wal"))
        .count();
    assert_eq!(
        kept_aside, 2,
        "each replaced file is kept under its own name"
    );

    std::fs::remove_file(&database).unwrap();
    let started = run(Some(&url), &[]);
    assert_eq!(started.status.code(), Some(2), "{}", said(&started));
    assert!(said(&started).contains("is gone"), "{}", said(&started));
    assert!(
        !database.exists(),
        "no new, empty file is made in its place"
    );
    let restored = run(Some(&url), &["restore", &backup.display().to_string()]);
    assert_eq!(restored.status.code(), Some(0), "{}", said(&restored));
    let service = Running::start_on(&url, tempfile::tempdir().unwrap());
    assert_eq!(listed(&service, &key).await, 10, "the backup's events");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_names_an_event_without_its_creation_line() {
    let folder = tempfile::tempdir().unwrap();
    let url = sqlite_url(folder.path());
    let service = Running::start_on(&url, tempfile::tempdir().unwrap());
    let key = create_key(&url, &["--all-clients"]);
    post_events(&service, &key, 10).await;
    drop(service);
    let clean = run(Some(&url), &["verify"]);
    assert_eq!(clean.status.code(), Some(0), "{}", said(&clean));
    assert!(
        said(&clean).contains("ok    SQLite's integrity check"),
        "{}",
        said(&clean)
    );

    SqliteConnection::establish(&folder.path().join("events.db").display().to_string())
        .unwrap()
        .batch_execute(
            "DELETE FROM billing_event_history \
             WHERE id = (SELECT min(id) FROM billing_event_history)",
        )
        .unwrap();
    let found = run(Some(&url), &["verify"]);
    assert_eq!(found.status.code(), Some(1), "{}", said(&found));
    assert!(
        said(&found).contains("FAIL  every event has its creation in the history: 1 events"),
        "{}",
        said(&found)
    );
}

#[cfg(feature = "postgres-tests")]
mod postgres {
    use super::*;
    use infra_diesel::test_support::{TempPostgres, TestDatabase};

    fn pg(tool: &str, args: &[&str]) -> Output {
        Command::new(tool)
            .args(args)
            .output()
            .expect("the PostgreSQL client tools run")
    }

    /// The runbook's restore (docs/operations.md) into a new, empty database works and
    /// verifies; into a database that was already migrated it fails whole and changes
    /// nothing; the reviewer's restore into one (errors let through) leaves events and
    /// totals that `verify` refuses.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_dump_is_restored_into_an_empty_database_and_nothing_else() {
        let source = TempPostgres::new();
        let service = Running::start_on(&source.url(), tempfile::tempdir().unwrap());
        let key = create_key(&source.url(), &["--all-clients"]);
        post_events(&service, &key, 240).await;
        drop(service);
        let folder = tempfile::tempdir().unwrap();
        let dump = folder.path().join("billing.dump").display().to_string();
        let dumped = pg("pg_dump", &["-Fc", "-f", &dump, "-d", &source.url()]);
        assert!(dumped.status.success(), "{}", said(&dumped));

        let empty = TempPostgres::new();
        let restored = pg(
            "pg_restore",
            &[
                "--exit-on-error",
                "--single-transaction",
                "--no-owner",
                "-d",
                &empty.url(),
                &dump,
            ],
        );
        assert!(restored.status.success(), "{}", said(&restored));
        let verified = run(Some(&empty.url()), &["verify"]);
        assert_eq!(verified.status.code(), Some(0), "{}", said(&verified));
        let service = Running::start_on(&empty.url(), tempfile::tempdir().unwrap());
        assert_eq!(listed(&service, &key).await, 240);
        drop(service);

        let migrated = TempPostgres::new();
        assert_eq!(
            run(Some(&migrated.url()), &["migrate"]).status.code(),
            Some(0)
        );
        let refused = pg(
            "pg_restore",
            &[
                "--exit-on-error",
                "--single-transaction",
                "--no-owner",
                "-d",
                &migrated.url(),
                &dump,
            ],
        );
        assert!(
            !refused.status.success(),
            "a restore into a migrated database fails"
        );
        let unchanged = run(Some(&migrated.url()), &["verify"]);
        assert_eq!(unchanged.status.code(), Some(0), "{}", said(&unchanged));

        let let_through = TempPostgres::new();
        assert_eq!(
            run(Some(&let_through.url()), &["migrate"]).status.code(),
            Some(0)
        );
        let _ = pg(
            "pg_restore",
            &["--no-owner", "-d", &let_through.url(), &dump],
        );
        let caught = run(Some(&let_through.url()), &["verify"]);
        assert_eq!(caught.status.code(), Some(1), "{}", said(&caught));
        assert!(
            said(&caught).contains("FAIL  the monthly totals"),
            "{}",
            said(&caught)
        );
    }

    /// `pg_restore` empties `search_path`; the totals trigger still finds its tables.
    #[test]
    fn the_totals_trigger_works_with_an_empty_search_path() {
        let database = TempPostgres::new();
        assert_eq!(
            run(Some(&database.url()), &["migrate"]).status.code(),
            Some(0)
        );
        let mut conn = diesel::PgConnection::establish(&database.url()).unwrap();
        conn.batch_execute(
            "SET search_path = '';
             INSERT INTO public.billing_events (billing_event_guid, client_name,
                 member_unique_key, event_date_time, event_type_id, status_id, quantity,
                 price, modified_date_time)
             VALUES ('6d91f288-c380-4652-bd35-ce286ac4c806', 'acme', 'm',
                 '2026-11-03T00:00:00Z', 1, 1, 2, 3, now());",
        )
        .expect("the insert and its trigger run with an empty search_path");
    }
}
