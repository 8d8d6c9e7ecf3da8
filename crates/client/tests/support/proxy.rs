//! A proxy in front of the service that misbehaves at random, as a network and a busy
//! load balancer do: one request per connection, and for each it either forwards it,
//! drops the connection before forwarding, answers 503 with `Retry-After` itself, or
//! forwards it and then drops the connection without the answer (the event is stored
//! and the caller does not know).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// How often each misbehaviour happens, in percent of requests.
#[derive(Debug, Clone, Copy)]
pub struct Faults {
    pub drop_before: u8,
    pub busy: u8,
    pub drop_after: u8,
}

/// What the proxy did, counted.
#[derive(Debug, Default)]
pub struct Counts {
    pub forwarded: AtomicU64,
    pub dropped_before: AtomicU64,
    pub busy: AtomicU64,
    pub dropped_after: AtomicU64,
}

/// Starts the proxy in front of `upstream` (`host:port`); its address, and its counts.
pub async fn start(upstream: String, faults: Faults) -> (String, Arc<Counts>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let counts = Arc::new(Counts::default());
    let shared = counts.clone();
    tokio::spawn(async move {
        loop {
            let Ok((client, _)) = listener.accept().await else {
                return;
            };
            let (upstream, counts) = (upstream.clone(), shared.clone());
            tokio::spawn(async move {
                let _ = serve(client, &upstream, faults, &counts).await;
            });
        }
    });
    (address, counts)
}

async fn serve(
    mut client: TcpStream,
    upstream: &str,
    faults: Faults,
    counts: &Counts,
) -> std::io::Result<()> {
    let Some(request) = read_message(&mut client).await? else {
        return Ok(());
    };
    let roll = percent();
    if roll < faults.drop_before {
        counts.dropped_before.fetch_add(1, Ordering::Relaxed);
        return Ok(());
    }
    if roll < faults.drop_before + faults.busy {
        counts.busy.fetch_add(1, Ordering::Relaxed);
        client
            .write_all(
                b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 0\r\n\
                  Content-Length: 0\r\nConnection: close\r\n\r\n",
            )
            .await?;
        return Ok(());
    }
    let mut service = TcpStream::connect(upstream).await?;
    service.write_all(&request).await?;
    let Some(answer) = read_message(&mut service).await? else {
        return Ok(());
    };
    if roll < faults.drop_before + faults.busy + faults.drop_after {
        counts.dropped_after.fetch_add(1, Ordering::Relaxed);
        return Ok(());
    }
    counts.forwarded.fetch_add(1, Ordering::Relaxed);
    client.write_all(&with_connection_close(&answer)).await?;
    Ok(())
}

/// One HTTP/1.1 message (head and a `Content-Length` body), or `None` at a clean end.
async fn read_message(stream: &mut TcpStream) -> std::io::Result<Option<Vec<u8>>> {
    let mut message = Vec::new();
    let mut chunk = [0_u8; 8192];
    let head_end = loop {
        if let Some(at) = find(&message, b"\r\n\r\n") {
            break at + 4;
        }
        let read = stream.read(&mut chunk).await?;
        if read == 0 {
            return Ok(None);
        }
        message.extend_from_slice(&chunk[..read]);
    };
    let head = String::from_utf8_lossy(&message[..head_end]).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|line| line.strip_prefix("content-length:"))
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or(0);
    while message.len() < head_end + length {
        let read = stream.read(&mut chunk).await?;
        if read == 0 {
            return Ok(None);
        }
        message.extend_from_slice(&chunk[..read]);
    }
    Ok(Some(message))
}

/// The answer with `Connection: close` after its status line: the proxy takes one
/// request per connection.
fn with_connection_close(answer: &[u8]) -> Vec<u8> {
    let line_end = find(answer, b"\r\n").map_or(answer.len(), |at| at + 2);
    let mut out = answer[..line_end].to_vec();
    out.extend_from_slice(b"Connection: close\r\n");
    out.extend_from_slice(&answer[line_end..]);
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// A number from 0 to 99, uniformly enough for faults.
fn percent() -> u8 {
    static STATE: AtomicU64 = AtomicU64::new(0x9E37_79B9_7F4A_7C15);
    // splitmix64 over a shared counter: a different number for every request.
    let mut z = STATE.fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    u8::try_from((z ^ (z >> 31)) % 100).unwrap_or(0)
}
