//! Summing events: counts and exact totals per group, one event at a time.

use crate::{BillingEvent, EventStatus, EventType, MemberUniqueKey};
use bigdecimal::BigDecimal;
use std::collections::BTreeMap;
use std::str::FromStr;

/// What a summary groups by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum GroupBy {
    /// One group per member.
    Member,
    /// One group per event type.
    Type,
    /// One group per settlement status.
    Status,
}

/// One group of a summary: its keys (those grouped by), how many events, and their
/// exact totals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryRow {
    /// The group's member, when grouped by member.
    pub member: Option<MemberUniqueKey>,
    /// The group's event type, when grouped by type.
    pub event_type: Option<EventType>,
    /// The group's status, when grouped by status.
    pub status: Option<EventStatus>,
    /// How many events the group has.
    pub count: u64,
    /// Σ quantity.
    pub total_quantity: BigDecimal,
    /// Σ quantity × price.
    pub total_amount: BigDecimal,
}

/// A total written with no trailing fractional zeros (`0.10` is `0.1`, `2.0` is `2`):
/// totals are computed, so the scale of the inputs says nothing about them, and every
/// store must print the same digits.
pub fn canonical_total(total: &BigDecimal) -> BigDecimal {
    let normalized = total.normalized();
    if normalized.as_bigint_and_exponent().1 < 0 {
        normalized.with_scale(0)
    } else {
        normalized
    }
}

/// The summary being summed, one event at a time, in arbitrary precision. It holds one
/// row per group, never the events, so a store can stream any number of them through.
#[derive(Debug)]
pub struct Summary {
    by_member: bool,
    by_type: bool,
    by_status: bool,
    groups: BTreeMap<SummaryKey, SummaryRow>,
}

type SummaryKey = (
    Option<MemberUniqueKey>,
    Option<EventType>,
    Option<EventStatus>,
);

impl Summary {
    /// An empty summary, grouped by the keys in `group_by` (their order does not matter;
    /// none sums every event into one row).
    pub fn new(group_by: &[GroupBy]) -> Self {
        Self {
            by_member: group_by.contains(&GroupBy::Member),
            by_type: group_by.contains(&GroupBy::Type),
            by_status: group_by.contains(&GroupBy::Status),
            groups: BTreeMap::new(),
        }
    }

    /// The summary of `events`, in one call.
    pub fn of<'a>(
        events: impl IntoIterator<Item = &'a BillingEvent>,
        group_by: &[GroupBy],
    ) -> Vec<SummaryRow> {
        let mut summary = Self::new(group_by);
        for event in events {
            summary.add(event);
        }
        summary.finish()
    }

    /// Counts the event and adds its quantity and amount to its group.
    ///
    /// # Panics
    /// Never: every domain amount is a valid `BigDecimal`.
    pub fn add(&mut self, event: &BillingEvent) {
        let key: SummaryKey = (
            self.by_member.then(|| event.member.clone()),
            self.by_type.then_some(event.event_type),
            self.by_status.then_some(event.status),
        );
        let row = self.groups.entry(key).or_insert_with_key(|key| SummaryRow {
            member: key.0.clone(),
            event_type: key.1,
            status: key.2,
            count: 0,
            total_quantity: BigDecimal::from(0),
            total_amount: BigDecimal::from(0),
        });
        let exact =
            |text: String| BigDecimal::from_str(&text).expect("a domain amount is a valid decimal");
        let quantity = exact(event.quantity.to_string());
        let price = exact(event.price.to_string());
        row.count += 1;
        row.total_amount += &quantity * &price;
        row.total_quantity += quantity;
    }

    /// The rows, ordered by their group keys, totals in canonical form. Ungrouped, a
    /// summary is one row even over no events, as SQL's aggregates are.
    pub fn finish(self) -> Vec<SummaryRow> {
        let ungrouped = !(self.by_member || self.by_type || self.by_status);
        if ungrouped && self.groups.is_empty() {
            return vec![SummaryRow {
                member: None,
                event_type: None,
                status: None,
                count: 0,
                total_quantity: BigDecimal::from(0),
                total_amount: BigDecimal::from(0),
            }];
        }
        self.groups
            .into_values()
            .map(|mut row| {
                row.total_quantity = canonical_total(&row.total_quantity);
                row.total_amount = canonical_total(&row.total_amount);
                row
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_events::pending_event;
    use crate::{Price, Quantity};

    fn event(member: &str, event_type: EventType, quantity: &str, price: &str) -> BillingEvent {
        let mut event = pending_event();
        event.member = MemberUniqueKey::parse(member).unwrap();
        event.event_type = event_type;
        event.quantity = Quantity::parse(quantity).unwrap();
        event.price = Price::parse(price).unwrap();
        event
    }

    fn totals(rows: &[SummaryRow]) -> Vec<(u64, String, String)> {
        rows.iter()
            .map(|row| {
                (
                    row.count,
                    row.total_quantity.to_string(),
                    row.total_amount.to_string(),
                )
            })
            .collect()
    }

    #[test]
    fn a_tenth_three_times_is_exactly_three_tenths() {
        let events: Vec<_> = (0..3)
            .map(|_| event("m", EventType::Usage, "1", "0.1"))
            .collect();
        assert_eq!(
            totals(&Summary::of(&events, &[])),
            [(3, "3".to_owned(), "0.3".to_owned())]
        );
    }

    #[test]
    fn groups_come_in_key_order_with_only_their_keys() {
        let events = [
            event("b", EventType::Usage, "2", "1.50"),
            event("a", EventType::Credit, "-1", "10"),
            event("b", EventType::Credit, "1.0", "0.10"),
        ];
        let by_member = Summary::of(&events, &[GroupBy::Member]);
        let members: Vec<_> = by_member
            .iter()
            .map(|row| row.member.as_ref().unwrap().as_str())
            .collect();
        assert_eq!(members, ["a", "b"]);
        assert!(by_member
            .iter()
            .all(|row| row.event_type.is_none() && row.status.is_none()));
        assert_eq!(
            totals(&by_member),
            [
                (1, "-1".into(), "-10".into()),
                (2, "3".into(), "3.1".into())
            ]
        );
        let by_both = Summary::of(&events, &[GroupBy::Type, GroupBy::Member]);
        assert_eq!(by_both.len(), 3);
    }

    #[test]
    fn no_events_are_one_zero_row_ungrouped_and_no_rows_grouped() {
        assert_eq!(totals(&Summary::of([], &[])), [(0, "0".into(), "0".into())]);
        assert!(Summary::of([], &[GroupBy::Status]).is_empty());
    }

    #[test]
    fn totals_drop_trailing_zeros_and_keep_integers_plain() {
        let total = |text: &str| canonical_total(&BigDecimal::from_str(text).unwrap()).to_string();
        assert_eq!(total("0.10"), "0.1");
        assert_eq!(total("2.000"), "2");
        assert_eq!(total("1E+3"), "1000");
        assert_eq!(total("-0.00"), "0");
    }
}
