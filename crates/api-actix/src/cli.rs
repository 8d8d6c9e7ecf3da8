//! The command line: `billing-events` serves; `billing-events keys …` manages API keys
//! with the same configuration, so `BILLING__DATABASE__URL` picks the database.

use crate::clock::SystemClock;
use crate::settings::Settings;
use app::{CreateApiKeyError, KeyHolder, ListApiKeysError, ManageApiKeys, RevokeApiKeyError};
use clap::{Parser, Subcommand};
use domain::{Access, ApiKeyRecord};
use infra_diesel::Backend;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Debug, Parser)]
#[command(
    name = "billing-events",
    version,
    about = "Records billing events for the members of many clients."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the HTTP API (what running with no command does).
    Serve,
    /// Create, list and revoke API keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Check that the database can be trusted with money, changing nothing: SQLite's
    /// integrity, every event's creation line, PostgreSQL's monthly totals against the
    /// events, and a schema this binary knows. Exits 1 when a check fails.
    Verify,
    /// Apply the migrations this binary carries, then exit (a deploy step of its own,
    /// before the replicas start).
    Migrate,
    /// SQLite: copy the database, consistently while the service runs, to a new file
    /// readable by its owner alone, and check the copy.
    Backup { path: PathBuf },
    /// SQLite: check a backup, then put it in place of the database (kept beside it as
    /// `<file>.replaced-<time>`, with its WAL). Refused while the service runs.
    Restore { path: PathBuf },
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Make a key and print it once, alone on the last line.
    Create {
        /// The client the key acts for.
        #[arg(
            long,
            required_unless_present = "all_clients",
            conflicts_with = "all_clients"
        )]
        client: Option<String>,
        /// An admin key, which may act for every client.
        #[arg(long)]
        all_clients: bool,
        /// A note to tell keys apart (where it is used, who holds it).
        #[arg(long)]
        label: Option<String>,
    },
    /// List keys (never the keys themselves): id, client, label, created, revoked.
    List {
        /// Only this client's keys.
        #[arg(long)]
        client: Option<String>,
    },
    /// Revoke a key by its id; it is refused from the next request on.
    Revoke { id: String },
}

/// Why a key command failed: a usage error (exit 2) or anything else (exit 1).
enum Failure {
    Usage(String),
    Other(String),
}

impl From<CreateApiKeyError> for Failure {
    fn from(error: CreateApiKeyError) -> Self {
        match error {
            CreateApiKeyError::InvalidClient(_)
            | CreateApiKeyError::LabelTooLong
            | CreateApiKeyError::LabelControlCharacter => Failure::Usage(error.to_string()),
            other => Failure::Other(app::error_chain(&other)),
        }
    }
}

impl From<ListApiKeysError> for Failure {
    fn from(error: ListApiKeysError) -> Self {
        match error {
            ListApiKeysError::InvalidClient(_) => Failure::Usage(error.to_string()),
            ListApiKeysError::Repository(_) => Failure::Other(app::error_chain(&error)),
        }
    }
}

impl From<RevokeApiKeyError> for Failure {
    fn from(error: RevokeApiKeyError) -> Self {
        match error {
            RevokeApiKeyError::InvalidId(_) => Failure::Usage(error.to_string()),
            other => Failure::Other(app::error_chain(&other)),
        }
    }
}

/// Runs one key command against the configured database, which must exist and be
/// migrated.
pub async fn run_keys(settings: Settings, command: KeysCommand) -> ExitCode {
    let stores = match infra_diesel::connect_existing(&settings.database).await {
        Ok(stores) => stores,
        Err(error) => return fail(&connect_failure(&error)),
    };
    let manage = ManageApiKeys::new(stores.keys, Arc::new(SystemClock));
    let mut out = std::io::stdout().lock();
    let result = match command {
        KeysCommand::Create {
            client,
            all_clients: _,
            label,
        } => {
            let holder = client.map_or(KeyHolder::AllClients, KeyHolder::Client);
            match manage.create(holder, label).await {
                Ok(issued) => writeln!(
                    out,
                    "created key {} for {}\nstore it now: it is shown only this once\n{}",
                    issued.record.id,
                    holder_of(&issued.record),
                    issued.text
                )
                .map_err(|e| Failure::Other(e.to_string())),
                Err(error) => Err(error.into()),
            }
        }
        KeysCommand::List { client } => match manage.list(client.as_deref()).await {
            Ok(keys) => print_keys(&mut out, &keys).map_err(|e| Failure::Other(e.to_string())),
            Err(error) => Err(error.into()),
        },
        KeysCommand::Revoke { id } => match manage.revoke(&id).await {
            Ok(id) => writeln!(out, "revoked key {id}").map_err(|e| Failure::Other(e.to_string())),
            Err(error) => Err(error.into()),
        },
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => fail(&failure),
    }
}

/// A connect error as a failure: usage (exit 2) where an operator must act first.
fn connect_failure(error: &infra_diesel::ConnectError) -> Failure {
    if error.needs_an_operator() {
        Failure::Usage(app::error_chain(error))
    } else {
        Failure::Other(app::error_chain(error))
    }
}

/// `billing-events verify`: each check on a line, `ok` or `FAIL` and what is wrong.
pub async fn run_verify(settings: Settings) -> ExitCode {
    let options = settings.database.options.clone();
    let report = match tokio::task::spawn_blocking(move || infra_diesel::verify(&options)).await {
        Ok(Ok(report)) => report,
        Ok(Err(error)) => return fail(&connect_failure(&error)),
        Err(error) => return fail(&Failure::Other(error.to_string())),
    };
    for check in &report.checks {
        match &check.problem {
            None => println!("ok    {}", check.what),
            Some(problem) => println!("FAIL  {}: {problem}", check.what),
        }
    }
    if report.is_clean() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// `billing-events migrate`.
pub async fn run_migrate(settings: Settings) -> ExitCode {
    let options = settings.database.options.clone();
    match tokio::task::spawn_blocking(move || infra_diesel::open(&options)).await {
        Ok(Ok(_)) => {
            println!(
                "the database is at schema {}",
                infra_diesel::schema_version().unwrap_or("(unknown)")
            );
            ExitCode::SUCCESS
        }
        Ok(Err(error)) => fail(&connect_failure(&error)),
        Err(error) => fail(&Failure::Other(error.to_string())),
    }
}

/// The SQLite file of the settings, or why a file command does not apply.
fn sqlite_file(settings: &Settings, command: &str) -> Result<PathBuf, Failure> {
    match settings.database.options.url.backend() {
        Backend::Sqlite { path } => Ok(PathBuf::from(path)),
        Backend::Postgres => Err(Failure::Usage(format!(
            "`{command}` is for SQLite; on PostgreSQL use pg_dump and pg_restore as \
             docs/operations.md shows"
        ))),
    }
}

/// `billing-events backup PATH` and `billing-events restore PATH`.
pub async fn run_file_command(settings: Settings, restore: bool, path: PathBuf) -> ExitCode {
    let command = if restore { "restore" } else { "backup" };
    let database = match sqlite_file(&settings, command) {
        Ok(database) => database,
        Err(failure) => return fail(&failure),
    };
    let done = tokio::task::spawn_blocking(move || -> Result<String, infra_diesel::FileError> {
        if restore {
            let replaced = infra_diesel::restore_sqlite(&database, &path)?;
            Ok(format!(
                "restored {} from {}, checked{}",
                database.display(),
                path.display(),
                replaced.map_or_else(String::new, |aside| format!(
                    "; the file it replaced is kept as {}",
                    aside.display()
                ))
            ))
        } else {
            infra_diesel::backup_sqlite(&database, &path)?;
            Ok(format!(
                "backed up {} to {}, checked",
                database.display(),
                path.display()
            ))
        }
    })
    .await;
    match done {
        Ok(Ok(said)) => {
            println!("{said}");
            ExitCode::SUCCESS
        }
        Ok(Err(error)) => fail(&Failure::Other(app::error_chain(&error))),
        Err(error) => fail(&Failure::Other(error.to_string())),
    }
}

fn fail(failure: &Failure) -> ExitCode {
    match failure {
        Failure::Usage(message) => {
            eprintln!("billing-events: {message}");
            ExitCode::from(2)
        }
        Failure::Other(message) => {
            eprintln!("billing-events: {message}");
            ExitCode::FAILURE
        }
    }
}

fn holder_of(record: &ApiKeyRecord) -> String {
    match &record.access {
        Access::AllClients => "every client".to_owned(),
        Access::Client(client) => format!("client {client}"),
    }
}

/// A label as it may be shown: a character that could hide or reorder what is printed
/// (in a label stored before such labels were refused) as its escape, `\u{202e}`.
fn printable(label: &str) -> String {
    label
        .chars()
        .map(|c| {
            if app::may_print(c) {
                c.to_string()
            } else {
                c.escape_unicode().to_string()
            }
        })
        .collect()
}

/// One tab-separated line per key under a header; `*` stands for every client.
fn print_keys(out: &mut impl Write, keys: &[ApiKeyRecord]) -> std::io::Result<()> {
    writeln!(out, "id\tclient\tlabel\tcreated\trevoked")?;
    for key in keys {
        writeln!(
            out,
            "{}\t{}\t{}\t{}\t{}",
            key.id,
            key.access.client().map_or("*", |client| client.as_str()),
            key.label
                .as_deref()
                .map_or_else(|| "-".to_owned(), printable),
            key.created,
            key.revoked
                .map_or_else(|| "-".to_owned(), |at| at.to_string()),
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::printable;

    #[test]
    fn a_label_that_could_reorder_what_is_printed_is_escaped() {
        assert_eq!(printable("ci-2027"), "ci-2027");
        assert_eq!(printable("ci\u{202E}dlo"), "ci\\u{202e}dlo");
        assert_eq!(printable("a\tb"), "a\\u{9}b");
    }
}
