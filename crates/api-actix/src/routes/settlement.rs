//! Settling events: `PATCH /api/v1/BillingEvents/{bGuid}` (one, with `If-Match`),
//! `POST /api/v1/BillingEvents/{clientName}/status` (many) and
//! `GET /api/v1/BillingEvents/{bGuid}/history` (the audit trail).

use super::billing_events::{answer, decode_draft};
use super::AppState;
use crate::api_error::{etag, ApiError};
use crate::decode::settlement as settle_request;
use crate::decode::{body, text_encoding};
use crate::encode::RequestContext;
use crate::encode::{HistoryRepresentation, Representation, SettlementRepresentation};
use crate::middleware::authentication::Caller;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use app::StatusChange;
use domain::EventStatus;

/// Changes one event's status; `If-Match` makes it conditional on the revision.
pub async fn patch(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
    caller: Caller,
    context: RequestContext,
) -> Result<HttpResponse, ApiError> {
    let guid = req.match_info().query("id");
    let draft = decode_draft(&req, payload, &state.event_body, "").await?;
    let change = state
        .change_status
        .execute(
            guid,
            draft,
            expected_revisions(&req),
            &caller,
            &context.tx_id,
        )
        .await?;
    let (StatusChange::Changed(event) | StatusChange::Unchanged(event)) = change;
    Ok(answer(StatusCode::OK, &event, &context))
}

/// The revisions `If-Match` accepts (RFC 9110 §13.1.1): none to check for a missing
/// header or `*`; otherwise those of its strong tags, any of which may match. Tags
/// compare as strings, so only the exact text of our `ETag` (`"2"`, not `"02"`) names
/// a revision; a weak, unreadable or foreign tag names none.
fn expected_revisions(req: &HttpRequest) -> Option<Vec<u32>> {
    let values: Vec<&str> = req
        .headers()
        .get_all(header::IF_MATCH)
        .map(|value| value.to_str().unwrap_or_default())
        .collect();
    if values.is_empty() {
        return None;
    }
    let tags: Vec<&str> = values
        .iter()
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .filter(|tag| !tag.is_empty())
        .collect();
    if tags.contains(&"*") {
        return None;
    }
    Some(
        tags.iter()
            .filter_map(|tag| tag.strip_prefix('"')?.strip_suffix('"'))
            .filter_map(|opaque| {
                let revision: u32 = opaque.parse().ok()?;
                (etag(revision) == format!("\"{opaque}\"")).then_some(revision)
            })
            .collect(),
    )
}

/// Settles many events of the client in one transaction; one result per guid.
pub async fn settle_many(
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
    if body::format_of(&req)? != body::BodyFormat::Json {
        return Err(ApiError::UnsupportedMediaType(Some(
            "a bulk settlement takes JSON only".into(),
        )));
    }
    let charset = text_encoding::declared(&req)?;
    let bytes = body::read_limited(&req, payload, &state.settlement_body, charset).await?;
    let client = client_name.to_owned();
    let request = body::decode_off_worker(bytes, move |bytes| {
        let bytes = text_encoding::to_utf8(bytes, charset)?;
        settle_request::decode(&bytes, &client, app::settle_billing_events::MAX_GUIDS)
    })
    .await?;
    let outcomes = state
        .settle
        .execute(&caller, &request, &context.tx_id)
        .await?;
    let status = request
        .status
        .as_deref()
        .and_then(|text| EventStatus::parse(text).ok())
        .unwrap_or_default();
    let body = SettlementRepresentation::of(status, &outcomes, &context);
    Ok(body.respond_off_worker(StatusCode::OK, &context).await)
}

/// The creation and every status change, oldest first.
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
    let body = HistoryRepresentation::of(guid, &entries, &context);
    Ok(body.respond(StatusCode::OK, &context))
}

#[cfg(test)]
mod tests {
    use super::expected_revisions;
    use actix_web::test::TestRequest;

    fn revisions(if_match: &[&str]) -> Option<Vec<u32>> {
        let mut request = TestRequest::default();
        for value in if_match {
            request = request.append_header(("If-Match", *value));
        }
        expected_revisions(&request.to_http_request())
    }

    #[test]
    fn any_strong_tag_of_the_list_may_match_compared_as_text() {
        assert_eq!(revisions(&[]), None);
        assert_eq!(revisions(&["*"]), None);
        assert_eq!(revisions(&[r#""1", "3""#]), Some(vec![1, 3]));
        assert_eq!(
            revisions(&[r#""1""#, r#""4""#]),
            Some(vec![1, 4]),
            "repeated headers"
        );
        assert_eq!(
            revisions(&[r#""01", "+1", W/"2", "x", 5"#]),
            Some(vec![]),
            "no tag names a revision exactly"
        );
    }
}
