//! A page of a listing: `{"items": [...], "nextCursor": "…" | null}`.

use super::{EventRepresentation, XmlContract};
use crate::encode::context::RequestContext;
use crate::encode::xml_writer::XmlWriter;
use app::Page;
use serde::Serialize;
use utoipa::ToSchema;

/// A page of a listing.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = BillingEventPage)]
pub struct PageRepresentation {
    /// Ordered by eventDateTime, then guid.
    items: Vec<EventRepresentation>,
    /// Pass as `cursor` for the next page; null on the last page.
    next_cursor: Option<String>,
}

impl PageRepresentation {
    pub fn of(page: &Page, context: &RequestContext) -> Self {
        Self {
            items: page
                .items
                .iter()
                .map(|event| EventRepresentation::of(event, context))
                .collect(),
            next_cursor: page.next_cursor.clone(),
        }
    }
}

impl super::Representation for PageRepresentation {
    /// `<BillingEventPage><Items><InvoiceBillingEvent>…</Items><NextCursor>…`.
    fn to_xml(&self, contract: &XmlContract) -> String {
        let mut xml = XmlWriter::new();
        contract.open_root(&mut xml, "BillingEventPage");
        xml.open("Items", &[]);
        for item in &self.items {
            item.write_xml(&mut xml, contract, false);
        }
        xml.close("Items")
            .optional("NextCursor", self.next_cursor.as_deref())
            .close("BillingEventPage")
            .finish()
    }
}
