//! The routes, and the state they share.

mod billing_events;
mod docs;
mod fallback;
mod health;

use actix_web::web;
use app::{BillingEventRepository, GetBillingEvent, RecordBillingEvent};
use std::sync::Arc;

/// What handlers need, built once in `startup` and shared by every worker.
#[derive(Debug, Clone)]
pub struct AppState {
    pub record: RecordBillingEvent,
    pub get: GetBillingEvent,
    pub repository: Arc<dyn BillingEventRepository>,
    pub max_body_bytes: usize,
}

/// Registers every route. Route literals are matched in any case by `route_case`, which
/// must know each path: keep its `ROUTE_TEMPLATES` in step with this list.
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .service(
            web::resource("/api/v1/BillingEvents/{id}")
                .route(web::post().to(billing_events::post))
                .route(web::get().to(billing_events::get))
                .default_service(web::to(fallback::method_not_allowed("GET, POST"))),
        )
        .service(
            web::resource("/health")
                .route(web::get().to(health::health))
                .default_service(web::to(fallback::method_not_allowed("GET"))),
        )
        .service(
            web::resource("/ready")
                .route(web::get().to(health::ready))
                .default_service(web::to(fallback::method_not_allowed("GET"))),
        )
        .service(
            web::resource("/help")
                .route(web::get().to(docs::help_page))
                .default_service(web::to(fallback::method_not_allowed("GET"))),
        )
        .service(
            web::resource("/openapi.json")
                .route(web::get().to(docs::openapi_document))
                .default_service(web::to(fallback::method_not_allowed("GET"))),
        )
        .default_service(web::to(fallback::not_found));
}
