//! A page of a listing: `{"items": [...], "nextCursor": "…" | null}`.

use super::{open_root, EventRepresentation};
use crate::encode::xml_writer::XmlWriter;
use crate::middleware::request_context::RequestContext;
use app::Page;
use serde::Serialize;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PageRepresentation {
    items: Vec<EventRepresentation>,
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
    fn to_xml(&self) -> String {
        let mut xml = XmlWriter::new();
        open_root(&mut xml, "BillingEventPage");
        xml.open("Items", &[]);
        for item in &self.items {
            item.write_xml(&mut xml, false);
        }
        xml.close("Items")
            .optional("NextCursor", self.next_cursor.as_deref())
            .close("BillingEventPage")
            .finish()
    }
}
