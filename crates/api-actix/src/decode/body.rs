//! Request bodies: which media types we take, and reading one within the size limit and
//! the budget all bodies share.

use crate::connection::ConnectionWatch;
use crate::decode::text_encoding::{self, Charset};
use crate::decode::DecodeError;
use crate::middleware::shares::{PerShare, Share, ShareHeld};
use crate::route_table::Body as BodyKind;
use actix_web::http::header;
use actix_web::web::{Bytes, BytesMut, Payload};
use actix_web::{HttpMessage, HttpRequest};
use futures_util::StreamExt;
use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// How long a body waits for room in the budget before its request is refused.
const BUDGET_PATIENCE: Duration = Duration::from_secs(1);

/// The bytes of request bodies held at once: across every request, and by each caller's
/// share (a client's keys together, or one admin key). A body is charged as it arrives
/// (in steps that double, up to its limit), not for what it declares, and gives its
/// charge back when its request is done with it. Without it, many connections each
/// sending an allowed 8 MiB batch would hold memory without bound; without the shares,
/// one caller's slow bodies could hold all of it. Counted in KiB.
#[derive(Debug, Clone)]
pub struct BodyBudget {
    total: Arc<Semaphore>,
    shares: PerShare,
}

fn kib(bytes: usize) -> u32 {
    u32::try_from(bytes.div_ceil(1024)).unwrap_or(u32::MAX)
}

impl BodyBudget {
    /// `bytes` for all bodies together, at most `per_share` of them for one share.
    pub fn new(bytes: usize, per_share: usize) -> Self {
        Self {
            total: Arc::new(Semaphore::new(kib(bytes) as usize)),
            shares: PerShare::new(kib(per_share)),
        }
    }

    /// An account of nothing yet, charged to `share`.
    fn open(&self, share: Share) -> BodyAccount {
        BodyAccount {
            budget: self.clone(),
            share,
            held_kib: 0,
            held: Vec::new(),
        }
    }
}

/// What one body holds of the budget.
#[derive(Debug)]
struct BodyAccount {
    budget: BodyBudget,
    share: Share,
    held_kib: u32,
    held: Vec<(ShareHeld, OwnedSemaphorePermit)>,
}

impl BodyAccount {
    /// Holds at least `bytes` in all, waiting up to a second for the room.
    async fn hold(&mut self, bytes: usize) -> Result<(), DecodeError> {
        let more = kib(bytes).saturating_sub(self.held_kib);
        if more == 0 {
            return Ok(());
        }
        let waited = tokio::time::Instant::now();
        // The share first: a caller over its share waits on itself, holding nothing of
        // what the others need.
        let own = self
            .budget
            .shares
            .acquire(&self.share, more, BUDGET_PATIENCE)
            .await
            .ok_or(DecodeError::BodyBudgetSpent)?;
        let left = BUDGET_PATIENCE.saturating_sub(waited.elapsed());
        let total = tokio::time::timeout(left, self.budget.total.clone().acquire_many_owned(more))
            .await
            .ok()
            .and_then(Result::ok)
            .ok_or(DecodeError::BodyBudgetSpent)?;
        self.held.push((own, total));
        self.held_kib += more;
        Ok(())
    }
}

/// A request body, holding its charge of the budget until dropped.
#[derive(Debug)]
pub struct Body {
    bytes: Bytes,
    _charge: BodyAccount,
}

impl Deref for Body {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.bytes
    }
}

/// The body formats a billing event may come in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFormat {
    Json,
    Xml,
    Form,
}

/// The media types we take, for the 415 answer.
pub const ACCEPTED_MEDIA_TYPES: &str =
    "application/json, text/json, application/xml, text/xml or application/x-www-form-urlencoded";

/// The format named by `Content-Type` (any parameters such as `charset`, any letter
/// case).
fn format_of(req: &HttpRequest) -> Result<BodyFormat, DecodeError> {
    let declared = req
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned());
    let essence = declared
        .as_deref()
        .and_then(|value| value.split(';').next())
        .map(|essence| essence.trim().to_ascii_lowercase());
    match essence.as_deref() {
        Some("application/json" | "text/json") => Ok(BodyFormat::Json),
        Some("application/xml" | "text/xml") => Ok(BodyFormat::Xml),
        Some("application/x-www-form-urlencoded") => Ok(BodyFormat::Form),
        _ => Err(DecodeError::UnsupportedMediaType(declared)),
    }
}

impl BodyFormat {
    /// Whether a body of `kind` may come in this format; the 415 when it may not.
    pub fn taken_by(self, kind: BodyKind) -> Result<Self, DecodeError> {
        let refusal = match (kind, self) {
            (BodyKind::Batch, BodyFormat::Form) => "a batch takes JSON or XML",
            (BodyKind::Settlement, BodyFormat::Xml | BodyFormat::Form) => {
                "a bulk settlement takes JSON only"
            }
            _ => return Ok(self),
        };
        Err(DecodeError::UnsupportedMediaType(Some(refusal.into())))
    }
}

/// How a body is to be read: a body of `kind`, at most `limit` bytes, within `timeout`,
/// out of `budget`.
#[derive(Debug, Clone)]
pub struct BodyRules {
    pub kind: BodyKind,
    pub limit: usize,
    pub timeout: Duration,
    pub budget: BodyBudget,
}

/// Reads the whole body within the rules' timeout, refusing it as soon as it is known to
/// pass their limit: from `Content-Length` before reading, or while reading a chunked
/// body. It is charged to the caller's share of the budget as it arrives, and for the
/// UTF-8 it will be turned into when `charset` is not UTF-8. A client that sends its body
/// too slowly gets 408 instead of holding a worker; a body that finds no room in the
/// budget within a second, 503.
async fn read_limited(
    req: &HttpRequest,
    mut payload: Payload,
    rules: &BodyRules,
    charset: Charset,
) -> Result<Body, DecodeError> {
    let (limit, timeout) = (rules.limit, rules.timeout);
    let declared_length = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<usize>().ok());
    if declared_length.is_some_and(|length| length > limit) {
        return Err(DecodeError::PayloadTooLarge { limit });
    }
    let share = req.extensions().get::<Share>().cloned().unwrap_or_default();
    let mut account = rules.budget.open(share);
    let watch = req.conn_data::<ConnectionWatch>();
    let read = async {
        // A declared length is allocated at once, but its pages are the kernel's to
        // provide as they are written: memory follows what has arrived, as the charge
        // does, and the body is never copied. A chunked body grows by doubling.
        let mut body = BytesMut::with_capacity(declared_length.unwrap_or(0).min(limit));
        let mut charged = 0;
        loop {
            // Everything given so far is taken: the connection may read the next window.
            if let Some(watch) = watch {
                watch.body_wanted(declared_length.map(|length| length.saturating_sub(body.len())));
            }
            let Some(chunk) = payload.next().await else {
                break;
            };
            let chunk = chunk.map_err(DecodeError::BodyUnreadable)?;
            let needed = body.len() + chunk.len();
            if needed > limit {
                return Err(DecodeError::PayloadTooLarge { limit });
            }
            if needed > charged {
                // Charged in doubling steps, each before its bytes are kept.
                charged = needed.max(charged * 2).max(4096).min(limit);
                account.hold(charged).await?;
            }
            if needed > body.capacity() {
                // Exactly the charge: `reserve` may take twice what it is asked for.
                let mut larger = BytesMut::with_capacity(charged);
                larger.extend_from_slice(&body);
                body = larger;
            }
            body.extend_from_slice(&chunk);
        }
        // UTF-16 becomes UTF-8 of up to one and a half times its length, beside it.
        account
            .hold(body.len() + text_encoding::utf8_room(&body, charset))
            .await?;
        Ok(body.freeze())
    };
    let bytes = tokio::time::timeout(timeout, read)
        .await
        .map_err(|_| DecodeError::BodyTimeout { timeout })??;
    Ok(Body {
        bytes,
        _charge: account,
    })
}

/// The one way a request body is read: its format (from `Content-Type`, one its kind
/// takes), its charset, its bytes (`read_limited`), their UTF-8, the XML declaration
/// checked against the charset, then `decode`. An event's body (small) is decoded in
/// place; a batch or a settlement (up to megabytes) on a blocking thread.
///
/// # Errors
/// Any of the steps' `DecodeError`s; nothing is decoded after the first.
pub async fn read<T, F>(
    req: &HttpRequest,
    payload: Payload,
    rules: &BodyRules,
    decode: F,
) -> Result<T, DecodeError>
where
    T: Send + 'static,
    F: FnOnce(BodyFormat, &[u8]) -> Result<T, DecodeError> + Send + 'static,
{
    let format = format_of(req)?.taken_by(rules.kind)?;
    let charset = text_encoding::declared(req)?;
    let body = read_limited(req, payload, rules, charset).await?;
    let decode_text = move |raw: &[u8]| {
        let utf8 = text_encoding::to_utf8(raw, charset)?;
        if format == BodyFormat::Xml {
            text_encoding::check_xml_declaration(&utf8, text_encoding::effective(raw, charset))?;
        }
        decode(format, &utf8)
    };
    if rules.kind == BodyKind::Event {
        decode_text(&body)
    } else {
        decode_off_worker(body, decode_text).await
    }
}

/// Runs `decode` over a large body on a blocking thread, so that reading megabytes never
/// holds up the worker's other requests (health checks included). Every decoder is
/// linear in its input; this keeps even a linear second off the request threads.
async fn decode_off_worker<T, F>(body: Body, decode: F) -> Result<T, DecodeError>
where
    T: Send + 'static,
    F: FnOnce(&[u8]) -> Result<T, DecodeError> + Send + 'static,
{
    match tokio::task::spawn_blocking(move || decode(&body)).await {
        Ok(decoded) => decoded,
        // A decoder that panics is a bug: let it surface as it would have inline.
        Err(error) => std::panic::resume_unwind(error.into_panic()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn share(name: &str) -> Share {
        Share::for_tests(name)
    }

    #[tokio::test]
    async fn a_share_holds_at_most_its_part_and_the_others_keep_theirs() {
        let budget = BodyBudget::new(100 * 1024, 40 * 1024);
        let mut first = budget.open(share("hog"));
        first.hold(30 * 1024).await.unwrap();
        let mut second = budget.open(share("hog"));
        assert!(matches!(
            second.hold(20 * 1024).await,
            Err(DecodeError::BodyBudgetSpent)
        ));
        let mut other = budget.open(share("acme"));
        other.hold(40 * 1024).await.unwrap();
        drop(first);
        second.hold(20 * 1024).await.unwrap();
        assert_eq!(budget.total.available_permits(), 40);
    }

    #[tokio::test]
    async fn a_share_nobody_draws_on_is_forgotten() {
        let budget = BodyBudget::new(100 * 1024, 40 * 1024);
        let mut account = budget.open(share("once"));
        account.hold(1).await.unwrap();
        assert_eq!(budget.shares.shares_at_work(), 1);
        drop(account);
        assert_eq!(budget.shares.shares_at_work(), 0);
        assert_eq!(budget.total.available_permits(), 100);
    }
}
