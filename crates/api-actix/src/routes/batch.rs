//! `POST /api/v1/BillingEvents/{clientName}/batch`: many events in one request and one
//! transaction, each answered as a single post would be.

use super::AppState;
use crate::api_error::ApiError;
use crate::authentication::Caller;
use crate::body::{self, BodyFormat};
use crate::problem::Problem;
use crate::representation::{BatchRepresentation, Representation};
use crate::request_context::RequestContext;
use crate::telemetry_metrics;
use crate::{json_draft, xml_draft};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use app::ItemOutcome;
use domain::Access;

pub async fn post_batch(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
    caller: Caller,
    context: RequestContext,
) -> Result<HttpResponse, Problem> {
    record_batch(&req, payload, &state, &caller, &context)
        .await
        .map_err(|error| error.into_problem(&context))
}

async fn record_batch(
    req: &HttpRequest,
    payload: web::Payload,
    state: &AppState,
    access: &Access,
    context: &RequestContext,
) -> Result<HttpResponse, ApiError> {
    let client_name = req.match_info().query("id");
    tracing::Span::current().record("client", client_name);
    state.record_many.authorize(access, client_name)?;
    let format = body::format_of(req)?;
    let bytes = body::read_limited(req, payload, &state.batch_body).await?;
    let decode_many = match format {
        BodyFormat::Json => json_draft::decode_many,
        BodyFormat::Xml => xml_draft::decode_many,
        BodyFormat::Form => {
            return Err(ApiError::UnsupportedMediaType(Some(
                "a batch takes JSON or XML".into(),
            )))
        }
    };
    let (client, max_items) = (client_name.to_owned(), state.max_batch_items);
    let drafts =
        body::decode_off_worker(bytes, move |bytes| decode_many(bytes, &client, max_items)).await?;
    let outcomes = state
        .record_many
        .execute(access, client_name, drafts, &context.tx_id)
        .await?;
    let count = |wanted: fn(&ItemOutcome) -> bool| {
        outcomes.iter().filter(|outcome| wanted(outcome)).count() as u64
    };
    telemetry_metrics::events("created", count(|o| matches!(o, ItemOutcome::Created(_))));
    telemetry_metrics::events("replayed", count(|o| matches!(o, ItemOutcome::Replayed(_))));
    telemetry_metrics::events(
        "conflicted",
        count(|o| matches!(o, ItemOutcome::Conflict(_))),
    );
    telemetry_metrics::events("rejected", count(|o| matches!(o, ItemOutcome::Invalid(_))));
    let body = BatchRepresentation::of(&outcomes, context);
    Ok(body.respond(StatusCode::OK, context.format))
}
