//! Query and body parameters other than an event's own fields: reading them, and naming
//! every one that is wrong.

use domain::{
    Access, BillingEventGuid, ClientName, EventStatus, EventType, MemberUniqueKey, Timestamp,
};
use domain::{EventFilter, Position};
use std::collections::BTreeMap;

/// A parameter of a request other than an event's own fields. Each adapter names it as
/// its format does; the order here is the order errors are reported in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Parameter {
    /// The guids a bulk settlement names, as a whole.
    SettleGuids,
    /// One of those guids, by its position in the list.
    SettleGuid(usize),
    ClientName,
    Cursor,
    EventType,
    From,
    GroupBy,
    EventStatus,
    Limit,
    MemberUniqueKey,
    ModifiedSince,
    /// The status a bulk settlement moves its events to.
    SettleStatus,
    To,
}

/// Every bad parameter with every reason, in [`Parameter`] order (a settlement's guids
/// by their position).
///
/// At most [`InvalidParameters::MAX_NAMED`] parameters are named; the rest are only
/// counted, so that the answer to a request of any size stays small.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InvalidParameters {
    named: BTreeMap<Parameter, Vec<String>>,
    unnamed: usize,
}

impl InvalidParameters {
    /// The most parameters one answer names.
    pub const MAX_NAMED: usize = 100;

    /// Notes why `parameter` is wrong. A reason already noted for it is not repeated (a
    /// parameter given a thousand bad values has one reason, not a thousand).
    pub fn add(&mut self, parameter: Parameter, message: impl Into<String>) {
        let message = message.into();
        if let Some(messages) = self.named.get_mut(&parameter) {
            if !messages.contains(&message) {
                messages.push(message);
            }
        } else if self.named.len() < Self::MAX_NAMED {
            self.named.insert(parameter, vec![message]);
        } else {
            self.unnamed += 1;
        }
    }

    pub fn is_empty(&self) -> bool {
        self.named.is_empty()
    }

    /// The named parameters, in order, with their reasons.
    pub fn iter(&self) -> impl Iterator<Item = (Parameter, &[String])> {
        self.named
            .iter()
            .map(|(parameter, messages)| (*parameter, messages.as_slice()))
    }

    /// How many more bad parameters there were than are named.
    pub fn unnamed(&self) -> usize {
        self.unnamed
    }

    /// `Ok(value)` when nothing was wrong.
    pub fn or_ok<T>(self, value: T) -> Result<T, InvalidParameters> {
        if self.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }

    /// Keeps the value, or notes why `parameter` is wrong.
    pub fn check<T, E: ToString>(
        &mut self,
        parameter: Parameter,
        result: Result<T, E>,
    ) -> Option<T> {
        result
            .map_err(|error| self.add(parameter, error.to_string()))
            .ok()
    }
}

impl std::fmt::Display for InvalidParameters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<String> = self.iter().map(|(name, _)| format!("{name:?}")).collect();
        write!(f, "invalid parameters: {}", names.join(", "))?;
        if self.unnamed > 0 {
            write!(f, " and {} more", self.unnamed)?;
        }
        Ok(())
    }
}

impl std::error::Error for InvalidParameters {}

/// The filter parameters shared by listing and summaries, as they arrived.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FilterParameters {
    pub client_name: Option<String>,
    pub member_unique_key: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub event_type_ids: Vec<String>,
    pub status_ids: Vec<String>,
    pub modified_since: Option<String>,
}

impl FilterParameters {
    /// The filter, noting every bad parameter in `errors`. A key scoped to one client
    /// names its client when `clientName` is left out.
    pub(crate) fn parse(
        &self,
        errors: &mut InvalidParameters,
        access: &Access,
    ) -> Option<EventFilter> {
        let client = if let Some(name) = &self.client_name {
            errors.check(Parameter::ClientName, ClientName::parse(name))
        } else if let Some(own) = access.client() {
            Some(own.clone())
        } else {
            errors.add(Parameter::ClientName, "is required");
            None
        };
        let member = self.member_unique_key.as_ref().and_then(|key| {
            errors.check(
                Parameter::MemberUniqueKey,
                MemberUniqueKey::parse(key.clone()),
            )
        });
        let time = |errors: &mut InvalidParameters, parameter, text: &Option<String>| {
            text.as_ref()
                .and_then(|text| errors.check(parameter, Timestamp::parse(text)))
        };
        let from = time(errors, Parameter::From, &self.from);
        let to = time(errors, Parameter::To, &self.to);
        let modified_since = time(errors, Parameter::ModifiedSince, &self.modified_since);
        if let (Some(from), Some(to)) = (from, to) {
            if to < from {
                errors.add(Parameter::To, "must not be before the start of the range");
            }
        }
        let types: Vec<EventType> = self
            .event_type_ids
            .iter()
            .filter_map(|text| errors.check(Parameter::EventType, EventType::parse(text)))
            .collect();
        let statuses: Vec<EventStatus> = self
            .status_ids
            .iter()
            .filter_map(|text| errors.check(Parameter::EventStatus, EventStatus::parse(text)))
            .collect();
        Some(EventFilter {
            client: client?,
            member,
            from,
            to,
            types,
            statuses,
            modified_since,
        })
    }
}

/// An opaque page cursor: the position of the last event of a page.
pub(crate) mod cursor {
    use super::{BillingEventGuid, Position, Timestamp};
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;

    pub fn encode(position: Position) -> String {
        URL_SAFE_NO_PAD.encode(format!(
            "{}.{}",
            position.event_time.unix_micros(),
            position.guid
        ))
    }

    pub fn decode(text: &str) -> Option<Position> {
        let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
        let text = String::from_utf8(bytes).ok()?;
        let (micros, guid) = text.split_once('.')?;
        Some(Position {
            event_time: Timestamp::from_unix_micros(micros.parse().ok()?).ok()?,
            guid: BillingEventGuid::parse(guid).ok()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids_sort_by_position_and_only_the_first_hundred_are_named() {
        let mut errors = InvalidParameters::default();
        errors.add(Parameter::SettleStatus, "is required");
        for index in (0..150).rev() {
            errors.add(Parameter::SettleGuid(index), "bad");
        }
        errors.add(Parameter::SettleStatus, "twice");
        errors.add(Parameter::SettleStatus, "twice");
        let named: Vec<Parameter> = errors.iter().map(|(parameter, _)| parameter).collect();
        assert_eq!(named.len(), InvalidParameters::MAX_NAMED);
        assert_eq!(errors.unnamed(), 51);
        assert_eq!(named[0], Parameter::SettleGuid(51), "the first ones added");
        assert_eq!(named[1], Parameter::SettleGuid(52));
        assert_eq!(named[98], Parameter::SettleGuid(149));
        assert_eq!(named[99], Parameter::SettleStatus);
        assert_eq!(errors.iter().last().unwrap().1, ["is required", "twice"]);
    }

    #[test]
    fn every_bad_filter_parameter_is_named() {
        let parameters = FilterParameters {
            client_name: Some("bad/name".into()),
            member_unique_key: Some(" ".into()),
            from: Some("yesterday".into()),
            to: Some("2025-01-01T00:00:00Z".into()),
            event_type_ids: vec!["Usage".into(), "Refund".into()],
            status_ids: vec!["9".into()],
            modified_since: Some("x".into()),
        };
        let mut errors = InvalidParameters::default();
        assert_eq!(parameters.parse(&mut errors, &Access::AllClients), None);
        let named: Vec<Parameter> = errors.iter().map(|(parameter, _)| parameter).collect();
        assert_eq!(
            named,
            [
                Parameter::ClientName,
                Parameter::EventType,
                Parameter::From,
                Parameter::EventStatus,
                Parameter::MemberUniqueKey,
                Parameter::ModifiedSince
            ]
        );
    }

    #[test]
    fn a_missing_client_and_reversed_bounds_are_errors() {
        let parameters = FilterParameters {
            from: Some("2025-02-01T00:00:00Z".into()),
            to: Some("2025-01-01T00:00:00Z".into()),
            ..FilterParameters::default()
        };
        let mut errors = InvalidParameters::default();
        parameters.parse(&mut errors, &Access::AllClients);
        let named: Vec<Parameter> = errors.iter().map(|(parameter, _)| parameter).collect();
        assert_eq!(named, [Parameter::ClientName, Parameter::To]);
    }

    #[test]
    fn names_and_numbers_both_filter_and_repeat() {
        let parameters = FilterParameters {
            client_name: Some("Acme".into()),
            event_type_ids: vec!["usage".into(), "4".into()],
            status_ids: vec!["Pending".into()],
            ..FilterParameters::default()
        };
        let mut errors = InvalidParameters::default();
        let filter = parameters.parse(&mut errors, &Access::AllClients).unwrap();
        assert!(errors.is_empty());
        assert_eq!(filter.client.as_str(), "acme");
        assert_eq!(filter.types, [EventType::Usage, EventType::Credit]);
        assert_eq!(filter.statuses, [EventStatus::Pending]);
    }

    #[test]
    fn cursors_round_trip_and_foreign_text_is_refused() {
        let position = Position {
            event_time: Timestamp::parse("2025-08-14T01:25:53.866917Z").unwrap(),
            guid: BillingEventGuid::new_random(),
        };
        assert_eq!(cursor::decode(&cursor::encode(position)), Some(position));
        for bad in ["", "abc", "bm90IGEgY3Vyc29y", "!!!"] {
            assert_eq!(cursor::decode(bad), None, "{bad}");
        }
    }
}
