//! What one host can hold of the release binary with no key at all, through raw
//! sockets: every request head of a connection has its deadline, a client that pipelines
//! and never reads holds bounded memory, one host holds a bounded share of the
//! connections, and the listen backlog is the configured one.

mod support;

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};
use support::running::Running;

/// The service with a short idle allowance (0.5 s keep-alive plus 0.5 s for a head).
fn with_short_allowance(more: &[(&str, &str)]) -> Running {
    let folder = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/events.db", folder.path().display());
    let settings = [
        &[
            ("BILLING__HTTP__HEAD_TIMEOUT_MS", "500"),
            ("BILLING__HTTP__KEEP_ALIVE_MS", "500"),
        ][..],
        more,
    ]
    .concat();
    Running::start_with(&url, folder, &settings)
}

fn connect(service: &Running) -> TcpStream {
    TcpStream::connect(("127.0.0.1", service.port)).unwrap()
}

/// Sends `GET /health` and reads its whole answer.
fn health_on(stream: &mut TcpStream) -> String {
    get_on(stream, "/health")
}

/// Sends `GET path` and reads its whole answer (it has a `Content-Length`).
fn get_on(stream: &mut TcpStream, path: &str) -> String {
    stream
        .write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
        .unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut answer = Vec::new();
    let mut buffer = [0; 4096];
    while !answer_is_whole(&answer) {
        let n = stream.read(&mut buffer).unwrap();
        assert!(n > 0, "closed mid-answer: {answer:?}");
        answer.extend_from_slice(&buffer[..n]);
    }
    String::from_utf8(answer).unwrap()
}

fn answer_is_whole(answer: &[u8]) -> bool {
    let text = String::from_utf8_lossy(answer);
    let Some((head, body)) = text.split_once("\r\n\r\n") else {
        return false;
    };
    let length = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    body.len() >= length
}

/// How long until the service closes `stream` (end of stream or reset), reading and
/// dropping anything it sends; `None` if it is still open after `patience`.
fn closed_within(stream: &mut TcpStream, patience: Duration) -> Option<Duration> {
    let start = Instant::now();
    let mut buffer = vec![0; 65_536];
    loop {
        let left = patience.checked_sub(start.elapsed())?;
        stream
            .set_read_timeout(Some(left.max(Duration::from_millis(1))))
            .unwrap();
        match stream.read(&mut buffer) {
            Ok(0) => return Some(start.elapsed()),
            Ok(_) => {}
            Err(error) if matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return None
            }
            Err(_) => return Some(start.elapsed()),
        }
    }
}

fn counter(metrics: &str, series: &str) -> u64 {
    metrics
        .lines()
        .find_map(|line| line.strip_prefix(series)?.trim().parse().ok())
        .unwrap_or(0)
}

#[test]
fn a_connection_that_stalls_in_a_later_request_head_is_closed() {
    let service = with_short_allowance(&[]);
    let mut stalled = connect(&service);
    assert!(health_on(&mut stalled).starts_with("HTTP/1.1 200"));
    stalled.write_all(b"G").unwrap();
    let closed = closed_within(&mut stalled, Duration::from_secs(10));
    let closed = closed.expect("a connection with one byte of a second head is still open");
    assert!(
        closed >= Duration::from_millis(800),
        "closed too early: {closed:?}"
    );
}

#[test]
fn a_connection_that_drips_a_later_head_is_closed_at_its_deadline() {
    let service = with_short_allowance(&[]);
    let mut dripping = connect(&service);
    assert!(health_on(&mut dripping).starts_with("HTTP/1.1 200"));
    // One byte every 200 ms: each byte is progress, none completes a head.
    let start = Instant::now();
    let mut closed = false;
    for byte in b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: 1234567890123456789\r\n" {
        if dripping.write_all(&[*byte]).is_err()
            || closed_within(&mut dripping, Duration::from_millis(200)).is_some()
        {
            closed = true;
            break;
        }
    }
    assert!(closed, "still open after {:?} of dripping", start.elapsed());
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn a_client_that_pipelines_and_never_reads_holds_bounded_memory() {
    // The default deadlines: with 0.5 s, the one worker busy with the flood may come
    // back to the other connection after its head deadline and rightly answer 408.
    let service = Running::start();
    let before = service.resident_kib();
    // The smallest requests make the most of them per byte; 20 connections keep sending
    // as long as the service reads, and never read an answer.
    let request = b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n".repeat(100);
    let mut connections: Vec<TcpStream> = (0..20).map(|_| connect(&service)).collect();
    for connection in &connections {
        connection.set_nonblocking(true).unwrap();
    }
    let until = Instant::now() + Duration::from_secs(3);
    let mut peak = before;
    while Instant::now() < until {
        for connection in &mut connections {
            let _ = connection.write(&request);
        }
        peak = peak.max(service.resident_kib());
    }
    let rise_mib = (peak - before) / 1024;
    // Before the bound, each such connection held 11–13 MiB of decoded requests.
    assert!(
        rise_mib < 32,
        "20 pipelining connections took {rise_mib} MiB"
    );
    // The service answers everyone else meanwhile.
    let mut other = connect(&service);
    let answer = health_on(&mut other);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[test]
fn one_host_holds_at_most_its_share_of_connections() {
    let service = with_short_allowance(&[
        ("BILLING__SERVER__MAX_CONNECTIONS_PER_HOST", "3"),
        ("BILLING__HTTP__KEEP_ALIVE_MS", "20000"),
    ]);
    let mut held: Vec<TcpStream> = (0..3).map(|_| connect(&service)).collect();
    for connection in &mut held {
        assert!(health_on(connection).starts_with("HTTP/1.1 200"));
    }
    let mut fourth = connect(&service);
    let _ = fourth.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
    let closed = closed_within(&mut fourth, Duration::from_secs(5));
    assert!(
        closed.is_some(),
        "a fourth connection from one host is served"
    );
    let metrics = get_on(&mut held[0], "/metrics");
    assert_eq!(
        counter(
            &metrics,
            "http_connections_refused_total{reason=\"host_limit\"}"
        ),
        1,
        "{metrics}"
    );
    // A closed connection gives its place back, once the service has seen it close.
    drop(held.pop());
    let served = (0..100).any(|_| {
        let mut next = connect(&service);
        next.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            .is_ok()
            && closed_within(&mut next, Duration::from_millis(50)).is_none()
    });
    assert!(
        served,
        "the place of a closed connection is never given back"
    );
}

#[test]
fn the_listen_backlog_is_the_configured_one() {
    let service = with_short_allowance(&[("BILLING__SERVER__BACKLOG", "777")]);
    let output = std::process::Command::new("ss")
        .args(["-Hltn", &format!("sport = :{}", service.port)])
        .output()
        .expect("ss (iproute2) runs");
    let listing = String::from_utf8(output.stdout).unwrap();
    // For a listening socket, ss shows the backlog as Send-Q (the third column).
    let backlog: Vec<&str> = listing
        .lines()
        .filter_map(|line| line.split_whitespace().nth(2))
        .collect();
    assert_eq!(backlog, ["777"], "{listing}");
}
