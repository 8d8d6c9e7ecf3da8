//! Writing answers: what each kind of answer carries (one module each), in JSON or in
//! XML as negotiated, problems included.

pub mod amount;
pub mod batch;
pub mod context;
mod event;
mod health;
mod history;
pub mod negotiation;
mod page;
pub mod problem;
pub mod settlement;
mod summary;
pub mod xml_contract;
pub mod xml_writer;

pub use batch::BatchRepresentation;
pub use context::RequestContext;
pub use event::{etag, event_answer, EventRepresentation};
pub use health::HealthRepresentation;
pub use history::HistoryRepresentation;
pub use page::PageRepresentation;
pub use settlement::SettlementRepresentation;
pub use summary::SummaryRepresentation;
pub use xml_contract::{TimeMembers, XmlContract};

use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use serde::Serialize;

/// An answer body: serialised as JSON, or written as XML in the deployment's contract.
pub trait Representation: Serialize + Sized {
    fn to_xml(&self, contract: &XmlContract) -> String;

    /// This body with `status`, in the format the request negotiated.
    fn respond(&self, status: StatusCode, context: &RequestContext) -> HttpResponse {
        crate::encode::negotiation::respond(status, context.format, self, || {
            self.to_xml(&context.xml)
        })
    }

    /// As `respond`, the body written on a blocking thread: for answers of up to about a
    /// megabyte (a settlement's 10,000 results, a batch's 1,000), which would otherwise
    /// hold up every other request of the worker while they are written.
    async fn respond_off_worker(self, status: StatusCode, context: &RequestContext) -> HttpResponse
    where
        Self: Send + 'static,
    {
        let (format, contract) = (context.format, context.xml.clone());
        let written = tokio::task::spawn_blocking(move || {
            negotiation::render(format, &self, || self.to_xml(&contract))
        })
        .await;
        match written {
            Ok(body) => negotiation::answer(status, format, body),
            // A writer that panics is a bug: let it surface as it would have inline.
            Err(error) => std::panic::resume_unwind(error.into_panic()),
        }
    }
}
