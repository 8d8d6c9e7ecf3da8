//! A summary: per group, its keys, the count and the exact totals.

use super::amount::JsonAmount;
use super::XmlContract;
use crate::encode::context::RequestContext;
use crate::encode::xml_writer::XmlWriter;
use crate::vocabulary::{EventStatusSchema, EventTypeSchema};
use domain::SummaryRow;
use domain::{EventStatus, EventType};
use serde::Serialize;
use utoipa::ToSchema;

/// One group of a summary; the keys grouped by are present, the others absent.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = SummaryGroup)]
struct GroupRepresentation {
    #[serde(skip_serializing_if = "Option::is_none")]
    member_unique_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<EventTypeSchema>)]
    event_type_id: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<EventStatusSchema>)]
    invoice_billing_event_status_id: Option<&'static str>,
    count: u64,
    /// Σ quantity, exact.
    #[schema(value_type = f64, format = "decimal")]
    total_quantity: JsonAmount,
    /// Σ quantity × price, exact.
    #[schema(value_type = f64, format = "decimal")]
    total_amount: JsonAmount,
}

/// Exact totals of a client's events, per group.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = BillingEventSummary)]
pub struct SummaryRepresentation {
    groups: Vec<GroupRepresentation>,
    execution_time: u64,
    #[serde(rename = "txID")]
    tx_id: String,
}

impl SummaryRepresentation {
    pub fn of(rows: &[SummaryRow], context: &RequestContext) -> Self {
        let groups = rows
            .iter()
            .map(|row| GroupRepresentation {
                member_unique_key: row.member.as_ref().map(|member| member.as_str().to_owned()),
                event_type_id: row.event_type.map(EventType::name),
                invoice_billing_event_status_id: row.status.map(EventStatus::name),
                count: row.count,
                total_quantity: JsonAmount::new(
                    row.total_quantity.to_plain_string(),
                    context.amounts,
                ),
                total_amount: JsonAmount::new(row.total_amount.to_plain_string(), context.amounts),
            })
            .collect();
        Self {
            groups,
            execution_time: context.elapsed_millis(),
            tx_id: context.tx_id.clone(),
        }
    }
}

impl super::Representation for SummaryRepresentation {
    fn to_xml(&self, contract: &XmlContract) -> String {
        let mut xml = XmlWriter::new();
        contract.open_root(&mut xml, "BillingEventSummary");
        // Members in data-contract order (ordinal order of the names), as in event.rs.
        xml.element("ExecutionTime", &self.execution_time.to_string())
            .open("Groups", &[]);
        for group in &self.groups {
            // A key the summary is not grouped by is left out, not nil.
            xml.open("Group", &[])
                .element("Count", &group.count.to_string());
            if let Some(kind) = group.event_type_id {
                xml.element("EventTypeId", kind);
            }
            if let Some(status) = group.invoice_billing_event_status_id {
                xml.element("InvoiceBillingEventStatusId", status);
            }
            if let Some(member) = &group.member_unique_key {
                xml.element("MemberUniqueKey", member);
            }
            xml.element("TotalAmount", &group.total_amount.to_string())
                .element("TotalQuantity", &group.total_quantity.to_string())
                .close("Group");
        }
        xml.close("Groups")
            .element("TxID", &self.tx_id)
            .close("BillingEventSummary")
            .finish()
    }
}
