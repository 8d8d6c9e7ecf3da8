//! Answers for requests no route takes, as problems like every other error.

use crate::api_error::ApiError;
use crate::problem::Problem;
use crate::request_context::RequestContext;
use actix_web::HttpResponse;
use std::future::{ready, Ready};

pub async fn not_found(context: RequestContext) -> Result<HttpResponse, Problem> {
    Err(ApiError::RouteNotFound.into_problem(&context))
}

/// A handler that answers 405 naming the methods in `allow`.
pub fn method_not_allowed(
    allow: &'static str,
) -> impl Fn(RequestContext) -> Ready<Result<HttpResponse, Problem>> + Clone {
    move |context| {
        ready(Err(
            ApiError::MethodNotAllowed { allow }.into_problem(&context)
        ))
    }
}
