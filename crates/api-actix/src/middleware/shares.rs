//! Per-share semaphores: what one caller's share may hold at once of something the
//! service has a fixed amount of (body memory, heavy work), so that a caller past its
//! share waits on itself and not in front of the others.

use domain::{Access, ApiKeyId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Whose share of what the service holds for requests (body memory, heavy work) a
/// request draws on: a client's keys share one, each admin key has its own, and with
/// keys off (development) every caller draws on one. A caller past its share waits on
/// itself, not in front of the others.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Share(std::sync::Arc<str>);

impl Share {
    #[cfg(test)]
    pub fn for_tests(name: &str) -> Self {
        Self(name.into())
    }

    pub fn of(access: &Access, key: &ApiKeyId) -> Self {
        Self(match access {
            Access::Client(client) => format!("client {client}").into(),
            Access::AllClients => format!("key {key}").into(),
        })
    }
}

/// A semaphore of `per_share` permits for each share that draws on it. A share's
/// semaphore is made on its first use and forgotten when nobody holds or waits on it,
/// so the map holds only the shares at work (every share is an admitted key's).
#[derive(Debug, Clone)]
pub struct PerShare {
    per_share: u32,
    shares: Arc<Mutex<HashMap<Share, Arc<Semaphore>>>>,
}

impl PerShare {
    pub fn new(per_share: u32) -> Self {
        Self {
            per_share,
            shares: Arc::default(),
        }
    }

    /// `permits` of `share`'s, waiting at most `patience`; `None` when they do not come.
    pub async fn acquire(
        &self,
        share: &Share,
        permits: u32,
        patience: Duration,
    ) -> Option<ShareHeld> {
        let semaphore = self
            .shares
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(share.clone())
            .or_insert_with(|| Arc::new(Semaphore::new(self.per_share as usize)))
            .clone();
        // Made first, so that a wait that fails forgets the share as a release does.
        let mut held = ShareHeld {
            owner: self.clone(),
            share: share.clone(),
            semaphore: semaphore.clone(),
            permit: None,
        };
        let permit = tokio::time::timeout(patience, semaphore.acquire_many_owned(permits))
            .await
            .ok()?
            .ok()?;
        held.permit = Some(permit);
        Some(held)
    }

    #[cfg(test)]
    pub fn shares_at_work(&self) -> usize {
        self.shares
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

/// Permits of one share's, given back when dropped (also when they never came: the
/// share is then forgotten if nobody else is at work on it).
#[derive(Debug)]
pub struct ShareHeld {
    owner: PerShare,
    share: Share,
    semaphore: Arc<Semaphore>,
    permit: Option<OwnedSemaphorePermit>,
}

impl Drop for ShareHeld {
    fn drop(&mut self) {
        self.permit.take();
        let mut shares = self
            .owner
            .shares
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        // Held by the map and by this alone: nobody else holds or waits on it.
        if Arc::strong_count(&self.semaphore) == 2 {
            shares.remove(&self.share);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_share_waits_on_itself_and_the_others_go_on() {
        let turns = PerShare::new(1);
        let (hog, other) = (Share::for_tests("hog"), Share::for_tests("other"));
        let held = turns.acquire(&hog, 1, Duration::ZERO).await.unwrap();
        let patience = Duration::from_millis(10);
        assert!(turns.acquire(&hog, 1, patience).await.is_none());
        assert!(turns.acquire(&other, 1, patience).await.is_some());
        drop(held);
        assert!(turns.acquire(&hog, 1, patience).await.is_some());
        assert_eq!(turns.shares_at_work(), 0, "idle shares are forgotten");
    }
}
