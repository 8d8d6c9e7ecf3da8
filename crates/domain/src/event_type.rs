//! What kind of billable thing happened.

use crate::coded_enum::coded_enum;

coded_enum!(
    /// The kind of a billing event (`TInvoiceBillingEventType` in the original API).
    EventType, wire name "TInvoiceBillingEventType" {
        /// Not said; the default when a submission gives no type.
        Unknown = 0,
        /// Metered use, billed per unit used.
        Usage = 1,
        /// A recurring fee for a period of service.
        Subscription = 2,
        /// A single charge that does not recur.
        OneTime = 3,
        /// Money owed back to the client, e.g. to offset a wrong charge.
        Credit = 4,
        /// A correction, up or down, to what was billed.
        Adjustment = 5,
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable() {
        let codes: Vec<_> = EventType::ALL
            .iter()
            .map(|t| (t.name(), t.code()))
            .collect();
        assert_eq!(
            codes,
            [
                ("Unknown", 0),
                ("Usage", 1),
                ("Subscription", 2),
                ("OneTime", 3),
                ("Credit", 4),
                ("Adjustment", 5)
            ]
        );
    }

    #[test]
    fn names_read_in_any_case_and_codes_as_numbers() {
        assert_eq!(EventType::parse("onetime"), Ok(EventType::OneTime));
        assert_eq!(EventType::parse("CREDIT"), Ok(EventType::Credit));
        assert_eq!(EventType::parse("5"), Ok(EventType::Adjustment));
        assert_eq!(EventType::from_code(1), Ok(EventType::Usage));
        assert_eq!(EventType::default(), EventType::Unknown);
    }

    #[test]
    fn anything_else_is_refused_with_the_list_of_members() {
        let error = EventType::parse("Refund").unwrap_err();
        assert!(
            error.expected.starts_with("Unknown (0), Usage (1)"),
            "{}",
            error.expected
        );
        assert!(EventType::parse("6").is_err());
        assert!(EventType::parse("-1").is_err());
        assert!(EventType::parse("").is_err());
        assert!(EventType::parse("One Time").is_err());
    }
}
