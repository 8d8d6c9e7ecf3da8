//! `/help` (HTML for people) and `/openapi.json` (for tools). Both are the same for the
//! life of the process, so each is rendered once, on first request.

use super::AppState;
use crate::docs::refinements::DocumentLimits;
use crate::docs::{help, openapi};
use actix_web::http::header;
use actix_web::{web, HttpResponse};
use std::sync::OnceLock;

pub async fn help_page(state: web::Data<AppState>) -> HttpResponse {
    static PAGE: OnceLock<String> = OnceLock::new();
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .body(PAGE.get_or_init(|| help::page(limits(&state))).as_str())
}

pub async fn openapi_document(state: web::Data<AppState>) -> HttpResponse {
    static DOCUMENT: OnceLock<String> = OnceLock::new();
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "application/json"))
        .body(
            DOCUMENT
                .get_or_init(|| openapi::document(limits(&state)).to_string())
                .as_str(),
        )
}

fn limits(state: &AppState) -> DocumentLimits {
    DocumentLimits::with_batch_items(state.max_batch_items)
}
