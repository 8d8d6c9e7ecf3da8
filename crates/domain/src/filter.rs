//! Which events a listing or a summary covers, and where a page starts: the rules every
//! store's queries must agree with.

use crate::{
    BillingEvent, BillingEventGuid, ClientName, EventStatus, EventType, MemberUniqueKey, Timestamp,
};

/// Which events a listing or a summary covers. Bounds are on the event time: `from`
/// inclusive, `to` exclusive. Empty lists of types or statuses mean "any".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventFilter {
    /// Client whose events are covered; never more than one.
    pub client: ClientName,
    /// Only this member's events, if set.
    pub member: Option<MemberUniqueKey>,
    /// Only events that happened at or after this time, if set.
    pub from: Option<Timestamp>,
    /// Only events that happened before this time, if set.
    pub to: Option<Timestamp>,
    /// Only events of these kinds; empty for any kind.
    pub types: Vec<EventType>,
    /// Only events in these statuses; empty for any status.
    pub statuses: Vec<EventStatus>,
    /// Only events stored or changed at or after this time, if set.
    pub modified_since: Option<Timestamp>,
}

/// The position after which a page starts: the last event of the previous page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// Event time of the last event of the previous page.
    pub event_time: Timestamp,
    /// Its guid, which orders events with the same time.
    pub guid: BillingEventGuid,
}

impl EventFilter {
    /// Every event of `client`.
    pub fn of_client(client: ClientName) -> Self {
        Self {
            client,
            member: None,
            from: None,
            to: None,
            types: Vec::new(),
            statuses: Vec::new(),
            modified_since: None,
        }
    }

    /// Whether `event` is one this filter covers.
    pub fn matches(&self, event: &BillingEvent) -> bool {
        event.client == self.client
            && self
                .member
                .as_ref()
                .is_none_or(|member| *member == event.member)
            && self.from.is_none_or(|from| event.event_time >= from)
            && self.to.is_none_or(|to| event.event_time < to)
            && (self.types.is_empty() || self.types.contains(&event.event_type))
            && (self.statuses.is_empty() || self.statuses.contains(&event.status))
            && self
                .modified_since
                .is_none_or(|since| event.modified >= since)
    }
}

impl Position {
    /// The position of `event`, for the page that follows it.
    pub fn of(event: &BillingEvent) -> Self {
        Self {
            event_time: event.event_time,
            guid: event.guid,
        }
    }

    /// Whether `event` comes after this position in (event time, guid) order.
    pub fn precedes(&self, event: &BillingEvent) -> bool {
        (event.event_time, event.guid) > (self.event_time, self.guid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_events::pending_event;

    fn at(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap()
    }

    #[test]
    fn an_empty_filter_covers_every_event_of_its_client_and_no_other() {
        let event = pending_event();
        assert!(EventFilter::of_client(event.client.clone()).matches(&event));
        assert!(!EventFilter::of_client(ClientName::parse("other").unwrap()).matches(&event));
    }

    #[test]
    fn each_condition_narrows() {
        // Usage, Pending, member "m", at 2025-01-01, modified 2026-01-01.
        let event = pending_event();
        let all = EventFilter::of_client(event.client.clone());
        let with = |change: fn(&mut EventFilter)| {
            let mut filter = all.clone();
            change(&mut filter);
            filter.matches(&event)
        };
        assert!(with(
            |f| f.member = Some(MemberUniqueKey::parse("m").unwrap())
        ));
        assert!(!with(
            |f| f.member = Some(MemberUniqueKey::parse("M").unwrap())
        ));
        assert!(
            with(|f| f.from = Some(at("2025-01-01T00:00:00Z"))),
            "from is inclusive"
        );
        assert!(
            !with(|f| f.to = Some(at("2025-01-01T00:00:00Z"))),
            "to is exclusive"
        );
        assert!(with(|f| f.types = vec![EventType::Credit, EventType::Usage]));
        assert!(!with(|f| f.types = vec![EventType::Credit]));
        assert!(!with(|f| f.statuses = vec![EventStatus::Invoiced]));
        assert!(with(|f| f.modified_since = Some(at("2026-01-01T00:00:00Z"))));
        assert!(!with(
            |f| f.modified_since = Some(at("2026-01-01T00:00:01Z"))
        ));
    }

    #[test]
    fn a_page_starts_strictly_after_its_position_in_time_then_guid_order() {
        let event = pending_event();
        let here = Position::of(&event);
        assert!(
            !here.precedes(&event),
            "the last event of a page is not repeated"
        );
        let mut later_guid = event.clone();
        later_guid.guid = BillingEventGuid::parse("ffffffff-ffff-4fff-bfff-ffffffffffff").unwrap();
        assert!(here.precedes(&later_guid));
        let mut earlier = event;
        earlier.event_time = at("2024-12-31T23:59:59Z");
        earlier.guid = later_guid.guid;
        assert!(!here.precedes(&earlier), "time comes before guid");
    }
}
