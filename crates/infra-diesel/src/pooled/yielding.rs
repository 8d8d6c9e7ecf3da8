//! Long reads on a thread of their own at the lowest CPU priority, so that short requests
//! take the cores first while a summary of a million events runs.
//!
//! The thread lowers its own priority (nice 19 on Linux, where niceness is per thread)
//! and ends with the read: a thread of tokio's blocking pool could not be given its
//! priority back without a privilege, and would then serve short work at the lowest.

use app::RepositoryError;
use std::future::Future;

/// Runs `work` on a new thread of the lowest priority; the future gives its result.
/// A thread the system will not make is `Unavailable`; one that panics, `Unexpected`.
pub(super) fn run_yielding<T, F>(work: F) -> impl Future<Output = Result<T, RepositoryError>> + Send
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    let (sender, receiver) = tokio::sync::oneshot::channel();
    let spawned = std::thread::Builder::new()
        .name("long-read".to_owned())
        .spawn(move || {
            lower_own_priority();
            // The caller may have stopped waiting (a deadline passed): nothing to tell.
            let _ = sender.send(work());
        });
    async move {
        spawned.map_err(RepositoryError::unavailable)?;
        receiver.await.map_err(RepositoryError::unexpected)
    }
}

/// Best effort: where the system refuses, the read runs at the usual priority.
fn lower_own_priority() {
    if let Err(error) =
        thread_priority::set_current_thread_priority(thread_priority::ThreadPriority::Min)
    {
        tracing::debug!(?error, "a long read runs at the usual priority");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// This thread's nice value, from /proc (field 19 of its stat line).
    fn own_nice() -> i64 {
        let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap();
        let after_name = &stat[stat.rfind(')').unwrap() + 2..];
        after_name.split(' ').nth(16).unwrap().parse().unwrap()
    }

    #[tokio::test]
    async fn work_runs_at_the_lowest_priority_and_the_caller_keeps_its_own() {
        let before = own_nice();
        let nice = run_yielding(own_nice).await.unwrap();
        assert_eq!(nice, 19);
        assert_eq!(own_nice(), before);
    }

    #[tokio::test]
    async fn a_panicking_read_is_an_unexpected_error() {
        let result = run_yielding(|| -> u8 { panic!("boom") }).await;
        assert!(matches!(result, Err(RepositoryError::Unexpected(_))));
    }
}
