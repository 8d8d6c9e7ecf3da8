//! A database outage, on a throwaway PostgreSQL cluster this test starts and stops on its
//! own port (never the shared server): requests answer 503 quickly, `/ready` says 503,
//! nothing half-stored remains, and the service recovers by itself when the database
//! is back.

use crate::helpers::{event_body, new_guid, TestApp};
use infra_diesel::test_support::TestDatabase;
use serde_json::json;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

/// The server programs of the newest PostgreSQL installed (Debian's layout).
fn server_bin() -> PathBuf {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL's server programs under /usr/lib/postgresql")
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .collect();
    versions.sort();
    versions.pop().expect("a PostgreSQL version").join("bin")
}

/// A PostgreSQL cluster of our own, run by the `postgres` user (PostgreSQL refuses root).
struct Cluster {
    folder: PathBuf,
    port: u16,
}

fn as_postgres(program: &str, args: &[&str]) -> std::process::Output {
    Command::new("runuser")
        .args(["-u", "postgres", "--"])
        .arg(server_bin().join(program))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("run {program}: {e}"))
}

impl Cluster {
    fn create(port: u16) -> Self {
        let folder =
            std::env::temp_dir().join(format!("billing-outage-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&folder).unwrap();
        Command::new("chown")
            .args(["-R", "postgres:postgres", folder.to_str().unwrap()])
            .status()
            .unwrap();
        let data = folder.join("data");
        let init = as_postgres(
            "initdb",
            &[
                "-D",
                data.to_str().unwrap(),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
            ],
        );
        assert!(
            init.status.success(),
            "initdb: {}",
            String::from_utf8_lossy(&init.stderr)
        );
        let cluster = Self { folder, port };
        cluster.start();
        cluster
    }

    /// A hot standby of `primary`, streaming from it, started on `port`.
    fn standby_of(primary: &Cluster, port: u16) -> Self {
        let folder =
            std::env::temp_dir().join(format!("billing-standby-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&folder).unwrap();
        Command::new("chown")
            .args(["-R", "postgres:postgres", folder.to_str().unwrap()])
            .status()
            .unwrap();
        let standby = Self { folder, port };
        let copied = as_postgres(
            "pg_basebackup",
            &[
                "-h",
                "127.0.0.1",
                "-p",
                &primary.port.to_string(),
                "-U",
                "postgres",
                "-D",
                &standby.data(),
                "-R",
                "-X",
                "stream",
                "-c",
                "fast",
            ],
        );
        assert!(
            copied.status.success(),
            "pg_basebackup: {}",
            String::from_utf8_lossy(&copied.stderr)
        );
        standby.start();
        standby
    }

    fn promote(&self) {
        let promoted = as_postgres("pg_ctl", &["-D", &self.data(), "-w", "promote"]);
        assert!(
            promoted.status.success(),
            "pg_ctl promote: {}",
            String::from_utf8_lossy(&promoted.stderr)
        );
    }

    fn data(&self) -> String {
        self.folder.join("data").to_string_lossy().into_owned()
    }

    fn start(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1",
            self.port,
            self.folder.display()
        );
        let log = self.folder.join("log").to_string_lossy().into_owned();
        let started = as_postgres(
            "pg_ctl",
            &[
                "-D",
                &self.data(),
                "-o",
                &options,
                "-l",
                &log,
                "-w",
                "start",
            ],
        );
        assert!(
            started.status.success(),
            "pg_ctl start: {}",
            String::from_utf8_lossy(&started.stderr)
        );
    }

    fn stop(&self) {
        let stopped = as_postgres("pg_ctl", &["-D", &self.data(), "-m", "fast", "-w", "stop"]);
        assert!(
            stopped.status.success(),
            "pg_ctl stop: {}",
            String::from_utf8_lossy(&stopped.stderr)
        );
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = as_postgres("pg_ctl", &["-D", &self.data(), "-m", "immediate", "stop"]);
        let _ = std::fs::remove_dir_all(&self.folder);
    }
}

/// The cluster's `postgres` database, which the service migrates.
struct OnCluster(u16);

impl TestDatabase for OnCluster {
    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.0)
    }
}

/// The service on a standby; the test's keys on the primary, from which they stream.
struct OnStandby {
    standby: u16,
    primary: u16,
}

impl TestDatabase for OnStandby {
    fn url(&self) -> String {
        OnCluster(self.standby).url()
    }

    fn direct_url(&self) -> String {
        OnCluster(self.primary).url()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_outage_answers_503_and_heals_without_a_restart() {
    // Below the ephemeral range, so no outgoing connection can be holding it.
    let port = 20_000 + u16::try_from(std::process::id() % 10_000).unwrap();
    let cluster = Cluster::create(port);
    let app = TestApp::spawn_with(
        Box::new(OnCluster(port)),
        &[("BILLING__DATABASE__CONNECT_TIMEOUT_MS", "500")],
    )
    .await;
    let before = new_guid();
    let post_event = |guid: &str| {
        let body = event_body(&[("billingEventGuid", json!(guid))]);
        let app = &app;
        async move { app.post_json("/api/v1/BillingEvents/acme", &body).await }
    };
    assert_eq!(post_event(&before).await.status, 201);

    cluster.stop();
    let during = new_guid();
    let started = Instant::now();
    let refused = post_event(&during).await;
    assert_eq!(refused.status, 503, "{}", refused.text);
    assert_eq!(refused.header("retry-after"), "1");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "answered within a bounded time: {:?}",
        started.elapsed()
    );
    assert_eq!(app.get("/ready").await.status, 503);
    assert_eq!(
        app.get(&format!("/api/v1/BillingEvents/{before}"))
            .await
            .status,
        503
    );

    cluster.start();
    let deadline = Instant::now() + Duration::from_secs(20);
    while app.get("/ready").await.status != 200 {
        assert!(
            Instant::now() < deadline,
            "the service did not recover by itself"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(
        app.get(&format!("/api/v1/BillingEvents/{before}"))
            .await
            .status,
        200,
        "stored before"
    );
    assert_eq!(
        app.get(&format!("/api/v1/BillingEvents/{during}"))
            .await
            .status,
        404,
        "nothing half-stored"
    );
    assert_eq!(
        post_event(&new_guid()).await.status,
        201,
        "posts work again"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_started_on_a_standby_waits_and_serves_once_it_is_promoted() {
    // Below the ephemeral range, and apart from the other test's ports.
    let port = 30_000 + 2 * u16::try_from(std::process::id() % 1_300).unwrap();
    let primary = Cluster::create(port);
    let standby = Cluster::standby_of(&primary, port + 1);
    let app = TestApp::spawn_with(
        Box::new(OnStandby {
            standby: port + 1,
            primary: port,
        }),
        &[("BILLING__DATABASE__CONNECT_TIMEOUT_MS", "1000")],
    )
    .await;
    let post_event = || {
        let body = event_body(&[("billingEventGuid", json!(new_guid()))]);
        let app = &app;
        async move { app.post_json("/api/v1/BillingEvents/acme", &body).await }
    };

    assert_eq!(app.get("/health").await.status, 200);
    assert_eq!(
        app.get("/ready").await.status,
        503,
        "a standby is not ready"
    );
    assert_eq!(post_event().await.status, 503);

    primary.stop();
    standby.promote();
    let deadline = Instant::now() + Duration::from_secs(30);
    while app.get("/ready").await.status != 200 {
        assert!(
            Instant::now() < deadline,
            "never served after the promotion"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(post_event().await.status, 201);
}
