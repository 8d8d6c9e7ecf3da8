//! `/help` (HTML for people) and `/openapi.json` (for tools). Both are the same for the
//! life of the app, so each is rendered once, on first request.

use super::AppState;
use crate::docs::{help, openapi};
use actix_web::http::header;
use actix_web::web::{self, Bytes};
use actix_web::HttpResponse;
use serde_json::Value;
use std::sync::OnceLock;

/// The documents of one app, once rendered.
#[derive(Debug, Default)]
pub struct Rendered {
    document: OnceLock<Value>,
    help: OnceLock<Bytes>,
    openapi: OnceLock<Bytes>,
}

/// The OpenAPI document of `state`'s app: the routes' operations, its limits.
fn document(state: &AppState) -> &Value {
    state
        .docs
        .document
        .get_or_init(|| openapi::document(super::operations(), &state.limits))
}

pub async fn help_page(state: web::Data<AppState>) -> HttpResponse {
    let page = state
        .docs
        .help
        .get_or_init(|| help::page(document(&state), &state.xml).into())
        .clone();
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .body(page)
}

pub async fn openapi_document(state: web::Data<AppState>) -> HttpResponse {
    let document = state
        .docs
        .openapi
        .get_or_init(|| document(&state).to_string().into())
        .clone();
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "application/json"))
        .body(document)
}
