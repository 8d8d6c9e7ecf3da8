//! `PATCH /api/v1/BillingEvents/{bGuid}`: change one event's status, conditionally
//! on `If-Match`.

use super::AppState;
use crate::api_error::ApiError;
use crate::decode::{self, body};
use crate::docs::inputs::StatusChangeInput;
use crate::encode::RequestContext;
use crate::encode::{etag, event_answer, EventRepresentation as InvoiceBillingEvent};
use crate::middleware::authentication::Caller;
use crate::route_table::{self, Body};
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use app::StatusChange;

/// Changes one event's status; `If-Match` makes it conditional on the revision.
#[utoipa::path(
    patch,
    path = route_table::EVENT,
    operation_id = "change_status",
    tag = "BillingEvents",
    summary = "Change an event's status",
    description = "Moves the status by the lifecycle (Unknown → Pending, Invoiced, Cancelled, \
        Failed; Pending → Invoiced, Cancelled, Failed; Failed → Pending, Cancelled; Invoiced \
        and Cancelled are final). Nothing else changes. Same status again: 200, no change. \
        If-Match with the ETag makes it conditional.",
    params(
        ("id" = String, Path, description = "On PATCH, the event's guid (bGuid in problems)"),
        (
            "If-Match" = Option<String>,
            Header,
            description = "The ETag read last; 412 when the event has changed since"
        ),
    ),
    request_body(content(
        (
            StatusChangeInput = "application/json",
            example = json!({"invoiceBillingEventStatusId": "Invoiced"})
        ),
        (StatusChangeInput = "text/json"),
        (StatusChangeInput = "application/xml"),
        (StatusChangeInput = "text/xml"),
        (StatusChangeInput = "application/x-www-form-urlencoded"),
    )),
    responses(
        (status = 200, description = "The event, with its new ETag", content(
            (InvoiceBillingEvent = "application/json"),
            (InvoiceBillingEvent = "application/xml")
        )),
        (status = 400, description = "Missing or bad status, or another field sent"),
        (status = 404, description = "No event has this guid"),
        (status = 409, description = "A move the lifecycle forbids, naming from and to"),
        (status = 412, description = "If-Match names an older revision"),
    )
)]
pub async fn patch(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
    caller: Caller,
    context: RequestContext,
) -> Result<HttpResponse, ApiError> {
    let guid = req.match_info().query("id");
    let read = body::read(&req, payload, state.body(Body::Event), |format, utf8| {
        decode::event(format, utf8, "")
    });
    let draft = read.await?;
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
    Ok(event_answer(StatusCode::OK, &event, &context))
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
