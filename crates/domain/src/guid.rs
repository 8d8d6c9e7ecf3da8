//! The identity of a billing event: a GUID, read in any of .NET's textual formats.

use std::fmt;
use uuid::Uuid;

/// The identity of a billing event. Never the all-zeros GUID: .NET clients send
/// `Guid.Empty` to mean "none", and the server makes one instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BillingEventGuid(Uuid);

/// Why a text is not a billing-event GUID.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GuidError {
    /// Not a GUID in any of .NET's `D`, `N`, `B` or `P` formats.
    #[error("must be a GUID such as 6d91f288-c380-4652-bd35-ce286ac4c806 (formats D, N, B or P)")]
    Malformed,
    /// The all-zeros GUID, which .NET clients send to mean "none".
    #[error("must not be the empty GUID 00000000-0000-0000-0000-000000000000")]
    Empty,
}

impl BillingEventGuid {
    /// A new random (version 4) GUID.
    pub fn new_random() -> Self {
        Self(Uuid::new_v4())
    }

    /// A new time-ordered (version 7) GUID, for events posted without one: its first 48
    /// bits are the millisecond it was made, so the guid index grows at its end instead
    /// of on a random page (see docs/performance.md), and its other 74 are random, so
    /// that one guid tells nothing of another made in the same millisecond. (uuid's
    /// `now_v7` counts within a millisecond instead, which left 32 random bits.)
    pub fn new_time_ordered() -> Self {
        Self(Uuid::new_v7(uuid::Timestamp::now(uuid::NoContext)))
    }

    /// Reads any of .NET's `D`, `N`, `B` and `P` formats, in any letter case:
    /// `6d91f288-c380-…`, `6d91f288c380…`, `{6d91f288-c380-…}`, `(6d91f288-c380-…)`.
    ///
    /// The all-zeros GUID is refused with [`GuidError::Empty`]; callers that treat it as
    /// "absent" check for that variant.
    pub fn parse(text: &str) -> Result<Self, GuidError> {
        let hyphenated = |inner: &str| inner.len() == 36 && inner.contains('-');
        let core = match text.as_bytes() {
            [b'{', .., b'}'] | [b'(', .., b')'] if hyphenated(&text[1..text.len() - 1]) => {
                &text[1..text.len() - 1]
            }
            _ if text.len() == 32 || hyphenated(text) => text,
            _ => return Err(GuidError::Malformed),
        };
        let uuid = Uuid::try_parse(core).map_err(|_| GuidError::Malformed)?;
        Self::from_uuid(uuid)
    }

    /// Wraps a UUID read back from storage.
    pub fn from_uuid(uuid: Uuid) -> Result<Self, GuidError> {
        if uuid.is_nil() {
            Err(GuidError::Empty)
        } else {
            Ok(Self(uuid))
        }
    }

    /// The GUID as a UUID, for storage.
    pub fn as_uuid(&self) -> Uuid {
        self.0
    }
}

/// The `D` format in lower case, as .NET writes it.
impl fmt::Display for BillingEventGuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: &str = "6d91f288-c380-4652-bd35-ce286ac4c806";

    #[test]
    fn every_dotnet_format_reads_the_same_guid_in_any_case() {
        let expected = BillingEventGuid::parse(D).unwrap();
        for text in [
            "6D91F288-C380-4652-BD35-CE286AC4C806",
            "6d91f288c3804652bd35ce286ac4c806",
            "{6d91f288-c380-4652-bd35-ce286ac4c806}",
            "(6D91F288-c380-4652-bd35-ce286ac4c806)",
        ] {
            assert_eq!(BillingEventGuid::parse(text), Ok(expected), "{text}");
        }
        assert_eq!(expected.to_string(), D);
    }

    #[test]
    fn malformed_guids_are_refused() {
        for text in [
            "",
            "not-a-guid",
            "{6d91f288c3804652bd35ce286ac4c806}",
            "{6d91f288-c380-4652-bd35-ce286ac4c806)",
            "urn:uuid:6d91f288-c380-4652-bd35-ce286ac4c806",
            "6d91f288-c380-4652-bd35-ce286ac4c80g",
            " 6d91f288-c380-4652-bd35-ce286ac4c806",
        ] {
            assert_eq!(
                BillingEventGuid::parse(text),
                Err(GuidError::Malformed),
                "{text}"
            );
        }
    }

    #[test]
    fn the_empty_guid_is_its_own_error() {
        assert_eq!(
            BillingEventGuid::parse("00000000-0000-0000-0000-000000000000"),
            Err(GuidError::Empty)
        );
        assert_eq!(
            BillingEventGuid::from_uuid(Uuid::nil()),
            Err(GuidError::Empty)
        );
    }

    #[test]
    fn time_ordered_guids_are_version_7_and_ordered_by_their_millisecond() {
        let made: Vec<_> = (0..1_000)
            .map(|_| BillingEventGuid::new_time_ordered())
            .collect();
        assert!(made.iter().all(|g| g.as_uuid().get_version_num() == 7));
        let millisecond = |guid: &BillingEventGuid| guid.as_uuid().as_u128() >> 80;
        assert!(made
            .windows(2)
            .all(|pair| millisecond(&pair[0]) <= millisecond(&pair[1])));
        // Text order is byte order, so SQLite's text index grows at its end too.
        assert!(made
            .windows(2)
            .all(|pair| pair[0].to_string()[..13] <= pair[1].to_string()[..13]));
    }

    #[test]
    fn guids_made_in_one_millisecond_share_no_more_than_it() {
        let made: Vec<_> = (0..1_000)
            .map(|_| BillingEventGuid::new_time_ordered().as_uuid().as_u128())
            .collect();
        let mut by_millisecond = std::collections::BTreeMap::<u128, Vec<u128>>::new();
        for guid in made {
            by_millisecond.entry(guid >> 80).or_default().push(guid);
        }
        let (_, crowded) = by_millisecond
            .into_iter()
            .max_by_key(|(_, guids)| guids.len())
            .unwrap();
        assert!(
            crowded.len() >= 8,
            "1,000 guids in {} ms each",
            crowded.len()
        );
        // The 12 bits after the version: random, not a counter's high bits.
        let rand_a: std::collections::HashSet<u128> =
            crowded.iter().map(|guid| (guid >> 64) & 0xFFF).collect();
        assert!(rand_a.len() > crowded.len() / 2, "{rand_a:?}");
    }

    #[test]
    fn random_guids_differ() {
        assert_ne!(
            BillingEventGuid::new_random(),
            BillingEventGuid::new_random()
        );
    }
}
