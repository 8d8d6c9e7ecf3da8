//! Who may call `/api`: every request there presents an API key, is held to its key's
//! rate, and carries the key's `Access` on to the handlers as a [`Caller`].
//!
//! The check runs before routing for every path under `/api` in any letter case, known
//! route or not, so a route added later is closed until it is opened on purpose. It
//! reads the path as the router does (percent-decoded: `/%61pi` is `/api`). A handler
//! takes a [`Caller`], which only this middleware makes: on a request it did not admit,
//! the extractor itself answers 401, never an open door and never a 500.

use crate::api_error::ApiError;
use crate::encode::RequestContext;
use crate::middleware::shares::Share;
use crate::route_table;
use crate::settings::AuthSettings;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::Payload;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderMap, HeaderName, AUTHORIZATION};
use actix_web::middleware::Next;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest, ResponseError};
use app::Authenticate;
use domain::{Access, ApiKeyId};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::future::{ready, Ready};
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

    /// Who the request may act for and whose share it draws on, or why it may not be
    /// served.
    async fn admit(&self, headers: &HeaderMap) -> Result<(Access, Share), ApiError> {
        let Some(authenticate) = &self.authenticate else {
            return Ok((Access::AllClients, Share::default()));
        };
        let caller = authenticate.execute(presented_key(headers)).await?;
        tracing::Span::current().record("key_id", tracing::field::display(&caller.key_id));
        if let Err(not_until) = self.limiter.check_key(&caller.key_id) {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            return Err(ApiError::RateLimited {
                retry_after_secs: wait.as_secs() + 1,
            });
        }
        let share = Share::of(&caller.access, &caller.key_id);
        Ok((caller.access, share))
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

/// Who the request acts for, as the gate admitted it.
#[derive(Debug, Clone)]
pub struct Caller(pub Access);

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let admitted = req.extensions().get::<Access>().cloned();
        ready(
            admitted
                .map(Caller)
                .ok_or(ApiError::Authenticate(app::AuthenticateError::Missing)),
        )
    }
}

impl std::ops::Deref for Caller {
    type Target = Access;

    fn deref(&self) -> &Access {
        &self.0
    }
}

/// The middleware: wrap the app with `from_fn(authentication::guard)`, inside
/// `request_context::track` so refusals carry a txID and are logged like any answer.
pub async fn guard(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if !route_table::needs_key(req.match_info().as_str()) {
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
        Ok((access, share)) => {
            req.extensions_mut().insert(access);
            req.extensions_mut().insert(share);
            next.call(req)
                .await
                .map(ServiceResponse::map_into_boxed_body)
        }
        Err(error) => {
            let context = RequestContext::of(req.request());
            let response = error.to_problem(&context).error_response();
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
}
