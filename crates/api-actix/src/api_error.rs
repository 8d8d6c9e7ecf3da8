//! Every error the HTTP adapter answers, and the one place that maps each to a status
//! and a problem response.

use crate::body::ACCEPTED_MEDIA_TYPES;
use crate::problem::Problem;
use crate::request_context::RequestContext;
use crate::telemetry::cause_chain;
use actix_web::http::{header, StatusCode};
use app::{GetBillingEventError, RecordBillingEventError, RepositoryError};
use std::collections::BTreeMap;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error(transparent)]
    Record(#[from] RecordBillingEventError),
    #[error(transparent)]
    Get(#[from] GetBillingEventError),
    #[error("the database is not ready")]
    NotReady(#[source] RepositoryError),
    #[error("unsupported content type {0:?}")]
    UnsupportedMediaType(Option<String>),
    #[error("body over {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("the request body could not be read")]
    BodyUnreadable(#[source] actix_web::error::PayloadError),
    #[error("malformed body: {0}")]
    MalformedBody(String),
    #[error("no such route")]
    RouteNotFound,
    #[error("method not allowed")]
    MethodNotAllowed { allow: &'static str },
}

const VALIDATION: &str = "/problems/validation";
const CONFLICT: &str = "/problems/conflict";
const MALFORMED: &str = "/problems/malformed-body";
const PLAIN: &str = "about:blank";

impl ApiError {
    /// The problem response for this error. Unexpected errors are logged here with
    /// their cause chain; the client gets only the txID to quote.
    pub fn into_problem(self, context: &RequestContext) -> Problem {
        let problem = |status: StatusCode, kind, title, detail: String| Problem {
            kind,
            title,
            status,
            detail,
            tx_id: context.tx_id.clone(),
            errors: None,
            header: None,
            format: context.format,
        };
        match self {
            ApiError::Record(RecordBillingEventError::Invalid(invalid)) => {
                let errors: BTreeMap<_, _> = invalid
                    .iter()
                    .map(|(field, messages)| (field.name(), messages.to_vec()))
                    .collect();
                let fields: Vec<_> = errors.keys().copied().collect();
                Problem {
                    errors: Some(errors),
                    ..problem(
                        StatusCode::BAD_REQUEST,
                        VALIDATION,
                        "One or more fields are invalid",
                        format!("Fix these fields: {}.", fields.join(", ")),
                    )
                }
            }
            ApiError::Record(RecordBillingEventError::Conflict { guid }) => problem(
                StatusCode::CONFLICT,
                CONFLICT,
                "The billing event guid is taken",
                format!(
                    "Billing event {guid} is already stored with different content \
                     (or for another client); the stored event is unchanged."
                ),
            ),
            ApiError::Record(RecordBillingEventError::Repository(error))
            | ApiError::Get(GetBillingEventError::Repository(error))
            | ApiError::NotReady(error) => repository_problem(&error, problem),
            ApiError::Get(GetBillingEventError::InvalidGuid(error)) => Problem {
                errors: Some(BTreeMap::from([("bGuid", vec![error.to_string()])])),
                ..problem(
                    StatusCode::BAD_REQUEST,
                    VALIDATION,
                    "One or more fields are invalid",
                    format!("The billing event guid {error}."),
                )
            },
            ApiError::Get(GetBillingEventError::NotFound) => problem(
                StatusCode::NOT_FOUND,
                PLAIN,
                "Not Found",
                "No billing event has this guid.".into(),
            ),
            ApiError::UnsupportedMediaType(got) => problem(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                PLAIN,
                "Unsupported Media Type",
                format!(
                    "Send the body as {ACCEPTED_MEDIA_TYPES} (got {}).",
                    got.as_deref().unwrap_or("no Content-Type")
                ),
            ),
            ApiError::PayloadTooLarge { limit } => problem(
                StatusCode::PAYLOAD_TOO_LARGE,
                PLAIN,
                "Content Too Large",
                format!("The body is over the limit of {limit} bytes."),
            ),
            ApiError::BodyUnreadable(error) => problem(
                StatusCode::BAD_REQUEST,
                MALFORMED,
                "The request body could not be read",
                error.to_string(),
            ),
            ApiError::MalformedBody(detail) => problem(
                StatusCode::BAD_REQUEST,
                MALFORMED,
                "The request body is malformed",
                detail,
            ),
            ApiError::RouteNotFound => problem(
                StatusCode::NOT_FOUND,
                PLAIN,
                "Not Found",
                "No route matches this path.".into(),
            ),
            ApiError::MethodNotAllowed { allow } => Problem {
                header: Some((header::ALLOW, allow)),
                ..problem(
                    StatusCode::METHOD_NOT_ALLOWED,
                    PLAIN,
                    "Method Not Allowed",
                    format!("This route answers {allow}."),
                )
            },
        }
    }
}

fn repository_problem(
    error: &RepositoryError,
    problem: impl Fn(StatusCode, &'static str, &'static str, String) -> Problem,
) -> Problem {
    let causes = cause_chain(error);
    match error {
        RepositoryError::Unavailable(_) => {
            tracing::warn!(error = %causes, "database unavailable");
            Problem {
                header: Some((header::RETRY_AFTER, "1")),
                ..problem(
                    StatusCode::SERVICE_UNAVAILABLE,
                    PLAIN,
                    "Service Unavailable",
                    "The database is unavailable; nothing was stored. Retry later.".into(),
                )
            }
        }
        RepositoryError::Unexpected(_) => {
            tracing::error!(error = %causes, "unexpected database error");
            problem(
                StatusCode::INTERNAL_SERVER_ERROR,
                PLAIN,
                "Internal Server Error",
                "Something went wrong on our side; quote the txID when reporting it.".into(),
            )
        }
    }
}
