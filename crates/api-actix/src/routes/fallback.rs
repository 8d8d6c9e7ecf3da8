//! Answers for requests no route takes, as problems like every other error.

use crate::api_error::ApiError;
use actix_web::HttpResponse;
use std::future::{ready, Ready};

pub async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::RouteNotFound)
}

/// A handler that answers 405 naming the methods in `allow`.
pub fn method_not_allowed(
    allow: &'static str,
) -> impl Fn() -> Ready<Result<HttpResponse, ApiError>> + Clone {
    move || ready(Err(ApiError::MethodNotAllowed { allow }))
}
