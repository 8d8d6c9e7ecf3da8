//! Route literals match in any letter case, and with one trailing slash, as in ASP.NET:
//! `/API/v1/billingevents/acme/` is `/api/v1/BillingEvents/acme`.
//!
//! actix-web routes are case-sensitive, so this middleware rewrites the literal segments
//! of a matching path to their canonical spelling before routing. Parameter segments
//! (a client name, a guid) are never touched. A literal is compared percent-decoded, as
//! the router reads it: `/%61PI/v1/…` is `/api/v1/…` too.

use crate::routes::ROUTES;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::uri::{PathAndQuery, Uri};
use actix_web::middleware::Next;
use percent_encoding::percent_decode_str;

/// A `{name}` segment of a route pattern.
fn is_parameter(segment: &str) -> bool {
    segment.starts_with('{')
}

/// The canonical spelling of the raw `path`, if it matches a template in another
/// letter case or spelling, or with a trailing slash.
pub fn canonical_path(path: &str) -> Option<String> {
    let trimmed = path.strip_suffix('/').filter(|rest| !rest.is_empty());
    let segments: Vec<&str> = trimmed.unwrap_or(path).split('/').collect();
    ROUTES.iter().find_map(|route| {
        let literals: Vec<&str> = route.pattern.split('/').collect();
        let matches = literals.len() == segments.len()
            && literals.iter().zip(&segments).all(|(literal, segment)| {
                is_parameter(literal)
                    || literal
                        .eq_ignore_ascii_case(&percent_decode_str(segment).decode_utf8_lossy())
            });
        let differs = trimmed.is_some()
            || literals
                .iter()
                .zip(&segments)
                .any(|(literal, segment)| !is_parameter(literal) && literal != segment);
        (matches && differs).then(|| {
            literals
                .iter()
                .zip(&segments)
                .map(|(literal, segment)| {
                    if is_parameter(literal) {
                        *segment
                    } else {
                        *literal
                    }
                })
                .collect::<Vec<_>>()
                .join("/")
        })
    })
}

/// The middleware: wrap the app with `from_fn(route_case::canonicalize)`.
pub async fn canonicalize(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if let Some(path) = canonical_path(req.path()) {
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

#[cfg(test)]
mod tests {
    use super::canonical_path;

    #[test]
    fn literals_are_rewritten_in_any_case_and_parameters_kept() {
        assert_eq!(
            canonical_path("/API/v1/billingevents/AcMe").as_deref(),
            Some("/api/v1/BillingEvents/AcMe")
        );
        assert_eq!(canonical_path("/HEALTH").as_deref(), Some("/health"));
        assert_eq!(
            canonical_path("/api/v1/billingevents").as_deref(),
            Some("/api/v1/BillingEvents")
        );
        assert_eq!(
            canonical_path("/api/V1/billingevents/SUMMARY").as_deref(),
            Some("/api/v1/BillingEvents/summary")
        );
        assert_eq!(
            canonical_path("/API/v1/billingevents/Ab12/HISTORY").as_deref(),
            Some("/api/v1/BillingEvents/Ab12/history")
        );
        assert_eq!(canonical_path("/Ready").as_deref(), Some("/ready"));
        assert_eq!(canonical_path("/ready/").as_deref(), Some("/ready"));
        assert_eq!(
            canonical_path("/api/v1/BillingEvents/acme/").as_deref(),
            Some("/api/v1/BillingEvents/acme")
        );
        assert_eq!(
            canonical_path("/%61pi/v1/BillingEvents/a%62c").as_deref(),
            Some("/api/v1/BillingEvents/a%62c"),
            "literals decoded, parameters kept raw for the router to decode"
        );
    }

    #[test]
    fn canonical_and_unknown_paths_are_left_alone() {
        assert_eq!(canonical_path("/api/v1/BillingEvents/acme"), None);
        assert_eq!(canonical_path("/api/v2/billingevents/acme"), None);
        assert_eq!(canonical_path("/api/v1"), None);
        assert_eq!(canonical_path("/api/v1/billingevents/a/b"), None);
        assert_eq!(canonical_path("/"), None);
        assert_eq!(
            canonical_path("/ready//"),
            None,
            "one trailing slash, no more"
        );
        assert_eq!(canonical_path("/nowhere/"), None);
    }
}
