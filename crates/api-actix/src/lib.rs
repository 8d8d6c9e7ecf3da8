//! The HTTP adapter of billing-events: routes, body decoding, problem responses,
//! request context, configuration and telemetry. `main.rs` composes it with the
//! database adapter.

mod api_error;
mod body;
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
pub mod startup;
pub mod telemetry;
pub mod telemetry_metrics;
mod xml_draft;
mod xml_writer;

pub use settings::Settings;
pub use startup::Application;
