//! Configuration: `config/default.toml`, then `config/{BILLING_ENV}.toml` when
//! `BILLING_ENV` is set, then environment variables `BILLING__SECTION__KEY`.
//!
//! Everything is checked at start-up; a bad setting stops the service with a message
//! that names it. The database URL is held as a `DatabaseUrl`, whose `Debug` and
//! `Display` hide its password.

use crate::connection::ConnectionRules;
use crate::encode::{TimeMembers, XmlContract};
use crate::limits::{BodyLimits, Limits};
use app::record_billing_events::MAX_ITEMS_CEILING;
use config::{Config, Environment, File, FileFormat};
use infra_diesel::{Database, DatabaseSettings};
use serde::Deserialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The checked settings of one process.
#[derive(Debug, Clone)]
pub struct Settings {
    pub server: ServerSettings,
    /// How to open the database and group its commits (infra-diesel's own section).
    pub database: Database,
    pub batch: BatchSettings,
    pub http: HttpSettings,
    pub log: LogSettings,
    pub auth: AuthSettings,
    /// The data contract of XML answers.
    pub xml: XmlContract,
}

/// Who may call, and how often.
#[derive(Debug, Clone, Copy, Deserialize)]
pub struct AuthSettings {
    /// Off only for development: every caller may then act for every client.
    pub required: bool,
    /// Requests per second each key may make on average (per replica)…
    pub rate_per_second: u32,
    /// …and in one burst.
    pub burst: u32,
}

#[derive(Debug, Clone, Deserialize)]
pub struct BatchSettings {
    /// Items in one batch, 1 to `MAX_ITEMS_CEILING` (10,000).
    pub max_items: usize,
    pub max_body_bytes: usize,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ServerSettings {
    pub host: String,
    pub port: u16,
    /// HTTP worker threads; 0 means one per core.
    pub workers: usize,
    /// How long in-flight requests get to finish after SIGTERM/SIGINT.
    pub shutdown_grace_secs: u64,
    /// Open connections, all hosts together; past it new ones wait in the backlog.
    pub max_connections: usize,
    /// Open connections from one host (an IPv6 /64 counts as one); past it a new one is
    /// closed at once. 0: no bound of its own (behind a proxy, every connection is its).
    pub max_connections_per_host: usize,
    /// Connections the kernel holds before the service accepts them.
    pub backlog: u32,
}

impl ServerSettings {
    /// The HTTP worker threads to start: `workers`, or one per core when it is 0.
    pub fn worker_count(&self) -> usize {
        match self.workers {
            0 => std::thread::available_parallelism().map_or(1, usize::from),
            workers => workers,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct HttpSettings {
    pub max_body_bytes: usize,
    /// For bulk settlements, which name up to 10,000 guids.
    pub max_bulk_body_bytes: usize,
    /// Time for a client to send its request head; then the connection is closed.
    pub head_timeout_ms: u64,
    /// Time for a client to send its body; then 408.
    pub body_timeout_ms: u64,
    /// Time an idle connection is kept open for its next request. Once a connection has
    /// no request in hand, this plus `head_timeout_ms` is what it gets to deliver its next
    /// request head and take the answers it is owed; then it is closed.
    pub keep_alive_ms: u64,
    /// Bytes read from a connection ahead of what the service has taken.
    pub read_ahead_bytes: usize,
    /// Bytes of request bodies held at once, across every request; a body that finds
    /// no room within a second is refused with 503.
    pub max_buffered_body_bytes: usize,
    /// Of those, the most one caller's share holds (a client's keys together, or one
    /// admin key).
    pub max_buffered_body_bytes_per_share: usize,
    /// Bulk settlements, batches and summaries one share runs at once; another waits
    /// for its turn up to `database.connect_timeout_ms`, then gets 429.
    pub max_heavy_requests_per_share: u32,
}

impl HttpSettings {
    /// The bounds each connection is held to.
    pub fn connection_rules(&self) -> ConnectionRules {
        ConnectionRules {
            idle_allowance: Duration::from_millis(self.keep_alive_ms + self.head_timeout_ms),
            read_ahead: self.read_ahead_bytes,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct LogSettings {
    pub format: LogFormat,
    /// An `EnvFilter` directive, e.g. `info` or `info,api_actix=debug`.
    pub filter: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

/// The `[xml]` section as written.
#[derive(Debug, Clone, Deserialize)]
struct XmlSettings {
    namespace: String,
    time_members: TimeMembers,
}

#[derive(Deserialize)]
struct Sections {
    server: ServerSettings,
    database: DatabaseSettings,
    batch: BatchSettings,
    http: HttpSettings,
    log: LogSettings,
    auth: AuthSettings,
    xml: XmlSettings,
}

/// A setting that stops start-up.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("configuration: {0}")]
    Load(#[from] config::ConfigError),
    #[error("configuration: `{key}` {problem}")]
    Invalid { key: &'static str, problem: String },
}

impl Settings {
    /// Loads from `BILLING_CONFIG_DIR` (default `config/`) and the process environment.
    pub fn load() -> Result<Self, SettingsError> {
        let folder = std::env::var_os("BILLING_CONFIG_DIR")
            .map_or_else(|| PathBuf::from("config"), PathBuf::from);
        Self::load_from(&folder, std::env::vars().collect())
    }

    /// Loads from `folder` with `environment` standing for the process environment.
    pub fn load_from(
        folder: &Path,
        environment: HashMap<String, String>,
    ) -> Result<Self, SettingsError> {
        let mut builder = Config::builder()
            .add_source(File::from(folder.join("default.toml")).format(FileFormat::Toml));
        if let Some(profile) = environment.get("BILLING_ENV").filter(|p| !p.is_empty()) {
            builder = builder.add_source(
                File::from(folder.join(format!("{profile}.toml"))).format(FileFormat::Toml),
            );
        }
        let sections: Sections = builder
            .add_source(
                Environment::with_prefix("BILLING")
                    .prefix_separator("__")
                    .separator("__")
                    .source(Some(environment)),
            )
            .build()?
            .try_deserialize()?;
        Self::check(sections)
    }

    /// Every limit a request is held to.
    pub fn limits(&self) -> Limits {
        Limits {
            body_bytes: BodyLimits {
                event: self.http.max_body_bytes,
                settlement: self.http.max_bulk_body_bytes,
                batch: self.batch.max_body_bytes,
            },
            body_timeout: Duration::from_millis(self.http.body_timeout_ms),
            buffered_body_bytes: self.http.max_buffered_body_bytes,
            share_body_bytes: self.http.max_buffered_body_bytes_per_share,
            heavy_per_share: self.http.max_heavy_requests_per_share,
            heavy_patience: self.database.options.connect_timeout,
            batch_items: self.batch.max_items,
            settlement_guids: app::settle_billing_events::MAX_GUIDS,
            page_events: app::list_billing_events::MAX_LIMIT,
        }
    }

    fn check(sections: Sections) -> Result<Self, SettingsError> {
        let invalid = |key, problem: &str| SettingsError::Invalid {
            key,
            problem: problem.to_owned(),
        };
        let Sections {
            server,
            database,
            batch,
            http,
            log,
            auth,
            xml,
        } = sections;
        let database = database.check().map_err(|error| SettingsError::Invalid {
            key: "database",
            problem: error.to_string(),
        })?;
        if http.max_body_bytes == 0 {
            return Err(invalid("http.max_body_bytes", "must be at least 1"));
        }
        if http.head_timeout_ms == 0 || http.body_timeout_ms == 0 {
            return Err(invalid(
                "http.head_timeout_ms",
                "and http.body_timeout_ms must be at least 1",
            ));
        }
        if http.max_heavy_requests_per_share == 0 {
            return Err(invalid(
                "http.max_heavy_requests_per_share",
                "must be at least 1",
            ));
        }
        if http.keep_alive_ms == 0 {
            return Err(invalid("http.keep_alive_ms", "must be at least 1"));
        }
        if http.read_ahead_bytes < 1024 {
            return Err(invalid("http.read_ahead_bytes", "must be at least 1024"));
        }
        if server.max_connections == 0 || server.backlog == 0 {
            return Err(invalid(
                "server.max_connections",
                "and server.backlog must be at least 1",
            ));
        }
        if http.max_bulk_body_bytes == 0 {
            return Err(invalid("http.max_bulk_body_bytes", "must be at least 1"));
        }
        if !(1..=MAX_ITEMS_CEILING).contains(&batch.max_items) {
            return Err(invalid(
                "batch.max_items",
                &format!("must be from 1 to {MAX_ITEMS_CEILING}"),
            ));
        }
        if batch.max_body_bytes == 0 {
            return Err(invalid("batch.max_body_bytes", "must be at least 1"));
        }
        let largest_body = http
            .max_body_bytes
            .max(http.max_bulk_body_bytes)
            .max(batch.max_body_bytes);
        if http.max_buffered_body_bytes_per_share < largest_body
            || http.max_buffered_body_bytes_per_share > http.max_buffered_body_bytes
        {
            return Err(invalid(
                "http.max_buffered_body_bytes_per_share",
                "must be at least the largest body limit and at most max_buffered_body_bytes",
            ));
        }
        if http.max_buffered_body_bytes < largest_body {
            return Err(invalid(
                "http.max_buffered_body_bytes",
                "must be at least the largest body limit (or that body could never be read)",
            ));
        }
        if auth.rate_per_second == 0 || auth.burst == 0 {
            return Err(invalid(
                "auth.rate_per_second",
                "and auth.burst must be at least 1",
            ));
        }
        if server.host.trim().is_empty() {
            return Err(invalid("server.host", "must not be empty"));
        }
        tracing_subscriber::EnvFilter::try_new(&log.filter)
            .map_err(|e| invalid("log.filter", &format!("is not a valid filter: {e}")))?;
        let xml = XmlContract::new(&xml.namespace, xml.time_members)
            .map_err(|error| invalid("xml.namespace", &error.to_string()))?;
        Ok(Self {
            server,
            database,
            batch,
            http,
            log,
            auth,
            xml,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use infra_diesel::Backend;

    fn shipped_config() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config")
    }

    /// Exactly these variables.
    fn only(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    /// These variables, and a database URL unless they name one: outside the development
    /// profile the shipped configuration has none.
    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        let mut variables = only(&[("BILLING__DATABASE__URL", "sqlite://data/test.db")]);
        variables.extend(only(pairs));
        variables
    }

    #[test]
    fn without_the_development_profile_the_database_url_must_be_set() {
        let error = Settings::load_from(&shipped_config(), only(&[])).unwrap_err();
        assert!(error.to_string().contains("database.url"), "{error}");
        assert!(
            error.to_string().contains("BILLING__DATABASE__URL"),
            "{error}"
        );
    }

    #[test]
    fn the_development_profile_serves_sqlite_on_8080() {
        let settings =
            Settings::load_from(&shipped_config(), only(&[("BILLING_ENV", "development")]))
                .unwrap();
        assert_eq!(settings.server.host, "127.0.0.1");
        assert_eq!(settings.server.port, 8080);
        assert_eq!(settings.http.max_body_bytes, 65_536);
        assert_eq!(settings.xml, XmlContract::default());
        assert_eq!(
            settings.database.options.url.backend(),
            Backend::Sqlite {
                path: "data/billing-events.db"
            }
        );
        assert_eq!(settings.log.format, LogFormat::Pretty);
    }

    #[test]
    fn environment_variables_override_every_section() {
        let settings = Settings::load_from(
            &shipped_config(),
            env(&[
                ("BILLING__SERVER__PORT", "9090"),
                ("BILLING__SERVER__HOST", "0.0.0.0"),
                ("BILLING__DATABASE__URL", "postgres://billing:pw@db/billing"),
                ("BILLING__DATABASE__POOL_SIZE", "3"),
                ("BILLING__HTTP__MAX_BODY_BYTES", "1024"),
                ("BILLING__LOG__FORMAT", "json"),
                ("BILLING__LOG__FILTER", "debug"),
            ]),
        )
        .unwrap();
        assert_eq!(settings.server.port, 9090);
        assert_eq!(settings.server.host, "0.0.0.0");
        assert_eq!(settings.database.options.url.backend(), Backend::Postgres);
        assert_eq!(settings.database.options.pool_size, 3);
        assert_eq!(settings.http.max_body_bytes, 1024);
        assert_eq!(settings.log.format, LogFormat::Json);
        assert_eq!(settings.log.filter, "debug");
    }

    #[test]
    fn a_profile_file_overlays_the_defaults_and_the_environment_overlays_it() {
        let folder = tempfile::tempdir().unwrap();
        std::fs::copy(
            shipped_config().join("default.toml"),
            folder.path().join("default.toml"),
        )
        .unwrap();
        std::fs::write(
            folder.path().join("staging.toml"),
            "[server]\nport = 7000\nworkers = 3\n",
        )
        .unwrap();
        let settings = Settings::load_from(
            folder.path(),
            env(&[
                ("BILLING_ENV", "staging"),
                ("BILLING__SERVER__WORKERS", "5"),
            ]),
        )
        .unwrap();
        assert_eq!(settings.server.port, 7000);
        assert_eq!(settings.server.workers, 5);
    }

    #[test]
    fn the_database_section_is_read_into_infra_diesels_settings() {
        let settings = Settings::load_from(
            &shipped_config(),
            env(&[
                ("BILLING__DATABASE__URL", "postgres://db/billing"),
                ("BILLING__DATABASE__GROUP_COMMIT__CONCURRENT_COMMITS", "5"),
            ]),
        )
        .unwrap();
        assert_eq!(settings.database.group_commit.concurrent_commits, 5);
        assert_eq!(settings.database.group_commit.max_batch, 512);
    }

    #[test]
    fn a_missing_profile_file_stops_start_up() {
        let error =
            Settings::load_from(&shipped_config(), env(&[("BILLING_ENV", "nope")])).unwrap_err();
        assert!(error.to_string().contains("nope.toml"), "{error}");
    }

    #[test]
    fn keys_are_required_unless_the_development_profile_says_otherwise() {
        let shipped = Settings::load_from(&shipped_config(), env(&[])).unwrap();
        assert!(shipped.auth.required);
        let development =
            Settings::load_from(&shipped_config(), env(&[("BILLING_ENV", "development")])).unwrap();
        assert!(!development.auth.required);
    }

    #[test]
    fn bad_settings_are_named() {
        for (key, value, named) in [
            ("BILLING__SERVER__PORT", "eighty", "port"),
            ("BILLING__SERVER__PORT", "70000", "port"),
            ("BILLING__DATABASE__URL", "mysql://x/y", "database.url"),
            ("BILLING__DATABASE__POOL_SIZE", "0", "database.pool_size"),
            ("BILLING__HTTP__MAX_BODY_BYTES", "0", "http.max_body_bytes"),
            (
                "BILLING__HTTP__READ_AHEAD_BYTES",
                "100",
                "http.read_ahead_bytes",
            ),
            ("BILLING__HTTP__KEEP_ALIVE_MS", "0", "http.keep_alive_ms"),
            (
                "BILLING__SERVER__MAX_CONNECTIONS",
                "0",
                "server.max_connections",
            ),
            ("BILLING__LOG__FORMAT", "xml", "format"),
            ("BILLING__LOG__FILTER", "info,[[[", "log.filter"),
            ("BILLING__BATCH__MAX_ITEMS", "10001", "batch.max_items"),
            (
                "BILLING__AUTH__RATE_PER_SECOND",
                "0",
                "auth.rate_per_second",
            ),
            ("BILLING__AUTH__REQUIRED", "maybe", "required"),
            ("BILLING__XML__NAMESPACE", "not a uri", "xml.namespace"),
            ("BILLING__XML__TIME_MEMBERS", "Ticks", "time_members"),
            (
                "BILLING__DATABASE__GROUP_COMMIT__MAX_BATCH",
                "0",
                "database.group_commit.max_batch",
            ),
        ] {
            let error = Settings::load_from(&shipped_config(), env(&[(key, value)])).unwrap_err();
            assert!(error.to_string().contains(named), "{key}={value}: {error}");
        }
    }

    #[test]
    fn the_database_password_never_shows_in_debug_output() {
        let settings = Settings::load_from(
            &shipped_config(),
            env(&[(
                "BILLING__DATABASE__URL",
                "postgres://billing:hunter2@db/billing",
            )]),
        )
        .unwrap();
        let printed = format!("{settings:?}");
        assert!(!printed.contains("hunter2"), "{printed}");
        assert!(
            printed.contains("postgres://billing:***@db/billing"),
            "{printed}"
        );
    }
}
