//! The API-key store on the same pool as the events: the steps here, the statements in
//! each backend's `keys` module.

use crate::error::{corrupt_row, DbError};
use crate::pooled::{Lane, PooledRepository, Queries};
use app::{ApiKeyRepository, RepositoryError};
use async_trait::async_trait;
use domain::{Access, ApiKeyHash, ApiKeyId, ApiKeyRecord, ClientName, Timestamp};

/// The statements one backend runs for keys.
pub(crate) trait KeyQueries: Queries {
    fn add_key(conn: &mut Self::Connection, key: &ApiKeyRecord) -> Result<(), DbError>;

    fn find_key(conn: &mut Self::Connection, id: &ApiKeyId) -> Result<Option<StoredKey>, DbError>;

    fn list_keys(
        conn: &mut Self::Connection,
        client: Option<&ClientName>,
    ) -> Result<Vec<StoredKey>, DbError>;

    /// Sets `revoked_at` where it is not set yet; whether a key has this id.
    fn revoke_key(
        conn: &mut Self::Connection,
        id: &ApiKeyId,
        at: Timestamp,
    ) -> Result<bool, DbError>;
}

/// The columns of one stored key, in backend-neutral types.
pub(crate) struct StoredKey {
    pub id: String,
    pub client_name: Option<String>,
    pub label: Option<String>,
    pub key_hash: Vec<u8>,
    pub created: Timestamp,
    pub revoked: Option<Timestamp>,
}

impl StoredKey {
    fn into_record(self) -> Result<ApiKeyRecord, RepositoryError> {
        let hash: [u8; 32] = self
            .key_hash
            .try_into()
            .map_err(|_| corrupt_row("key hash", "not 32 bytes"))?;
        Ok(ApiKeyRecord {
            id: ApiKeyId::parse(&self.id).map_err(|e| corrupt_row("key id", e))?,
            access: match self.client_name {
                None => Access::AllClients,
                Some(name) => Access::Client(
                    ClientName::parse(&name).map_err(|e| corrupt_row("key client", e))?,
                ),
            },
            label: self.label,
            hash: ApiKeyHash::from_bytes(hash),
            created: self.created,
            revoked: self.revoked,
        })
    }
}

fn records(keys: Vec<StoredKey>) -> Result<Vec<ApiKeyRecord>, DbError> {
    Ok(keys
        .into_iter()
        .map(StoredKey::into_record)
        .collect::<Result<_, _>>()?)
}

#[async_trait]
impl<Q: KeyQueries> ApiKeyRepository for PooledRepository<Q> {
    async fn add_key(&self, key: &ApiKeyRecord) -> Result<(), RepositoryError> {
        let key = key.clone();
        self.run_write(Lane::Shared, move |conn| Q::add_key(conn, &key))
            .await
    }

    async fn find_key(&self, id: &ApiKeyId) -> Result<Option<ApiKeyRecord>, RepositoryError> {
        let id = id.clone();
        self.run(move |conn| {
            Ok(Q::find_key(conn, &id)?
                .map(StoredKey::into_record)
                .transpose()?)
        })
        .await
    }

    async fn list_keys(
        &self,
        client: Option<&ClientName>,
    ) -> Result<Vec<ApiKeyRecord>, RepositoryError> {
        let client = client.cloned();
        self.run(move |conn| records(Q::list_keys(conn, client.as_ref())?))
            .await
    }

    async fn revoke_key(&self, id: &ApiKeyId, at: Timestamp) -> Result<bool, RepositoryError> {
        let id = id.clone();
        self.run_write(Lane::Shared, move |conn| Q::revoke_key(conn, &id, at))
            .await
    }
}

/// Writes `KeyQueries` for one backend; the backends differ only in how an instant is
/// stored (`$to_column` and `$from_column` convert).
macro_rules! key_queries {
    ($queries:ty, $connection:ty, $table:path, $time:ty, $to_column:expr, $from_column:expr) => {
        impl $crate::keys::KeyQueries for $queries {
            fn add_key(
                conn: &mut $connection,
                key: &domain::ApiKeyRecord,
            ) -> Result<(), $crate::error::DbError> {
                use diesel::prelude::*;
                use $table as api_keys;
                let to_column: fn(domain::Timestamp) -> $time = $to_column;
                diesel::insert_into(api_keys::table)
                    .values((
                        api_keys::id.eq(key.id.as_str()),
                        api_keys::client_name.eq(key.access.client().map(|c| c.as_str())),
                        api_keys::label.eq(key.label.as_deref()),
                        api_keys::key_hash.eq(key.hash.as_bytes().as_slice()),
                        api_keys::created_at.eq(to_column(key.created)),
                        api_keys::revoked_at.eq(key.revoked.map(to_column)),
                    ))
                    .execute(conn)?;
                Ok(())
            }

            fn find_key(
                conn: &mut $connection,
                id: &domain::ApiKeyId,
            ) -> Result<Option<$crate::keys::StoredKey>, $crate::error::DbError> {
                use diesel::prelude::*;
                use $table as api_keys;
                let row = api_keys::table
                    .filter(api_keys::id.eq(id.as_str()))
                    .first::<KeyRow>(conn)
                    .optional()?;
                Ok(row.map(KeyRow::into_stored).transpose()?)
            }

            fn list_keys(
                conn: &mut $connection,
                client: Option<&domain::ClientName>,
            ) -> Result<Vec<$crate::keys::StoredKey>, $crate::error::DbError> {
                use diesel::prelude::*;
                use $table as api_keys;
                let mut query = api_keys::table
                    .order((api_keys::created_at.asc(), api_keys::id.asc()))
                    .into_boxed();
                if let Some(client) = client {
                    query = query.filter(api_keys::client_name.eq(client.as_str().to_owned()));
                }
                let rows: Vec<KeyRow> = query.load(conn)?;
                Ok(rows
                    .into_iter()
                    .map(KeyRow::into_stored)
                    .collect::<Result<_, _>>()?)
            }

            fn revoke_key(
                conn: &mut $connection,
                id: &domain::ApiKeyId,
                at: domain::Timestamp,
            ) -> Result<bool, $crate::error::DbError> {
                use diesel::prelude::*;
                use $table as api_keys;
                let to_column: fn(domain::Timestamp) -> $time = $to_column;
                diesel::update(
                    api_keys::table
                        .filter(api_keys::id.eq(id.as_str()))
                        .filter(api_keys::revoked_at.is_null()),
                )
                .set(api_keys::revoked_at.eq(to_column(at)))
                .execute(conn)?;
                let found: i64 = api_keys::table
                    .filter(api_keys::id.eq(id.as_str()))
                    .count()
                    .get_result(conn)?;
                Ok(found == 1)
            }
        }

        #[derive(diesel::Queryable)]
        struct KeyRow {
            id: String,
            client_name: Option<String>,
            label: Option<String>,
            key_hash: Vec<u8>,
            created_at: $time,
            revoked_at: Option<$time>,
        }

        impl KeyRow {
            fn into_stored(self) -> Result<$crate::keys::StoredKey, app::RepositoryError> {
                let from_column: fn($time) -> Result<domain::Timestamp, _> = $from_column;
                let instant = |value| {
                    from_column(value).map_err(|e| $crate::error::corrupt_row("key time", e))
                };
                Ok($crate::keys::StoredKey {
                    id: self.id,
                    client_name: self.client_name,
                    label: self.label,
                    key_hash: self.key_hash,
                    created: instant(self.created_at)?,
                    revoked: self.revoked_at.map(instant).transpose()?,
                })
            }
        }
    };
}

pub(crate) use key_queries;
