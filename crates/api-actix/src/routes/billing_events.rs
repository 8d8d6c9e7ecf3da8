//! `POST /api/v1/BillingEvents/{clientName}` and `GET /api/v1/BillingEvents/{bGuid}`.

use super::AppState;
use crate::api_error::{etag, ApiError};
use crate::decode::body::{self, BodyFormat, BodyRules};
use crate::decode::{form, json, text_encoding, xml};
use crate::encode::RequestContext;
use crate::encode::{EventRepresentation, Representation};
use crate::middleware::authentication::Caller;
use crate::route_table;
use crate::telemetry::prometheus;
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use app::Recorded;
use domain::{BillingEvent, BillingEventDraft};

/// Records one event: 201 when new, 200 when it repeats the stored one.
pub async fn post(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
    caller: Caller,
    context: RequestContext,
) -> Result<HttpResponse, ApiError> {
    let client_name = req.match_info().query("id");
    tracing::Span::current().record("client", client_name);
    app::authorize(&caller, client_name)?;
    let draft = decode_draft(&req, payload, &state.event_body, client_name).await?;
    Ok(
        match state.record.execute(&caller, draft, &context.tx_id).await? {
            Recorded::Created(event) => {
                prometheus::events("created", 1);
                tracing::Span::current().record("guid", tracing::field::display(event.guid));
                let mut response = answer(StatusCode::CREATED, &event, &context);
                let location = route_table::event_path(&event.guid);
                if let Ok(location) = HeaderValue::from_str(&location) {
                    response.headers_mut().insert(header::LOCATION, location);
                }
                response
            }
            Recorded::Replayed(event) => {
                prometheus::events("replayed", 1);
                answer(StatusCode::OK, &event, &context)
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
    let charset = text_encoding::declared(req)?;
    let body = body::read_limited(req, payload, rules, charset).await?;
    let source = text_encoding::effective(&body, charset);
    let bytes = text_encoding::to_utf8(&body, charset)?;
    // One decoding step per format, all giving the same draft to the use cases.
    Ok(match format {
        BodyFormat::Json => json::decode(&bytes, client_name)?,
        BodyFormat::Xml => {
            text_encoding::check_xml_declaration(&bytes, source)?;
            xml::decode(&bytes, client_name)?
        }
        BodyFormat::Form => form::decode(&bytes, client_name),
    })
}

/// Reads one event by its guid.
pub async fn get(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    context: RequestContext,
) -> Result<HttpResponse, ApiError> {
    let event = state
        .get
        .execute(req.match_info().query("id"), &caller)
        .await?;
    Ok(answer(StatusCode::OK, &event, &context))
}

/// The event in the negotiated format, with its `ETag`.
pub fn answer(status: StatusCode, event: &BillingEvent, context: &RequestContext) -> HttpResponse {
    let representation = EventRepresentation::of(event, context);
    let mut response = representation.respond(status, context);
    if let Ok(tag) = HeaderValue::from_str(&etag(event.revision)) {
        response.headers_mut().insert(header::ETAG, tag);
    }
    response
}
