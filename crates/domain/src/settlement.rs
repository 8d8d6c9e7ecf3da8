//! Settling a stored event: the decision every store applies, so they cannot drift
//! apart, and the audit line a change leaves.

use crate::{
    BillingEvent, BillingEventGuid, ClientName, EventStatus, ForbiddenTransition, Settlement,
    Timestamp,
};

/// One line of an event's audit history: its creation (`from` is `None`) or a status
/// change, when, and the transaction id of the call that made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    /// Status before the change; `None` for the line that records the event's creation.
    pub from: Option<EventStatus>,
    /// Status the event was created with or moved to.
    pub to: EventStatus,
    /// When the change was made.
    pub at: Timestamp,
    /// Transaction id of the call that made the change, to trace it back.
    pub tx_id: String,
}

/// One event to settle, optionally only at one of some revisions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettleTarget {
    /// Event to settle.
    pub guid: BillingEventGuid,
    /// `Some`: settle only if the event is at one of these revisions (an empty list
    /// matches none); `None`: at any revision.
    pub expected_revisions: Option<Vec<u32>>,
}

/// What settling one event did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SettleOutcome {
    /// The status moved: the event as it now is.
    Changed(BillingEvent),
    /// It already had that status: the event, untouched.
    Unchanged(BillingEvent),
    /// No such event, or it belongs to a client the caller may not act for.
    NotFound,
    /// The lifecycle does not allow the move; nothing changed.
    Forbidden(ForbiddenTransition),
    /// The event is at another revision than expected; nothing changed.
    Stale {
        /// The event as it is, at its current revision.
        current: BillingEvent,
    },
}

impl SettleTarget {
    /// What settling does to `current` (the event as locked in the transaction, if it
    /// exists): another client's event (outside `scope`) is as absent as a missing one,
    /// a revision other than the expected ones is stale, and otherwise the lifecycle
    /// decides.
    pub fn decide(
        &self,
        current: Option<&BillingEvent>,
        scope: Option<&ClientName>,
        to: EventStatus,
        at: Timestamp,
    ) -> SettleOutcome {
        let Some(current) =
            current.filter(|event| scope.is_none_or(|client| event.client == *client))
        else {
            return SettleOutcome::NotFound;
        };
        if self
            .expected_revisions
            .as_ref()
            .is_some_and(|expected| !expected.contains(&current.revision))
        {
            return SettleOutcome::Stale {
                current: current.clone(),
            };
        }
        match current.settle(to, at) {
            Ok(Settlement::Changed(changed)) => SettleOutcome::Changed(changed),
            Ok(Settlement::Unchanged) => SettleOutcome::Unchanged(current.clone()),
            Err(forbidden) => SettleOutcome::Forbidden(forbidden),
        }
    }
}

impl SettleOutcome {
    /// The history line a changed event gets.
    pub fn history_entry(&self, before: EventStatus, tx_id: &str) -> Option<HistoryEntry> {
        match self {
            SettleOutcome::Changed(event) => Some(HistoryEntry {
                from: Some(before),
                to: event.status,
                at: event.modified,
                tx_id: tx_id.to_owned(),
            }),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_events::pending_event;

    fn at() -> Timestamp {
        Timestamp::parse("2026-02-01T00:00:00Z").unwrap()
    }

    fn target(expected_revisions: Option<Vec<u32>>) -> SettleTarget {
        SettleTarget {
            guid: pending_event().guid,
            expected_revisions,
        }
    }

    #[test]
    fn an_allowed_move_changes_the_event_and_leaves_a_history_line() {
        let event = pending_event();
        let outcome = target(None).decide(Some(&event), None, EventStatus::Invoiced, at());
        let SettleOutcome::Changed(changed) = &outcome else {
            panic!("{outcome:?}");
        };
        assert_eq!(
            (changed.status, changed.revision),
            (EventStatus::Invoiced, 2)
        );
        assert_eq!(
            outcome.history_entry(EventStatus::Pending, "tx"),
            Some(HistoryEntry {
                from: Some(EventStatus::Pending),
                to: EventStatus::Invoiced,
                at: at(),
                tx_id: "tx".into()
            })
        );
    }

    #[test]
    fn the_same_status_is_unchanged_and_leaves_no_line() {
        let event = pending_event();
        let outcome = target(None).decide(Some(&event), None, EventStatus::Pending, at());
        assert_eq!(outcome, SettleOutcome::Unchanged(event));
        assert_eq!(outcome.history_entry(EventStatus::Pending, "tx"), None);
    }

    #[test]
    fn a_missing_or_foreign_event_is_not_found() {
        let event = pending_event();
        let other = ClientName::parse("other").unwrap();
        assert_eq!(
            target(None).decide(None, None, EventStatus::Invoiced, at()),
            SettleOutcome::NotFound
        );
        assert_eq!(
            target(None).decide(Some(&event), Some(&other), EventStatus::Invoiced, at()),
            SettleOutcome::NotFound
        );
        assert!(matches!(
            target(None).decide(
                Some(&event),
                Some(&event.client),
                EventStatus::Invoiced,
                at()
            ),
            SettleOutcome::Changed(_)
        ));
    }

    #[test]
    fn any_expected_revision_may_match_and_none_other() {
        let event = pending_event();
        assert!(matches!(
            target(Some(vec![5, 1])).decide(Some(&event), None, EventStatus::Invoiced, at()),
            SettleOutcome::Changed(_)
        ));
        for expected in [vec![2], vec![]] {
            assert_eq!(
                target(Some(expected)).decide(Some(&event), None, EventStatus::Invoiced, at()),
                SettleOutcome::Stale {
                    current: event.clone()
                }
            );
        }
    }

    #[test]
    fn a_move_the_lifecycle_forbids_is_forbidden() {
        let invoiced =
            match target(None).decide(Some(&pending_event()), None, EventStatus::Invoiced, at()) {
                SettleOutcome::Changed(event) => event,
                other => panic!("{other:?}"),
            };
        assert_eq!(
            target(None).decide(Some(&invoiced), None, EventStatus::Pending, at()),
            SettleOutcome::Forbidden(ForbiddenTransition {
                from: EventStatus::Invoiced,
                to: EventStatus::Pending
            })
        );
    }
}
