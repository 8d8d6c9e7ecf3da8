//! `GET /api/v1/BillingEvents` (a page of a client's events) and
//! `GET /api/v1/BillingEvents/summary` (exact totals per group).

use super::AppState;
use crate::api_error::ApiError;
use crate::authentication::Caller;
use crate::problem::Problem;
use crate::query::Query;
use crate::representation::{PageRepresentation, Representation, SummaryRepresentation};
use crate::request_context::RequestContext;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    context: RequestContext,
) -> Result<HttpResponse, Problem> {
    let request = Query::parse(req.query_string()).list_request();
    match state.list.execute(&request, &caller).await {
        Ok(page) => {
            let body = PageRepresentation::of(&page, &context);
            Ok(body.respond(StatusCode::OK, context.format))
        }
        Err(error) => Err(ApiError::from(error).into_problem(&context)),
    }
}

pub async fn summary(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    context: RequestContext,
) -> Result<HttpResponse, Problem> {
    let request = Query::parse(req.query_string()).summary_request();
    match state.summarize.execute(&request, &caller).await {
        Ok(rows) => {
            let body = SummaryRepresentation::of(&rows, &context);
            Ok(body.respond(StatusCode::OK, context.format))
        }
        Err(error) => Err(ApiError::from(error).into_problem(&context)),
    }
}
