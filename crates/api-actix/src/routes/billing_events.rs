//! `POST /api/v1/BillingEvents/{clientName}` and `GET /api/v1/BillingEvents/{bGuid}`.

use super::AppState;
use crate::api_error::{etag, ApiError};
use crate::authentication::Caller;
use crate::body::{self, BodyFormat, BodyRules};
use crate::problem::Problem;
use crate::representation::{EventRepresentation, Representation};
use crate::request_context::RequestContext;
use crate::telemetry_metrics;
use crate::{form_draft, json_draft, xml_draft};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use app::Recorded;
use domain::{Access, BillingEvent, BillingEventDraft};

/// Records one event: 201 when new, 200 when it repeats the stored one.
pub async fn post(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
    caller: Caller,
    context: RequestContext,
) -> Result<HttpResponse, Problem> {
    record(&req, payload, &state, &caller, &context)
        .await
        .map_err(|error| error.into_problem(&context))
}

async fn record(
    req: &HttpRequest,
    payload: web::Payload,
    state: &AppState,
    access: &Access,
    context: &RequestContext,
) -> Result<HttpResponse, ApiError> {
    let client_name = req.match_info().query("id");
    tracing::Span::current().record("client", client_name);
    state.record.authorize(access, client_name)?;
    let draft = decode_draft(req, payload, &state.event_body, client_name).await?;
    Ok(
        match state.record.execute(access, draft, &context.tx_id).await? {
            Recorded::Created(event) => {
                telemetry_metrics::events("created", 1);
                let mut response = answer(StatusCode::CREATED, &event, context);
                let location = format!("/api/v1/BillingEvents/{}", event.guid);
                if let Ok(location) = HeaderValue::from_str(&location) {
                    response.headers_mut().insert(header::LOCATION, location);
                }
                response
            }
            Recorded::Replayed(event) => {
                telemetry_metrics::events("replayed", 1);
                answer(StatusCode::OK, &event, context)
            }
        },
    )
}

/// Reads the body, in whichever format it came, into a draft for `client_name`.
pub async fn decode_draft(
    req: &HttpRequest,
    payload: web::Payload,
    rules: &BodyRules,
    client_name: &str,
) -> Result<BillingEventDraft, ApiError> {
    let format = body::format_of(req)?;
    let bytes = body::read_limited(req, payload, rules).await?;
    // One decoding step per format, all giving the same draft to the use cases.
    Ok(match format {
        BodyFormat::Json => json_draft::decode(&bytes, client_name)?,
        BodyFormat::Xml => xml_draft::decode(&bytes, client_name)?,
        BodyFormat::Form => form_draft::decode(&bytes, client_name),
    })
}

/// Reads one event by its guid.
pub async fn get(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    context: RequestContext,
) -> Result<HttpResponse, Problem> {
    let guid = req.match_info().query("id");
    match state.get.execute(guid, &caller).await {
        Ok(event) => Ok(answer(StatusCode::OK, &event, &context)),
        Err(error) => Err(ApiError::from(error).into_problem(&context)),
    }
}

/// The event in the negotiated format, with its `ETag`.
pub fn answer(status: StatusCode, event: &BillingEvent, context: &RequestContext) -> HttpResponse {
    let representation = EventRepresentation::of(event, context);
    let mut response = representation.respond(status, context.format);
    if let Ok(tag) = HeaderValue::from_str(&etag(event.revision)) {
        response.headers_mut().insert(header::ETAG, tag);
    }
    response
}
