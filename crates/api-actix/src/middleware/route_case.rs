//! Route literals match in any letter case, and with one trailing slash, as in ASP.NET:
//! `/API/v1/billingevents/acme/` is `/api/v1/BillingEvents/acme`.
//!
//! actix-web routes are case-sensitive, so this middleware rewrites a path that names a
//! route of the table (`route_table::find`) to the route's own spelling before routing.

use crate::route_table;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::uri::{PathAndQuery, Uri};
use actix_web::middleware::Next;

/// The middleware: wrap the app with `from_fn(route_case::canonicalize)`.
pub async fn canonicalize(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let spelled = route_table::find(req.path()).map(|(_, spelled)| spelled);
    if let Some(path) = spelled.filter(|spelled| spelled != req.path()) {
        let mut parts = req.head().uri.clone().into_parts();
        let path_and_query = match req.query_string() {
            "" => path,
            query => format!("{path}?{query}"),
        };
        if let Ok(path_and_query) = PathAndQuery::try_from(path_and_query) {
            parts.path_and_query = Some(path_and_query);
            if let Ok(uri) = Uri::from_parts(parts) {
                req.match_info_mut().get_mut().update(&uri);
                req.head_mut().uri = uri;
            }
        }
    }
    next.call(req).await
}
