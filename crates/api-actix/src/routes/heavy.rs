//! Heavy work (bulk settlements, batches, summaries) takes a turn of its caller's share
//! first: one caller's heavy requests queue behind each other, not in front of the
//! others', and hold at most their share of the writer, the pool and the cores.

use super::AppState;
use crate::api_error::ApiError;
use crate::middleware::shares::Share;
use crate::middleware::shares::ShareHeld;
use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use futures_util::future::LocalBoxFuture;

/// A turn at heavy work, held until the handler that took it is done (or dropped,
/// when its client leaves).
#[derive(Debug)]
pub struct HeavyTurn(#[allow(dead_code)] ShareHeld);

impl FromRequest for HeavyTurn {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let share = req.extensions().get::<Share>().cloned().unwrap_or_default();
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let Some(state) = state else {
                return Err(ApiError::ShareBusy);
            };
            state
                .heavy
                .acquire(&share, 1, state.limits.heavy_patience)
                .await
                .map(HeavyTurn)
                .ok_or(ApiError::ShareBusy)
        })
    }
}
