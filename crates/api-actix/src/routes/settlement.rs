//! Settling events: `PATCH /api/v1/BillingEvents/{bGuid}` (one, with `If-Match`),
//! `POST /api/v1/BillingEvents/{clientName}/status` (many) and
//! `GET /api/v1/BillingEvents/{bGuid}/history` (the audit trail).

use super::billing_events::{answer, decode_draft};
use super::AppState;
use crate::api_error::ApiError;
use crate::body;
use crate::problem::Problem;
use crate::representation::{HistoryRepresentation, Representation, SettlementRepresentation};
use crate::request_context::RequestContext;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use app::{SettleRequest, StatusChange};
use domain::{Access, EventStatus};
use serde_json::Value;

/// Changes one event's status; `If-Match` makes it conditional on the revision.
pub async fn patch(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
    access: web::ReqData<Access>,
    context: RequestContext,
) -> Result<HttpResponse, Problem> {
    change(&req, payload, &state, &access, &context)
        .await
        .map_err(|error| error.into_problem(&context))
}

async fn change(
    req: &HttpRequest,
    payload: web::Payload,
    state: &AppState,
    access: &Access,
    context: &RequestContext,
) -> Result<HttpResponse, ApiError> {
    let guid = req.match_info().query("id");
    let draft = decode_draft(req, payload, state, state.max_body_bytes, "").await?;
    let change = state
        .change_status
        .execute(guid, draft, expected_revision(req), access, &context.tx_id)
        .await?;
    let (StatusChange::Changed(event) | StatusChange::Unchanged(event)) = change;
    Ok(answer(StatusCode::OK, &event, context))
}

/// The revision `If-Match` asks for: none for a missing header or `*`. A weak or
/// unreadable tag can never match (`If-Match` compares strongly), so it asks for
/// revision 0, which no event has.
fn expected_revision(req: &HttpRequest) -> Option<u32> {
    let value = req
        .headers()
        .get(header::IF_MATCH)?
        .to_str()
        .unwrap_or_default();
    let first = value.split(',').next().unwrap_or_default().trim();
    if first == "*" {
        return None;
    }
    Some(
        first
            .strip_prefix('"')
            .and_then(|tag| tag.strip_suffix('"'))
            .and_then(|tag| tag.parse().ok())
            .unwrap_or(0),
    )
}

/// Settles many events of the client in one transaction; one result per guid.
pub async fn settle_many(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
    access: web::ReqData<Access>,
    context: RequestContext,
) -> Result<HttpResponse, Problem> {
    settle(&req, payload, &state, &access, &context)
        .await
        .map_err(|error| error.into_problem(&context))
}

async fn settle(
    req: &HttpRequest,
    payload: web::Payload,
    state: &AppState,
    access: &Access,
    context: &RequestContext,
) -> Result<HttpResponse, ApiError> {
    let client_name = req.match_info().query("id");
    tracing::Span::current().record("client", tracing::field::display(client_name));
    super::authorize_client(access, client_name)?;
    if body::format_of(req)? != body::BodyFormat::Json {
        return Err(ApiError::UnsupportedMediaType(Some(
            "a bulk settlement takes JSON only".into(),
        )));
    }
    let bytes =
        body::read_limited(req, payload, state.max_bulk_body_bytes, state.body_timeout).await?;
    let request = settle_request(&bytes, client_name)?;
    let outcomes = state.settle.execute(&request, &context.tx_id).await?;
    let status = request
        .status
        .as_deref()
        .and_then(|text| EventStatus::parse(text).ok())
        .unwrap_or_default();
    let body = SettlementRepresentation::of(status, &outcomes, context);
    Ok(body.respond(StatusCode::OK, context.format))
}

/// `{"status": "Invoiced", "billingEventGuids": ["…", …]}`, names in any case.
fn settle_request(body: &[u8], client_name: &str) -> Result<SettleRequest, ApiError> {
    let value: Value =
        serde_json::from_slice(body).map_err(|error| ApiError::MalformedBody(error.to_string()))?;
    let Value::Object(properties) = value else {
        return Err(ApiError::MalformedBody(
            "The body must be a JSON object.".into(),
        ));
    };
    let mut request = SettleRequest {
        client_name: client_name.to_owned(),
        ..SettleRequest::default()
    };
    for (name, value) in properties {
        if name.eq_ignore_ascii_case("status") {
            request.status = match value {
                Value::String(text) => Some(text),
                Value::Number(number) => Some(number.to_string()),
                _ => None,
            };
        } else if name.eq_ignore_ascii_case("billingEventGuids") {
            let Value::Array(items) = value else {
                return Err(ApiError::MalformedBody(
                    "billingEventGuids must be an array of GUID strings.".into(),
                ));
            };
            // A non-string item is kept as its JSON text, so it is named as a bad guid.
            request.guids = items
                .into_iter()
                .map(|item| match item {
                    Value::String(text) => text,
                    other => other.to_string(),
                })
                .collect();
        }
    }
    Ok(request)
}

/// The creation and every status change, oldest first.
pub async fn history(
    req: HttpRequest,
    state: web::Data<AppState>,
    access: web::ReqData<Access>,
    context: RequestContext,
) -> Result<HttpResponse, Problem> {
    match state
        .history
        .execute(req.match_info().query("id"), &access)
        .await
    {
        Ok((guid, entries)) => {
            let body = HistoryRepresentation::of(guid, &entries, &context);
            Ok(body.respond(StatusCode::OK, context.format))
        }
        Err(error) => Err(ApiError::from(error).into_problem(&context)),
    }
}
