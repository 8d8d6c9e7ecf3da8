//! Turns that work waits for before it takes a connection: writers one at a time where
//! the backend takes one writer (SQLite), and the few turns reads that grow with the
//! data share, so that they cannot take the whole pool.

use app::RepositoryError;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, SemaphorePermit};

/// SQLite takes one writer at a time, and its busy handler makes the others poll for
/// the lock with growing sleeps (up to 100 ms), in no order: under a few concurrent
/// writers the file sits idle between them and one unlucky writer can wait out the
/// whole `busy_timeout`. So writers queue here instead, first come first served (tokio's
/// semaphore is fair), each waiting at most the same `busy_timeout`.
pub(super) struct WriterQueue {
    turn: Semaphore,
    patience: Duration,
}

impl WriterQueue {
    pub fn new(patience: Duration) -> Self {
        Self {
            turn: Semaphore::new(1),
            patience,
        }
    }

    /// This writer's turn, or `Unavailable` when it does not come within the patience.
    pub async fn turn(&self) -> Result<SemaphorePermit<'_>, RepositoryError> {
        wait_for(&self.turn, self.patience, "to write").await
    }
}

/// Turns for reads whose cost grows with the data (summaries): at most a quarter of the
/// pool (at least one) at once, so that however many a caller starts, the rest of the
/// pool is left for short requests. A turn is owned, so that it can go with the read to
/// its thread and last as long as the read runs there, not as long as a caller waits:
/// a caller whose deadline passes leaves a read running that still counts.
pub(super) struct LongReads {
    turns: Arc<Semaphore>,
    patience: Duration,
}

impl LongReads {
    /// For a pool of `pool_size`, each read waiting at most `patience`.
    pub fn new(pool_size: u32, patience: Duration) -> Self {
        Self {
            turns: Arc::new(Semaphore::new((pool_size / 4).max(1) as usize)),
            patience,
        }
    }

    /// A long read's turn, or `Unavailable` when none comes within the patience.
    pub async fn turn(&self) -> Result<OwnedSemaphorePermit, RepositoryError> {
        let patience = self.patience;
        tokio::time::timeout(patience, self.turns.clone().acquire_owned())
            .await
            .map_err(|_| no_turn("for a long read", patience))?
            .map_err(RepositoryError::unexpected)
    }

    pub fn available(&self) -> usize {
        self.turns.available_permits()
    }
}

async fn wait_for<'a>(
    turns: &'a Semaphore,
    patience: Duration,
    what: &str,
) -> Result<SemaphorePermit<'a>, RepositoryError> {
    tokio::time::timeout(patience, turns.acquire())
        .await
        .map_err(|_| no_turn(what, patience))?
        .map_err(RepositoryError::unexpected)
}

fn no_turn(what: &str, patience: Duration) -> RepositoryError {
    RepositoryError::unavailable(format!("no turn {what} within {patience:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_writer_whose_turn_does_not_come_in_time_is_unavailable() {
        let writers = WriterQueue::new(Duration::from_millis(1));
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
        let reads = LongReads::new(8, Duration::from_millis(1));
        let (first, second) = (reads.turn().await.unwrap(), reads.turn().await.unwrap());
        assert!(matches!(
            reads.turn().await,
            Err(RepositoryError::Unavailable(_))
        ));
        drop((first, second));
        assert_eq!(reads.available(), 2);
        assert_eq!(
            LongReads::new(1, Duration::ZERO).available(),
            1,
            "at least one"
        );
    }
}
