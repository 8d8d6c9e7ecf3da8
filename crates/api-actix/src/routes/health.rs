//! Liveness and readiness, for load balancers and orchestrators.

use super::AppState;
use crate::api_error::ApiError;
use crate::encode::RequestContext;
use crate::encode::{HealthRepresentation, Representation};
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
) -> Result<HttpResponse, ApiError> {
    state.repository.ping().await.map_err(ApiError::NotReady)?;
    Ok(status("ready", &context))
}

fn status(word: &'static str, context: &RequestContext) -> HttpResponse {
    HealthRepresentation::of(word).respond(StatusCode::OK, context)
}
