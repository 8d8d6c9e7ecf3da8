//! Limits on what one caller can take: a rate per key, and a cap on request heads.

use crate::helpers::TestApp;
use infra_diesel::test_support::TempSqlite;
use std::fmt::Write as _;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn a_key_over_its_rate_gets_429_with_retry_after_and_others_do_not() {
    let app = TestApp::spawn_with(
        Box::new(TempSqlite::new()),
        &[
            ("BILLING__AUTH__RATE_PER_SECOND", "1"),
            ("BILLING__AUTH__BURST", "3"),
        ],
    )
    .await;
    let busy = app.key_for("acme").await.text;
    let calm = app.key_for("acme").await.text;
    let path = format!("{}/api/v1/BillingEvents?clientName=acme", app.address);
    // A burst of 3 at 1 a second: the first three are always served, and of fifty sent
    // as fast as they go some must be refused, however slow this machine is (fifty at 1
    // a second would take 47 s).
    let mut statuses = Vec::new();
    for _ in 0..50 {
        let reply = app.send(app.bare.get(&path).bearer_auth(&busy)).await;
        statuses.push(reply.status);
        if reply.status == 429 {
            let wait: u64 = reply.header("retry-after").parse().unwrap();
            assert!((1..=2).contains(&wait), "Retry-After {wait}");
            assert_eq!(reply.json()["status"], 429);
        }
    }
    assert_eq!(statuses[..3], [200, 200, 200], "the burst is served");
    assert!(statuses.contains(&429), "{statuses:?}");
    assert!(
        statuses.iter().all(|status| [200, 429].contains(status)),
        "{statuses:?}"
    );
    let other = app.send(app.bare.get(&path).bearer_auth(&calm)).await;
    assert_eq!(other.status, 200, "each key has its own bucket");
}

/// What the server answers to a raw request head.
async fn answer_to(app: &TestApp, head: String) -> String {
    let address = app.address.trim_start_matches("http://").to_owned();
    let mut socket = tokio::net::TcpStream::connect(&address).await.unwrap();
    // The server may close before it has read everything we send.
    let _ = socket.write_all(head.as_bytes()).await;
    let mut answer = Vec::new();
    let _ = socket.read_to_end(&mut answer).await;
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn request_heads_over_128_kib_or_96_headers_are_refused() {
    let app = TestApp::spawn(Box::new(TempSqlite::new())).await;
    let huge = format!(
        "GET /health HTTP/1.1\r\nHost: localhost\r\nX-Padding: {}\r\n\r\n",
        "a".repeat(130 * 1024)
    );
    let many = (0..100).fold(String::new(), |mut head, n| {
        let _ = write!(head, "X-Header-{n}: {n}\r\n");
        head
    });
    let many = format!("GET /health HTTP/1.1\r\nHost: localhost\r\n{many}\r\n");
    for head in [huge, many] {
        let answer = answer_to(&app, head).await;
        assert!(answer.starts_with("HTTP/1.1 4"), "{answer}");
    }
    let within = format!(
        "GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nX-Padding: {}\r\n\r\n",
        "a".repeat(100 * 1024)
    );
    let answer = answer_to(&app, within).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}
