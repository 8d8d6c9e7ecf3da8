//! The `billing-events` binary as an operator runs it: configuration errors, JSON logs
//! that carry the txID, a clean stop on SIGTERM, and the `keys` commands.

use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

mod support;

use support::running::{binary, client_with, create_key, keys_command, Running, CONFIG};

#[tokio::test]
async fn a_request_is_logged_with_its_txid_and_sigterm_stops_the_service_cleanly() {
    let mut service = Running::start();
    let seed = r#"{"billingEventGuid": "6d91f288-c380-4652-bd35-ce286ac4c806",
        "memberUniqueKey": "m", "eventDateTime": "2025-08-14T01:25:53Z", "quantity": 6.0,
        "price": 7.0}"#;
    let response = service
        .admin_client()
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
    assert_eq!(done["route"], "/api/v1/BillingEvents/{id}", "{done}");

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

#[tokio::test]
async fn a_request_actix_cannot_parse_is_counted_not_logged_as_an_error() {
    let service = Running::start();
    let answer = service.raw(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Bad\x01Name: 1\r\n\r\n");
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    let metrics = service.metrics().await;
    assert!(
        metrics.contains("http_unreadable_requests_total{reason=\"unparsable\"} 1"),
        "{metrics}"
    );
    service.terminate();
    let errors: Vec<String> = service
        .all_lines()
        .into_iter()
        .filter(|line| line.contains("\"level\":\"ERROR\""))
        .collect();
    assert_eq!(errors, Vec::<String>::new());
}

/// A created, a replayed and a rejected post, each counted once: a fresh process, so
/// the counts are exact. Routes are labelled by their patterns, never a raw path, and
/// the build and schema are exported.
#[tokio::test]
async fn metrics_count_each_outcome_once_under_route_patterns() {
    let service = Running::start();
    let client = service.admin_client();
    let guid = uuid::Uuid::new_v4().to_string();
    let url = format!(
        "http://127.0.0.1:{}/api/v1/BillingEvents/acme",
        service.port
    );
    let post = |body: String| {
        client
            .post(&url)
            .header("Content-Type", "application/json")
            .body(body)
            .send()
    };
    let event = EVENT.replacen('{', &format!(r#"{{"billingEventGuid": "{guid}", "#), 1);
    assert_eq!(post(event.clone()).await.unwrap().status(), 201);
    assert_eq!(post(event).await.unwrap().status(), 200);
    assert_eq!(post("{}".to_owned()).await.unwrap().status(), 400);
    let metrics = service.metrics().await;
    let lines: Vec<&str> = metrics.lines().collect();
    for expected in [
        r#"billing_events_total{outcome="created"} 1"#,
        r#"billing_events_total{outcome="replayed"} 1"#,
        r#"billing_events_total{outcome="rejected"} 1"#,
        r#"http_requests_total{route="/api/v1/BillingEvents/{id}",method="POST",status="201"} 1"#,
        r#"http_requests_total{route="/api/v1/BillingEvents/{id}",method="POST",status="200"} 1"#,
        r#"http_requests_total{route="/api/v1/BillingEvents/{id}",method="POST",status="400"} 1"#,
    ] {
        assert!(lines.contains(&expected), "{expected} in\n{metrics}");
    }
    let schema = lines
        .iter()
        .find_map(|line| line.strip_prefix("billing_events_build_info{"))
        .unwrap_or_else(|| panic!("no build info in\n{metrics}"));
    assert!(
        schema.starts_with(&format!(
            "version=\"{}\",schema=\"",
            env!("CARGO_PKG_VERSION")
        )) && schema.ends_with("\"} 1"),
        "{schema}"
    );
    // Counted at 0 from start-up, so that `increase()` sees the first one.
    for zero in [
        r#"billing_events_total{outcome="conflicted"} 0"#,
        r#"database_errors_total{kind="unexpected"} 0"#,
        r#"database_errors_total{kind="unavailable"} 0"#,
        r#"http_unreadable_requests_total{reason="too_slow"} 0"#,
        "db_insert_retries_total 0",
    ] {
        assert!(lines.contains(&zero), "{zero} in\n{metrics}");
    }
    for series in [
        "group_commit_batch_size_count ",
        "http_request_duration_seconds_bucket{",
        "db_pool_connections_idle",
    ] {
        assert!(metrics.contains(series), "{series} in\n{metrics}");
    }
    assert!(!metrics.contains(&guid), "no raw path in a label");
}

/// A body refused from its head (`Expect: 100-continue` and a `Content-Length` over the
/// route's limit) never reaches the middleware that counts requests, so the check
/// counts it itself, under its route's pattern. A fresh process: the counts are exact.
#[tokio::test]
async fn a_body_refused_before_it_is_sent_is_counted_under_its_route() {
    let service = Running::start();
    for (path, length) in [
        ("/api/v1/BillingEvents/acme", 65_537),
        ("/API/v1/billingevents/acme/BATCH", 8_388_609),
        ("/api/v1/BillingEvents/acme/batch", 8_388_609),
    ] {
        let answer = service.raw(
            format!(
                "POST {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\
                 Content-Type: application/json\r\nExpect: 100-continue\r\n\
                 Content-Length: {length}\r\n\r\n"
            )
            .as_bytes(),
        );
        assert!(answer.starts_with("HTTP/1.1 413"), "{path}: {answer}");
    }
    let metrics = service.metrics().await;
    let count = |route: &str| {
        format!("http_requests_total{{route=\"{route}\",method=\"POST\",status=\"413\"}}")
    };
    for (route, expected) in [
        ("/api/v1/BillingEvents/{id}", 1),
        ("/api/v1/BillingEvents/{id}/batch", 2),
    ] {
        assert!(
            metrics.contains(&format!("{} {expected}\n", count(route))),
            "{route}: {metrics}"
        );
    }
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
        let output = Command::new(binary())
            .env("BILLING_CONFIG_DIR", CONFIG)
            .env(key, value)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{key}={value}");
        let message = String::from_utf8_lossy(&output.stderr);
        assert!(message.contains(named), "{key}={value}: {message}");
    }
}

/// A URL libpq cannot read (`Password=` is no parameter of its) is a setting to fix:
/// the service and the key commands stop with 2 at once, naming it, instead of retrying.
#[test]
fn a_database_url_libpq_cannot_read_stops_with_2() {
    let url = "postgres://postgres@127.0.0.1:5432/postgres?Password=hunter2";
    for command in [&[][..], &["keys", "list"][..]] {
        let mut child = Command::new(binary())
            .env("BILLING_CONFIG_DIR", CONFIG)
            .env("BILLING__SERVER__PORT", "0")
            .env("BILLING__DATABASE__URL", url)
            .args(command)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while child.try_wait().unwrap().is_none() {
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("{command:?} still running 20 s on a URL libpq cannot read");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let output = child.wait_with_output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{command:?}");
        let said = [output.stdout, output.stderr].concat();
        let said = String::from_utf8_lossy(&said);
        assert!(said.contains("Password"), "{command:?}: {said}");
        assert!(!said.contains("hunter2"), "{command:?}: {said}");
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
    let response = service
        .admin_client()
        .post(format!(
            "http://127.0.0.1:{}/api/v1/BillingEvents/acme",
            service.port
        ))
        .header("Content-Type", "application/json")
        .body(EVENT)
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

/// Posts acknowledged before a drill stops the service.
const LOAD: usize = 200;

/// Posters that send new events (client-made guids) until the service stops answering,
/// and keep the guids it acknowledged with a 2xx, counting them in `acknowledged`.
fn post_until_stopped(
    service: &Running,
    posters: usize,
    acknowledged: &Arc<AtomicUsize>,
) -> Vec<tokio::task::JoinHandle<Vec<String>>> {
    let port = service.port;
    let client = service.admin_client();
    (0..posters)
        .map(|_| {
            let (client, count) = (client.clone(), acknowledged.clone());
            tokio::spawn(async move {
                let mut acknowledged = Vec::new();
                loop {
                    let guid = uuid::Uuid::new_v4().to_string();
                    let body = format!(
                        r#"{{"billingEventGuid": "{guid}", "memberUniqueKey": "m",
                            "eventDateTime": "2025-08-14T01:25:53Z", "quantity": 1, "price": 2}}"#
                    );
                    let sent = client
                        .post(format!("http://127.0.0.1:{port}/api/v1/BillingEvents/acme"))
                        .header("Content-Type", "application/json")
                        .body(body)
                        .send()
                        .await;
                    match sent {
                        Ok(response) if response.status().is_success() => {
                            acknowledged.push(guid);
                            count.fetch_add(1, Ordering::Relaxed);
                        }
                        Ok(_) => {}
                        Err(_) => return acknowledged,
                    }
                }
            })
        })
        .collect()
}

/// Waits until the posters have had `count` events acknowledged: the load is real before
/// the service is stopped, however fast or slow this machine is today.
async fn until_acknowledged(acknowledged: &AtomicUsize, count: usize) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while acknowledged.load(Ordering::Relaxed) < count {
        assert!(
            Instant::now() < deadline,
            "fewer than {count} posts acknowledged in 2 minutes"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn acknowledged_by(posters: Vec<tokio::task::JoinHandle<Vec<String>>>) -> Vec<String> {
    let mut all = Vec::new();
    for poster in posters {
        all.extend(poster.await.unwrap());
    }
    all
}

/// Restarts the service on `url` and checks that every acknowledged event is there.
async fn assert_all_stored(url: &str, acknowledged: &[String]) {
    let service = Running::start_on(url, tempfile::tempdir().unwrap());
    let client = service.admin_client();
    for guid in acknowledged {
        let status = client
            .get(format!(
                "http://127.0.0.1:{}/api/v1/BillingEvents/{guid}",
                service.port
            ))
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 200, "acknowledged event {guid} was lost");
    }
}

async fn kill_under_load_loses_nothing_acknowledged(url: &str) {
    let service = Running::start_on(url, tempfile::tempdir().unwrap());
    let count = Arc::new(AtomicUsize::new(0));
    let posters = post_until_stopped(&service, 16, &count);
    until_acknowledged(&count, LOAD).await;
    let status = Command::new("kill")
        .args(["-KILL", &service.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let acknowledged = acknowledged_by(posters).await;
    drop(service);
    assert!(acknowledged.len() >= LOAD);
    assert_all_stored(url, &acknowledged).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kill_9_under_load_loses_no_acknowledged_event_on_sqlite() {
    let folder = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/events.db", folder.path().display());
    kill_under_load_loses_nothing_acknowledged(&url).await;
}

#[cfg(feature = "postgres-tests")]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kill_9_under_load_loses_no_acknowledged_event_on_postgres() {
    use infra_diesel::test_support::{TempPostgres, TestDatabase};
    let database = TempPostgres::new();
    kill_under_load_loses_nothing_acknowledged(&database.url()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigterm_under_load_finishes_what_it_took_and_exits_0() {
    let folder = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/events.db", folder.path().display());
    let mut service = Running::start_on(&url, tempfile::tempdir().unwrap());
    let count = Arc::new(AtomicUsize::new(0));
    let posters = post_until_stopped(&service, 16, &count);
    until_acknowledged(&count, LOAD).await;
    service.terminate();
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = service.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "still running 10 s after SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(status.code(), Some(0));
    let acknowledged = acknowledged_by(posters).await;
    drop(service);
    assert!(acknowledged.len() >= LOAD);
    assert_all_stored(&url, &acknowledged).await;
}

/// Three replicas starting at once on one new database agree as one service: the
/// migrations run once (under an advisory lock), twenty identical posts spread over
/// them store one event, status changes racing with one `If-Match` on different replicas have
/// one winner, and a key revoked with the CLI is refused by each at its next request.
#[cfg(feature = "postgres-tests")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_replicas_starting_together_agree_as_one_service() {
    use infra_diesel::test_support::{TempPostgres, TestDatabase};
    let database = TempPostgres::new();
    let starts: Vec<_> = (0..3)
        .map(|_| {
            let url = database.url();
            std::thread::spawn(move || Running::start_on(&url, tempfile::tempdir().unwrap()))
        })
        .collect();
    let replicas: Vec<Running> = starts
        .into_iter()
        .map(|start| start.join().unwrap())
        .collect();
    let migrations = std::fs::read_dir(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../infra-diesel/migrations/postgres"
    ))
    .unwrap()
    .filter(|entry| entry.as_ref().unwrap().path().is_dir())
    .count();
    assert_eq!(
        infra_diesel::test_support::count_rows(&database.url(), "__diesel_schema_migrations"),
        i64::try_from(migrations).unwrap(),
        "each migration applied once"
    );
    let url = database.url();
    let key = create_key(&url, &["--client", "acme"]);
    let client = client_with(&key);
    let base =
        |replica: &Running| format!("http://127.0.0.1:{}/api/v1/BillingEvents", replica.port);

    let guid = uuid::Uuid::new_v4().to_string();
    let body = format!(
        r#"{{"billingEventGuid": "{guid}", "memberUniqueKey": "m",
            "eventDateTime": "2025-08-14T01:25:53Z", "invoiceBillingEventStatusId": "Pending",
            "quantity": 1, "price": 2}}"#
    );
    let posts = (0..20).map(|i| {
        client
            .post(format!("{}/acme", base(&replicas[i % 3])))
            .header("Content-Type", "application/json")
            .body(body.clone())
            .send()
    });
    let mut statuses: Vec<u16> = futures_util::future::join_all(posts)
        .await
        .into_iter()
        .map(|reply| reply.unwrap().status().as_u16())
        .collect();
    statuses.sort_unstable();
    assert_eq!(statuses, [vec![200; 19], vec![201]].concat());

    let targets = ["Invoiced", "Cancelled", "Failed"];
    let patches = replicas.iter().zip(targets).map(|(replica, target)| {
        client
            .patch(format!("{}/{guid}", base(replica)))
            .header("Content-Type", "application/json")
            .header("If-Match", "\"1\"")
            .body(format!(r#"{{"invoiceBillingEventStatusId": "{target}"}}"#))
            .send()
    });
    let mut statuses: Vec<u16> = futures_util::future::join_all(patches)
        .await
        .into_iter()
        .map(|reply| reply.unwrap().status().as_u16())
        .collect();
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 412, 412], "one winner");

    let output = keys_command(&url, &["revoke", &key[4..20]]);
    assert!(output.status.success(), "{output:?}");
    for replica in &replicas {
        let status = client
            .get(format!("{}/{guid}", base(replica)))
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 401, "revoked on the replica on {}", replica.port);
    }
}

const EVENT: &str = r#"{"memberUniqueKey": "m", "eventDateTime": "2025-08-14T01:25:53Z",
    "quantity": 1, "price": 2}"#;

/// POSTs one new event for acme with `key` (`None` sends no key); the status.
async fn post_with(port: u16, key: Option<&str>) -> u16 {
    let mut request = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{port}/api/v1/BillingEvents/acme"))
        .header("Content-Type", "application/json")
        .body(EVENT);
    if let Some(key) = key {
        request = request.header("X-Api-Key", key);
    }
    request.send().await.unwrap().status().as_u16()
}

/// create → the key works at once; list shows it without the key; revoke → the next
/// request is refused. No log line, problem or metric of the run holds a key.
#[tokio::test]
async fn keys_are_created_listed_and_revoked_and_never_logged() {
    let mut service = Running::start();
    let url = service.url.clone();
    let output = keys_command(&url, &["create", "--client", "Acme", "--label", "ci"]);
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    let key = stdout.lines().last().unwrap().to_owned();
    assert!(
        key.starts_with("bek_") && key.len() == 4 + 16 + 1 + 64,
        "{stdout}"
    );
    let id = &key[4..20];
    assert_eq!(stdout.matches(&key).count(), 1, "shown once: {stdout}");

    assert_eq!(post_with(service.port, Some(&key)).await, 201);
    assert_eq!(post_with(service.port, None).await, 401);
    let (head, _) = key.rsplit_once('_').unwrap();
    let wrong = format!("{head}_{}", "f".repeat(64));
    assert_eq!(post_with(service.port, Some(&wrong)).await, 401);

    let listed = keys_command(&url, &["list"]);
    let listed = String::from_utf8(listed.stdout).unwrap();
    let row: Vec<&str> = listed.lines().nth(1).unwrap().split('\t').collect();
    assert_eq!(row[..3], [id, "acme", "ci"], "{listed}");
    assert_eq!(row[4], "-", "not revoked yet: {listed}");
    assert!(
        !listed.contains(&key[21..]),
        "list never shows a key: {listed}"
    );
    let others = keys_command(&url, &["list", "--client", "globex"]);
    assert_eq!(String::from_utf8(others.stdout).unwrap().lines().count(), 1);

    let revoked = keys_command(&url, &["revoke", id]);
    assert!(revoked.status.success(), "{revoked:?}");
    assert_eq!(post_with(service.port, Some(&key)).await, 401);
    let listed = String::from_utf8(keys_command(&url, &["list"]).stdout).unwrap();
    assert_ne!(listed.lines().nth(1).unwrap().split('\t').nth(4), Some("-"));
    let unknown = keys_command(&url, &["revoke", "0000000000000000"]);
    assert_eq!(unknown.status.code(), Some(1));
    let bad = keys_command(&url, &["create", "--client", "no/such"]);
    assert_eq!(bad.status.code(), Some(2));

    let metrics = service.metrics().await;
    service.terminate();
    service.wait_for_line("billing-events stopped");
    let lines = service.all_lines();
    assert!(
        lines
            .iter()
            .any(|line| line.contains("request not authenticated")),
        "refusals are logged: {lines:#?}"
    );
    for secret in [&key[21..], &wrong[21..]] {
        assert!(!metrics.contains(secret));
        assert!(
            lines.iter().all(|line| !line.contains(secret)),
            "a key in the log: {lines:#?}"
        );
    }
}

#[tokio::test]
async fn the_development_profile_needs_no_key_and_says_so_loudly() {
    let folder = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/events.db", folder.path().display());
    let service = Running::start_with(&url, folder, &[("BILLING_ENV", "development")]);
    // Logged before "listening", so among the lines already read.
    let warning = service
        .seen
        .iter()
        .find(|line| line.contains("AUTHENTICATION IS OFF"))
        .unwrap_or_else(|| panic!("no warning: {:#?}", service.seen));
    assert!(warning.contains(r#""level":"WARN""#), "{warning}");
    assert_eq!(post_with(service.port, None).await, 201);
}
