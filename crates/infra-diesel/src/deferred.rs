//! Stores that exist before their database does: the service starts, answers `/health`,
//! and refuses database work with `Unavailable` (503, `Retry-After`) until a primary
//! answers and is migrated. Then every call goes to the real stores.
//!
//! This is what lets a replica start during a failover, or before its database is up,
//! instead of exiting and leaving the restart to something else.

use crate::{Backend, ConnectError, Database, Repositories};
use app::{ApiKeyRepository, BillingEventRepository, InsertRequest, Insertion, RepositoryError};
use async_trait::async_trait;
use domain::{
    ApiKeyId, ApiKeyRecord, BillingEvent, BillingEventGuid, ClientName, EventFilter, EventStatus,
    GroupBy, HistoryEntry, Position, SettleOutcome, SettleTarget, SummaryRow, Timestamp,
};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// How long to wait between attempts to open the database.
const RETRY_EVERY: Duration = Duration::from_millis(500);

/// The stores once opened; until then, `Unavailable`.
#[derive(Debug, Default)]
struct Deferred {
    opened: OnceLock<Repositories>,
}

impl Deferred {
    fn stores(&self) -> Result<&Repositories, RepositoryError> {
        self.opened
            .get()
            .ok_or_else(|| RepositoryError::unavailable("the database is not open yet"))
    }
}

/// The stores on `database`, opened and migrated, as [`crate::connect`] opens them. A
/// SQLite file that cannot be opened is an error (nothing will change by waiting), and
/// so is a PostgreSQL server that refuses the credentials or the database. A
/// PostgreSQL server that does not answer, or answers as a standby, is waited for:
/// the stores come back at once, `Unavailable` until a background task, retrying every
/// half second, has opened and migrated the database. The first failure and the moment
/// it opens are logged, each once.
///
/// # Errors
/// As for [`crate::connect`], on SQLite; on PostgreSQL only when the failure is
/// permanent ([`ConnectError::is_permanent`]).
pub async fn connect_or_wait(database: &Database) -> Result<Repositories, ConnectError> {
    if let Backend::Sqlite { .. } = database.options.url.backend() {
        return crate::connect(database).await;
    }
    let failure = match crate::connect(database).await {
        Ok(stores) => return Ok(stores),
        Err(error) if error.is_permanent() => return Err(error),
        Err(error) => app::error_chain(&error),
    };
    tracing::warn!(
        error = %failure,
        "cannot open the database yet; serving, with /ready answering 503 until it opens"
    );
    let deferred = Arc::new(Deferred::default());
    let (waiting, database) = (deferred.clone(), database.clone());
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(RETRY_EVERY).await;
            match crate::connect(&database).await {
                Ok(stores) => {
                    tracing::info!("the database is open; serving");
                    let _ = waiting.opened.set(stores);
                    return;
                }
                // A newer release migrated it meanwhile, say: waiting will not help.
                Err(error) if error.is_permanent() => {
                    tracing::error!(
                        error = %app::error_chain(&error),
                        "this database cannot be served; /ready stays 503 until an operator acts"
                    );
                    return;
                }
                Err(error) => {
                    let error = app::error_chain(&error);
                    tracing::debug!(%error, "still waiting for the database");
                }
            }
        }
    });
    Ok(Repositories {
        events: deferred.clone(),
        keys: deferred,
    })
}

#[async_trait]
impl BillingEventRepository for Deferred {
    async fn insert(&self, item: InsertRequest) -> Result<Insertion, RepositoryError> {
        self.stores()?.events.insert(item).await
    }

    async fn insert_many(
        &self,
        items: Vec<InsertRequest>,
    ) -> Result<Vec<Insertion>, RepositoryError> {
        self.stores()?.events.insert_many(items).await
    }

    async fn find(&self, guid: BillingEventGuid) -> Result<Option<BillingEvent>, RepositoryError> {
        self.stores()?.events.find(guid).await
    }

    async fn settle(
        &self,
        scope: Option<&ClientName>,
        targets: &[SettleTarget],
        to: EventStatus,
        at: Timestamp,
        tx_id: &str,
    ) -> Result<Vec<SettleOutcome>, RepositoryError> {
        self.stores()?
            .events
            .settle(scope, targets, to, at, tx_id)
            .await
    }

    async fn history(
        &self,
        guid: BillingEventGuid,
    ) -> Result<Option<Vec<HistoryEntry>>, RepositoryError> {
        self.stores()?.events.history(guid).await
    }

    async fn list(
        &self,
        filter: &EventFilter,
        after: Option<Position>,
        limit: u32,
    ) -> Result<Vec<BillingEvent>, RepositoryError> {
        self.stores()?.events.list(filter, after, limit).await
    }

    async fn summarize(
        &self,
        filter: &EventFilter,
        group_by: &[GroupBy],
    ) -> Result<Vec<SummaryRow>, RepositoryError> {
        self.stores()?.events.summarize(filter, group_by).await
    }

    async fn ping(&self) -> Result<(), RepositoryError> {
        self.stores()?.events.ping().await
    }
}

#[async_trait]
impl ApiKeyRepository for Deferred {
    async fn add_key(&self, key: &ApiKeyRecord) -> Result<(), RepositoryError> {
        self.stores()?.keys.add_key(key).await
    }

    async fn find_key(&self, id: &ApiKeyId) -> Result<Option<ApiKeyRecord>, RepositoryError> {
        self.stores()?.keys.find_key(id).await
    }

    async fn list_keys(
        &self,
        client: Option<&ClientName>,
    ) -> Result<Vec<ApiKeyRecord>, RepositoryError> {
        self.stores()?.keys.list_keys(client).await
    }

    async fn revoke_key(&self, id: &ApiKeyId, at: Timestamp) -> Result<bool, RepositoryError> {
        self.stores()?.keys.revoke_key(id, at).await
    }
}
