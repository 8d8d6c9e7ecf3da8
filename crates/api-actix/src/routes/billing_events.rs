//! `POST /api/v1/BillingEvents/{clientName}` and `GET /api/v1/BillingEvents/{bGuid}`.

use super::AppState;
use crate::api_error::ApiError;
use crate::body::{self, BodyFormat};
use crate::json_draft;
use crate::problem::Problem;
use crate::representation::EventRepresentation;
use crate::request_context::RequestContext;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use app::Recorded;

/// Records one event: 201 when new, 200 when it repeats the stored one.
pub async fn post(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
    context: RequestContext,
) -> Result<HttpResponse, Problem> {
    record(&req, payload, &state, &context)
        .await
        .map_err(|error| error.into_problem(&context))
}

async fn record(
    req: &HttpRequest,
    payload: web::Payload,
    state: &AppState,
    context: &RequestContext,
) -> Result<HttpResponse, ApiError> {
    let client_name = req.match_info().query("id");
    tracing::Span::current().record("client", tracing::field::display(client_name));
    let format = body::format_of(req)?;
    let bytes = body::read_limited(req, payload, state.max_body_bytes).await?;
    let draft = match format {
        BodyFormat::Json => json_draft::decode(&bytes, client_name)?,
    };
    let response = match state.record.execute(draft).await? {
        Recorded::Created(event) => HttpResponse::Created()
            .insert_header((
                header::LOCATION,
                format!("/api/v1/BillingEvents/{}", event.guid),
            ))
            .json(EventRepresentation::of(&event, context)),
        Recorded::Replayed(event) => {
            HttpResponse::Ok().json(EventRepresentation::of(&event, context))
        }
    };
    Ok(response)
}

/// Reads one event by its guid.
pub async fn get(
    req: HttpRequest,
    state: web::Data<AppState>,
    context: RequestContext,
) -> Result<HttpResponse, Problem> {
    let guid = req.match_info().query("id");
    match state.get.execute(guid).await {
        Ok(event) => Ok(HttpResponse::Ok().json(EventRepresentation::of(&event, &context))),
        Err(error) => Err(ApiError::from(error).into_problem(&context)),
    }
}
