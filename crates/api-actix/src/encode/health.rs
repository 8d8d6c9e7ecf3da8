//! Liveness and readiness: `{"status": "…"}`, or `<Health><Status>…</Status></Health>`.

use crate::encode::xml_writer::XmlWriter;
use serde::Serialize;
use utoipa::ToSchema;

/// `{"status": "ok"}` or `{"status": "ready"}`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = HealthStatus)]
pub struct HealthRepresentation {
    status: &'static str,
}

impl HealthRepresentation {
    pub fn of(status: &'static str) -> Self {
        Self { status }
    }
}

impl super::Representation for HealthRepresentation {
    fn to_xml(&self, _: &super::XmlContract) -> String {
        XmlWriter::new()
            .open("Health", &[])
            .element("Status", self.status)
            .close("Health")
            .finish()
    }
}
