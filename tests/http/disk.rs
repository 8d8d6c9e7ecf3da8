//! SQLite on a disk that fills up or fails: a clear 503 problem, no crash, what was
//! stored stays readable, and writes resume when the disk does. These mount a small
//! tmpfs or make files immutable, which needs root: they run with the `root-tests`
//! feature (which `make test` turns on as root, and CI requires), and are reported as
//! ignored otherwise.

use crate::helpers::{event_body, new_guid, TestApp};
use infra_diesel::test_support::TestDatabase;
use serde_json::json;
use std::path::PathBuf;
use std::process::Command;

/// A tmpfs of `size`, unmounted when dropped.
struct SmallDisk(PathBuf);

impl SmallDisk {
    fn mount(size: &str) -> Self {
        let folder =
            std::env::temp_dir().join(format!("billing-disk-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&folder).unwrap();
        let mounted = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size}"),
                "tmpfs",
                folder.to_str().unwrap(),
            ])
            .status()
            .unwrap();
        assert!(
            mounted.success(),
            "this test mounts a tmpfs, which needs root"
        );
        Self(folder)
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount")
            .args(["-l", self.0.to_str().unwrap()])
            .status();
        let _ = std::fs::remove_dir(&self.0);
    }
}

/// The SQLite file on the small disk; the disk itself stays with the test.
struct OnDisk(PathBuf);

impl TestDatabase for OnDisk {
    fn url(&self) -> String {
        format!("sqlite://{}/billing-events.db", self.0.display())
    }
}

/// Posts new events until one is refused; returns the stored guids and the refusal.
async fn post_until_refused(app: &TestApp) -> (Vec<String>, crate::helpers::Reply) {
    let mut stored = Vec::new();
    for _ in 0..100_000 {
        let guid = new_guid();
        let padding = "x".repeat(200);
        let body = event_body(&[
            ("billingEventGuid", json!(guid)),
            ("memberUniqueKey", json!(padding)),
        ]);
        let reply = app.post_json("/api/v1/BillingEvents/acme", &body).await;
        if reply.status != 201 {
            return (stored, reply);
        }
        stored.push(guid);
    }
    panic!("the disk never filled");
}

#[tokio::test]
#[cfg_attr(
    not(feature = "root-tests"),
    ignore = "needs root: it mounts a tmpfs or sets chattr (make test runs it as root)"
)]
async fn a_full_disk_answers_503_and_keeps_serving_reads() {
    let disk = SmallDisk::mount("1m");
    let app = TestApp::spawn(Box::new(OnDisk(disk.0.clone()))).await;
    let (stored, refused) = post_until_refused(&app).await;
    assert!(!stored.is_empty());
    assert_eq!(refused.status, 503, "{}", refused.text);
    assert_eq!(refused.header("retry-after"), "1");
    assert_eq!(app.get("/health").await.status, 200, "still running");
    assert_eq!(
        app.get(&format!("/api/v1/BillingEvents/{}", stored[0]))
            .await
            .status,
        200
    );
}

/// Sets or clears the immutable attribute of `files` (`chattr`, as root on ext4).
fn immutable(on: bool, files: &[PathBuf]) {
    let flag = if on { "+i" } else { "-i" };
    let status = Command::new("chattr")
        .arg(flag)
        .args(files)
        .status()
        .unwrap();
    assert!(
        status.success(),
        "this test makes files immutable with chattr, which needs root and ext4"
    );
}

#[tokio::test]
#[cfg_attr(
    not(feature = "root-tests"),
    ignore = "needs root: it mounts a tmpfs or sets chattr (make test runs it as root)"
)]
async fn a_file_that_cannot_be_written_answers_503_and_recovers_without_restart() {
    let database = infra_diesel::test_support::TempSqlite::new();
    let path = PathBuf::from(database.url().trim_start_matches("sqlite://"));
    let app = TestApp::spawn(Box::new(database)).await;
    let mut stored = Vec::new();
    for _ in 0..3 {
        let guid = new_guid();
        let body = event_body(&[("billingEventGuid", json!(guid))]);
        assert_eq!(
            app.post_json("/api/v1/BillingEvents/acme", &body)
                .await
                .status,
            201
        );
        stored.push(guid);
    }
    let files = [
        path.clone(),
        PathBuf::from(format!("{}-wal", path.display())),
    ];

    immutable(true, &files);
    let refused_guid = new_guid();
    let body = event_body(&[("billingEventGuid", json!(refused_guid))]);
    let refused = app.post_json("/api/v1/BillingEvents/acme", &body).await;
    let batch = app
        .post_json("/api/v1/BillingEvents/acme/batch", &format!("[{body}]"))
        .await;
    immutable(false, &files);

    for reply in [&refused, &batch] {
        assert_eq!(reply.status, 503, "{}", reply.text);
        assert_eq!(reply.header("retry-after"), "1");
        assert_eq!(reply.json()["status"], 503);
    }
    // The same request once the disk is back: stored, no restart needed.
    let retried = app.post_json("/api/v1/BillingEvents/acme", &body).await;
    assert_eq!(retried.status, 201, "{}", retried.text);
    stored.push(refused_guid);
    for guid in stored {
        let read = app.get(&format!("/api/v1/BillingEvents/{guid}")).await;
        assert_eq!(read.status, 200, "acknowledged {guid} is kept");
    }
}
