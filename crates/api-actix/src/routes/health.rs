//! Liveness and readiness, for load balancers and orchestrators.

use super::AppState;
use crate::api_error::ApiError;
use crate::problem::Problem;
use crate::request_context::RequestContext;
use actix_web::{web, HttpResponse};

/// 200 while the process serves requests.
pub async fn health() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

/// 200 when the database answers, 503 when it does not.
pub async fn ready(
    state: web::Data<AppState>,
    context: RequestContext,
) -> Result<HttpResponse, Problem> {
    match state.repository.ping().await {
        Ok(()) => Ok(HttpResponse::Ok().json(serde_json::json!({ "status": "ready" }))),
        Err(error) => Err(ApiError::NotReady(error).into_problem(&context)),
    }
}
