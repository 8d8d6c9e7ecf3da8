//! The schema a database holds, against the migrations this binary carries. A database
//! that holds a migration this binary does not know was migrated by a newer one: its
//! tables may mean what this binary cannot tell, so it is refused rather than served.
//! The version in use is logged at start and shown in `/metrics`.

use crate::ConnectError;
use diesel::backend::Backend;
use diesel::migration::{MigrationSource, MigrationVersion};
use std::sync::OnceLock;

/// The versions of `source`'s migrations, oldest first.
pub(crate) fn known<DB: Backend>(source: &impl MigrationSource<DB>) -> Vec<String> {
    let mut versions: Vec<String> = source
        .migrations()
        .map(|migrations| {
            migrations
                .iter()
                .map(|migration| migration.name().version().to_string())
                .collect()
        })
        .unwrap_or_default();
    versions.sort();
    versions
}

/// What a database holds against what this binary knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaComparison {
    /// Applied, and unknown to this binary: a newer one migrated the database.
    pub unknown: Vec<String>,
    /// Known, and not applied yet: the service applies them at start.
    pub pending: Vec<String>,
    /// The newest migration this binary carries.
    pub latest_known: String,
}

impl SchemaComparison {
    pub(crate) fn of(known: &[String], applied: &[String]) -> Self {
        let mut unknown: Vec<String> = applied
            .iter()
            .filter(|version| !known.contains(version))
            .cloned()
            .collect();
        unknown.sort();
        let pending = known
            .iter()
            .filter(|version| !applied.contains(version))
            .cloned()
            .collect();
        Self {
            unknown,
            pending,
            latest_known: known.last().cloned().unwrap_or_default(),
        }
    }

    /// `UnknownMigrations`, naming the newest unknown one and this binary's newest, when
    /// the database holds any migration this binary does not know.
    pub(crate) fn refuse_unknown(&self) -> Result<(), ConnectError> {
        match self.unknown.last() {
            Some(newest) => Err(ConnectError::UnknownMigrations {
                database: newest.clone(),
                binary: self.latest_known.clone(),
            }),
            None => Ok(()),
        }
    }
}

/// The versions in `applied`, as text.
pub(crate) fn versions(applied: &[MigrationVersion<'_>]) -> Vec<String> {
    applied.iter().map(ToString::to_string).collect()
}

static IN_USE: OnceLock<String> = OnceLock::new();

/// Logs that the database is at `known`'s newest migration, having just applied `ran`,
/// and keeps that version for [`schema_version`].
pub(crate) fn record(known: &[String], ran: &[MigrationVersion<'_>]) {
    let schema = known.last().cloned().unwrap_or_default();
    tracing::info!(
        schema = %schema,
        applied_now = ?versions(ran),
        migrations = known.len(),
        "database schema in use"
    );
    let _ = IN_USE.set(schema);
}

/// The schema version this process serves (the newest migration it applied or found
/// applied), once its database is open.
pub fn schema_version() -> Option<&'static str> {
    IN_USE.get().map(String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(versions: &[&str]) -> Vec<String> {
        versions.iter().map(|&v| v.to_owned()).collect()
    }

    #[test]
    fn a_migration_this_binary_does_not_know_is_refused_naming_both_versions() {
        let known = texts(&["20261126000000", "20261201000000"]);
        let applied = texts(&["20261126000000", "20261201000000", "20270101000000"]);
        let comparison = SchemaComparison::of(&known, &applied);
        assert_eq!(comparison.unknown, texts(&["20270101000000"]));
        let error = comparison.refuse_unknown().unwrap_err().to_string();
        assert!(
            error.contains("20270101000000") && error.contains("20261201000000"),
            "{error}"
        );
    }

    #[test]
    fn an_older_schema_is_pending_not_refused() {
        let known = texts(&["20261126000000", "20261201000000"]);
        let comparison = SchemaComparison::of(&known, &texts(&["20261126000000"]));
        assert_eq!(comparison.pending, texts(&["20261201000000"]));
        assert!(comparison.refuse_unknown().is_ok());
    }
}
