//! `GET /api/v1/BillingEvents/{bGuid}`: read one event.

use super::AppState;
use crate::api_error::ApiError;
use crate::docs::inputs::response_example;
use crate::encode::{event_answer, EventRepresentation as InvoiceBillingEvent, RequestContext};
use crate::middleware::authentication::Caller;
use crate::route_table;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

/// Reads one event by its guid.
#[utoipa::path(
    get,
    path = route_table::EVENT,
    operation_id = "get_billing_event",
    tag = "BillingEvents",
    summary = "Read a billing event",
    description = "The stored event, with this call's executionTime and txID.",
    params((
        "id" = String,
        Path,
        description = "On GET, the event's guid (bGuid in problems), in any .NET format"
    )),
    responses(
        (status = 200, description = "The event", content(
            (
                InvoiceBillingEvent = "application/json",
                example = json!(response_example("application/json"))
            ),
            (
                InvoiceBillingEvent = "application/xml",
                example = json!(response_example("application/xml"))
            ),
        )),
        (status = 400, description = "Not a guid, or the empty guid"),
        (status = 404, description = "No event has this guid"),
        (status = 503, description = "Database unavailable"),
    )
)]
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
    Ok(event_answer(StatusCode::OK, &event, &context))
}
