//! The answer to a batch: one result per item, in order, and counts.

use super::XmlContract;
use crate::encode::context::RequestContext;
use crate::encode::xml_writer::XmlWriter;
use crate::vocabulary::field_name;
use app::ItemOutcome;
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// What a single post of the item would have answered: 201 stored, 200 already stored
/// (a retry), 409 guid taken by another event, 400 invalid.
pub const ITEM_STATUSES: [u16; 4] = [CREATED, REPLAYED, CONFLICT, INVALID];
const CREATED: u16 = 201;
const REPLAYED: u16 = 200;
const CONFLICT: u16 = 409;
const INVALID: u16 = 400;

/// The result for one item of a batch.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = BatchItemResult)]
struct ItemRepresentation {
    index: usize,
    /// 201 stored, 200 already stored (a retry), 409 guid taken by another event, 400
    /// invalid: what a single post of the item would have answered.
    status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    billing_event_guid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    errors: Option<BTreeMap<&'static str, Vec<String>>>,
}

#[derive(Debug, Default, Serialize, ToSchema)]
#[schema(as = BatchCounts)]
struct Counts {
    created: usize,
    replayed: usize,
    conflicted: usize,
    rejected: usize,
}

/// The answer to a batch.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = BillingEventBatch)]
pub struct BatchRepresentation {
    results: Vec<ItemRepresentation>,
    #[serde(flatten)]
    counts: Counts,
    execution_time: u64,
    #[serde(rename = "txID")]
    tx_id: String,
}

impl BatchRepresentation {
    pub fn of(outcomes: &[ItemOutcome], context: &RequestContext) -> Self {
        let mut counts = Counts::default();
        let results = outcomes
            .iter()
            .enumerate()
            .map(|(index, outcome)| {
                let (status, guid, errors) = match outcome {
                    ItemOutcome::Created(event) => {
                        counts.created += 1;
                        (CREATED, Some(event.guid.to_string()), None)
                    }
                    ItemOutcome::Replayed(event) => {
                        counts.replayed += 1;
                        (REPLAYED, Some(event.guid.to_string()), None)
                    }
                    ItemOutcome::Conflict(guid) => {
                        counts.conflicted += 1;
                        (CONFLICT, Some(guid.to_string()), None)
                    }
                    ItemOutcome::Invalid(invalid) => {
                        counts.rejected += 1;
                        let errors = invalid
                            .iter()
                            .map(|(field, messages)| (field_name(field), messages.to_vec()))
                            .collect();
                        (INVALID, None, Some(errors))
                    }
                };
                ItemRepresentation {
                    index,
                    status,
                    billing_event_guid: guid,
                    errors,
                }
            })
            .collect();
        Self {
            results,
            counts,
            execution_time: context.elapsed_millis(),
            tx_id: context.tx_id.clone(),
        }
    }
}

impl super::Representation for BatchRepresentation {
    fn to_xml(&self, contract: &XmlContract) -> String {
        let mut xml = XmlWriter::new();
        contract.open_root(&mut xml, "BillingEventBatch");
        // Members in data-contract order (ordinal order of the names), as in event.rs.
        xml.element("Conflicted", &self.counts.conflicted.to_string())
            .element("Created", &self.counts.created.to_string())
            .element("ExecutionTime", &self.execution_time.to_string())
            .element("Rejected", &self.counts.rejected.to_string())
            .element("Replayed", &self.counts.replayed.to_string())
            .open("Results", &[]);
        for result in &self.results {
            xml.open("Result", &[])
                .optional("BillingEventGuid", result.billing_event_guid.as_deref());
            if let Some(errors) = &result.errors {
                xml.open("Errors", &[]);
                for (field, messages) in errors {
                    xml.open(field, &[]);
                    for message in messages {
                        xml.element("i", message);
                    }
                    xml.close(field);
                }
                xml.close("Errors");
            }
            xml.element("Index", &result.index.to_string())
                .element("Status", &result.status.to_string())
                .close("Result");
        }
        xml.close("Results")
            .element("TxID", &self.tx_id)
            .close("BillingEventBatch")
            .finish()
    }
}
