//! The HTTP adapter of billing-events: routes, body decoding, problem responses,
//! request context, configuration and telemetry. `main.rs` composes it with the
//! database adapter.

mod api_error;
mod authentication;
mod body;
pub mod cli;
mod clock;
mod form_draft;
mod help;
mod json_draft;
pub mod negotiation;
pub mod openapi;
mod problem;
mod query;
mod representation;
mod request_context;
mod route_case;
mod routes;
pub mod samples;
pub mod settings;
mod settle_request;
pub mod startup;
pub mod telemetry;
pub mod telemetry_metrics;
mod vocabulary;
mod xml_draft;
mod xml_well_formed;
mod xml_writer;

pub use settings::Settings;

/// The body decoders, public so the fuzz targets (`fuzz/`) can drive them.
pub mod decoders {
    pub use crate::form_draft::decode as form;
    pub use crate::json_draft::{decode as json, decode_many as json_batch};
    pub use crate::settle_request::decode as settlement;
    pub use crate::xml_draft::{decode as xml, decode_many as xml_batch};
}
pub use startup::Application;
