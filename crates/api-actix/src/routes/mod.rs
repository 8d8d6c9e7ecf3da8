//! The routes, and the state they share.

mod batch;
mod billing_events;
mod docs;
mod fallback;
mod health;
mod listing;
mod settlement;

use crate::body::{BodyBudget, BodyRules};
use actix_web::web;
use app::{
    BillingEventRepository, ChangeBillingEventStatus, Clock, GetBillingEvent,
    GetBillingEventHistory, ListBillingEvents, RecordBillingEvent, RecordBillingEvents,
    SettleBillingEvents, SummarizeBillingEvents,
};
use std::sync::Arc;

/// What handlers need, built once in `startup` and shared by every worker.
#[derive(Debug, Clone)]
pub struct AppState {
    pub record: RecordBillingEvent,
    pub record_many: RecordBillingEvents,
    pub get: GetBillingEvent,
    pub change_status: ChangeBillingEventStatus,
    pub settle: SettleBillingEvents,
    pub history: GetBillingEventHistory,
    pub list: ListBillingEvents,
    pub summarize: SummarizeBillingEvents,
    pub repository: Arc<dyn BillingEventRepository>,
    /// How the body of one event (a post, a PATCH) is read.
    pub event_body: BodyRules,
    /// Bulk settlements name up to 10,000 guids, so they get a limit of their own.
    pub settlement_body: BodyRules,
    pub batch_body: BodyRules,
    pub max_batch_items: usize,
}

/// The most a request may carry.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub body_bytes: usize,
    pub bulk_body_bytes: usize,
    pub batch_body_bytes: usize,
    pub batch_items: usize,
    pub body_timeout: std::time::Duration,
    /// The bytes of request bodies held at once, across every request.
    pub buffered_body_bytes: usize,
}

impl AppState {
    pub fn new(
        repository: Arc<dyn BillingEventRepository>,
        clock: Arc<dyn Clock>,
        limits: Limits,
    ) -> Self {
        let budget = BodyBudget::new(limits.buffered_body_bytes);
        let rules = |limit| BodyRules {
            limit,
            timeout: limits.body_timeout,
            budget: budget.clone(),
        };
        Self {
            record: RecordBillingEvent::new(repository.clone(), clock.clone()),
            record_many: RecordBillingEvents::new(
                repository.clone(),
                clock.clone(),
                limits.batch_items,
            ),
            get: GetBillingEvent::new(repository.clone()),
            change_status: ChangeBillingEventStatus::new(repository.clone(), clock.clone()),
            settle: SettleBillingEvents::new(repository.clone(), clock),
            history: GetBillingEventHistory::new(repository.clone()),
            list: ListBillingEvents::new(repository.clone()),
            summarize: SummarizeBillingEvents::new(repository.clone()),
            repository,
            event_body: rules(limits.body_bytes),
            settlement_body: rules(limits.bulk_body_bytes),
            batch_body: rules(limits.batch_body_bytes),
            max_batch_items: limits.batch_items,
        }
    }
}

/// Registers every route. Route literals are matched in any case by `route_case`, which
/// must know each path: keep its `ROUTE_TEMPLATES` in step with this list.
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .service(
            web::resource("/api/v1/BillingEvents")
                .route(web::get().to(listing::list))
                .default_service(web::to(fallback::method_not_allowed("GET"))),
        )
        // Before `{id}`, so that `summary` is not read as a guid or a client name.
        .service(
            web::resource("/api/v1/BillingEvents/summary")
                .route(web::get().to(listing::summary))
                .default_service(web::to(fallback::method_not_allowed("GET"))),
        )
        .service(
            web::resource("/api/v1/BillingEvents/{id}")
                .route(web::post().to(billing_events::post))
                .route(web::get().to(billing_events::get))
                .route(web::patch().to(settlement::patch))
                .default_service(web::to(fallback::method_not_allowed("GET, POST, PATCH"))),
        )
        .service(
            web::resource("/api/v1/BillingEvents/{id}/history")
                .route(web::get().to(settlement::history))
                .default_service(web::to(fallback::method_not_allowed("GET"))),
        )
        .service(
            web::resource("/api/v1/BillingEvents/{id}/batch")
                .route(web::post().to(batch::post_batch))
                .default_service(web::to(fallback::method_not_allowed("POST"))),
        )
        .service(
            web::resource("/api/v1/BillingEvents/{id}/status")
                .route(web::post().to(settlement::settle_many))
                .default_service(web::to(fallback::method_not_allowed("POST"))),
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
            web::resource("/metrics")
                .route(web::get().to(crate::telemetry_metrics::render))
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
