//! `POST /api/v1/BillingEvents/{clientName}/batch`: many events in one request and one
//! transaction, each answered as a single post would be.

use super::AppState;
use crate::api_error::ApiError;
use crate::decode::body::{self, BodyFormat};
use crate::decode::{json, text_encoding, xml};
use crate::encode::RequestContext;
use crate::encode::{BatchRepresentation, Representation};
use crate::middleware::authentication::Caller;
use crate::telemetry::prometheus;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use app::ItemOutcome;

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
    let format = body::format_of(&req)?;
    let charset = text_encoding::declared(&req)?;
    let bytes = body::read_limited(&req, payload, &state.batch_body, charset).await?;
    let decode_many = match format {
        BodyFormat::Json => json::decode_many,
        BodyFormat::Xml => xml::decode_many,
        BodyFormat::Form => {
            return Err(ApiError::UnsupportedMediaType(Some(
                "a batch takes JSON or XML".into(),
            )))
        }
    };
    let (client, max_items) = (client_name.to_owned(), state.limits.batch_items);
    let is_xml = format == BodyFormat::Xml;
    let drafts = body::decode_off_worker(bytes, move |bytes| {
        let utf8 = text_encoding::to_utf8(bytes, charset)?;
        if is_xml {
            text_encoding::check_xml_declaration(&utf8, text_encoding::effective(bytes, charset))?;
        }
        decode_many(&utf8, &client, max_items)
    })
    .await?;
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
    let body = BatchRepresentation::of(&outcomes, &context);
    Ok(body.respond_off_worker(StatusCode::OK, &context).await)
}
