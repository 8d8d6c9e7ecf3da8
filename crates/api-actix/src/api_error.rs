//! Every error the HTTP adapter answers, and the one place that maps each to a status
//! and a problem response.

use crate::decode::body::ACCEPTED_MEDIA_TYPES;
use crate::decode::DecodeError;
use crate::encode::etag;
use crate::encode::problem::Problem;
use crate::encode::RequestContext;
use crate::route_table;
use crate::telemetry::prometheus;
use crate::vocabulary::{field_name, parameter_name};
use actix_web::http::{header, StatusCode};
use app::{
    AuthenticateError, ChangeStatusError, CommonError, InvalidParameters, ListBillingEventsError,
    RecordBillingEventError, RecordBillingEventsError, RepositoryError, SettleBillingEventsError,
    SummarizeBillingEventsError,
};
use domain::{GuidError, ValidationErrors};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// What any use case may answer (forbidden, invalid guid, not found, the store).
    #[error(transparent)]
    Common(#[from] CommonError),
    /// What one use case answers; each also holds the common kinds.
    #[error(transparent)]
    Record(#[from] RecordBillingEventError),
    #[error(transparent)]
    RecordMany(#[from] RecordBillingEventsError),
    #[error(transparent)]
    ChangeStatus(#[from] ChangeStatusError),
    #[error(transparent)]
    Settle(#[from] SettleBillingEventsError),
    #[error(transparent)]
    List(#[from] ListBillingEventsError),
    #[error(transparent)]
    Summarize(#[from] SummarizeBillingEventsError),
    #[error(transparent)]
    Authenticate(#[from] AuthenticateError),
    #[error("the key is over its rate")]
    RateLimited { retry_after_secs: u64 },
    #[error("the database is not ready")]
    NotReady(#[source] RepositoryError),
    /// A body that could not be read or decoded.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    #[error("the caller's share of heavy work is taken")]
    ShareBusy,
    #[error("no such route")]
    RouteNotFound,
    #[error("method not allowed")]
    MethodNotAllowed { allow: &'static str },
}

const VALIDATION: &str = "/problems/validation";
const CONFLICT: &str = "/problems/conflict";
const FORBIDDEN_TRANSITION: &str = "/problems/forbidden-transition";
const STALE: &str = "/problems/stale-revision";
const MALFORMED: &str = "/problems/malformed-body";
const OUTCOME_UNKNOWN: &str = "/problems/outcome-unknown";
const PLAIN: &str = "about:blank";

impl ApiError {
    /// The problem response for this error. Unexpected errors are logged here with
    /// their cause chain; the client gets only the txID to quote.
    #[allow(clippy::too_many_lines)] // one arm per error, on purpose all in one place
    pub fn to_problem(&self, context: &RequestContext) -> Problem {
        let problem = |status: StatusCode, kind, title, detail: String| {
            Problem::new(status, kind, title, detail, context)
        };
        let validation = |errors: Vec<(String, Vec<String>)>, unnamed: usize| {
            // The detail names the first few; `errors` names up to a hundred.
            const IN_DETAIL: usize = 10;
            let names: Vec<&str> = errors
                .iter()
                .take(IN_DETAIL)
                .map(|(name, _)| name.as_str())
                .collect();
            let detail = match errors.len() + unnamed - names.len() {
                0 => format!("Fix these fields: {}.", names.join(", ")),
                more => format!("Fix these fields: {}, and {more} more.", names.join(", ")),
            };
            problem(
                StatusCode::BAD_REQUEST,
                VALIDATION,
                "One or more fields are invalid",
                detail,
            )
            .with_errors(errors)
        };
        let not_found = || {
            problem(
                StatusCode::NOT_FOUND,
                PLAIN,
                "Not Found",
                "No billing event has this guid.".into(),
            )
        };
        match self {
            ApiError::Common(common)
            | ApiError::Record(RecordBillingEventError::Common(common))
            | ApiError::RecordMany(RecordBillingEventsError::Common(common))
            | ApiError::ChangeStatus(ChangeStatusError::Common(common))
            | ApiError::Settle(SettleBillingEventsError::Common(common))
            | ApiError::List(ListBillingEventsError::Common(common))
            | ApiError::Summarize(SummarizeBillingEventsError::Common(common)) => match common {
                CommonError::Forbidden { client } => problem(
                    StatusCode::FORBIDDEN,
                    PLAIN,
                    "Forbidden",
                    format!("This API key may not act for client {client}."),
                ),
                CommonError::InvalidGuid(error) => validation(bad_guid(error), 0),
                CommonError::NotFound => not_found(),
                CommonError::Repository(error) => repository_problem(error, problem),
            },
            ApiError::Record(RecordBillingEventError::Invalid(invalid)) => {
                prometheus::events("rejected", 1);
                validation(fields(invalid), 0)
            }
            ApiError::ChangeStatus(ChangeStatusError::Invalid(invalid)) => {
                validation(fields(invalid), 0)
            }
            ApiError::Settle(SettleBillingEventsError::Invalid(invalid))
            | ApiError::List(ListBillingEventsError::Invalid(invalid))
            | ApiError::Summarize(SummarizeBillingEventsError::Invalid(invalid)) => {
                validation(parameters(invalid), invalid.unnamed())
            }
            ApiError::Record(RecordBillingEventError::Conflict { guid }) => {
                prometheus::events("conflicted", 1);
                problem(
                    StatusCode::CONFLICT,
                    CONFLICT,
                    "The billing event guid is taken",
                    format!(
                        "Billing event {guid} is already stored with different content \
                         (or for another client); the stored event is unchanged."
                    ),
                )
            }
            ApiError::Record(RecordBillingEventError::OutcomeUnknown { guid, source }) => {
                repository_problem(source, problem)
                    .with_billing_event_guid(guid.to_string())
                    .with_header((header::LOCATION, route_table::event_path(guid)))
            }
            ApiError::ChangeStatus(ChangeStatusError::ForbiddenTransition(forbidden)) => problem(
                StatusCode::CONFLICT,
                FORBIDDEN_TRANSITION,
                "The status cannot move that way",
                format!(
                    "A billing event cannot move from {} to {}; the event is unchanged.",
                    forbidden.from, forbidden.to
                ),
            ),
            ApiError::ChangeStatus(ChangeStatusError::StaleRevision { current_revision }) => {
                problem(
                    StatusCode::PRECONDITION_FAILED,
                    STALE,
                    "The billing event has changed",
                    format!(
                        "If-Match names another revision; the event is at {}. \
                         Read it again and retry.",
                        etag(*current_revision)
                    ),
                )
                .with_header((header::ETAG, etag(*current_revision)))
            }
            ApiError::Authenticate(AuthenticateError::Repository(error))
            | ApiError::NotReady(error) => repository_problem(error, problem),
            ApiError::Authenticate(refused) => {
                // The log names the reason and at most the key's public id.
                tracing::info!(reason = %refused, "request not authenticated");
                let (challenge, detail) = if matches!(refused, AuthenticateError::Missing) {
                    (
                        r#"Bearer realm="billing-events""#,
                        "Send an API key as `Authorization: Bearer <key>` or `X-Api-Key: <key>`.",
                    )
                } else {
                    (
                        r#"Bearer realm="billing-events", error="invalid_token""#,
                        "The API key is not valid: unknown, revoked or mistyped.",
                    )
                };
                problem(
                    StatusCode::UNAUTHORIZED,
                    PLAIN,
                    "Unauthorized",
                    detail.to_owned(),
                )
                .with_header((header::WWW_AUTHENTICATE, challenge.to_owned()))
            }
            ApiError::RateLimited { retry_after_secs } => problem(
                StatusCode::TOO_MANY_REQUESTS,
                PLAIN,
                "Too Many Requests",
                format!("This API key is over its rate; retry in {retry_after_secs} s."),
            )
            .with_header((header::RETRY_AFTER, retry_after_secs.to_string())),
            ApiError::Decode(DecodeError::UnsupportedMediaType(got)) => problem(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                PLAIN,
                "Unsupported Media Type",
                format!(
                    "Send the body as {ACCEPTED_MEDIA_TYPES} (got {}).",
                    got.as_deref().unwrap_or("no Content-Type")
                ),
            ),
            ApiError::RecordMany(RecordBillingEventsError::InvalidClient(error)) => {
                validation(vec![("clientName".to_owned(), vec![error.to_string()])], 0)
            }
            ApiError::RecordMany(RecordBillingEventsError::NoItems) => problem(
                StatusCode::BAD_REQUEST,
                MALFORMED,
                "The request body is malformed",
                "A batch must hold at least one billing event.".to_owned(),
            ),
            ApiError::RecordMany(RecordBillingEventsError::TooManyItems { limit, count }) => {
                problem(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    PLAIN,
                    "Content Too Large",
                    format!(
                        "A batch may hold at most {limit} items; this one holds {count}. \
                     Nothing was stored."
                    ),
                )
            }
            ApiError::Decode(DecodeError::TooManyItems { limit }) => problem(
                StatusCode::PAYLOAD_TOO_LARGE,
                PLAIN,
                "Content Too Large",
                format!(
                    "A batch may hold at most {limit} items; this one holds more. \
                     Nothing was stored."
                ),
            ),
            ApiError::Decode(DecodeError::PayloadTooLarge { limit }) => problem(
                StatusCode::PAYLOAD_TOO_LARGE,
                PLAIN,
                "Content Too Large",
                format!("The body is over the limit of {limit} bytes."),
            ),
            ApiError::Decode(DecodeError::BodyBudgetSpent) => problem(
                StatusCode::SERVICE_UNAVAILABLE,
                PLAIN,
                "Service Unavailable",
                "The service holds as many request bodies as it may right now; \
                     nothing was stored. Retry shortly."
                    .into(),
            )
            .with_header((header::RETRY_AFTER, "1".to_owned())),
            ApiError::ShareBusy => problem(
                StatusCode::TOO_MANY_REQUESTS,
                PLAIN,
                "Too Many Requests",
                "This caller already runs as many bulk settlements, batches and summaries \
                 as it may at once, and none finished in time; nothing was done. Retry \
                 when one is answered."
                    .into(),
            )
            .with_header((header::RETRY_AFTER, "1".to_owned())),
            ApiError::Decode(DecodeError::BodyTimeout { timeout }) => problem(
                StatusCode::REQUEST_TIMEOUT,
                PLAIN,
                "Request Timeout",
                format!(
                    "The body did not arrive within {} seconds.",
                    timeout.as_secs()
                ),
            ),
            ApiError::Decode(DecodeError::BodyUnreadable(error)) => problem(
                StatusCode::BAD_REQUEST,
                MALFORMED,
                "The request body could not be read",
                error.to_string(),
            ),
            ApiError::Decode(DecodeError::MalformedBody(detail)) => problem(
                StatusCode::BAD_REQUEST,
                MALFORMED,
                "The request body is malformed",
                detail.clone(),
            ),
            ApiError::RouteNotFound => problem(
                StatusCode::NOT_FOUND,
                PLAIN,
                "Not Found",
                "No route matches this path.".into(),
            ),
            ApiError::MethodNotAllowed { allow } => problem(
                StatusCode::METHOD_NOT_ALLOWED,
                PLAIN,
                "Method Not Allowed",
                format!("This route answers {allow}."),
            )
            .with_header((header::ALLOW, (*allow).to_owned())),
        }
    }
}

fn fields(invalid: &ValidationErrors) -> Vec<(String, Vec<String>)> {
    invalid
        .iter()
        .map(|(field, messages)| (field_name(field).to_owned(), messages.to_vec()))
        .collect()
}

fn parameters(invalid: &InvalidParameters) -> Vec<(String, Vec<String>)> {
    invalid
        .iter()
        .map(|(parameter, messages)| (parameter_name(parameter).into_owned(), messages.to_vec()))
        .collect()
}

fn bad_guid(error: &GuidError) -> Vec<(String, Vec<String>)> {
    vec![("bGuid".to_owned(), vec![error.to_string()])]
}

fn repository_problem(
    error: &RepositoryError,
    problem: impl Fn(StatusCode, &'static str, &'static str, String) -> Problem,
) -> Problem {
    let causes = app::error_chain(error);
    match error {
        // The repository logs an outage once, when it starts and when it ends.
        RepositoryError::Unavailable(_) => {
            prometheus::database_error("unavailable");
            tracing::debug!(error = %causes, "database unavailable");
            problem(
                StatusCode::SERVICE_UNAVAILABLE,
                PLAIN,
                "Service Unavailable",
                "The database is unavailable; nothing was stored. Retry later.".into(),
            )
            .with_header((header::RETRY_AFTER, "1".to_owned()))
        }
        RepositoryError::OutcomeUnknown(_) => {
            prometheus::database_error("outcome_unknown");
            tracing::warn!(error = %causes, "the outcome of a write is unknown");
            problem(
                StatusCode::SERVICE_UNAVAILABLE,
                OUTCOME_UNKNOWN,
                "The outcome is unknown",
                "The connection to the database broke after this request reached it, so \
                     it may have taken effect or not. Posting again with the same \
                     billingEventGuid (named here, and in Location, when the service made \
                     it) is safe: an event is stored once per guid, and a repeat is \
                     answered with the stored event. To see whether a status change took \
                     effect, read the event."
                    .into(),
            )
            .with_header((header::RETRY_AFTER, "1".to_owned()))
        }
        // A stored row the domain refuses, or an error no rule above knows. Still a
        // 503: a client's only move is to retry later, and every failure it can get
        // is a 503 with `Retry-After` or a 4xx. The ERROR line and the metric tell
        // operators it is not an outage.
        RepositoryError::Unexpected(_) => {
            prometheus::database_error("unexpected");
            tracing::error!(error = %causes, "unexpected database error");
            problem(
                StatusCode::SERVICE_UNAVAILABLE,
                PLAIN,
                "Service Unavailable",
                "The service could not complete the request; quote the txID when reporting it."
                    .into(),
            )
            .with_header((header::RETRY_AFTER, "1".to_owned()))
        }
    }
}

/// Handlers return `ApiError`; actix asks it for its response inside the request, where
/// `request_context::track` has put the request's context (txID, negotiated format).
impl actix_web::ResponseError for ApiError {
    fn error_response(&self) -> actix_web::HttpResponse {
        actix_web::ResponseError::error_response(&self.to_problem(&RequestContext::current()))
    }
}
