//! Who may call `/api`: every request there presents an API key, is held to its key's
//! rate, and carries the key's `Access` on to the handlers (`web::ReqData<Access>`).
//!
//! The check runs before routing for every path under `/api` in any letter case, known
//! route or not, so a route added later is closed until it is opened on purpose.
//! A handler that asks for `Access` on a request this middleware did not admit gets a
//! 500, never an open door.

use crate::api_error::ApiError;
use crate::request_context::RequestContext;
use crate::settings::AuthSettings;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderMap, HeaderName, AUTHORIZATION};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, ResponseError};
use app::Authenticate;
use domain::{Access, ApiKeyId};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::num::NonZeroU32;

const API_KEY_HEADER: HeaderName = HeaderName::from_static("x-api-key");

/// What the middleware needs, shared by every worker.
#[derive(Debug)]
pub struct Gate {
    /// `None` when `auth.required` is off: every caller acts for every client.
    authenticate: Option<Authenticate>,
    limiter: DefaultKeyedRateLimiter<ApiKeyId>,
}

impl Gate {
    pub fn new(authenticate: Authenticate, settings: AuthSettings) -> Self {
        let at_least_one = |n: u32| NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::per_second(at_least_one(settings.rate_per_second))
            .allow_burst(at_least_one(settings.burst));
        Self {
            authenticate: settings.required.then_some(authenticate),
            limiter: RateLimiter::keyed(quota),
        }
    }

    /// Who the request may act for, or why it may not be served.
    async fn admit(&self, headers: &HeaderMap) -> Result<Access, ApiError> {
        let Some(authenticate) = &self.authenticate else {
            return Ok(Access::AllClients);
        };
        let caller = authenticate.execute(presented_key(headers)).await?;
        tracing::Span::current().record("key_id", tracing::field::display(&caller.key_id));
        if let Err(not_until) = self.limiter.check_key(&caller.key_id) {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            return Err(ApiError::RateLimited {
                retry_after_secs: wait.as_secs() + 1,
            });
        }
        Ok(caller.access)
    }
}

/// `Authorization: Bearer <key>` (the scheme in any case), else `X-Api-Key: <key>`.
fn presented_key(headers: &HeaderMap) -> Option<&str> {
    let bearer = headers
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, key)| key.trim());
    bearer.or_else(|| {
        headers
            .get(API_KEY_HEADER)
            .and_then(|value| value.to_str().ok())
            .map(str::trim)
    })
}

fn under_api(path: &str) -> bool {
    let prefix = path.get(..4).unwrap_or(path);
    prefix.eq_ignore_ascii_case("/api") && matches!(path.as_bytes().get(4), None | Some(b'/'))
}

/// The middleware: wrap the app with `from_fn(authentication::guard)`, inside
/// `request_context::track` so refusals carry a txID and are logged like any answer.
pub async fn guard(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if !under_api(req.path()) {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    }
    let gate = req
        .app_data::<web::Data<Gate>>()
        .cloned()
        .ok_or_else(|| actix_web::error::ErrorInternalServerError("no gate"))?;
    match gate.admit(req.headers()).await {
        Ok(access) => {
            req.extensions_mut().insert(access);
            next.call(req)
                .await
                .map(ServiceResponse::map_into_boxed_body)
        }
        Err(error) => {
            let context = req
                .extensions()
                .get::<RequestContext>()
                .cloned()
                .ok_or_else(|| actix_web::error::ErrorInternalServerError("no context"))?;
            let response = error.into_problem(&context).error_response();
            Ok(req.into_response(response))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                HeaderName::from_static(name),
                HeaderValue::from_static(value),
            );
        }
        map
    }

    #[test]
    fn the_key_comes_from_a_bearer_token_or_x_api_key() {
        assert_eq!(
            presented_key(&headers(&[("authorization", "bearer  k1 ")])),
            Some("k1")
        );
        assert_eq!(presented_key(&headers(&[("x-api-key", "k2")])), Some("k2"));
        assert_eq!(
            presented_key(&headers(&[
                ("authorization", "Basic abc"),
                ("x-api-key", "k3")
            ])),
            Some("k3")
        );
        assert_eq!(
            presented_key(&headers(&[("authorization", "Basic abc")])),
            None
        );
        assert_eq!(presented_key(&headers(&[])), None);
    }

    #[test]
    fn every_path_under_api_in_any_case_is_guarded() {
        for path in ["/api", "/api/v1/BillingEvents", "/API/V1/x", "/Api/"] {
            assert!(under_api(path), "{path}");
        }
        for path in [
            "/",
            "/health",
            "/apis",
            "/help",
            "/openapi.json",
            "/metrics",
        ] {
            assert!(!under_api(path), "{path}");
        }
    }
}
