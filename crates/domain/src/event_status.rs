//! Where a billing event is in its settlement.

use crate::coded_enum::coded_enum;

coded_enum!(
    /// The settlement status of a billing event (`TInvoiceBillingEventStatus` in the
    /// original API).
    EventStatus, wire name "TInvoiceBillingEventStatus" {
        Unknown = 0,
        Pending = 1,
        Invoiced = 2,
        Cancelled = 3,
        Failed = 4,
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable() {
        let codes: Vec<_> = EventStatus::ALL
            .iter()
            .map(|s| (s.name(), s.code()))
            .collect();
        assert_eq!(
            codes,
            [
                ("Unknown", 0),
                ("Pending", 1),
                ("Invoiced", 2),
                ("Cancelled", 3),
                ("Failed", 4)
            ]
        );
    }

    #[test]
    fn names_read_in_any_case_and_codes_as_numbers() {
        assert_eq!(EventStatus::parse("invoiced"), Ok(EventStatus::Invoiced));
        assert_eq!(EventStatus::parse("4"), Ok(EventStatus::Failed));
        assert!(EventStatus::parse("5").is_err());
        assert!(EventStatus::parse("Paid").is_err());
    }
}
