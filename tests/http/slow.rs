//! A slow client cannot hold a worker: a body that does not arrive in time gets 408.

use crate::helpers::TestApp;
use infra_diesel::test_support::TempSqlite;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn a_body_that_trickles_in_too_slowly_gets_408() {
    let app = TestApp::spawn_with(
        Box::new(TempSqlite::new()),
        &[("BILLING__HTTP__BODY_TIMEOUT_MS", "300")],
    )
    .await;
    let address = app.address.trim_start_matches("http://").to_owned();
    let mut socket = tokio::net::TcpStream::connect(&address).await.unwrap();
    let head = format!(
        "POST /api/v1/BillingEvents/acme HTTP/1.1\r\nHost: localhost\r\n\
         Authorization: Bearer {}\r\nContent-Type: application/json\r\n\
         Content-Length: 100\r\n\r\n{{\"memberUni",
        app.admin_key
    );
    socket.write_all(head.as_bytes()).await.unwrap();
    let started = Instant::now();
    let mut answer = vec![0_u8; 4096];
    let read = tokio::time::timeout(Duration::from_secs(10), socket.read(&mut answer))
        .await
        .unwrap()
        .unwrap();
    let answer = String::from_utf8_lossy(&answer[..read]);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("application/problem+json"), "{answer}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        app.get("/health").await.status,
        200,
        "the service still serves"
    );
}
