//! The database section of the service's settings: as written (deserialised by the
//! service's configuration) and as checked, with the defaults that depend on the
//! backend decided here, where the backends are known.

use crate::{Backend, DatabaseOptions, DatabaseUrl, GroupCommitOptions};
use serde::Deserialize;
use std::time::Duration;

/// `[database]` as written.
#[derive(Debug, Clone, Deserialize)]
pub struct DatabaseSettings {
    /// `sqlite://path` or `postgres://…`; no default outside the development profile.
    pub url: Option<String>,
    pub pool_size: u32,
    pub connect_timeout_ms: u64,
    pub long_read_timeout_ms: u64,
    pub sqlite_busy_timeout_ms: u64,
    pub group_commit: GroupCommitSettings,
}

/// `[database.group_commit]` as written.
#[derive(Debug, Clone, Deserialize)]
pub struct GroupCommitSettings {
    pub max_batch: usize,
    pub queue_capacity: usize,
    /// 0: the backend's default (1 on SQLite, 2 on PostgreSQL).
    pub concurrent_commits: usize,
}

/// How to open the database and how to group its commits, checked.
#[derive(Debug, Clone)]
pub struct Database {
    pub options: DatabaseOptions,
    pub group_commit: GroupCommitOptions,
}

/// A database setting that cannot be used, named by its key under `database.`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`database.{key}` {problem}")]
pub struct DatabaseSettingError {
    pub key: &'static str,
    pub problem: String,
}

impl DatabaseSettings {
    /// The settings checked, with the backend's defaults filled in.
    ///
    /// # Errors
    /// The first setting that cannot be used.
    pub fn check(self) -> Result<Database, DatabaseSettingError> {
        let invalid = |key, problem: &str| DatabaseSettingError {
            key,
            problem: problem.to_owned(),
        };
        let url = self.url.as_deref().ok_or_else(|| {
            invalid(
                "url",
                "is not set: set BILLING__DATABASE__URL. Outside the development profile there \
                 is no default, so that the service never runs on a file nobody backs up",
            )
        })?;
        let url = DatabaseUrl::parse(url).map_err(|e| invalid("url", &e.to_string()))?;
        if self.pool_size == 0 {
            return Err(invalid("pool_size", "must be at least 1"));
        }
        if self.connect_timeout_ms == 0 {
            return Err(invalid("connect_timeout_ms", "must be at least 1"));
        }
        let commits = self.group_commit;
        if commits.max_batch == 0 {
            return Err(invalid("group_commit.max_batch", "must be at least 1"));
        }
        if commits.queue_capacity == 0 {
            return Err(invalid("group_commit.queue_capacity", "must be at least 1"));
        }
        let concurrent_commits = match (commits.concurrent_commits, url.backend()) {
            (0, Backend::Sqlite { .. }) => 1,
            // Two: one group commits while the next one gathers. More transactions in
            // flight make smaller groups, and each costs a round trip and a commit of
            // its own (docs/performance.md).
            (0, Backend::Postgres) => (self.pool_size as usize).clamp(1, 2),
            (chosen, _) => chosen,
        };
        Ok(Database {
            options: DatabaseOptions {
                url,
                pool_size: self.pool_size,
                connect_timeout: Duration::from_millis(self.connect_timeout_ms),
                // Never shorter than an ordinary call's bound.
                long_read_timeout: Duration::from_millis(
                    self.long_read_timeout_ms.max(self.connect_timeout_ms),
                ),
                sqlite_busy_timeout: Duration::from_millis(self.sqlite_busy_timeout_ms),
            },
            group_commit: GroupCommitOptions {
                max_batch: commits.max_batch,
                queue_capacity: commits.queue_capacity,
                concurrent_commits,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(url: &str, pool_size: u32, concurrent_commits: usize) -> DatabaseSettings {
        DatabaseSettings {
            url: Some(url.into()),
            pool_size,
            connect_timeout_ms: 5_000,
            long_read_timeout_ms: 30_000,
            sqlite_busy_timeout_ms: 5_000,
            group_commit: GroupCommitSettings {
                max_batch: 512,
                queue_capacity: 10_000,
                concurrent_commits,
            },
        }
    }

    #[test]
    fn group_commits_default_to_one_writer_on_sqlite_and_two_on_postgresql() {
        let commits = |url, pool, chosen| {
            written(url, pool, chosen)
                .check()
                .unwrap()
                .group_commit
                .concurrent_commits
        };
        assert_eq!(commits("sqlite://data/x.db", 16, 0), 1);
        assert_eq!(commits("postgres://db/billing", 16, 0), 2);
        assert_eq!(commits("postgres://db/billing", 1, 0), 1);
        assert_eq!(
            commits("postgres://db/billing", 16, 5),
            5,
            "a chosen value wins"
        );
    }

    #[test]
    fn unusable_settings_are_named() {
        let key = |settings: DatabaseSettings| settings.check().unwrap_err().key;
        assert_eq!(key(written("mysql://x/y", 8, 0)), "url");
        assert_eq!(key(written("sqlite://x.db", 0, 0)), "pool_size");
        let mut no_batch = written("sqlite://x.db", 8, 0);
        no_batch.group_commit.max_batch = 0;
        assert_eq!(key(no_batch), "group_commit.max_batch");
    }
}
