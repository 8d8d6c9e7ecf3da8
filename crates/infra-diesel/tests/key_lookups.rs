//! Coalesced key lookups: concurrent lookups share reads, and none is answered from a
//! read older than itself.

use app::{ApiKeyRepository, RepositoryError};
use async_trait::async_trait;
use domain::{Access, ApiKeyId, ApiKeyRecord, ClientName, IssuedKey, Timestamp};
use infra_diesel::test_support::{options_for, TempSqlite, TestDatabase};
use infra_diesel::CoalescedKeyLookups;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

fn key(byte: u8) -> IssuedKey {
    IssuedKey::from_random(
        [byte; 8],
        [byte; 32],
        Access::Client(ClientName::parse("acme").unwrap()),
        None,
        Timestamp::parse("2026-01-01T00:00:00Z").unwrap(),
    )
}

/// A store that holds one key, counts reads and takes 50 ms for each.
#[derive(Debug)]
struct SlowStore {
    key: ApiKeyRecord,
    reads: AtomicUsize,
}

#[async_trait]
impl ApiKeyRepository for SlowStore {
    async fn add_key(&self, _: &ApiKeyRecord) -> Result<(), RepositoryError> {
        unimplemented!("not used")
    }

    async fn find_key(&self, id: &ApiKeyId) -> Result<Option<ApiKeyRecord>, RepositoryError> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(50)).await;
        Ok((*id == self.key.id).then(|| self.key.clone()))
    }

    async fn list_keys(
        &self,
        _: Option<&ClientName>,
    ) -> Result<Vec<ApiKeyRecord>, RepositoryError> {
        unimplemented!("not used")
    }

    async fn revoke_key(&self, _: &ApiKeyId, _: Timestamp) -> Result<bool, RepositoryError> {
        unimplemented!("not used")
    }
}

/// On a paused clock, the 50 ms read ends only once every task is waiting: all 64 are
/// queued while the first read is in flight, however slow the machine.
#[tokio::test(start_paused = true)]
async fn sixty_four_concurrent_lookups_share_a_few_reads_and_get_the_same_answers() {
    let stored = key(1).record;
    let store = Arc::new(SlowStore {
        key: stored.clone(),
        reads: AtomicUsize::new(0),
    });
    let lookups = CoalescedKeyLookups::start(store.clone());
    let unknown = key(2).record.id;
    let tasks: Vec<_> = (0..64)
        .map(|n| {
            let lookups = lookups.clone();
            let id = if n % 2 == 0 {
                stored.id.clone()
            } else {
                unknown.clone()
            };
            tokio::spawn(async move { (n, lookups.find_key(&id).await.unwrap()) })
        })
        .collect();
    for task in tasks {
        let (n, found) = task.await.unwrap();
        let expected = (n % 2 == 0).then(|| stored.clone());
        assert_eq!(found, expected, "lookup {n}");
    }
    // Two ids: the first group may hold only the first lookup, the next holds the rest.
    let reads = store.reads.load(Ordering::SeqCst);
    assert!(reads <= 4, "{reads} reads for 64 lookups");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_revocation_counts_from_the_next_lookup_on_a_real_database() {
    let database = TempSqlite::new();
    let url = database.url();
    let keys = tokio::task::spawn_blocking(move || infra_diesel::open(&options_for(&url)))
        .await
        .unwrap()
        .unwrap()
        .keys;
    let lookups = CoalescedKeyLookups::start(keys.clone());
    let issued = key(3);
    lookups.add_key(&issued.record).await.unwrap();
    assert_eq!(
        lookups.find_key(&issued.record.id).await.unwrap(),
        Some(issued.record.clone())
    );
    let at = Timestamp::parse("2026-02-01T00:00:00Z").unwrap();
    assert!(keys.revoke_key(&issued.record.id, at).await.unwrap());
    let after = lookups.find_key(&issued.record.id).await.unwrap().unwrap();
    assert_eq!(after.revoked, Some(at));
}
