//! One stored event as clients get it: the original API's camelCase JSON, or the XML a
//! .NET `DataContractSerializer` client expects.

use super::Representation as _;
use crate::encode::amount::{AmountStyle, JsonAmount};
use crate::encode::context::RequestContext;
use crate::encode::xml_contract::XmlContract;
use crate::encode::xml_writer::XmlWriter;
use crate::vocabulary::{EventStatusSchema, EventTypeSchema};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use domain::BillingEvent;
use serde::Serialize;
use utoipa::ToSchema;

/// An event as the response body carries it, with the system fields of this call.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = InvoiceBillingEvent)]
pub struct EventRepresentation {
    #[schema(format = Uuid)]
    billing_event_guid: String,
    member_unique_key: String,
    /// UTC, seven fractional digits, `+00:00`.
    #[schema(format = DateTime)]
    event_date_time: String,
    #[schema(value_type = EventTypeSchema)]
    event_type_id: &'static str,
    #[schema(value_type = EventStatusSchema)]
    invoice_billing_event_status_id: &'static str,
    /// Exact decimal, written with the scale it was sent with.
    #[schema(value_type = f64, format = "decimal")]
    quantity: JsonAmount,
    /// Exact decimal, written with the scale it was sent with.
    #[schema(value_type = f64, format = "decimal")]
    price: JsonAmount,
    /// When the event was stored (UTC).
    #[schema(format = DateTime)]
    modified_date_time: String,
    /// Whole milliseconds this call took.
    execution_time: u64,
    /// Unique per call; equal to the `X-Transaction-Id` header.
    #[serde(rename = "txID")]
    tx_id: String,
}

impl EventRepresentation {
    /// Call last, just before answering: `executionTime` is measured up to here.
    pub fn of(event: &BillingEvent, context: &RequestContext) -> Self {
        let (execution_time, amounts) = (context.elapsed_millis(), context.amounts);
        Self::with_system_fields(event, execution_time, &context.tx_id, amounts)
    }

    pub fn with_system_fields(
        event: &BillingEvent,
        execution_time: u64,
        tx_id: &str,
        amounts: AmountStyle,
    ) -> Self {
        Self {
            billing_event_guid: event.guid.to_string(),
            member_unique_key: event.member.as_str().to_owned(),
            event_date_time: event.event_time.to_string(),
            event_type_id: event.event_type.name(),
            invoice_billing_event_status_id: event.status.name(),
            quantity: JsonAmount::new(event.quantity.to_string(), amounts),
            price: JsonAmount::new(event.price.to_string(), amounts),
            modified_date_time: event.modified.to_string(),
            execution_time,
            tx_id: tx_id.to_owned(),
        }
    }

    /// The `<InvoiceBillingEvent>` element; the namespaces are declared on it when it is
    /// the root, inherited when it is nested in a list.
    pub fn write_xml(&self, xml: &mut XmlWriter, contract: &XmlContract, root: bool) {
        const NAME: &str = "InvoiceBillingEvent";
        if root {
            contract.open_root(xml, NAME);
        } else {
            xml.open(NAME, &[]);
        }
        // In ordinal order of the names: what DataContractSerializer reads by default (a
        // class without `Order` on its members). It skips an element that comes out of
        // that order, silently leaving the member at its default.
        xml.element("BillingEventGuid", &self.billing_event_guid);
        contract.time(xml, "EventDateTime", &self.event_date_time);
        xml.element("EventTypeId", self.event_type_id)
            .element("ExecutionTime", &self.execution_time.to_string())
            .element(
                "InvoiceBillingEventStatusId",
                self.invoice_billing_event_status_id,
            )
            .element("MemberUniqueKey", &self.member_unique_key);
        contract.time(xml, "ModifiedDateTime", &self.modified_date_time);
        xml.element("Price", &self.price.to_string())
            .element("Quantity", &self.quantity.to_string())
            .element("TxID", &self.tx_id)
            .close(NAME);
    }
}

impl super::Representation for EventRepresentation {
    /// `<InvoiceBillingEvent>` with `PascalCase` elements in data-contract order
    /// (ordinal order of the names), as a whole document.
    fn to_xml(&self, contract: &XmlContract) -> String {
        let mut xml = XmlWriter::new();
        self.write_xml(&mut xml, contract, true);
        xml.finish()
    }
}

/// The `ETag` of an event at `revision`: strong, since it names the stored state.
pub fn etag(revision: u32) -> String {
    format!("\"{revision}\"")
}

/// The event in the negotiated format, with its `ETag`.
pub fn event_answer(
    status: StatusCode,
    event: &BillingEvent,
    context: &RequestContext,
) -> HttpResponse {
    let mut response = EventRepresentation::of(event, context).respond(status, context);
    if let Ok(tag) = HeaderValue::from_str(&etag(event.revision)) {
        response.headers_mut().insert(header::ETAG, tag);
    }
    response
}
