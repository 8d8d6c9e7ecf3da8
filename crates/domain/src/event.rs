//! The billing event: what was submitted, and what was stored.

use crate::event_status::Transition;
use crate::{
    BillingEventGuid, ClientName, EventStatus, EventType, MemberUniqueKey, Price, Quantity,
    Timestamp,
};

/// A valid billing event as a client submitted it, before it is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBillingEvent {
    /// Identity of the event, chosen by the client or made for it; a retry reuses it.
    pub guid: BillingEventGuid,
    /// Client the event is billed to.
    pub client: ClientName,
    /// Member of the client whose use or charge this is.
    pub member: MemberUniqueKey,
    /// When the billable thing happened (not when it was posted).
    pub event_time: Timestamp,
    /// Kind of event, such as metered usage, a subscription fee or a credit.
    pub event_type: EventType,
    /// Where the event is in its settlement.
    pub status: EventStatus,
    /// How many units were used or charged.
    pub quantity: Quantity,
    /// Price of one unit, exact to the digit sent.
    pub price: Price,
}

/// A stored billing event: the submission, when it was last modified, and its
/// revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BillingEvent {
    /// Identity of the event, chosen by the client or made for it; a retry reuses it.
    pub guid: BillingEventGuid,
    /// Client the event is billed to.
    pub client: ClientName,
    /// Member of the client whose use or charge this is.
    pub member: MemberUniqueKey,
    /// When the billable thing happened (not when it was posted).
    pub event_time: Timestamp,
    /// Kind of event, such as metered usage, a subscription fee or a credit.
    pub event_type: EventType,
    /// Where the event is in its settlement.
    pub status: EventStatus,
    /// How many units were used or charged.
    pub quantity: Quantity,
    /// Price of one unit, exact to the digit sent.
    pub price: Price,
    /// When the event was stored or its status last changed.
    pub modified: Timestamp,
    /// 1 when stored, one more with each status change: what an `ETag` names, so two
    /// settling jobs cannot both change the same revision.
    pub revision: u32,
}

/// What settling an event to a status did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settlement {
    /// It already had that status; nothing changed.
    Unchanged,
    /// The status moved: the event as it now is.
    Changed(BillingEvent),
}

/// A move the lifecycle forbids, naming both ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a billing event cannot move from {from} to {to}")]
pub struct ForbiddenTransition {
    /// Status the event has.
    pub from: EventStatus,
    /// Status it was asked to move to.
    pub to: EventStatus,
}

impl BillingEvent {
    /// Moves the status to `to` at `at`, by the lifecycle in
    /// [`EventStatus::transition_to`]. Only the status, `modified` and the revision
    /// change: amounts never do (a correction is a new `Credit` or `Adjustment` event).
    pub fn settle(
        &self,
        to: EventStatus,
        at: Timestamp,
    ) -> Result<Settlement, ForbiddenTransition> {
        match self.status.transition_to(to) {
            Transition::Unchanged => Ok(Settlement::Unchanged),
            Transition::Forbidden => Err(ForbiddenTransition {
                from: self.status,
                to,
            }),
            Transition::Allowed => Ok(Settlement::Changed(BillingEvent {
                status: to,
                modified: at,
                revision: self.revision + 1,
                ..self.clone()
            })),
        }
    }
}

impl NewBillingEvent {
    /// The event as stored at `modified`.
    pub fn stored_at(self, modified: Timestamp) -> BillingEvent {
        BillingEvent {
            guid: self.guid,
            client: self.client,
            member: self.member,
            event_time: self.event_time,
            event_type: self.event_type,
            status: self.status,
            quantity: self.quantity,
            price: self.price,
            modified,
            revision: 1,
        }
    }

    /// The rule for a retried post: is this submission the event already stored under
    /// its guid?
    ///
    /// Same client, member, instant, type, quantity and price (amounts compared
    /// numerically, so `6` repeats `6.0`). The status is not compared: it moves on after
    /// posting, and a producer retrying its original post must still be told "stored".
    pub fn repeats(&self, stored: &BillingEvent) -> bool {
        self.guid == stored.guid
            && self.client == stored.client
            && self.member == stored.member
            && self.event_time == stored.event_time
            && self.event_type == stored.event_type
            && self.quantity == stored.quantity
            && self.price == stored.price
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn submission() -> NewBillingEvent {
        NewBillingEvent {
            guid: BillingEventGuid::parse("6d91f288-c380-4652-bd35-ce286ac4c806").unwrap(),
            client: ClientName::parse("acme").unwrap(),
            member: MemberUniqueKey::parse("member-1").unwrap(),
            event_time: Timestamp::parse("2025-08-14T01:25:53.8669171Z").unwrap(),
            event_type: EventType::Usage,
            status: EventStatus::Pending,
            quantity: Quantity::parse("6.0").unwrap(),
            price: Price::parse("7.00").unwrap(),
        }
    }

    fn stored() -> BillingEvent {
        submission().stored_at(Timestamp::parse("2025-08-15T00:00:00Z").unwrap())
    }

    #[test]
    fn settling_moves_only_the_status_time_and_revision() {
        let stored = stored();
        let at = Timestamp::parse("2026-01-01T00:00:00Z").unwrap();
        let Ok(Settlement::Changed(settled)) = stored.settle(EventStatus::Invoiced, at) else {
            panic!("Pending -> Invoiced is allowed");
        };
        assert_eq!(settled.status, EventStatus::Invoiced);
        assert_eq!((settled.modified, settled.revision), (at, 2));
        assert_eq!(
            BillingEvent {
                status: stored.status,
                modified: stored.modified,
                revision: 1,
                ..settled.clone()
            },
            stored
        );
        assert_eq!(
            stored.settle(EventStatus::Pending, at),
            Ok(Settlement::Unchanged)
        );
        assert_eq!(
            settled.settle(EventStatus::Pending, at),
            Err(ForbiddenTransition {
                from: EventStatus::Invoiced,
                to: EventStatus::Pending
            })
        );
    }

    #[test]
    fn the_same_submission_repeats_the_stored_event() {
        assert!(submission().repeats(&stored()));
    }

    #[test]
    fn amounts_are_compared_numerically_and_status_not_at_all() {
        let mut retry = submission();
        retry.quantity = Quantity::parse("6").unwrap();
        retry.price = Price::parse("7").unwrap();
        retry.status = EventStatus::Unknown;
        retry.client = ClientName::parse("ACME").unwrap();
        assert!(retry.repeats(&stored()));
    }

    #[test]
    fn any_other_difference_is_a_different_event() {
        let changes: [fn(&mut NewBillingEvent); 7] = [
            |e| e.guid = BillingEventGuid::new_random(),
            |e| e.client = ClientName::parse("other").unwrap(),
            |e| e.member = MemberUniqueKey::parse("member-2").unwrap(),
            |e| e.event_time = Timestamp::parse("2025-08-14T01:25:53.866918Z").unwrap(),
            |e| e.event_type = EventType::Credit,
            |e| e.quantity = Quantity::parse("6.01").unwrap(),
            |e| e.price = Price::parse("-7").unwrap(),
        ];
        for (index, change) in changes.iter().enumerate() {
            let mut other = submission();
            change(&mut other);
            assert!(!other.repeats(&stored()), "change {index}");
        }
    }
}
