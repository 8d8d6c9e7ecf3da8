//! Who moves first when a call runs out of time: the blocking thread starting the work,
//! or the caller answering without it.
//!
//! A call the caller gave up on before its work started must never start it (the client
//! has already been told nothing was done); one given up on while its work runs may
//! still finish it, so the caller must say the outcome is unknown.

use std::sync::atomic::{AtomicU8, Ordering};

const WAITING: u8 = 0;
const WORKING: u8 = 1;
const GIVEN_UP_WAITING: u8 = 2;
const GIVEN_UP_WORKING: u8 = 3;

/// The state one call's thread and its caller share.
#[derive(Debug, Default)]
pub(super) struct Handover(AtomicU8);

/// What the caller found when it gave up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum GaveUp {
    /// The work never started and never will.
    BeforeWork,
    /// The work is running, and may still take effect.
    DuringWork,
}

impl Handover {
    /// The thread, about to work: `false` if the caller has already given up.
    pub fn start_work(&self) -> bool {
        self.0
            .compare_exchange(WAITING, WORKING, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    /// The caller, out of time.
    pub fn give_up(&self) -> GaveUp {
        let before_work = self
            .0
            .compare_exchange(
                WAITING,
                GIVEN_UP_WAITING,
                Ordering::AcqRel,
                Ordering::Acquire,
            )
            .is_ok();
        if before_work {
            return GaveUp::BeforeWork;
        }
        self.0.store(GIVEN_UP_WORKING, Ordering::Release);
        GaveUp::DuringWork
    }

    /// The thread, after its work: whether nobody waits for the answer any more (then
    /// its connection, which may be stuck mid-statement, is not to be reused).
    pub fn was_given_up(&self) -> bool {
        self.0.load(Ordering::Acquire) == GIVEN_UP_WORKING
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn work_given_up_before_it_starts_never_starts() {
        let handover = Handover::default();
        assert_eq!(handover.give_up(), GaveUp::BeforeWork);
        assert!(!handover.start_work());
        assert!(
            !handover.was_given_up(),
            "no work ran, so no connection to discard"
        );
    }

    #[test]
    fn work_given_up_while_running_is_reported_as_such() {
        let handover = Handover::default();
        assert!(handover.start_work());
        assert!(!handover.was_given_up());
        assert_eq!(handover.give_up(), GaveUp::DuringWork);
        assert!(handover.was_given_up());
    }
}
