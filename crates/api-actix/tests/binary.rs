//! The `billing-events` binary as an operator runs it: configuration errors, JSON logs
//! that carry the txID, and a clean stop on SIGTERM.

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

const BINARY: &str = env!("CARGO_BIN_EXE_billing-events");
const CONFIG: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../config");

/// The binary, running on a temporary SQLite file with JSON logs on stdout.
struct Running {
    child: Child,
    lines: Receiver<String>,
    /// Every line read so far, for tests that check them all.
    seen: Vec<String>,
    port: u16,
    _folder: tempfile::TempDir,
}

impl Running {
    fn start() -> Self {
        let folder = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/events.db", folder.path().display());
        Self::start_on(&url, folder)
    }

    /// The binary on the database at `url`; `folder` lives as long as the service.
    fn start_on(url: &str, folder: tempfile::TempDir) -> Self {
        let mut child = Command::new(BINARY)
            .env("BILLING_CONFIG_DIR", CONFIG)
            .env("BILLING__SERVER__PORT", "0")
            .env("BILLING__SERVER__WORKERS", "1")
            .env("BILLING__SERVER__SHUTDOWN_GRACE_SECS", "5")
            .env("BILLING__DATABASE__URL", url)
            .env("BILLING__LOG__FORMAT", "json")
            .env_remove("RUST_LOG")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the binary starts");
        let (sender, lines) = channel();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        let mut running = Self {
            child,
            lines,
            seen: Vec::new(),
            port: 0,
            _folder: folder,
        };
        let listening = running.wait_for_line("billing-events is listening");
        let address = listening["address"].as_str().unwrap().to_owned();
        running.port = address.rsplit(':').next().unwrap().parse().unwrap();
        running
    }

    /// The next JSON log line whose message contains `text`, within 20 s.
    fn wait_for_line(&mut self, text: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(20);
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            let Ok(line) = self.lines.recv_timeout(left) else {
                break;
            };
            self.seen.push(line.clone());
            let parsed: Value =
                serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
            if parsed["message"]
                .as_str()
                .is_some_and(|message| message.contains(text))
            {
                return parsed;
            }
        }
        panic!("no log line with {text:?}");
    }

    fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn a_request_is_logged_with_its_txid_and_sigterm_stops_the_service_cleanly() {
    let mut service = Running::start();
    let seed = r#"{"billingEventGuid": "6d91f288-c380-4652-bd35-ce286ac4c806", "memberUniqueKey": "m", "eventDateTime": "2025-08-14T01:25:53Z", "quantity": 6.0, "price": 7.0}"#;
    let response = reqwest::Client::new()
        .post(format!(
            "http://127.0.0.1:{}/api/v1/BillingEvents/acme",
            service.port
        ))
        .header("Content-Type", "application/json")
        .body(seed)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let tx_id = response.headers()["x-transaction-id"]
        .to_str()
        .unwrap()
        .to_owned();

    let done = service.wait_for_line("request done");
    assert_eq!(done["span"]["tx_id"], tx_id.as_str(), "{done}");
    assert_eq!(done["span"]["client"], "acme", "{done}");
    assert_eq!(done["status"], 201, "{done}");

    service.terminate();
    service.wait_for_line("billing-events stopped");
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = service.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "still running 10 s after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(0));
}

#[test]
fn a_bad_setting_stops_start_up_naming_it() {
    for (key, value, named) in [
        ("BILLING__SERVER__PORT", "eighty", "port"),
        (
            "BILLING__DATABASE__URL",
            "mysql://localhost/billing",
            "database.url",
        ),
    ] {
        let output = Command::new(BINARY)
            .env("BILLING_CONFIG_DIR", CONFIG)
            .env(key, value)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{key}={value}");
        let message = String::from_utf8_lossy(&output.stderr);
        assert!(message.contains(named), "{key}={value}: {message}");
    }
}

/// Every line the service logs on a PostgreSQL URL with a password: the password never
/// shows, the redacted URL does.
#[cfg(feature = "postgres-tests")]
#[tokio::test]
async fn the_database_password_never_appears_in_the_log() {
    use infra_diesel::test_support::{TempPostgres, TestDatabase};
    let database = TempPostgres::new();
    // Trust authentication ignores the password, so the URL still connects.
    let url = database
        .url()
        .replacen("postgres://postgres@", "postgres://postgres:hunter2@", 1);
    assert!(url.contains("hunter2"), "{url}");
    let mut service = Running::start_on(&url, tempfile::tempdir().unwrap());
    let response = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{}/api/v1/BillingEvents/acme", service.port))
        .header("Content-Type", "application/json")
        .body(r#"{"memberUniqueKey": "m", "eventDateTime": "2025-08-14T01:25:53Z", "quantity": 1, "price": 2}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    service.terminate();
    service.wait_for_line("billing-events stopped");
    let mut lines: Vec<String> = Vec::new();
    while let Ok(line) = service.lines.recv_timeout(Duration::from_millis(200)) {
        lines.push(line);
    }
    lines.extend(service.seen.iter().cloned());
    assert!(
        lines.iter().all(|line| !line.contains("hunter2")),
        "{lines:#?}"
    );
    assert!(
        lines
            .iter()
            .any(|line| line.contains("postgres://postgres:***@")),
        "the redacted URL is logged: {lines:#?}"
    );
}
