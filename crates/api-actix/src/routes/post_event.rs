//! `POST /api/v1/BillingEvents/{clientName}`: record one event, idempotent on its guid.

use super::AppState;
use crate::api_error::ApiError;
use crate::decode::{self, body};
use crate::docs::inputs::{request_example, response_example, InvoiceBillingEventInput};
use crate::encode::{event_answer, EventRepresentation as InvoiceBillingEvent, RequestContext};
use crate::middleware::authentication::Caller;
use crate::route_table::{self, Body};
use crate::telemetry::prometheus;
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use app::Recorded;

/// Records one event: 201 when new, 200 when it repeats the stored one.
#[utoipa::path(
    post,
    path = route_table::EVENT,
    operation_id = "post_billing_event",
    tag = "BillingEvents",
    summary = "Post a billing event",
    description = "Records one event for the client. Posting is idempotent on the guid: the \
        same event again answers 200 with the stored one; another event under a taken guid \
        answers 409.",
    params((
        "id" = String,
        Path,
        description = "On POST, the client's name (clientName): 1–100 letters, digits, \
            space, '.', '_', '-'; any letter case"
    )),
    request_body(description = "The billing event", content(
        (
            InvoiceBillingEventInput = "application/json",
            example = json!(request_example("application/json"))
        ),
        (
            InvoiceBillingEventInput = "text/json",
            example = json!(request_example("text/json"))
        ),
        (
            InvoiceBillingEventInput = "application/xml",
            example = json!(request_example("application/xml"))
        ),
        (
            InvoiceBillingEventInput = "text/xml",
            example = json!(request_example("text/xml"))
        ),
        (
            InvoiceBillingEventInput = "application/x-www-form-urlencoded",
            example = json!(request_example("application/x-www-form-urlencoded"))
        ),
    )),
    responses(
        (
            status = 201,
            description = "Stored",
            headers(("Location" = String), ("X-Transaction-Id" = String)),
            content(
                (
                    InvoiceBillingEvent = "application/json",
                    example = json!(response_example("application/json"))
                ),
                (
                    InvoiceBillingEvent = "application/xml",
                    example = json!(response_example("application/xml"))
                ),
            )
        ),
        (
            status = 200,
            description = "A retry of the stored event: the stored event, unchanged",
            content(
                (InvoiceBillingEvent = "application/json"),
                (InvoiceBillingEvent = "application/xml")
            )
        ),
        (status = 400, description = "Invalid fields (every one named) or a malformed body"),
        (status = 403, description = "The key is another client's"),
        (status = 409, description = "The guid holds a different event, or another client's"),
        (status = 413, description = "Body over the size limit"),
        (status = 415, description = "Unsupported Content-Type"),
        (status = 503, description = "Database unavailable; nothing stored; retry"),
    )
)]
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
    let client = client_name.to_owned();
    let read = body::read(
        &req,
        payload,
        state.body(Body::Event),
        move |format, utf8| decode::event(format, utf8, &client),
    );
    let draft = read.await?;
    Ok(
        match state.record.execute(&caller, draft, &context.tx_id).await? {
            Recorded::Created(event) => {
                prometheus::events("created", 1);
                tracing::Span::current().record("guid", tracing::field::display(event.guid));
                let mut response = event_answer(StatusCode::CREATED, &event, &context);
                let location = route_table::event_path(&event.guid);
                if let Ok(location) = HeaderValue::from_str(&location) {
                    response.headers_mut().insert(header::LOCATION, location);
                }
                response
            }
            Recorded::Replayed(event) => {
                prometheus::events("replayed", 1);
                event_answer(StatusCode::OK, &event, &context)
            }
        },
    )
}
