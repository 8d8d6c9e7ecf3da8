//! The HTTP adapter of billing-events: routes, body decoding, problem responses,
//! request context, configuration and telemetry. `main.rs` composes it with the
//! database adapter.

mod api_error;
mod body;
mod clock;
mod json_draft;
mod problem;
mod representation;
mod request_context;
mod route_case;
mod routes;
pub mod settings;
pub mod startup;
pub mod telemetry;

pub use settings::Settings;
pub use startup::Application;
