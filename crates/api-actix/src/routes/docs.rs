//! `/help` (HTML for people), `/openapi.json` (for tools) and `/openapi/generators.json`
//! (for client generators). Each is the same for the life of the app, so each is
//! rendered once, on first request.

use super::AppState;
use crate::docs::{generators, help, openapi};
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
    generators: OnceLock<Bytes>,
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

pub async fn generators_document(state: web::Data<AppState>) -> HttpResponse {
    let document = state
        .docs
        .generators
        .get_or_init(|| {
            generators::narrow(document(&state).clone())
                .to_string()
                .into()
        })
        .clone();
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "application/json"))
        .body(document)
}
