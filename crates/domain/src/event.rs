//! The billing event: what was submitted, and what was stored.

use crate::{
    BillingEventGuid, ClientName, EventStatus, EventType, MemberUniqueKey, Price, Quantity,
    Timestamp,
};

/// A valid billing event as a client submitted it, before it is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBillingEvent {
    pub guid: BillingEventGuid,
    pub client: ClientName,
    pub member: MemberUniqueKey,
    pub event_time: Timestamp,
    pub event_type: EventType,
    pub status: EventStatus,
    pub quantity: Quantity,
    pub price: Price,
}

/// A stored billing event: the submission plus when it was last modified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BillingEvent {
    pub guid: BillingEventGuid,
    pub client: ClientName,
    pub member: MemberUniqueKey,
    pub event_time: Timestamp,
    pub event_type: EventType,
    pub status: EventStatus,
    pub quantity: Quantity,
    pub price: Price,
    pub modified: Timestamp,
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
