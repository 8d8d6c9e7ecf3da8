//! `POST /api/v1/BillingEvents/{clientName}/status`: settle many of the client's events
//! in one transaction, answering per guid.

use super::AppState;
use crate::api_error::ApiError;
use crate::decode::{body, settlement};
use crate::docs::inputs::{settlement_example, SettlementInput};
use crate::encode::RequestContext;
use crate::encode::{Representation, SettlementRepresentation as BillingEventSettlement};
use crate::middleware::authentication::Caller;
use crate::route_table::{self, Body};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use domain::EventStatus;

/// Settles many events of the client in one transaction; one result per guid.
#[utoipa::path(
    post,
    path = route_table::SETTLEMENT,
    operation_id = "settle_many",
    tag = "BillingEvents",
    summary = "Settle many events",
    description = "Moves up to 10,000 of the client's events to one status in one \
        transaction, answering per guid. Each change is applied at most once; retrying is \
        safe. Events of other clients are notFound.",
    params(("id" = String, Path, description = "The client's name (clientName)")),
    request_body(content(
        (SettlementInput = "application/json", example = json!(settlement_example())),
        (SettlementInput = "text/json", example = json!(settlement_example())),
    )),
    responses(
        (status = 200, description = "One result per guid, and counts", content(
            (BillingEventSettlement = "application/json"),
            (BillingEventSettlement = "application/xml")
        )),
        (status = 400, description = "Bad parameters, each named; nothing changed"),
        (status = 403, description = "The key is another client's"),
        (status = 415, description = "Not JSON"),
    )
)]
pub async fn settle(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
    caller: Caller,
    context: RequestContext,
    _turn: super::HeavyTurn,
) -> Result<HttpResponse, ApiError> {
    let client_name = req.match_info().query("id");
    tracing::Span::current().record("client", client_name);
    app::authorize(&caller, client_name)?;
    let (client, max_guids) = (client_name.to_owned(), state.limits.settlement_guids);
    let read = body::read(
        &req,
        payload,
        state.body(Body::Settlement),
        move |_, utf8| settlement::decode(utf8, &client, max_guids),
    );
    let request = read.await?;
    let outcomes = state
        .settle
        .execute(&caller, &request, &context.tx_id)
        .await?;
    let status = request
        .status
        .as_deref()
        .and_then(|text| EventStatus::parse(text).ok())
        .unwrap_or_default();
    let body = BillingEventSettlement::of(status, &outcomes, &context);
    Ok(body.respond_off_worker(StatusCode::OK, &context).await)
}
