//! The answer to a bulk settlement: one result per guid, in order, and counts.

use super::XmlContract;
use crate::encode::context::RequestContext;
use crate::encode::xml_writer::XmlWriter;
use crate::vocabulary::EventStatusSchema;
use domain::SettleOutcome;
use domain::{BillingEventGuid, EventStatus};
use serde::Serialize;
use utoipa::ToSchema;

/// What became of one guid of a bulk settlement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Changed,
    Unchanged,
    NotFound,
    Forbidden,
}

impl Outcome {
    pub const ALL: [Outcome; 4] = [
        Outcome::Changed,
        Outcome::Unchanged,
        Outcome::NotFound,
        Outcome::Forbidden,
    ];

    /// The name answers carry.
    pub const fn name(self) -> &'static str {
        match self {
            Outcome::Changed => "changed",
            Outcome::Unchanged => "unchanged",
            Outcome::NotFound => "notFound",
            Outcome::Forbidden => "forbidden",
        }
    }
}

/// The result for one guid of a bulk settlement.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = SettlementResult)]
struct ResultRepresentation {
    billing_event_guid: String,
    /// `changed`, `unchanged`, `notFound` or `forbidden`.
    outcome: &'static str,
    /// The event's status after this request (absent when not found).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<EventStatusSchema>)]
    invoice_billing_event_status_id: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<String>,
}

#[derive(Debug, Default, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = SettlementCounts)]
struct Counts {
    changed: usize,
    unchanged: usize,
    not_found: usize,
    forbidden: usize,
}

/// The answer to a bulk settlement.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = BillingEventSettlement)]
pub struct SettlementRepresentation {
    #[schema(value_type = EventStatusSchema)]
    status: &'static str,
    /// In the request's order.
    results: Vec<ResultRepresentation>,
    #[serde(flatten)]
    counts: Counts,
    execution_time: u64,
    #[serde(rename = "txID")]
    tx_id: String,
}

impl SettlementRepresentation {
    pub fn of(
        status: EventStatus,
        outcomes: &[(BillingEventGuid, SettleOutcome)],
        context: &RequestContext,
    ) -> Self {
        let mut counts = Counts::default();
        let results = outcomes
            .iter()
            .map(|(guid, outcome)| {
                let (name, status, detail) = match outcome {
                    SettleOutcome::Changed(event) => {
                        counts.changed += 1;
                        (Outcome::Changed, Some(event.status), None)
                    }
                    // Without If-Match a bulk settlement is never stale; were it, nothing
                    // changed.
                    SettleOutcome::Unchanged(event) | SettleOutcome::Stale { current: event } => {
                        counts.unchanged += 1;
                        (Outcome::Unchanged, Some(event.status), None)
                    }
                    SettleOutcome::NotFound => {
                        counts.not_found += 1;
                        (Outcome::NotFound, None, None)
                    }
                    SettleOutcome::Forbidden(forbidden) => {
                        counts.forbidden += 1;
                        (
                            Outcome::Forbidden,
                            Some(forbidden.from),
                            Some(forbidden.to_string()),
                        )
                    }
                };
                ResultRepresentation {
                    billing_event_guid: guid.to_string(),
                    outcome: name.name(),
                    invoice_billing_event_status_id: status.map(EventStatus::name),
                    detail,
                }
            })
            .collect();
        Self {
            status: status.name(),
            results,
            counts,
            execution_time: context.elapsed_millis(),
            tx_id: context.tx_id.clone(),
        }
    }
}

impl super::Representation for SettlementRepresentation {
    fn to_xml(&self, contract: &XmlContract) -> String {
        let mut xml = XmlWriter::new();
        contract.open_root(&mut xml, "BillingEventSettlement");
        // Members in data-contract order (ordinal order of the names), as in event.rs.
        xml.element("Changed", &self.counts.changed.to_string())
            .element("ExecutionTime", &self.execution_time.to_string())
            .element("Forbidden", &self.counts.forbidden.to_string())
            .element("NotFound", &self.counts.not_found.to_string())
            .open("Results", &[]);
        for result in &self.results {
            xml.open("Result", &[])
                .element("BillingEventGuid", &result.billing_event_guid)
                .optional("Detail", result.detail.as_deref())
                .optional(
                    "InvoiceBillingEventStatusId",
                    result.invoice_billing_event_status_id,
                )
                .element("Outcome", result.outcome)
                .close("Result");
        }
        xml.close("Results")
            .element("Status", self.status)
            .element("TxID", &self.tx_id)
            .element("Unchanged", &self.counts.unchanged.to_string())
            .close("BillingEventSettlement")
            .finish()
    }
}
