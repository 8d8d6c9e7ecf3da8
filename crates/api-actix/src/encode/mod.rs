//! Writing answers: what each kind of answer carries (one module each), in JSON or in
//! XML as negotiated, problems included.

mod batch;
mod event;
mod health;
mod history;
pub mod negotiation;
mod page;
pub mod problem;
mod settlement;
mod summary;
pub mod xml_writer;

pub use batch::BatchRepresentation;
pub use event::{exact_number, EventRepresentation, DATA_CONTRACT_NAMESPACE, XML_SCHEMA_INSTANCE};
pub use health::HealthRepresentation;
pub use history::HistoryRepresentation;
pub use page::PageRepresentation;
pub use settlement::SettlementRepresentation;
pub use summary::SummaryRepresentation;

use crate::encode::negotiation::MediaFormat;
use crate::encode::xml_writer::XmlWriter;
use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use serde::Serialize;

/// An answer body: serialised as JSON, or written as XML.
pub trait Representation: Serialize + Sized {
    fn to_xml(&self) -> String;

    /// This body with `status`, in the negotiated `format`.
    fn respond(&self, status: StatusCode, format: MediaFormat) -> HttpResponse {
        crate::encode::negotiation::respond(status, format, self, || self.to_xml())
    }
}

/// Opens a root element with the namespaces every XML answer of ours declares.
fn open_root(xml: &mut XmlWriter, name: &str) {
    xml.open(
        name,
        &[
            ("xmlns:i", XML_SCHEMA_INSTANCE),
            ("xmlns", DATA_CONTRACT_NAMESPACE),
        ],
    );
}
