//! The HTTP adapter of billing-events, and the binary's composition root.
//!
//! - `decode/`: reading requests (bodies in each format, the query string);
//! - `encode/`: writing answers (each kind in JSON or XML, problems);
//! - `connection/`: each TCP connection's bounds (per host, idle deadline, read-ahead);
//! - `middleware/`: what runs around every request (context, route case, key check);
//! - `route_table.rs`: every route, said once; `routes/`: the handlers, which call the
//!   use cases;
//! - `docs/`: the OpenAPI document, `/help`, and the samples both show;
//! - `telemetry/`: log lines and Prometheus metrics;
//! - `api_error.rs`: every error, mapped to HTTP in one place;
//! - `vocabulary.rs`: the contract's names for fields and parameters;
//! - `settings.rs`, `startup.rs`, `cli.rs`: configuration and the wiring, the only
//!   modules that name the database adapter.

mod api_error;
pub mod cli;
mod clock;
mod connection;
mod decode;
pub mod docs;
mod encode;
mod limits;
mod middleware;
mod route_table;
mod routes;
pub mod settings;
pub mod startup;
pub mod telemetry;
mod vocabulary;

pub use settings::Settings;

/// The body decoders, public so the fuzz targets (`fuzz/`) can drive them.
pub mod decoders {
    pub use crate::decode::form::decode as form;
    pub use crate::decode::json::{decode as json, decode_many as json_batch};
    pub use crate::decode::settlement::decode as settlement;
    pub use crate::decode::xml::{decode as xml, decode_many as xml_batch};
}
pub use startup::Application;
