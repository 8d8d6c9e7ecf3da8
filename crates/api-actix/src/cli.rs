//! The command line: `billing-events` serves; `billing-events keys …` manages API keys
//! with the same configuration, so `BILLING__DATABASE__URL` picks the database.

use crate::clock::SystemClock;
use crate::settings::Settings;
use app::{CreateApiKeyError, KeyHolder, ListApiKeysError, ManageApiKeys, RevokeApiKeyError};
use clap::{Parser, Subcommand};
use domain::{Access, ApiKeyRecord};
use std::io::Write;
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

/// Runs one key command against the configured database.
pub async fn run_keys(settings: Settings, command: KeysCommand) -> ExitCode {
    let stores = match infra_diesel::connect(&settings.database).await {
        Ok(stores) => stores,
        Err(error) if error.is_configuration() => {
            return fail(&Failure::Usage(app::error_chain(&error)))
        }
        Err(error) => return fail(&Failure::Other(app::error_chain(&error))),
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
