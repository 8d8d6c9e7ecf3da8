//! One log line when the database stops answering and one when it answers again, however
//! many calls fail in between: an outage of ten seconds under load is thousands of
//! refused calls, and operators need its start, its end and its size, not each call.

use app::RepositoryError;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Instant;

/// Whether the database is out right now, as the calls on it have found.
#[derive(Debug, Default)]
pub(crate) struct Outage {
    /// Whether `current` holds an outage: read first, so a healthy call takes no lock.
    on: AtomicBool,
    current: Mutex<Option<Started>>,
}

#[derive(Debug)]
struct Started {
    at: Instant,
    failed_calls: u64,
}

impl Outage {
    /// Notes how a call went: a call the database could not serve starts an outage (or
    /// counts in the current one); any other answer ends it.
    pub fn observe<T>(&self, result: &Result<T, RepositoryError>) {
        let failed = match result {
            Err(RepositoryError::Unavailable(cause) | RepositoryError::OutcomeUnknown(cause)) => {
                Some(cause)
            }
            _ => None,
        };
        if failed.is_none() && !self.on.load(Ordering::Relaxed) {
            return;
        }
        let mut current = self
            .current
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match (failed, current.as_mut()) {
            (Some(cause), None) => {
                tracing::warn!(
                    error = %cause,
                    "the database is not answering; calls fail with 503 until it is back"
                );
                *current = Some(Started {
                    at: Instant::now(),
                    failed_calls: 1,
                });
                self.on.store(true, Ordering::Relaxed);
            }
            (Some(_), Some(started)) => started.failed_calls += 1,
            (None, Some(started)) => {
                tracing::info!(
                    after_ms = u64::try_from(started.at.elapsed().as_millis()).unwrap_or(u64::MAX),
                    failed_calls = started.failed_calls,
                    "the database is answering again"
                );
                *current = None;
                self.on.store(false, Ordering::Relaxed);
            }
            (None, None) => {}
        }
    }

    /// Whether an outage is going on.
    #[cfg(test)]
    fn is_on(&self) -> bool {
        self.current.lock().unwrap().is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_outage_starts_with_the_first_failure_and_ends_with_the_first_answer() {
        let outage = Outage::default();
        outage.observe::<()>(&Ok(()));
        assert!(!outage.is_on());

        outage.observe::<()>(&Err(RepositoryError::unavailable("refused")));
        outage.observe::<()>(&Err(RepositoryError::outcome_unknown("lost")));
        assert!(outage.is_on());
        assert_eq!(
            outage
                .current
                .lock()
                .unwrap()
                .as_ref()
                .unwrap()
                .failed_calls,
            2
        );

        outage.observe::<()>(&Err(RepositoryError::unexpected("a bug, not an outage")));
        assert!(
            !outage.is_on(),
            "the database answered, even if with an error"
        );
    }
}
