//! `POST /api/v1/BillingEvents/{clientName}/batch`: many events in one request and one
//! transaction, each answered as a single post would be.

use super::AppState;
use crate::api_error::ApiError;
use crate::decode::{self, body};
use crate::docs::inputs::{batch_xml_example, request_example, InvoiceBillingEventInput};
use crate::encode::RequestContext;
use crate::encode::{BatchRepresentation as BillingEventBatch, Representation};
use crate::middleware::authentication::Caller;
use crate::route_table::{self, Body};
use crate::telemetry::prometheus;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use app::ItemOutcome;

/// Records up to `batch.max_items` events, each as a single post would be.
#[utoipa::path(
    post,
    path = route_table::BATCH,
    operation_id = "post_batch",
    tag = "BillingEvents",
    summary = "Post many billing events",
    description = "Up to batch.max_items events (default 1,000) in one request and one \
        transaction. Each item is answered as a single post would be: valid items are stored \
        even when others are invalid, each at most once; retrying the whole batch is safe. \
        Over the item limit: 413, nothing stored.",
    params(("id" = String, Path, description = "The client's name (clientName)")),
    request_body(content(
        (
            Vec<InvoiceBillingEventInput> = "application/json",
            example = json!([request_example("application/json")])
        ),
        (
            Vec<InvoiceBillingEventInput> = "text/json",
            example = json!([request_example("text/json")])
        ),
        (
            Vec<InvoiceBillingEventInput> = "application/xml",
            example = json!(batch_xml_example())
        ),
        (Vec<InvoiceBillingEventInput> = "text/xml", example = json!(batch_xml_example())),
    )),
    responses(
        (status = 200, description = "One result per item, in order, and counts", content(
            (BillingEventBatch = "application/json"),
            (BillingEventBatch = "application/xml")
        )),
        (status = 400, description = "Not an array of events"),
        (status = 403, description = "The key is another client's"),
        (status = 413, description = "Too many items, or a body over the limit; nothing stored"),
        (status = 503, description = "Database unavailable; nothing stored"),
    )
)]
pub async fn post_batch(
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
    let (client, max_items) = (client_name.to_owned(), state.limits.batch_items);
    let read = body::read(
        &req,
        payload,
        state.body(Body::Batch),
        move |format, utf8| decode::events(format, utf8, &client, max_items),
    );
    let drafts = read.await?;
    let outcomes = state
        .record_many
        .execute(&caller, client_name, drafts, &context.tx_id)
        .await?;
    let count = |wanted: fn(&ItemOutcome) -> bool| {
        outcomes.iter().filter(|outcome| wanted(outcome)).count() as u64
    };
    let stored: Vec<String> = outcomes
        .iter()
        .filter_map(|outcome| match outcome {
            ItemOutcome::Created(event) => Some(event.guid.to_string()),
            _ => None,
        })
        .collect();
    if !stored.is_empty() {
        // With the txID of the span: what lists the events acknowledged after a
        // recovery's target, from the logs.
        tracing::info!(guids = %stored.join(","), "batch stored");
    }
    prometheus::events("created", stored.len() as u64);
    prometheus::events("replayed", count(|o| matches!(o, ItemOutcome::Replayed(_))));
    prometheus::events(
        "conflicted",
        count(|o| matches!(o, ItemOutcome::Conflict(_))),
    );
    prometheus::events("rejected", count(|o| matches!(o, ItemOutcome::Invalid(_))));
    let body = BillingEventBatch::of(&outcomes, &context);
    Ok(body.respond_off_worker(StatusCode::OK, &context).await)
}
