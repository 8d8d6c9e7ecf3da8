//! The names of an event's fields as clients see them, used to say which field is wrong.

use std::fmt;

/// A field of the billing-event contract, named as it appears on the wire (camelCase).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    ClientName,
    BillingEventGuid,
    MemberUniqueKey,
    EventDateTime,
    EventTypeId,
    InvoiceBillingEventStatusId,
    Quantity,
    Price,
}

impl Field {
    /// Every field a client can send, in the contract's order.
    pub const ALL: [Field; 8] = [
        Field::ClientName,
        Field::BillingEventGuid,
        Field::MemberUniqueKey,
        Field::EventDateTime,
        Field::EventTypeId,
        Field::InvoiceBillingEventStatusId,
        Field::Quantity,
        Field::Price,
    ];

    /// The camelCase name used in JSON bodies and in problem responses.
    pub const fn name(self) -> &'static str {
        match self {
            Field::ClientName => "clientName",
            Field::BillingEventGuid => "billingEventGuid",
            Field::MemberUniqueKey => "memberUniqueKey",
            Field::EventDateTime => "eventDateTime",
            Field::EventTypeId => "eventTypeId",
            Field::InvoiceBillingEventStatusId => "invoiceBillingEventStatusId",
            Field::Quantity => "quantity",
            Field::Price => "price",
        }
    }

    /// The field whose name matches `name` in any letter case, as ASP.NET binds them.
    pub fn from_name_ignoring_case(name: &str) -> Option<Field> {
        Field::ALL
            .into_iter()
            .find(|field| field.name().eq_ignore_ascii_case(name))
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names_match_in_any_case() {
        assert_eq!(
            Field::from_name_ignoring_case("BillingEventGuid"),
            Some(Field::BillingEventGuid)
        );
        assert_eq!(Field::from_name_ignoring_case("PRICE"), Some(Field::Price));
        assert_eq!(Field::from_name_ignoring_case("txID"), None);
    }
}
