//! Property tests of the domain's parsers: whatever parses prints back to text that
//! parses to an equal value, and no input makes a parser panic.

use domain::{
    BillingEventGuid, ClientName, EventStatus, EventType, MemberUniqueKey, Price, Quantity,
    Timestamp,
};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn guids_print_back_to_the_same_guid(bytes in any::<[u8; 16]>()) {
        let uuid = uuid::Uuid::from_bytes(bytes);
        if let Ok(guid) = BillingEventGuid::from_uuid(uuid) {
            prop_assert_eq!(BillingEventGuid::parse(&guid.to_string()), Ok(guid));
            let simple = uuid.simple().to_string().to_uppercase();
            prop_assert_eq!(BillingEventGuid::parse(&simple), Ok(guid));
        }
    }

    #[test]
    fn amounts_print_back_to_the_same_digits(
        negative in any::<bool>(),
        integer in 0_u64..=999_999_999_999_999_999,
        fraction in proptest::option::of("[0-9]{1,10}"),
    ) {
        let sign = if negative { "-" } else { "" };
        let text = match fraction {
            Some(fraction) => format!("{sign}{integer}.{fraction}"),
            None => format!("{sign}{integer}"),
        };
        let price = Price::parse(&text).unwrap();
        prop_assert_eq!(Price::parse(&price.to_string()), Ok(price));
        let as_json = Quantity::parse_number(&price.to_string()).map(|q| q.value());
        prop_assert_eq!(as_json, Ok(price.value()));
        // Negative zero may print without its sign; every other amount prints as sent.
        if !negative || !price.value().is_zero() {
            prop_assert_eq!(price.to_string(), text);
        }
    }

    #[test]
    fn timestamps_print_back_to_the_same_instant(
        // 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999Z: every one is valid.
        micros in -62_135_596_800_000_000_i64..=253_402_300_799_999_999,
    ) {
        let instant = Timestamp::from_unix_micros(micros);
        prop_assert!(instant.is_ok(), "{micros} is within years 0001 to 9999");
        let instant = instant.unwrap();
        prop_assert_eq!(Timestamp::parse(&instant.to_string()), Ok(instant));
    }

    #[test]
    fn client_names_print_back_in_canonical_case(
        name in "[A-Za-z0-9._-][A-Za-z0-9 ._-]{0,98}[A-Za-z0-9._-]",
    ) {
        // `..` is the one name the pattern makes that is refused (a dot segment).
        prop_assume!(name != "..");
        let client = ClientName::parse(&name).unwrap();
        prop_assert_eq!(ClientName::parse(client.as_str()), Ok(client.clone()));
        prop_assert_eq!(client.as_str(), name.to_ascii_lowercase());
    }

    #[test]
    fn member_keys_are_kept_exactly(
        // Not blank (it starts with a letter, digit or symbol), no control characters,
        // no U+FFFE or U+FFFF: every one is a valid key.
        key in "[\\p{L}\\p{N}\\p{S}][^\\p{Cc}\\u{FFFE}\\u{FFFF}]{0,255}",
    ) {
        let member = MemberUniqueKey::parse(key.clone());
        prop_assert!(member.is_ok(), "{key:?} is a valid key");
        let member = member.unwrap();
        prop_assert_eq!(member.as_str(), key.as_str());
    }

    #[test]
    fn enums_print_back_to_the_same_member(code in 0_i64..10) {
        if let Ok(kind) = EventType::from_code(code) {
            prop_assert_eq!(EventType::parse(kind.name()), Ok(kind));
            prop_assert_eq!(EventType::parse(&kind.name().to_uppercase()), Ok(kind));
        }
        if let Ok(status) = EventStatus::from_code(code) {
            prop_assert_eq!(EventStatus::parse(&status.code().to_string()), Ok(status));
        }
    }

    #[test]
    fn any_text_either_fails_or_round_trips(text in "\\PC{0,64}") {
        // No input may panic, and whatever any parser accepts prints back to itself.
        if let Ok(guid) = BillingEventGuid::parse(&text) {
            prop_assert_eq!(BillingEventGuid::parse(&guid.to_string()), Ok(guid));
        }
        if let Ok(client) = ClientName::parse(&text) {
            prop_assert_eq!(client.as_str(), text.to_ascii_lowercase());
        }
        if let Ok(member) = MemberUniqueKey::parse(text.clone()) {
            prop_assert_eq!(member.as_str(), text.as_str());
        }
        if let Ok(price) = Price::parse(&text) {
            prop_assert_eq!(Price::parse(&price.to_string()), Ok(price));
        }
        if let Ok(quantity) = Quantity::parse_number(&text) {
            prop_assert_eq!(Quantity::parse(&quantity.to_string()), Ok(quantity));
        }
        if let Ok(instant) = Timestamp::parse(&text) {
            prop_assert_eq!(Timestamp::parse(&instant.to_string()), Ok(instant));
        }
        if let Ok(kind) = EventType::parse(&text) {
            prop_assert_eq!(EventType::parse(kind.name()), Ok(kind));
        }
        if let Ok(status) = EventStatus::parse(&text) {
            prop_assert_eq!(EventStatus::parse(status.name()), Ok(status));
        }
    }

    #[test]
    fn valid_timestamp_text_parses_and_round_trips(
        // Years far from the ends of the range, so that no offset takes them out of it;
        // days to 28, so that every month has them; up to 7 fractional digits.
        text in concat!(
            "(1[0-9]{3}|[2-8][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])",
            "[Tt]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,7})?",
            "([Zz]|[+-](0[0-9]|1[0-4]):?[0-5][0-9])?",
        ),
    ) {
        let instant = Timestamp::parse(&text);
        prop_assert!(instant.is_ok(), "{text} is a valid timestamp");
        let instant = instant.unwrap();
        prop_assert_eq!(Timestamp::parse(&instant.to_string()), Ok(instant));
    }
}
