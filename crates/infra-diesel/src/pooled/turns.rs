//! Turns that work waits for before it takes a connection: writers one at a time where
//! the backend takes one writer (SQLite), and the few turns reads that grow with the
//! data share, so that they cannot take the whole pool.

use app::RepositoryError;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// A fixed number of turns, taken first come first served (tokio's semaphore is fair),
/// each caller waiting at most `patience` for one. A turn is owned, so that a long read
/// can carry it to its thread and hold it as long as it runs there, not as long as its
/// caller waits: a caller whose deadline passes leaves a read running that still counts.
/// A writer's turn goes to its thread the same way, and is held across its one retry.
pub(super) struct Turns {
    permits: Arc<Semaphore>,
    patience: Duration,
    what: &'static str,
}

impl Turns {
    /// SQLite takes one writer at a time, and its busy handler makes the others poll for
    /// the lock with growing sleeps (up to 100 ms), in no order: under a few concurrent
    /// writers the file sits idle between them and one unlucky writer can wait out the
    /// whole `busy_timeout`. So writers queue here instead, one turn, each waiting at
    /// most the same `busy_timeout`.
    pub fn one_writer(patience: Duration) -> Self {
        Self::new(1, patience, "to write")
    }

    /// Reads whose cost grows with the data (summaries): at most a quarter of a pool of
    /// `pool_size` (at least one) at once, so that however many a caller starts, the
    /// rest of the pool is left for short requests.
    pub fn long_reads(pool_size: u32, patience: Duration) -> Self {
        Self::new((pool_size / 4).max(1) as usize, patience, "for a long read")
    }

    fn new(turns: usize, patience: Duration, what: &'static str) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(turns)),
            patience,
            what,
        }
    }

    /// A turn, or `Unavailable` when none comes within the patience.
    pub async fn turn(&self) -> Result<OwnedSemaphorePermit, RepositoryError> {
        tokio::time::timeout(self.patience, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| {
                RepositoryError::unavailable(format!(
                    "no turn {} within {:?}",
                    self.what, self.patience
                ))
            })?
            .map_err(RepositoryError::unexpected)
    }

    pub fn available(&self) -> usize {
        self.permits.available_permits()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_writer_whose_turn_does_not_come_in_time_is_unavailable() {
        let writers = Turns::one_writer(Duration::from_millis(1));
        let held = writers.turn().await.unwrap();
        assert!(matches!(
            writers.turn().await,
            Err(RepositoryError::Unavailable(_))
        ));
        drop(held);
        assert!(
            writers.turn().await.is_ok(),
            "the next writer gets the turn"
        );
    }

    #[tokio::test]
    async fn long_reads_share_a_quarter_of_the_pool() {
        let reads = Turns::long_reads(8, Duration::from_millis(1));
        let (first, second) = (reads.turn().await.unwrap(), reads.turn().await.unwrap());
        assert!(matches!(
            reads.turn().await,
            Err(RepositoryError::Unavailable(_))
        ));
        drop((first, second));
        assert_eq!(reads.available(), 2);
        assert_eq!(
            Turns::long_reads(1, Duration::ZERO).available(),
            1,
            "at least one"
        );
    }
}
