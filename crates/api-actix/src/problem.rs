//! RFC 9457 problem details: the one shape every error response has.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// A problem response, ready to send. Built only by `ApiError::into_problem`.
#[derive(Debug, Serialize)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub title: &'static str,
    #[serde(serialize_with = "status_code")]
    pub status: StatusCode,
    pub detail: String,
    #[serde(rename = "txID")]
    pub tx_id: String,
    /// For validation problems: every bad field with every reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<BTreeMap<&'static str, Vec<String>>>,
    /// A header the status calls for: `Allow` on a 405, `Retry-After` on a 503.
    #[serde(skip)]
    pub header: Option<(header::HeaderName, &'static str)>,
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's serialize_with passes a reference
fn status_code<S: serde::Serializer>(
    status: &StatusCode,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_u16(status.as_u16())
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.title,
            self.detail
        )
    }
}

impl ResponseError for Problem {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        response.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)));
        if let Some((name, value)) = &self.header {
            response.insert_header((name.clone(), *value));
        }
        // Serialising plain strings and numbers cannot fail.
        response.body(serde_json::to_vec(self).unwrap_or_default())
    }
}
