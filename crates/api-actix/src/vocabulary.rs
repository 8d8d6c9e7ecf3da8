//! The names the HTTP contract gives to an event's fields and to the other parameters
//! of its requests: camelCase, as the original ASP.NET API named them, matched in any
//! letter case on the way in, as its model binding did. Said here once for every body
//! format, the query string and every error answer.

use app::Parameter;
use domain::{EventStatus, EventType, Field};
use std::borrow::Cow;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::RefOr;
use utoipa::{PartialSchema, ToSchema};

/// A field's name on the wire.
pub const fn field_name(field: Field) -> &'static str {
    match field {
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

/// The field whose name is `name`, in any letter case.
pub fn field_named(name: &str) -> Option<Field> {
    Field::ALL
        .into_iter()
        .find(|field| field_name(*field).eq_ignore_ascii_case(name))
}

/// A parameter's name on the wire: a query parameter, a settlement property, or one
/// item of the settlement's guid list (`billingEventGuids[3]`).
pub fn parameter_name(parameter: Parameter) -> Cow<'static, str> {
    Cow::Borrowed(match parameter {
        Parameter::SettleGuid(index) => return Cow::Owned(format!("billingEventGuids[{index}]")),
        Parameter::SettleGuids => "billingEventGuids",
        Parameter::SettleStatus => "status",
        Parameter::ClientName => field_name(Field::ClientName),
        Parameter::MemberUniqueKey => field_name(Field::MemberUniqueKey),
        Parameter::EventType => field_name(Field::EventTypeId),
        Parameter::EventStatus => field_name(Field::InvoiceBillingEventStatusId),
        Parameter::From => "from",
        Parameter::To => "to",
        Parameter::ModifiedSince => "modifiedSince",
        Parameter::Limit => "limit",
        Parameter::Cursor => "cursor",
        Parameter::GroupBy => "groupBy",
    })
}

/// Names an enum schema after the original API's .NET type and lists the domain's names.
macro_rules! coded_enum_schema {
    ($schema:ident, $domain:ty) => {
        /// The schema of the enum as the contract writes it.
        pub struct $schema;

        impl PartialSchema for $schema {
            fn schema() -> RefOr<Schema> {
                let codes: Vec<String> = <$domain>::ALL
                    .iter()
                    .map(|member| format!("{}={}", member.name(), member.code()))
                    .collect();
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some(<$domain>::ALL.iter().map(|member| member.name())))
                    .description(Some(format!(
                        "Answered by name; accepted by name in any case or by number ({}).",
                        codes.join(", ")
                    )))
                    .into()
            }
        }

        impl ToSchema for $schema {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed(<$domain>::WIRE_NAME)
            }
        }
    };
}

coded_enum_schema!(EventTypeSchema, EventType);
coded_enum_schema!(EventStatusSchema, EventStatus);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names_match_in_any_case() {
        assert_eq!(
            field_named("BillingEventGuid"),
            Some(Field::BillingEventGuid)
        );
        assert_eq!(field_named("PRICE"), Some(Field::Price));
        assert_eq!(field_named("txID"), None);
        for field in Field::ALL {
            assert_eq!(field_named(field_name(field)), Some(field));
        }
    }

    #[test]
    fn a_settlement_guid_is_named_by_its_position() {
        assert_eq!(
            parameter_name(Parameter::SettleGuid(3)),
            "billingEventGuids[3]"
        );
        assert_eq!(
            parameter_name(Parameter::EventStatus),
            "invoiceBillingEventStatusId"
        );
    }
}
