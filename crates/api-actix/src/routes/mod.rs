//! The handlers, one module per endpoint (each with its OpenAPI operation), the
//! router and the operations the OpenAPI document lists, both made from the route
//! table, and the state the handlers share.

mod change_status;
mod docs;
mod fallback;
mod get_event;
mod get_history;
mod health;
mod heavy;
mod list_events;
mod post_batch;
mod post_event;
mod settle_events;
mod summarize_events;

use crate::decode::body::{BodyBudget, BodyRules};
use crate::encode::XmlContract;
use crate::limits::Limits;
use crate::middleware::shares::PerShare;
use crate::route_table::{self, Body};
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
    /// How a body of each kind is read.
    bodies: [BodyRules; 3],
    pub limits: Limits,
    /// The data contract of XML answers.
    pub xml: Arc<XmlContract>,
    /// Turns at heavy work, per caller's share.
    pub heavy: PerShare,
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
        let rules = |kind| BodyRules {
            kind,
            limit: limits.body_bytes.of(kind),
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
            bodies: [Body::Event, Body::Settlement, Body::Batch].map(rules),
            limits,
            xml: Arc::new(xml),
            heavy: PerShare::new(limits.heavy_per_share),
            docs: Arc::default(),
        }
    }
}

impl AppState {
    /// How a body of `kind` is read (a route without a body reads one as an event's).
    pub fn body(&self, kind: Body) -> &BodyRules {
        let [event, settlement, batch] = &self.bodies;
        match kind {
            Body::Event | Body::None => event,
            Body::Settlement => settlement,
            Body::Batch => batch,
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

/// Builds `configure` and `operations` from the route table.
macro_rules! router {
    (
        documented: { $($documented:tt)+ },
        undocumented: { $($undocumented:tt)+ } $(,)?
    ) => {
        router!(@configure $($documented)+ $($undocumented)+);
        router!(@operations $($documented)+);
    };
    (@configure $($name:ident = $pattern:literal => {
        $($method:ident [$body:ident] => $($handler:ident)::+),+ $(,)?
    }),+ $(,)?) => {
        /// Registers every route, each with a 405 naming the methods it answers, and
        /// a 404 for every other path.
        pub fn configure(config: &mut web::ServiceConfig) {
            $(
                config.service(
                    web::resource(route_table::$name)
                        $(.route(answering(&Method::$method).to($($handler)::+)))+
                        .default_service(web::to(fallback::method_not_allowed(
                            router!(@answers $($method),+),
                        ))),
                );
            )+
            config.default_service(web::to(fallback::not_found));
        }
    };
    (@operations $($name:ident = $pattern:literal => {
        $($method:ident [$body:ident] => $($handler:ident)::+),+ $(,)?
    }),+ $(,)?) => {
        /// The OpenAPI operation of each documented route, declared on its handler.
        #[derive(utoipa::OpenApi)]
        #[openapi(paths($($($($handler)::+),+),+))]
        struct Operations;

        /// The documented operations, as the OpenAPI document's `paths`.
        pub fn operations() -> utoipa::openapi::OpenApi {
            use utoipa::OpenApi as _;
            Operations::openapi()
        }
    };
    (@answers $first:ident $(, $rest:ident)*) => {
        concat!(router!(@one $first) $(, ", ", router!(@one $rest))*)
    };
    (@one GET) => { "GET, HEAD" };
    (@one $method:ident) => { stringify!($method) };
}
route_table::with_route_table!(router);
