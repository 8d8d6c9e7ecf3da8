//! One client against the others, on the release binary: while one client does the
//! worst the limits allow, a victim client's requests are still answered, their p99
//! within twice their baseline (SQLite's one writer aside, see its case).
//!
//! A baseline under 10 ms counts as 10 ms. On this 2-core machine the other client's
//! work keeps a core and the disk busy however fairly the service shares what it holds
//! (PostgreSQL's own process, for a settlement), and a request then waits for the
//! scheduler now and then: the victim's reads went from a p99 of 1.3-2.7 ms to 6-12 ms,
//! their median unchanged, in runs where nothing of the service's was taken from them.
//! What the floor leaves to compare is what the service decides (pool, turns, writer,
//! memory), whose failures cost 503s and seconds. The cases take turns
//! (`ONE_AT_A_TIME`), and the service logs only warnings.

mod support;

use serde_json::json;
use std::io::{Read, Write};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::running::{client_with, create_key, Running};

/// Held by each case while it runs.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The least a baseline p99 counts as (see the top of this file).
const FLOOR: Duration = Duration::from_millis(10);

/// Requests the victim makes in each phase.
const SAMPLES: usize = 500;

/// The release binary on `url`, with a worker per core, logging warnings only.
fn service(url: &str, folder: tempfile::TempDir) -> Running {
    Running::start_with(
        url,
        folder,
        &[
            ("BILLING__SERVER__WORKERS", "0"),
            ("BILLING__LOG__FILTER", "warn,api_actix::startup=info"),
        ],
    )
}

fn on_sqlite() -> Running {
    let folder = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/events.db", folder.path().display());
    service(&url, folder)
}

/// Two clients of the service, each with a key of its own.
struct Clients {
    base: String,
    victim: reqwest::Client,
    hog: reqwest::Client,
    hog_key: String,
}

impl Clients {
    fn of(service: &Running) -> Self {
        let hog_key = create_key(&service.url, &["--client", "hog"]);
        Self {
            base: format!("http://127.0.0.1:{}", service.port),
            victim: client_with(&create_key(&service.url, &["--client", "acme"])),
            hog: client_with(&hog_key),
            hog_key,
        }
    }
}

fn event(guid: &str, member: usize) -> serde_json::Value {
    json!({"billingEventGuid": guid, "memberUniqueKey": format!("m{}", member % 50),
           "eventDateTime": "2026-11-01T00:00:00Z", "quantity": 1, "price": 2})
}

fn new_guid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// The victim's posts, one after another; each must be stored.
async fn posts(clients: &Clients) -> Vec<Duration> {
    let mut latencies = Vec::with_capacity(SAMPLES);
    for n in 0..SAMPLES {
        let started = Instant::now();
        let response = clients
            .victim
            .post(format!("{}/api/v1/BillingEvents/acme", clients.base))
            .json(&event(&new_guid(), n))
            .send()
            .await
            .unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        latencies.push(started.elapsed());
        assert_eq!(status, 201, "the victim's post: {text}");
    }
    latencies
}

/// The victim's reads of one of its events by guid, one after another.
async fn reads_by_guid(clients: &Clients) -> Vec<Duration> {
    let guid = new_guid();
    let posted = clients
        .victim
        .post(format!("{}/api/v1/BillingEvents/acme", clients.base))
        .json(&event(&guid, 0))
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), 201);
    let mut latencies = Vec::with_capacity(SAMPLES);
    for _ in 0..SAMPLES {
        let started = Instant::now();
        let response = clients
            .victim
            .get(format!("{}/api/v1/BillingEvents/{guid}", clients.base))
            .send()
            .await
            .unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        latencies.push(started.elapsed());
        assert_eq!(status, 200, "the victim's read: {text}");
    }
    latencies
}

fn spread(latencies: &[Duration]) -> String {
    let mut sorted = latencies.to_vec();
    sorted.sort();
    let at = |q: usize| sorted[(sorted.len() * q).div_ceil(100).max(1) - 1];
    format!(
        "p50 {:?} p90 {:?} p99 {:?} max {:?}",
        at(50),
        at(90),
        at(99),
        sorted[sorted.len() - 1]
    )
}

/// The 99th percentile.
fn p99(mut latencies: Vec<Duration>) -> Duration {
    latencies.sort();
    latencies[(latencies.len() * 99).div_ceil(100) - 1]
}

/// The victim's p99 under attack within twice its baseline (floored at 10 ms); and the
/// two p99s.
fn within_twice(baseline: Vec<Duration>, attacked: Vec<Duration>) -> (bool, String) {
    eprintln!("baseline {}", spread(&baseline));
    eprintln!("attacked {}", spread(&attacked));
    let (baseline, attacked) = (p99(baseline).max(FLOOR), p99(attacked));
    (
        attacked <= baseline * 2,
        format!("the victim's p99: {attacked:?} under attack, {baseline:?} before"),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_clients_held_bodies_leave_the_others_room_in_the_body_budget() {
    let _alone = ONE_AT_A_TIME.lock().await;
    let service = on_sqlite();
    let clients = Clients::of(&service);
    let baseline = posts(&clients).await;

    // Eight connections each send all but the last byte of the largest batch body and
    // hold it: before the shares, their declared lengths took the whole 64 MiB budget
    // and the victim's posts got 503.
    let (stop, sent) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicUsize::new(0)),
    );
    let length = 8 * 1024 * 1024 - 1;
    let holders: Vec<_> = (0..8)
        .map(|_| {
            let (stop, sent) = (stop.clone(), sent.clone());
            let (port, key) = (service.port, clients.hog_key.clone());
            std::thread::spawn(move || {
                let head = format!(
                    "POST /api/v1/BillingEvents/hog/batch HTTP/1.1\r\nHost: x\r\n\
                     Authorization: Bearer {key}\r\nContent-Type: application/json\r\n\
                     Content-Length: {length}\r\n\r\n["
                );
                let body = vec![b' '; length - 2];
                while !stop.load(Ordering::Relaxed) {
                    let Ok(mut connection) = std::net::TcpStream::connect(("127.0.0.1", port))
                    else {
                        continue;
                    };
                    if connection.write_all(head.as_bytes()).is_err()
                        || connection.write_all(&body).is_err()
                    {
                        continue;
                    }
                    sent.fetch_add(1, Ordering::Relaxed);
                    // Held, the last byte unsent, until the case ends or the service
                    // gives up on it.
                    connection
                        .set_read_timeout(Some(Duration::from_millis(100)))
                        .unwrap();
                    while !stop.load(Ordering::Relaxed)
                        && !matches!(connection.read(&mut [0; 512]), Ok(0))
                    {}
                }
            })
        })
        .collect();
    // Two bodies fill one share: once they are in, the hog holds all it may.
    while sent.load(Ordering::Relaxed) < 2 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let attacked = posts(&clients).await;
    stop.store(true, Ordering::Relaxed);
    for holder in holders {
        holder.join().unwrap();
    }
    let (held, report) = within_twice(baseline, attacked);
    eprintln!("{report}");
    assert!(held, "{report}");
}

/// `count` events of client hog, posted in batches; their guids.
async fn hog_events(clients: &Clients, count: usize) -> Vec<String> {
    let mut guids = Vec::with_capacity(count);
    while guids.len() < count {
        let batch: Vec<_> = (0..1_000.min(count - guids.len()))
            .map(|n| {
                let guid = new_guid();
                guids.push(guid.clone());
                event(&guid, n)
            })
            .collect();
        let response = clients
            .hog
            .post(format!("{}/api/v1/BillingEvents/hog/batch", clients.base))
            .json(&batch)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }
    guids
}

/// `attackers` callers of client hog, each settling all of `guids` again and again (to
/// Failed and back to Pending, so that every settlement changes every event) until
/// `stop`, counting the settlements done in `done`. They run on a thread and runtime of
/// their own, so that reading their answers does not delay the victim's client.
fn settling_without_end(
    clients: &Clients,
    guids: &[String],
    attackers: usize,
    stop: &Arc<AtomicBool>,
    done: &Arc<AtomicUsize>,
) -> std::thread::JoinHandle<()> {
    let bodies = Arc::new(
        ["Failed", "Pending"]
            .map(|status| json!({"status": status, "billingEventGuids": guids}).to_string()),
    );
    let (stop, done) = (stop.clone(), done.clone());
    let url = format!("{}/api/v1/BillingEvents/hog/status", clients.base);
    let hog = client_with(&clients.hog_key);
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let settlers = (0..attackers).map(|_| {
                let (stop, done, bodies) = (stop.clone(), done.clone(), bodies.clone());
                let request = hog.post(&url).header("Content-Type", "application/json");
                async move {
                    let mut turn = 0;
                    while !stop.load(Ordering::Relaxed) {
                        let request = request.try_clone().unwrap().body(bodies[turn % 2].clone());
                        if let Ok(response) = request.send().await {
                            if response.status() == 200 {
                                turn += 1;
                                done.fetch_add(1, Ordering::Relaxed);
                            }
                            let _ = response.bytes().await;
                        }
                    }
                }
            });
            futures_util::future::join_all(settlers).await;
        });
    })
}

/// Runs `attackers` settlers of 10,000 events until one settlement is done; the time
/// that took, and the settlers still at it (with what stops them).
async fn settle_until_one_is_done(
    clients: &Clients,
    guids: &[String],
    attackers: usize,
) -> (Duration, std::thread::JoinHandle<()>, Arc<AtomicBool>) {
    let (stop, done) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicUsize::new(0)),
    );
    let started = Instant::now();
    let settlers = settling_without_end(clients, guids, attackers, &stop, &done);
    while done.load(Ordering::Relaxed) == 0 {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    (started.elapsed(), settlers, stop)
}

async fn stopped(settlers: std::thread::JoinHandle<()>, stop: &AtomicBool) {
    stop.store(true, Ordering::Relaxed);
    tokio::task::spawn_blocking(move || settlers.join().unwrap())
        .await
        .unwrap();
}

/// SQLite has one writer, and a settlement of 10,000 events holds it for its whole
/// transaction: the most another client's post waits is that one settlement (the
/// settling client's others queue behind it, and behind the posts). Before, the posts
/// waited for all sixteen: 4.7-5.0 s. The bound allows two settlements, as one measured
/// alone varies by a third from run to run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixteen_heavy_settlements_hold_another_clients_posts_up_by_one_at_most_on_sqlite() {
    let _alone = ONE_AT_A_TIME.lock().await;
    let service = on_sqlite();
    let clients = Clients::of(&service);
    let guids = hog_events(&clients, 10_000).await;
    let baseline = posts(&clients).await;
    let (one_settlement, settler, stop) = settle_until_one_is_done(&clients, &guids, 1).await;
    stopped(settler, &stop).await;

    let (_, settlers, stop) = settle_until_one_is_done(&clients, &guids, 16).await;
    let attacked = posts(&clients).await;
    stopped(settlers, &stop).await;
    let (baseline, attacked) = (p99(baseline).max(FLOOR), p99(attacked));
    eprintln!(
        "the victim's p99: {attacked:?} under attack, {baseline:?} before; \
         one settlement alone: {one_settlement:?}"
    );
    assert!(
        attacked <= baseline * 2 + one_settlement * 2,
        "the victim's p99: {attacked:?} under attack, {baseline:?} before; \
         one settlement alone: {one_settlement:?}"
    );
}

#[cfg(feature = "postgres-tests")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_heavy_settlements_leave_another_clients_reads_alone_on_postgres() {
    use infra_diesel::test_support::{TempPostgres, TestDatabase};
    let _alone = ONE_AT_A_TIME.lock().await;
    let database = TempPostgres::new();
    let service = service(&database.url(), tempfile::tempdir().unwrap());
    let clients = Clients::of(&service);
    let guids = hog_events(&clients, 10_000).await;
    let baseline = reads_by_guid(&clients).await;
    let (_, settlers, stop) = settle_until_one_is_done(&clients, &guids, 10).await;
    let attacked = reads_by_guid(&clients).await;
    stopped(settlers, &stop).await;
    let (held, report) = within_twice(baseline, attacked);
    eprintln!("{report}");
    assert!(held, "{report}");
}

/// Settlements whose client hangs up as soon as each is sent, sixteen every 100 ms: one
/// already at work finishes (SQLite cannot stop a statement), the others never start.
/// Before, each ran on after its client had left, and the posts queued behind them all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settlements_whose_client_hung_up_do_not_run_on() {
    let _alone = ONE_AT_A_TIME.lock().await;
    let service = on_sqlite();
    let clients = Clients::of(&service);
    let guids = hog_events(&clients, 10_000).await;
    let baseline = posts(&clients).await;
    let (one_settlement, settler, stop) = settle_until_one_is_done(&clients, &guids, 1).await;
    stopped(settler, &stop).await;

    let body = json!({"status": "Failed", "billingEventGuids": guids}).to_string();
    let request = format!(
        "POST /api/v1/BillingEvents/hog/status HTTP/1.1\r\nHost: x\r\n\
         Authorization: Bearer {}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n{body}",
        clients.hog_key,
        body.len()
    );
    let stop = Arc::new(AtomicBool::new(false));
    let port = service.port;
    let hanging_up = std::thread::spawn({
        let stop = stop.clone();
        move || {
            while !stop.load(Ordering::Relaxed) {
                for _ in 0..16 {
                    if let Ok(mut connection) = std::net::TcpStream::connect(("127.0.0.1", port)) {
                        let _ = connection.write_all(request.as_bytes());
                    }
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    });
    let attacked = posts(&clients).await;
    stop.store(true, Ordering::Relaxed);
    hanging_up.join().unwrap();
    let (baseline, attacked) = (p99(baseline).max(FLOOR), p99(attacked));
    let report = format!(
        "the victim's p99: {attacked:?} among the hang-ups, {baseline:?} before; \
         one settlement alone: {one_settlement:?}"
    );
    eprintln!("{report}");
    assert!(attacked <= baseline * 2 + one_settlement, "{report}");
}
