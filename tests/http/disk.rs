//! SQLite on a disk that fills up: a clear 503 problem, no crash, and what was stored
//! stays readable. Uses a small tmpfs of its own (the tests run as root).

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
