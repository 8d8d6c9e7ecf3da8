//! `/health` and `/ready`: liveness and readiness, for load balancers and orchestrators.

use super::AppState;
use crate::api_error::ApiError;
use crate::encode::RequestContext;
use crate::encode::{HealthRepresentation as HealthStatus, Representation};
use crate::route_table;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};

/// 200 while the process serves requests.
#[utoipa::path(
    get,
    path = route_table::HEALTH,
    operation_id = "health",
    tag = "Operations",
    security(()),
    summary = "Liveness",
    responses((status = 200, description = "The process serves requests", content(
        (HealthStatus = "application/json"),
        (HealthStatus = "application/xml")
    )))
)]
pub async fn health(context: RequestContext) -> HttpResponse {
    status("ok", &context)
}

/// 200 when the database answers, 503 when it does not.
#[utoipa::path(
    get,
    path = route_table::READY,
    operation_id = "ready",
    tag = "Operations",
    security(()),
    summary = "Readiness",
    responses(
        (status = 200, description = "The database answers", content(
            (HealthStatus = "application/json"),
            (HealthStatus = "application/xml")
        )),
        (status = 503, description = "The database does not answer"),
    )
)]
pub async fn ready(
    state: web::Data<AppState>,
    context: RequestContext,
) -> Result<HttpResponse, ApiError> {
    state.repository.ping().await.map_err(ApiError::NotReady)?;
    Ok(status("ready", &context))
}

fn status(word: &'static str, context: &RequestContext) -> HttpResponse {
    HealthStatus::of(word).respond(StatusCode::OK, context)
}
