//! `GET /api/v1/BillingEvents`: a page of a client's events.

use super::AppState;
use crate::api_error::ApiError;
use crate::decode::query::Query;
use crate::encode::RequestContext;
use crate::encode::{PageRepresentation as BillingEventPage, Representation};
use crate::middleware::authentication::Caller;
use crate::route_table;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

/// A page of the client's events, in a stable order, with a cursor to the next.
#[utoipa::path(
    get,
    path = route_table::EVENTS,
    operation_id = "list_billing_events",
    tag = "BillingEvents",
    summary = "List a client's events",
    description = "A page of the client's events in a stable order (eventDateTime, then \
        guid), with an opaque keyset cursor: walking every page returns each matching event \
        exactly once, even while events arrive. Parameter names match in any case.",
    params(
        (
            "clientName" = Option<String>,
            Query,
            description = "Required with an all-clients key; a client's key may leave it out"
        ),
        ("memberUniqueKey" = Option<String>, Query),
        ("from" = Option<String>, Query, description = "eventDateTime at or after (ISO 8601)"),
        ("to" = Option<String>, Query, description = "eventDateTime before (ISO 8601)"),
        ("eventTypeId" = Option<Vec<String>>, Query, description = "Name or number; repeatable"),
        (
            "invoiceBillingEventStatusId" = Option<Vec<String>>,
            Query,
            description = "Name or number; repeatable"
        ),
        ("modifiedSince" = Option<String>, Query, description = "modifiedDateTime at or after"),
        ("limit" = Option<u32>, Query, description = "1–1000, default 100"),
        ("cursor" = Option<String>, Query, description = "nextCursor of the previous page"),
    ),
    responses(
        (status = 200, description = "A page", content(
            (BillingEventPage = "application/json"),
            (BillingEventPage = "application/xml")
        )),
        (status = 400, description = "Bad parameters, each named"),
    )
)]
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    context: RequestContext,
) -> Result<HttpResponse, ApiError> {
    let request = Query::parse(req.query_string()).list_request();
    let page = state.list.execute(&request, &caller).await?;
    let body = BillingEventPage::of(&page, &context);
    Ok(body.respond(StatusCode::OK, &context))
}
