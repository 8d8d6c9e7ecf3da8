//! What the service tells its operators: log lines and Prometheus metrics.

pub mod logging;
pub mod prometheus;

pub use logging::init;
