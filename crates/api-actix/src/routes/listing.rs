//! `GET /api/v1/BillingEvents` (a page of a client's events) and
//! `GET /api/v1/BillingEvents/summary` (exact totals per group).

use super::AppState;
use crate::api_error::ApiError;
use crate::decode::query::Query;
use crate::encode::RequestContext;
use crate::encode::{PageRepresentation, Representation, SummaryRepresentation};
use crate::middleware::authentication::Caller;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    context: RequestContext,
) -> Result<HttpResponse, ApiError> {
    let request = Query::parse(req.query_string()).list_request();
    let page = state.list.execute(&request, &caller).await?;
    let body = PageRepresentation::of(&page, &context);
    Ok(body.respond(StatusCode::OK, &context))
}

pub async fn summary(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    context: RequestContext,
    _turn: super::HeavyTurn,
) -> Result<HttpResponse, ApiError> {
    let request = Query::parse(req.query_string()).summary_request();
    let rows = state.summarize.execute(&request, &caller).await?;
    let body = SummaryRepresentation::of(&rows, &context);
    Ok(body.respond(StatusCode::OK, &context))
}
