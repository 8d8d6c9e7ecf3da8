//! Coalesced key lookups: concurrent requests that present keys share one read.
//!
//! Every request's key is read from the database, so a revocation counts from the next
//! request. Under load, though, thousands of requests a second present the same few
//! keys, and a read each would crowd the pool the writers need. So a dispatcher takes
//! every lookup that queued while the previous read was in flight, reads each distinct
//! id once, and answers them all. A lookup only ever joins a read that has not started,
//! so no request gets an answer older than itself.

use app::{ApiKeyRepository, RepositoryError};
use async_trait::async_trait;
use domain::{ApiKeyId, ApiKeyRecord, ClientName, Timestamp};
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// Lookups that may wait for the next read; past this, callers wait to queue.
const QUEUE_CAPACITY: usize = 10_000;

type Answer = Result<Option<ApiKeyRecord>, RepositoryError>;

struct Lookup {
    id: ApiKeyId,
    reply: oneshot::Sender<Answer>,
}

/// A key store whose `find_key` is coalesced; everything else goes straight through.
pub struct CoalescedKeyLookups {
    inner: Arc<dyn ApiKeyRepository>,
    queue: mpsc::Sender<Lookup>,
}

impl fmt::Debug for CoalescedKeyLookups {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CoalescedKeyLookups")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

impl CoalescedKeyLookups {
    /// Starts the dispatcher on the current tokio runtime; it stops when every clone of
    /// the returned `Arc` is dropped.
    pub fn start(inner: Arc<dyn ApiKeyRepository>) -> Arc<Self> {
        let (queue, lookups) = mpsc::channel(QUEUE_CAPACITY);
        tokio::spawn(dispatch(lookups, inner.clone()));
        Arc::new(Self { inner, queue })
    }
}

async fn dispatch(mut lookups: mpsc::Receiver<Lookup>, inner: Arc<dyn ApiKeyRepository>) {
    while let Some(first) = lookups.recv().await {
        let mut group = vec![first];
        while let Ok(next) = lookups.try_recv() {
            group.push(next);
        }
        let mut by_id: HashMap<ApiKeyId, Vec<oneshot::Sender<Answer>>> = HashMap::new();
        for lookup in group {
            by_id.entry(lookup.id).or_default().push(lookup.reply);
        }
        // Distinct ids are read side by side; the next group waits for this one.
        let mut reads = tokio::task::JoinSet::new();
        for (id, replies) in by_id {
            let inner = inner.clone();
            reads.spawn(async move {
                let answer = inner.find_key(&id).await;
                for reply in replies {
                    let _ = reply.send(answer.clone());
                }
            });
        }
        while reads.join_next().await.is_some() {}
    }
}

#[async_trait]
impl ApiKeyRepository for CoalescedKeyLookups {
    async fn add_key(&self, key: &ApiKeyRecord) -> Result<(), RepositoryError> {
        self.inner.add_key(key).await
    }

    async fn find_key(&self, id: &ApiKeyId) -> Answer {
        let (reply, answer) = oneshot::channel();
        let lookup = Lookup {
            id: id.clone(),
            reply,
        };
        let stopped = || RepositoryError::unavailable("the key lookup dispatcher stopped");
        self.queue.send(lookup).await.map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }

    async fn list_keys(
        &self,
        client: Option<&ClientName>,
    ) -> Result<Vec<ApiKeyRecord>, RepositoryError> {
        self.inner.list_keys(client).await
    }

    async fn revoke_key(&self, id: &ApiKeyId, at: Timestamp) -> Result<bool, RepositoryError> {
        self.inner.revoke_key(id, at).await
    }
}
