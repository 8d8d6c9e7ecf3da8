//! Liveness and readiness, for load balancers and orchestrators.

use super::AppState;
use crate::api_error::ApiError;
use crate::negotiation;
use crate::problem::Problem;
use crate::request_context::RequestContext;
use crate::xml_writer::XmlWriter;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};

/// 200 while the process serves requests.
pub async fn health(context: RequestContext) -> HttpResponse {
    status("ok", &context)
}

/// 200 when the database answers, 503 when it does not.
pub async fn ready(
    state: web::Data<AppState>,
    context: RequestContext,
) -> Result<HttpResponse, Problem> {
    match state.repository.ping().await {
        Ok(()) => Ok(status("ready", &context)),
        Err(error) => Err(ApiError::NotReady(error).into_problem(&context)),
    }
}

/// `{"status": "…"}`, or `<Health><Status>…</Status></Health>`.
fn status(word: &str, context: &RequestContext) -> HttpResponse {
    let json = serde_json::json!({ "status": word });
    negotiation::respond(StatusCode::OK, context.format, &json, || {
        XmlWriter::new()
            .open("Health", &[])
            .element("Status", word)
            .close("Health")
            .finish()
    })
}
