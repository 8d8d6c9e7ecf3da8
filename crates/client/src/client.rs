//! The client: one method per call of the service, each retried as its policy says.

use crate::error::ClientError;
use crate::model::{BatchItem, Posted, Settled, StoredEvent};
use crate::retry::RetryPolicy;
use crate::wire::{self, BatchJson, EventJson, PageJson, ProblemJson, SettlementJson, SummaryJson};
use domain::{
    BillingEventGuid, ClientName, EventFilter, EventStatus, GroupBy, NewBillingEvent, SummaryRow,
};
use futures_util::stream::{self, Stream, TryStreamExt};
use reqwest::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE, ETAG, IF_MATCH, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use std::time::Duration;

/// The statuses worth another attempt: nothing was done, or the service is busy.
const RETRYABLE: [StatusCode; 5] = [
    StatusCode::REQUEST_TIMEOUT,
    StatusCode::TOO_MANY_REQUESTS,
    StatusCode::BAD_GATEWAY,
    StatusCode::SERVICE_UNAVAILABLE,
    StatusCode::GATEWAY_TIMEOUT,
];

/// A client of one billing-events service, with one API key. Cheap to clone: clones
/// share the connection pool.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    authorization: HeaderValue,
    retry: RetryPolicy,
    batch_size: usize,
    page_size: u32,
}

/// Settings of a [`Client`] beyond its address and key.
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    base_url: String,
    api_key: String,
    timeout: Duration,
    connect_timeout: Duration,
    retry: RetryPolicy,
    user_agent: String,
    batch_size: usize,
    page_size: u32,
}

/// An answer read whole.
struct Answer {
    status: StatusCode,
    etag: Option<String>,
    text: String,
}

impl ClientBuilder {
    /// How long one attempt may take, answer included (default 30 s).
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How long connecting may take (default 5 s).
    #[must_use]
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How calls are retried (default: [`RetryPolicy::default`]).
    #[must_use]
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The `User-Agent` sent (default `billing-events-client/<version>`).
    #[must_use]
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Items per batch request (default 1,000, the service's default limit).
    #[must_use]
    pub fn batch_size(mut self, items: usize) -> Self {
        self.batch_size = items.max(1);
        self
    }

    /// Events per page of a listing (default 1,000, the service's largest).
    #[must_use]
    pub fn page_size(mut self, events: u32) -> Self {
        self.page_size = events.clamp(1, 1_000);
        self
    }

    /// The client.
    ///
    /// # Errors
    /// `Setup` when the key cannot be a header or the HTTP client cannot be made.
    pub fn build(self) -> Result<Client, ClientError> {
        let setup = |error: &dyn std::fmt::Display| ClientError::Setup(error.to_string());
        let mut authorization =
            HeaderValue::from_str(&format!("Bearer {}", self.api_key)).map_err(|e| setup(&e))?;
        authorization.set_sensitive(true);
        let http = reqwest::Client::builder()
            .timeout(self.timeout)
            .connect_timeout(self.connect_timeout)
            .user_agent(self.user_agent)
            .build()
            .map_err(|e| setup(&e))?;
        Ok(Client {
            http,
            base: self.base_url.trim_end_matches('/').to_owned(),
            authorization,
            retry: self.retry,
            batch_size: self.batch_size,
            page_size: self.page_size,
        })
    }
}

impl Client {
    /// A client of the service at `base_url` (`http://host:port`), presenting `api_key`.
    ///
    /// # Errors
    /// As [`ClientBuilder::build`].
    pub fn new(base_url: &str, api_key: &str) -> Result<Self, ClientError> {
        Self::builder(base_url, api_key).build()
    }

    /// A builder for timeouts, retries and the user agent.
    pub fn builder(base_url: impl Into<String>, api_key: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            base_url: base_url.into(),
            api_key: api_key.into(),
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(5),
            retry: RetryPolicy::default(),
            user_agent: format!("billing-events-client/{}", env!("CARGO_PKG_VERSION")),
            batch_size: 1_000,
            page_size: 1_000,
        }
    }

    /// Posts one event. Every attempt sends the same event, guid included, so however
    /// many attempts it takes the event is stored once.
    ///
    /// # Errors
    /// `Invalid` naming each bad field; `Conflict` with the stored event when the guid
    /// holds another one; `Forbidden`, `Unauthorized`; `Unavailable` when retrying did
    /// not get an answer (post it again later: it is the same event).
    pub async fn post(&self, event: &NewBillingEvent) -> Result<Posted, ClientError> {
        let path = format!("/api/v1/BillingEvents/{}", event.client.as_str());
        let body = wire::event_body(event).to_string();
        let answer = self
            .call(Method::POST, &path, &[], Some(&body), None)
            .await?;
        let stored = || {
            wire::parse::<EventJson>(&answer.text)?
                .into_event(wire::revision(answer.etag.as_deref()))
        };
        match answer.status {
            StatusCode::CREATED => Ok(Posted::Created(stored()?)),
            StatusCode::OK => Ok(Posted::AlreadyStored(stored()?)),
            StatusCode::CONFLICT => Err(ClientError::Conflict {
                stored: match self.get(event.guid).await {
                    Ok(event) => Some(Box::new(event)),
                    Err(ClientError::NotFound) => None,
                    Err(other) => return Err(other),
                },
            }),
            _ => Err(refusal(&answer)),
        }
    }

    /// Posts many events: in requests of at most the batch size (one per client), one
    /// result per event, in order. A request that fails for a retryable reason is sent
    /// again whole, with the same guids, so nothing is stored twice.
    ///
    /// # Errors
    /// As [`post`](Self::post), for a whole request; per-event refusals are results.
    pub async fn post_batch(
        &self,
        events: &[NewBillingEvent],
    ) -> Result<Vec<BatchItem>, ClientError> {
        let mut results: Vec<Option<BatchItem>> = vec![None; events.len()];
        let mut by_client: Vec<(&ClientName, Vec<usize>)> = Vec::new();
        for (index, event) in events.iter().enumerate() {
            match by_client
                .iter_mut()
                .find(|(client, _)| **client == event.client)
            {
                Some((_, indices)) => indices.push(index),
                None => by_client.push((&event.client, vec![index])),
            }
        }
        for (client, indices) in by_client {
            let path = format!("/api/v1/BillingEvents/{}/batch", client.as_str());
            for chunk in indices.chunks(self.batch_size) {
                let bodies: Vec<_> = chunk
                    .iter()
                    .map(|&i| wire::event_body(&events[i]))
                    .collect();
                let body = serde_json::Value::Array(bodies).to_string();
                let answer = self
                    .call(Method::POST, &path, &[], Some(&body), None)
                    .await?;
                if answer.status != StatusCode::OK {
                    return Err(refusal(&answer));
                }
                let batch: BatchJson = wire::parse(&answer.text)?;
                if batch.results.len() != chunk.len() {
                    return Err(ClientError::UnexpectedResponse(format!(
                        "{} results for {} items",
                        batch.results.len(),
                        chunk.len()
                    )));
                }
                for result in batch.results {
                    let &index = chunk.get(result.index).ok_or_else(|| {
                        ClientError::UnexpectedResponse(format!(
                            "a result for item {}",
                            result.index
                        ))
                    })?;
                    results[index] = Some(batch_item(result)?);
                }
            }
        }
        results
            .into_iter()
            .map(|result| {
                result.ok_or_else(|| {
                    ClientError::UnexpectedResponse("an item without a result".into())
                })
            })
            .collect()
    }

    /// The stored event with this guid.
    ///
    /// # Errors
    /// `NotFound` when no event of the key's clients has it; `Unavailable`.
    pub async fn get(&self, guid: BillingEventGuid) -> Result<StoredEvent, ClientError> {
        let path = format!("/api/v1/BillingEvents/{guid}");
        let answer = self.call(Method::GET, &path, &[], None, None).await?;
        if answer.status != StatusCode::OK {
            return Err(refusal(&answer));
        }
        wire::parse::<EventJson>(&answer.text)?.into_event(wire::revision(answer.etag.as_deref()))
    }

    /// Every event `filter` covers, in the service's order (event time, then guid),
    /// page after page to the end.
    pub fn list<'a>(
        &'a self,
        filter: &'a EventFilter,
    ) -> impl Stream<Item = Result<StoredEvent, ClientError>> + 'a {
        enum Walk {
            Next(Option<String>),
            Done,
        }
        stream::try_unfold(Walk::Next(None), move |walk| async move {
            let Walk::Next(cursor) = walk else {
                return Ok(None);
            };
            let mut query = filter_query(filter);
            query.push(("limit", self.page_size.to_string()));
            if let Some(cursor) = cursor {
                query.push(("cursor", cursor));
            }
            let answer = self
                .call(Method::GET, "/api/v1/BillingEvents", &query, None, None)
                .await?;
            if answer.status != StatusCode::OK {
                return Err(refusal(&answer));
            }
            let page: PageJson = wire::parse(&answer.text)?;
            let events = page
                .items
                .into_iter()
                .map(|item| item.into_event(None))
                .collect::<Result<Vec<_>, _>>()?;
            let next = page
                .next_cursor
                .map_or(Walk::Done, |cursor| Walk::Next(Some(cursor)));
            Ok(Some((
                stream::iter(events.into_iter().map(Ok::<_, ClientError>)),
                next,
            )))
        })
        .try_flatten()
    }

    /// Counts and exact totals of the events `filter` covers, per group of `group_by`.
    ///
    /// # Errors
    /// `Invalid` naming each bad parameter; `Unavailable`.
    pub async fn summary(
        &self,
        filter: &EventFilter,
        group_by: &[GroupBy],
    ) -> Result<Vec<SummaryRow>, ClientError> {
        let mut query = filter_query(filter);
        for key in group_by {
            let name = match key {
                GroupBy::Member => "member",
                GroupBy::Type => "type",
                GroupBy::Status => "status",
            };
            query.push(("groupBy", name.to_owned()));
        }
        let answer = self
            .call(
                Method::GET,
                "/api/v1/BillingEvents/summary",
                &query,
                None,
                None,
            )
            .await?;
        if answer.status != StatusCode::OK {
            return Err(refusal(&answer));
        }
        wire::parse::<SummaryJson>(&answer.text)?.into_rows(group_by)
    }

    /// Moves one event to `status`; with `if_match`, only if it is still at that
    /// revision. Moving it to the status it has is a success that changes nothing.
    ///
    /// A retried conditional change whose first attempt was applied but unanswered comes
    /// back `StaleRevision`: read the event to see.
    ///
    /// # Errors
    /// `NotFound`; `ForbiddenTransition`; `StaleRevision`; `Invalid`; `Unavailable`.
    pub async fn set_status(
        &self,
        guid: BillingEventGuid,
        status: EventStatus,
        if_match: Option<u32>,
    ) -> Result<StoredEvent, ClientError> {
        let path = format!("/api/v1/BillingEvents/{guid}");
        let body = serde_json::json!({ "invoiceBillingEventStatusId": status.name() }).to_string();
        let tag = if_match.map(|revision| format!("\"{revision}\""));
        let answer = self
            .call(Method::PATCH, &path, &[], Some(&body), tag.as_deref())
            .await?;
        match answer.status {
            StatusCode::OK => wire::parse::<EventJson>(&answer.text)?
                .into_event(wire::revision(answer.etag.as_deref())),
            StatusCode::CONFLICT => Err(ClientError::ForbiddenTransition {
                detail: problem(&answer)?.detail,
            }),
            StatusCode::PRECONDITION_FAILED => Err(ClientError::StaleRevision {
                current: wire::revision(answer.etag.as_deref()),
            }),
            _ => Err(refusal(&answer)),
        }
    }

    /// Settles many events of `client` to `status` in one transaction: one result per
    /// guid, in order. Retrying is safe: what changed the first time is unchanged the
    /// second.
    ///
    /// # Errors
    /// `Invalid` naming each bad parameter (nothing changed); `Forbidden`; `Unavailable`.
    pub async fn settle(
        &self,
        client: &ClientName,
        guids: &[BillingEventGuid],
        status: EventStatus,
    ) -> Result<Vec<(BillingEventGuid, Settled)>, ClientError> {
        let path = format!("/api/v1/BillingEvents/{}/status", client.as_str());
        let guids_text: Vec<String> = guids.iter().map(ToString::to_string).collect();
        let body = serde_json::json!({ "status": status.name(), "billingEventGuids": guids_text })
            .to_string();
        let answer = self
            .call(Method::POST, &path, &[], Some(&body), None)
            .await?;
        if answer.status != StatusCode::OK {
            return Err(refusal(&answer));
        }
        let settlement: SettlementJson = wire::parse(&answer.text)?;
        if settlement.results.len() != guids.len() {
            return Err(ClientError::UnexpectedResponse("a result per guid".into()));
        }
        settlement
            .results
            .into_iter()
            .map(|result| {
                let unexpected = |what: &dyn std::fmt::Display| {
                    ClientError::UnexpectedResponse(what.to_string())
                };
                let guid = BillingEventGuid::parse(&result.billing_event_guid)
                    .map_err(|e| unexpected(&e))?;
                let status = || {
                    result
                        .invoice_billing_event_status_id
                        .as_deref()
                        .ok_or_else(|| unexpected(&"a result without its status"))
                        .and_then(|name| EventStatus::parse(name).map_err(|e| unexpected(&e)))
                };
                let settled = match result.outcome.as_str() {
                    "changed" => Settled::Changed(status()?),
                    "unchanged" => Settled::Unchanged(status()?),
                    "notFound" => Settled::NotFound,
                    "forbidden" => Settled::Forbidden {
                        current: status()?,
                        detail: result.detail.clone().unwrap_or_default(),
                    },
                    other => return Err(unexpected(&format!("the outcome {other:?}"))),
                };
                Ok((guid, settled))
            })
            .collect()
    }

    /// Sends one request until it gets an answer that is not worth retrying, within the
    /// retry policy.
    async fn call(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        json: Option<&str>,
        if_match: Option<&str>,
    ) -> Result<Answer, ClientError> {
        let url = format!("{}{path}", self.base);
        let attempts = self.retry.max_attempts.max(1);
        let mut last = String::new();
        for attempt in 1..=attempts {
            let mut request = self
                .http
                .request(method.clone(), &url)
                .header(AUTHORIZATION, self.authorization.clone())
                .query(query);
            if let Some(json) = json {
                request = request
                    .header(CONTENT_TYPE, "application/json")
                    .body(json.to_owned());
            }
            if let Some(tag) = if_match {
                request = request.header(IF_MATCH, tag);
            }
            let retry_after = match request.send().await {
                Ok(response) if RETRYABLE.contains(&response.status()) => {
                    last = format!("{}", response.status());
                    retry_after(&response)
                }
                Ok(response) => {
                    let status = response.status();
                    let etag = response
                        .headers()
                        .get(ETAG)
                        .and_then(|value| value.to_str().ok())
                        .map(str::to_owned);
                    match response.text().await {
                        Ok(text) => return Ok(Answer { status, etag, text }),
                        // The answer was cut short: as if none came.
                        Err(error) => {
                            last = error.to_string();
                            None
                        }
                    }
                }
                Err(error) if error.is_builder() => {
                    return Err(ClientError::Setup(error.to_string()))
                }
                Err(error) => {
                    last = error.to_string();
                    None
                }
            };
            if attempt < attempts {
                tokio::time::sleep(self.retry.delay(attempt, retry_after)).await;
            }
        }
        Err(ClientError::Unavailable { attempts, last })
    }
}

/// `Retry-After` in seconds, when the answer carries one.
fn retry_after(response: &reqwest::Response) -> Option<Duration> {
    response
        .headers()
        .get(RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
        .map(Duration::from_secs)
}

/// The query parameters of a filter, named as the service names them.
fn filter_query(filter: &EventFilter) -> Vec<(&'static str, String)> {
    let mut query = vec![("clientName", filter.client.as_str().to_owned())];
    if let Some(member) = &filter.member {
        query.push(("memberUniqueKey", member.as_str().to_owned()));
    }
    if let Some(from) = filter.from {
        query.push(("from", from.to_string()));
    }
    if let Some(to) = filter.to {
        query.push(("to", to.to_string()));
    }
    for event_type in &filter.types {
        query.push(("eventTypeId", event_type.name().to_owned()));
    }
    for status in &filter.statuses {
        query.push(("invoiceBillingEventStatusId", status.name().to_owned()));
    }
    if let Some(since) = filter.modified_since {
        query.push(("modifiedSince", since.to_string()));
    }
    query
}

/// One item of a batch's answer.
fn batch_item(result: wire::BatchResultJson) -> Result<BatchItem, ClientError> {
    let guid = || {
        result
            .billing_event_guid
            .as_deref()
            .ok_or_else(|| ClientError::UnexpectedResponse("a result without its guid".into()))
            .and_then(|text| {
                BillingEventGuid::parse(text)
                    .map_err(|e| ClientError::UnexpectedResponse(e.to_string()))
            })
    };
    Ok(match result.status {
        201 => BatchItem::Created(guid()?),
        200 => BatchItem::AlreadyStored(guid()?),
        409 => BatchItem::Conflict(guid()?),
        400 => BatchItem::Invalid(result.errors.unwrap_or_default()),
        other => {
            return Err(ClientError::UnexpectedResponse(format!(
                "an item answered {other}"
            )))
        }
    })
}

/// A problem's body.
fn problem(answer: &Answer) -> Result<ProblemJson, ClientError> {
    wire::parse(&answer.text)
}

/// The error a refusal the call does not handle itself stands for.
fn refusal(answer: &Answer) -> ClientError {
    match answer.status {
        StatusCode::UNAUTHORIZED => ClientError::Unauthorized,
        StatusCode::FORBIDDEN => ClientError::Forbidden,
        StatusCode::NOT_FOUND => ClientError::NotFound,
        StatusCode::BAD_REQUEST => match problem(answer) {
            Ok(problem) if !problem.errors.is_empty() => ClientError::Invalid(problem.errors),
            Ok(problem) => ClientError::Invalid(
                [("body".to_owned(), vec![problem.detail])]
                    .into_iter()
                    .collect(),
            ),
            Err(error) => error,
        },
        other => ClientError::UnexpectedResponse(format!("{other}: {:.200}", answer.text)),
    }
}
