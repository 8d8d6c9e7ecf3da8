//! `GET /api/v1/BillingEvents/{bGuid}/history`: an event's audit trail.

use super::AppState;
use crate::api_error::ApiError;
use crate::encode::RequestContext;
use crate::encode::{HistoryRepresentation as BillingEventHistory, Representation};
use crate::middleware::authentication::Caller;
use crate::route_table;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

/// The creation and every status change, oldest first.
#[utoipa::path(
    get,
    path = route_table::HISTORY,
    operation_id = "history",
    tag = "BillingEvents",
    summary = "Read an event's audit history",
    params(("id" = String, Path, description = "The event's guid (bGuid in problems)")),
    responses(
        (
            status = 200,
            description = "The creation and every status change, oldest first",
            content(
                (BillingEventHistory = "application/json"),
                (BillingEventHistory = "application/xml")
            )
        ),
        (status = 404, description = "No event has this guid"),
    )
)]
pub async fn history(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    context: RequestContext,
) -> Result<HttpResponse, ApiError> {
    let (guid, entries) = state
        .history
        .execute(req.match_info().query("id"), &caller)
        .await?;
    let body = BillingEventHistory::of(guid, &entries, &context);
    Ok(body.respond(StatusCode::OK, &context))
}
