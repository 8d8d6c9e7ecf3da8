//! The `billing-events` binary run as an operator runs it: a release process on a
//! temporary SQLite file (or a given URL), JSON logs read line by line, keys made with
//! its own `keys` command.

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

/// The binary under test: `BILLING_TEST_BINARY` when set (`make test` sets it to the
/// release build, which is what operators run), else the one Cargo built for this test.
pub fn binary() -> String {
    std::env::var("BILLING_TEST_BINARY")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_billing-events").to_owned())
}
pub const CONFIG: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../config");

/// The binary, running on a temporary SQLite file with JSON logs on stdout.
pub struct Running {
    pub child: Child,
    pub lines: Receiver<String>,
    /// Every line read so far, for tests that check them all.
    pub seen: Vec<String>,
    pub port: u16,
    pub url: String,
    _folder: tempfile::TempDir,
}

/// `billing-events keys …` on the database at `url`, as an operator runs it.
pub fn keys_command(url: &str, args: &[&str]) -> std::process::Output {
    Command::new(binary())
        .env("BILLING_CONFIG_DIR", CONFIG)
        .env("BILLING__DATABASE__URL", url)
        .arg("keys")
        .args(args)
        .output()
        .expect("the binary runs")
}

/// Makes a key with `keys create` and returns the last line of its output: the key.
pub fn create_key(url: &str, args: &[&str]) -> String {
    let output = keys_command(url, &[&["create"], args].concat());
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    stdout.lines().last().unwrap().to_owned()
}

/// A client that sends `key` as a bearer token with every request.
pub fn client_with(key: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {key}").parse().unwrap(),
    );
    // Bounded: a request that never ends is an error the test sees, not a CI run that
    // hangs (a poster's request once waited forever after the service had stopped).
    reqwest::Client::builder()
        .default_headers(headers)
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

impl Running {
    pub fn start() -> Self {
        let folder = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/events.db", folder.path().display());
        Self::start_on(&url, folder)
    }

    /// The binary on the database at `url`; `folder` lives as long as the service.
    pub fn start_on(url: &str, folder: tempfile::TempDir) -> Self {
        Self::start_with(url, folder, &[])
    }

    /// As `start_on`, with more environment variables.
    pub fn start_with(url: &str, folder: tempfile::TempDir, environment: &[(&str, &str)]) -> Self {
        let mut child = Command::new(binary())
            .env("BILLING_CONFIG_DIR", CONFIG)
            .env("BILLING__SERVER__PORT", "0")
            .env("BILLING__SERVER__WORKERS", "1")
            .env("BILLING__SERVER__SHUTDOWN_GRACE_SECS", "5")
            .env("BILLING__DATABASE__URL", url)
            .env("BILLING__LOG__FORMAT", "json")
            .env_remove("RUST_LOG")
            // Last, so that a test's own settings win.
            .envs(environment.iter().copied())
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
            url: url.to_owned(),
            _folder: folder,
        };
        let listening = running.wait_for_line("billing-events is listening");
        let address = listening["address"].as_str().unwrap().to_owned();
        running.port = address.rsplit(':').next().unwrap().parse().unwrap();
        running
    }

    /// The next JSON log line whose message contains `text`, within 20 s.
    pub fn wait_for_line(&mut self, text: &str) -> Value {
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

    /// A client holding a new admin key of this service's database.
    pub fn admin_client(&self) -> reqwest::Client {
        client_with(&create_key(&self.url, &["--all-clients"]))
    }

    /// Every line logged until the process exits (after `terminate`).
    pub fn all_lines(mut self) -> Vec<String> {
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(5)) {
            self.seen.push(line);
        }
        std::mem::take(&mut self.seen)
    }

    /// Writes `request` as raw bytes on a new connection; everything read back until the
    /// service closes it (or 10 s pass).
    pub fn raw(&self, request: &[u8]) -> String {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        stream.write_all(request).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer);
        answer
    }

    /// The process's resident memory now, in KiB.
    pub fn resident_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("the process is running");
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))
            .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmRSS in /proc/PID/status")
    }

    /// What `/metrics` shows now.
    pub async fn metrics(&self) -> String {
        reqwest::get(format!("http://127.0.0.1:{}/metrics", self.port))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    pub fn terminate(&self) {
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
