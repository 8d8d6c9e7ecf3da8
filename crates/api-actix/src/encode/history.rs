//! An event's audit history, oldest first.

use super::XmlContract;
use crate::encode::context::RequestContext;
use crate::encode::xml_writer::XmlWriter;
use crate::vocabulary::EventStatusSchema;
use domain::HistoryEntry;
use domain::{BillingEventGuid, EventStatus};
use serde::Serialize;
use utoipa::ToSchema;

/// One line of the audit history.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = HistoryItem)]
struct EntryRepresentation {
    /// `null` for the creation.
    #[schema(value_type = Option<EventStatusSchema>)]
    from: Option<&'static str>,
    #[schema(value_type = EventStatusSchema)]
    to: &'static str,
    /// When (UTC).
    #[schema(format = DateTime)]
    at: String,
    /// The txID of the call that made the change.
    #[serde(rename = "txID")]
    tx_id: String,
}

/// An event's audit history.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = BillingEventHistory)]
pub struct HistoryRepresentation {
    #[schema(format = Uuid)]
    billing_event_guid: String,
    /// Oldest first.
    items: Vec<EntryRepresentation>,
    execution_time: u64,
    #[serde(rename = "txID")]
    tx_id: String,
}

impl HistoryRepresentation {
    pub fn of(guid: BillingEventGuid, entries: &[HistoryEntry], context: &RequestContext) -> Self {
        let items = entries
            .iter()
            .map(|entry| EntryRepresentation {
                from: entry.from.map(EventStatus::name),
                to: entry.to.name(),
                at: entry.at.to_string(),
                tx_id: entry.tx_id.clone(),
            })
            .collect();
        Self {
            billing_event_guid: guid.to_string(),
            items,
            execution_time: context.elapsed_millis(),
            tx_id: context.tx_id.clone(),
        }
    }
}

impl super::Representation for HistoryRepresentation {
    fn to_xml(&self, contract: &XmlContract) -> String {
        let mut xml = XmlWriter::new();
        contract.open_root(&mut xml, "BillingEventHistory");
        // Members in data-contract order (ordinal order of the names), as in event.rs.
        xml.element("BillingEventGuid", &self.billing_event_guid)
            .element("ExecutionTime", &self.execution_time.to_string())
            .open("Items", &[]);
        for item in &self.items {
            xml.open("Change", &[])
                .element("At", &item.at)
                .optional("From", item.from)
                .element("To", item.to)
                .element("TxID", &item.tx_id)
                .close("Change");
        }
        xml.close("Items")
            .element("TxID", &self.tx_id)
            .close("BillingEventHistory")
            .finish()
    }
}
