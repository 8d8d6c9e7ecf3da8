//! The routes, and the state they share.

mod batch;
mod billing_events;
mod docs;
mod fallback;
mod health;
mod heavy;
mod listing;
mod settlement;

use crate::decode::body::{BodyBudget, BodyRules};
use crate::encode::XmlContract;
use crate::limits::Limits;
use crate::middleware::shares::PerShare;
use crate::route_table;
use actix_web::http::Method;
use actix_web::{guard, web};
use app::{
    BillingEventRepository, ChangeBillingEventStatus, Clock, GetBillingEvent,
    GetBillingEventHistory, ListBillingEvents, RecordBillingEvent, RecordBillingEvents,
    SettleBillingEvents, SummarizeBillingEvents,
};
pub use heavy::HeavyTurn;
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
    pub limits: Limits,
    /// The data contract of XML answers.
    pub xml: Arc<XmlContract>,
    /// Turns at heavy work, per caller's share, and how long one is waited for.
    pub heavy: PerShare,
    pub heavy_patience: std::time::Duration,
    /// `/help` and `/openapi.json`, rendered on first request.
    pub(crate) docs: Arc<docs::Rendered>,
}

impl AppState {
    pub fn new(
        repository: Arc<dyn BillingEventRepository>,
        clock: Arc<dyn Clock>,
        limits: Limits,
        xml: XmlContract,
    ) -> Self {
        let budget = BodyBudget::new(limits.buffered_body_bytes, limits.share_body_bytes);
        let body = limits.body_bytes;
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
            event_body: rules(body.event),
            settlement_body: rules(body.settlement),
            batch_body: rules(body.batch),
            limits,
            xml: Arc::new(xml),
            heavy: PerShare::new(limits.heavy_per_share),
            heavy_patience: limits.heavy_patience,
            docs: Arc::default(),
        }
    }
}

/// The route for `method`. A GET route answers HEAD as it answers GET, headers and all:
/// actix-http leaves the body out of any answer to a HEAD request.
fn answering(method: &Method) -> actix_web::Route {
    if method == Method::GET {
        web::route().guard(guard::Any(guard::Get()).or(guard::Head()))
    } else {
        web::method(method.clone())
    }
}

/// Builds `configure` from the route table.
macro_rules! router {
    ($($name:ident = $pattern:literal => {
        $($method:ident [$body:ident] => $handler:path),+ $(,)?
    }),+ $(,)?) => {
        /// Registers every route, each with a 405 naming the methods it answers, and
        /// a 404 for every other path.
        pub fn configure(config: &mut web::ServiceConfig) {
            $(
                config.service(
                    web::resource(route_table::$name)
                        $(.route(answering(&Method::$method).to($handler)))+
                        .default_service(web::to(fallback::method_not_allowed(
                            router!(@answers $($method),+),
                        ))),
                );
            )+
            config.default_service(web::to(fallback::not_found));
        }
    };
    (@answers $first:ident $(, $rest:ident)*) => {
        concat!(router!(@one $first) $(, ", ", router!(@one $rest))*)
    };
    (@one GET) => { "GET, HEAD" };
    (@one $method:ident) => { stringify!($method) };
}
route_table::with_route_table!(router);
