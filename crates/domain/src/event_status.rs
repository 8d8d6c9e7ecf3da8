//! Where a billing event is in its settlement.

use crate::coded_enum::coded_enum;

coded_enum!(
    /// The settlement status of a billing event (`TInvoiceBillingEventStatus` in the
    /// original API).
    ///
    /// Which moves between them are allowed is [`EventStatus::transition_to`].
    EventStatus, wire name "TInvoiceBillingEventStatus" {
        /// Not said; the default when a submission gives no status.
        Unknown = 0,
        /// Recorded and waiting to be invoiced.
        Pending = 1,
        /// Billed on an invoice; final.
        Invoiced = 2,
        /// Will never be billed; final.
        Cancelled = 3,
        /// Invoicing it failed; it may be retried (back to `Pending`) or cancelled.
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

/// What moving an event from one status to another does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// Already there: nothing changes.
    Unchanged,
    /// Allowed: the status moves.
    Allowed,
    /// Not allowed from here (a final status, or backwards).
    Forbidden,
}

impl EventStatus {
    /// `Invoiced` and `Cancelled` are final: a settled event never moves again.
    pub const fn is_final(self) -> bool {
        matches!(self, EventStatus::Invoiced | EventStatus::Cancelled)
    }

    /// The settlement lifecycle:
    ///
    /// | from | allowed to |
    /// |---|---|
    /// | Unknown | Pending, Invoiced, Cancelled, Failed |
    /// | Pending | Invoiced, Cancelled, Failed |
    /// | Failed | Pending, Cancelled |
    /// | Invoiced, Cancelled | nothing (final) |
    pub fn transition_to(self, to: EventStatus) -> Transition {
        use EventStatus::{Cancelled, Failed, Invoiced, Pending, Unknown};
        if self == to {
            return Transition::Unchanged;
        }
        let allowed = match self {
            Unknown => matches!(to, Pending | Invoiced | Cancelled | Failed),
            Pending => matches!(to, Invoiced | Cancelled | Failed),
            Failed => matches!(to, Pending | Cancelled),
            Invoiced | Cancelled => false,
        };
        if allowed {
            Transition::Allowed
        } else {
            Transition::Forbidden
        }
    }
}

#[cfg(test)]
mod lifecycle_tests {
    use super::*;
    use EventStatus::{Cancelled, Failed, Invoiced, Pending, Unknown};

    #[test]
    fn every_pair_of_statuses_follows_the_table() {
        let allowed = [
            (Unknown, Pending),
            (Unknown, Invoiced),
            (Unknown, Cancelled),
            (Unknown, Failed),
            (Pending, Invoiced),
            (Pending, Cancelled),
            (Pending, Failed),
            (Failed, Pending),
            (Failed, Cancelled),
        ];
        for &from in EventStatus::ALL {
            for &to in EventStatus::ALL {
                let expected = if from == to {
                    Transition::Unchanged
                } else if allowed.contains(&(from, to)) {
                    Transition::Allowed
                } else {
                    Transition::Forbidden
                };
                assert_eq!(from.transition_to(to), expected, "{from} -> {to}");
            }
        }
    }

    #[test]
    fn invoiced_and_cancelled_are_final() {
        let finals: Vec<_> = EventStatus::ALL.iter().filter(|s| s.is_final()).collect();
        assert_eq!(finals, [&Invoiced, &Cancelled]);
        assert_eq!(Invoiced.transition_to(Pending), Transition::Forbidden);
        assert_eq!(Cancelled.transition_to(Cancelled), Transition::Unchanged);
    }
}
