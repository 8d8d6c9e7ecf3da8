//! How a summary on PostgreSQL splits its filter: the whole UTC months it covers come
//! from the monthly totals, and only the events at its two ragged ends are read.

use chrono::{DateTime, Datelike, Months, TimeZone, Utc};
use domain::{EventFilter, GroupBy, Timestamp};

/// The whole months a summary takes from the totals: `from` inclusive, `to` exclusive,
/// each a first instant of a UTC month, `None` where the filter is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct MonthRange {
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// What a summary reads: events under each of `events`, and the totals of `months`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct SummaryParts {
    pub events: Vec<EventFilter>,
    pub months: Option<MonthRange>,
}

impl SummaryParts {
    /// The totals know no member and no modification time, so a filter or a grouping by
    /// either reads every event it selects, as does a range that holds no whole month.
    pub fn of(filter: &EventFilter, group_by: &[GroupBy]) -> Self {
        Self::split(filter, group_by).unwrap_or_else(|| Self {
            events: vec![filter.clone()],
            months: None,
        })
    }

    fn split(filter: &EventFilter, group_by: &[GroupBy]) -> Option<Self> {
        if filter.member.is_some()
            || filter.modified_since.is_some()
            || group_by.contains(&GroupBy::Member)
        {
            return None;
        }
        let from = match filter.from {
            Some(from) => Some(month_on_or_after(from.as_datetime())?),
            None => None,
        };
        let to = filter.to.map(|to| month_of(to.as_datetime()));
        if let (Some(from), Some(to)) = (from, to) {
            if from >= to {
                return None;
            }
        }
        let mut events = Vec::new();
        if let (Some(start), Some(whole)) = (filter.from, from) {
            if start.as_datetime() < whole {
                events.push(EventFilter {
                    to: Some(Timestamp::from_datetime(whole).ok()?),
                    ..filter.clone()
                });
            }
        }
        if let (Some(end), Some(whole)) = (filter.to, to) {
            if whole < end.as_datetime() {
                events.push(EventFilter {
                    from: Some(Timestamp::from_datetime(whole).ok()?),
                    ..filter.clone()
                });
            }
        }
        Some(Self {
            events,
            months: Some(MonthRange { from, to }),
        })
    }
}

/// The first instant of the UTC month of `at`.
fn month_of(at: DateTime<Utc>) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(at.year(), at.month(), 1, 0, 0, 0)
        .single()
        .expect("the first of a month at midnight UTC exists once")
}

/// The first month that starts at or after `at`; `None` past chrono's last month.
fn month_on_or_after(at: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let month = month_of(at);
    if month == at {
        Some(month)
    } else {
        month.checked_add_months(Months::new(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::ClientName;

    fn at(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap()
    }

    fn month(text: &str) -> DateTime<Utc> {
        at(text).as_datetime()
    }

    fn filter(from: Option<&str>, to: Option<&str>) -> EventFilter {
        EventFilter {
            from: from.map(at),
            to: to.map(at),
            ..EventFilter::of_client(ClientName::parse("acme").unwrap())
        }
    }

    #[test]
    fn ragged_ends_are_read_and_whole_months_are_totalled() {
        let parts = SummaryParts::of(
            &filter(Some("2025-02-14T10:00:00Z"), Some("2025-05-03T00:00:00.5Z")),
            &[GroupBy::Type],
        );
        assert_eq!(
            parts.months,
            Some(MonthRange {
                from: Some(month("2025-03-01T00:00:00Z")),
                to: Some(month("2025-05-01T00:00:00Z")),
            })
        );
        assert_eq!(
            parts.events,
            vec![
                filter(Some("2025-02-14T10:00:00Z"), Some("2025-03-01T00:00:00Z")),
                filter(Some("2025-05-01T00:00:00Z"), Some("2025-05-03T00:00:00.5Z")),
            ]
        );
    }

    #[test]
    fn bounds_on_month_starts_read_no_events() {
        let parts = SummaryParts::of(
            &filter(Some("2025-03-01T00:00:00Z"), Some("2025-04-01T00:00:00Z")),
            &[],
        );
        assert!(parts.events.is_empty());
        assert_eq!(
            parts.months,
            Some(MonthRange {
                from: Some(month("2025-03-01T00:00:00Z")),
                to: Some(month("2025-04-01T00:00:00Z")),
            })
        );
    }

    #[test]
    fn an_open_filter_takes_every_month_from_the_totals() {
        let parts = SummaryParts::of(&filter(None, None), &[GroupBy::Status]);
        assert!(parts.events.is_empty());
        assert_eq!(
            parts.months,
            Some(MonthRange {
                from: None,
                to: None
            })
        );
        let only_to = SummaryParts::of(&filter(None, Some("2025-03-02T00:00:00Z")), &[]);
        assert_eq!(
            only_to.events,
            vec![filter(
                Some("2025-03-01T00:00:00Z"),
                Some("2025-03-02T00:00:00Z")
            )]
        );
        assert_eq!(
            only_to.months.unwrap().to,
            Some(month("2025-03-01T00:00:00Z"))
        );
    }

    #[test]
    fn a_range_within_one_month_reads_its_events() {
        let within = filter(Some("2025-03-03T00:00:00Z"), Some("2025-03-06T00:00:00Z"));
        let parts = SummaryParts::of(&within, &[]);
        assert_eq!(parts.events, vec![within]);
        assert_eq!(parts.months, None);
    }

    #[test]
    fn members_and_modification_times_read_every_event() {
        let open = filter(None, None);
        for (filter, group_by) in [
            (open.clone(), vec![GroupBy::Member]),
            (
                EventFilter {
                    member: Some(domain::MemberUniqueKey::parse("m").unwrap()),
                    ..open.clone()
                },
                vec![],
            ),
            (
                EventFilter {
                    modified_since: Some(at("2025-01-01T00:00:00Z")),
                    ..open.clone()
                },
                vec![],
            ),
        ] {
            let parts = SummaryParts::of(&filter, &group_by);
            assert_eq!(parts.events, vec![filter]);
            assert_eq!(parts.months, None);
        }
    }
}
