//! `GET /api/v1/BillingEvents/summary`: exact totals of a client's events per group.

use super::AppState;
use crate::api_error::ApiError;
use crate::decode::query::Query;
use crate::encode::RequestContext;
use crate::encode::{Representation, SummaryRepresentation as BillingEventSummary};
use crate::middleware::authentication::Caller;
use crate::route_table;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

/// Count, Σ quantity and Σ quantity × price per group, over the listing's filters.
#[utoipa::path(
    get,
    path = route_table::SUMMARY,
    operation_id = "summarize_billing_events",
    tag = "BillingEvents",
    summary = "Total a client's events",
    description = "Event count, Σ quantity and Σ quantity × price per group, exact to the \
        last digit (PostgreSQL numeric; arbitrary precision on SQLite). Takes the listing's \
        filters.",
    params(
        (
            "clientName" = Option<String>,
            Query,
            description = "Required with an all-clients key; a client's key may leave it out"
        ),
        ("from" = Option<String>, Query),
        ("to" = Option<String>, Query),
        ("memberUniqueKey" = Option<String>, Query),
        ("eventTypeId" = Option<Vec<String>>, Query),
        ("invoiceBillingEventStatusId" = Option<Vec<String>>, Query),
        ("modifiedSince" = Option<String>, Query),
        (
            "groupBy" = Option<Vec<String>>,
            Query,
            description = "member, type or status; repeatable"
        ),
    ),
    responses(
        (status = 200, description = "The groups", content(
            (BillingEventSummary = "application/json"),
            (BillingEventSummary = "application/xml")
        )),
        (status = 400, description = "Bad parameters, each named"),
    )
)]
pub async fn summarize(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    context: RequestContext,
    _turn: super::HeavyTurn,
) -> Result<HttpResponse, ApiError> {
    let request = Query::parse(req.query_string()).summary_request();
    let rows = state.summarize.execute(&request, &caller).await?;
    let body = BillingEventSummary::of(&rows, &context);
    Ok(body.respond(StatusCode::OK, &context))
}
