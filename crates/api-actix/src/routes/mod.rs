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
use crate::middleware::shares::PerShare;
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
    pub max_batch_items: usize,
    /// The data contract of XML answers.
    pub xml: Arc<XmlContract>,
    /// Turns at heavy work, per caller's share, and how long one is waited for.
    pub heavy: PerShare,
    pub heavy_patience: std::time::Duration,
    /// `/help` and `/openapi.json`, rendered on first request.
    pub(crate) docs: Arc<docs::Rendered>,
}

/// The most a request may carry.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub body_bytes: usize,
    pub bulk_body_bytes: usize,
    pub batch_body_bytes: usize,
    pub batch_items: usize,
    pub body_timeout: std::time::Duration,
    /// The bytes of request bodies held at once, across every request…
    pub buffered_body_bytes: usize,
    /// …and of one caller's share.
    pub share_body_bytes: usize,
    /// Heavy requests (settlements, batches, summaries) one share runs at once…
    pub heavy_per_share: u32,
    /// …and how long another waits for its turn.
    pub heavy_patience: std::time::Duration,
}

impl AppState {
    pub fn new(
        repository: Arc<dyn BillingEventRepository>,
        clock: Arc<dyn Clock>,
        limits: Limits,
        xml: XmlContract,
    ) -> Self {
        let budget = BodyBudget::new(limits.buffered_body_bytes, limits.share_body_bytes);
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
            xml: Arc::new(xml),
            heavy: PerShare::new(limits.heavy_per_share),
            heavy_patience: limits.heavy_patience,
            docs: Arc::default(),
        }
    }
}

/// One route: its pattern and the methods it declares (each GET answers HEAD too).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    pub pattern: &'static str,
    pub allow: &'static str,
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

/// Every path under this one needs a key (the key check reads it too).
pub const API_PREFIX: &str = "/api";

/// The one route table: `ROUTES` (what the case folding, the key check and the
/// documentation tests read) and `configure` (what actix routes) both come from it.
/// Literal paths come before those with a parameter in the same place, so that
/// `…/summary` is not read as a guid or a client name.
macro_rules! route_table {
    ($($pattern:literal => { $($method:ident => $handler:path),+ $(,)? }),+ $(,)?) => {
        /// Every route, in matching order.
        pub const ROUTES: &[Route] = &[
            $(Route { pattern: $pattern, allow: route_table!(@allow $($method),+) }),+
        ];

        /// Registers every route, each with a 405 naming the methods it answers, and
        /// a 404 for every other path.
        pub fn configure(config: &mut web::ServiceConfig) {
            $(
                config.service(
                    web::resource($pattern)
                        $(.route(answering(&Method::$method).to($handler)))+
                        .default_service(web::to(fallback::method_not_allowed(
                            route_table!(@answers $($method),+),
                        ))),
                );
            )+
            config.default_service(web::to(fallback::not_found));
        }
    };
    (@allow $first:ident $(, $rest:ident)*) => {
        concat!(stringify!($first) $(, ", ", stringify!($rest))*)
    };
    (@answers $first:ident $(, $rest:ident)*) => {
        concat!(route_table!(@one $first) $(, ", ", route_table!(@one $rest))*)
    };
    (@one GET) => { "GET, HEAD" };
    (@one $method:ident) => { stringify!($method) };
}

route_table! {
    "/api/v1/BillingEvents" => { GET => listing::list },
    "/api/v1/BillingEvents/summary" => { GET => listing::summary },
    "/api/v1/BillingEvents/{id}" => {
        GET => billing_events::get,
        POST => billing_events::post,
        PATCH => settlement::patch,
    },
    "/api/v1/BillingEvents/{id}/history" => { GET => settlement::history },
    "/api/v1/BillingEvents/{id}/status" => { POST => settlement::settle_many },
    "/api/v1/BillingEvents/{id}/batch" => { POST => batch::post_batch },
    "/health" => { GET => health::health },
    "/ready" => { GET => health::ready },
    "/metrics" => { GET => crate::telemetry::prometheus::render },
    "/help" => { GET => docs::help_page },
    "/openapi.json" => { GET => docs::openapi_document },
}
