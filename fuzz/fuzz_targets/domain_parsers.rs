//! The domain's parsers on arbitrary text: nothing may panic, and whatever parses
//! prints back to an equal value.
#![no_main]

use domain::{
    BillingEventGuid, ClientName, EventStatus, EventType, MemberUniqueKey, Price, Quantity,
    Timestamp,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(guid) = BillingEventGuid::parse(text) {
        assert_eq!(BillingEventGuid::parse(&guid.to_string()), Ok(guid));
    }
    if let Ok(client) = ClientName::parse(text) {
        assert_eq!(ClientName::parse(client.as_str()), Ok(client));
    }
    if let Ok(member) = MemberUniqueKey::parse(text) {
        assert_eq!(member.as_str(), text);
    }
    if let Ok(price) = Price::parse(text) {
        assert_eq!(Price::parse(&price.to_string()), Ok(price));
    }
    if let Ok(quantity) = Quantity::parse_number(text) {
        assert_eq!(Quantity::parse(&quantity.to_string()), Ok(quantity));
    }
    if let Ok(instant) = Timestamp::parse(text) {
        assert_eq!(Timestamp::parse(&instant.to_string()), Ok(instant));
    }
    if let Ok(kind) = EventType::parse(text) {
        assert_eq!(EventType::parse(kind.name()), Ok(kind));
    }
    if let Ok(status) = EventStatus::parse(text) {
        assert_eq!(EventStatus::parse(status.name()), Ok(status));
    }
});
