//! Turns that work waits for before it takes a connection: writers one at a time where
//! the backend takes one writer (SQLite), and the few turns reads that grow with the
//! data share, so that they cannot take the whole pool.

use app::RepositoryError;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Which writers a one-writer backend lets go first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lane {
    /// Group commits of single posts, which serve many callers at once.
    Shared,
    /// Writes that serve one caller: batches and settlements.
    OneCaller,
}

/// The one writer's turn (SQLite), with writers that serve one caller taking it one at a
/// time (their own queue's turn is held until their work ends): a group commit waits at
/// most for the writer at work, however many one-caller writers are waiting.
pub(super) struct WriterTurns {
    writer: Turns,
    one_caller: Turns,
}

impl WriterTurns {
    pub fn new(patience: Duration) -> Self {
        Self {
            writer: Turns::one_writer(patience),
            one_caller: Turns::new(1, patience, "in the one-caller writers' queue"),
        }
    }

    /// A turn to write in `lane`: for one-caller writes, their queue's turn first.
    pub async fn turn(&self, lane: Lane) -> Result<WriterTurn, RepositoryError> {
        let queued = match lane {
            Lane::Shared => None,
            Lane::OneCaller => Some(self.one_caller.turn().await?),
        };
        Ok(WriterTurn {
            _writer: self.writer.turn().await?,
            _queued: queued,
        })
    }
}

/// A writer's turn (and, for a one-caller write, its place at the head of their queue).
#[derive(Debug)]
pub(super) struct WriterTurn {
    _writer: OwnedSemaphorePermit,
    _queued: Option<OwnedSemaphorePermit>,
}

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
    async fn a_group_commit_waits_only_for_the_writer_at_work() {
        let turns = std::sync::Arc::new(WriterTurns::new(Duration::from_secs(5)));
        let at_work = turns.turn(Lane::OneCaller).await.unwrap();
        let order = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut waiting = Vec::new();
        for name in ["batch 1", "batch 2", "batch 3"] {
            let (turns, order) = (turns.clone(), order.clone());
            waiting.push(tokio::spawn(async move {
                let _turn = turns.turn(Lane::OneCaller).await.unwrap();
                order.lock().unwrap().push(name);
            }));
            tokio::task::yield_now().await;
        }
        let (turns_for_group, order_for_group) = (turns.clone(), order.clone());
        let group = tokio::spawn(async move {
            let _turn = turns_for_group.turn(Lane::Shared).await.unwrap();
            order_for_group.lock().unwrap().push("group");
        });
        tokio::task::yield_now().await;
        drop(at_work);
        group.await.unwrap();
        for task in waiting {
            task.await.unwrap();
        }
        assert_eq!(
            *order.lock().unwrap(),
            ["group", "batch 1", "batch 2", "batch 3"]
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
