//! What the use cases need from the outside world, and what adapters must promise.

use async_trait::async_trait;
use bigdecimal::BigDecimal;
use domain::{
    ApiKeyId, ApiKeyRecord, BillingEvent, BillingEventGuid, ClientName, EventStatus, EventType,
    ForbiddenTransition, MemberUniqueKey, Timestamp,
};
use std::error::Error;

/// A boxed cause, kept for logs and never shown to clients.
pub type Cause = Box<dyn Error + Send + Sync + 'static>;

/// `error: cause: cause…`, an error's whole chain on one line: for logs, and for copying
/// an error's story into another; never for clients.
pub fn error_chain(error: &dyn Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Why the repository could not answer.
#[derive(Debug, thiserror::Error)]
pub enum RepositoryError {
    /// The database cannot be reached right now (no connection within the pool's
    /// timeout, connection refused). Retrying later may work.
    #[error("the database is unavailable")]
    Unavailable(#[source] Cause),
    /// Anything else: a bug, corrupt data, a failed statement.
    #[error("unexpected database error")]
    Unexpected(#[source] Cause),
}

/// What happened to an insert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Insertion {
    /// The event was stored and committed.
    Created,
    /// An event with this guid was already stored; here it is, unchanged.
    AlreadyExists(BillingEvent),
}

/// One line of an event's audit history: its creation (`from` is `None`) or a status
/// change, when, and the txID of the call that made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    pub from: Option<EventStatus>,
    pub to: EventStatus,
    pub at: Timestamp,
    pub tx_id: String,
}

/// One event to settle, optionally only at one of some revisions (`If-Match`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettleTarget {
    pub guid: BillingEventGuid,
    /// `Some`: settle only if the event is at one of these revisions (an empty list
    /// matches none); `None`: at any revision.
    pub expected_revisions: Option<Vec<u32>>,
}

/// What settling one event did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SettleOutcome {
    Changed(BillingEvent),
    Unchanged(BillingEvent),
    NotFound,
    Forbidden(ForbiddenTransition),
    /// The event is at another revision than expected; nothing changed.
    Stale {
        current: BillingEvent,
    },
}

/// Which events a listing or a summary covers. Bounds are on `eventDateTime`: `from`
/// inclusive, `to` exclusive. Empty lists of types or statuses mean "any".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventFilter {
    pub client: ClientName,
    pub member: Option<MemberUniqueKey>,
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
    pub types: Vec<EventType>,
    pub statuses: Vec<EventStatus>,
    pub modified_since: Option<Timestamp>,
}

/// The position after which a page starts: the last event of the previous page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub event_time: Timestamp,
    pub guid: BillingEventGuid,
}

/// What a summary groups by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum GroupBy {
    Member,
    Type,
    Status,
}

/// One group of a summary: its keys (those grouped by), how many events, and their
/// exact totals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryRow {
    pub member: Option<MemberUniqueKey>,
    pub event_type: Option<EventType>,
    pub status: Option<EventStatus>,
    pub count: u64,
    /// Σ quantity.
    pub total_quantity: BigDecimal,
    /// Σ quantity × price.
    pub total_amount: BigDecimal,
}

/// Where billing events are kept.
#[async_trait]
pub trait BillingEventRepository: Send + Sync + std::fmt::Debug {
    /// Stores `event` unless its guid is taken, with its creation in the history under
    /// `tx_id`, in one transaction.
    ///
    /// Uniqueness is the database's to settle, in one atomic step: of any number of
    /// concurrent inserts of one guid exactly one returns `Created`; the others return
    /// `AlreadyExists` with the event that won. `Created` means committed.
    ///
    /// # Errors
    /// `Unavailable` when the database cannot be reached; `Unexpected` otherwise. After
    /// an error nothing of the event is stored.
    async fn insert(&self, event: &BillingEvent, tx_id: &str)
        -> Result<Insertion, RepositoryError>;

    /// Stores many events in one transaction, each as [`insert`](Self::insert) would:
    /// one `Insertion` per item, in order. A guid that comes twice in `items` is stored
    /// once; the later item gets `AlreadyExists` with the earlier one. `Created` means
    /// committed: results are returned only after the commit.
    ///
    /// # Errors
    /// As for [`insert`](Self::insert); after an error none of the items is stored.
    async fn insert_many(
        &self,
        items: &[(BillingEvent, String)],
    ) -> Result<Vec<Insertion>, RepositoryError>;

    /// The event stored under `guid`, if any.
    ///
    /// # Errors
    /// As for [`insert`](Self::insert).
    async fn find(&self, guid: BillingEventGuid) -> Result<Option<BillingEvent>, RepositoryError>;

    /// Settles each target to `to` at `at`, in order, in one transaction, each event
    /// locked against concurrent settlement: applies [`BillingEvent::settle`], and
    /// records every change in the history under `tx_id` in the same transaction. One
    /// outcome per target. With `scope`, events of other clients are `NotFound`. A guid
    /// named twice is settled once (the second sees the first's result).
    ///
    /// # Errors
    /// As for [`insert`](Self::insert); after an error nothing is changed.
    async fn settle(
        &self,
        scope: Option<&ClientName>,
        targets: &[SettleTarget],
        to: EventStatus,
        at: Timestamp,
        tx_id: &str,
    ) -> Result<Vec<SettleOutcome>, RepositoryError>;

    /// The history of the event, oldest first; `None` when no event has this guid.
    ///
    /// # Errors
    /// As for [`insert`](Self::insert).
    async fn history(
        &self,
        guid: BillingEventGuid,
    ) -> Result<Option<Vec<HistoryEntry>>, RepositoryError>;

    /// Up to `limit` events matching `filter`, ordered by (`eventDateTime`, guid),
    /// starting after `after`.
    ///
    /// # Errors
    /// As for [`insert`](Self::insert).
    async fn list(
        &self,
        filter: &EventFilter,
        after: Option<Position>,
        limit: u32,
    ) -> Result<Vec<BillingEvent>, RepositoryError>;

    /// Counts and exact totals of the events matching `filter`, per group of
    /// `group_by` (one row overall when empty), ordered by the group keys.
    ///
    /// # Errors
    /// As for [`insert`](Self::insert).
    async fn summarize(
        &self,
        filter: &EventFilter,
        group_by: &[GroupBy],
    ) -> Result<Vec<SummaryRow>, RepositoryError>;

    /// Succeeds when the database answers a trivial query.
    ///
    /// # Errors
    /// As for [`insert`](Self::insert).
    async fn ping(&self) -> Result<(), RepositoryError>;
}

/// Where API keys are kept: only their hashes, never the keys.
#[async_trait]
pub trait ApiKeyRepository: Send + Sync + std::fmt::Debug {
    /// Stores a new key; its id is fresh (64 random bits).
    ///
    /// # Errors
    /// As for [`BillingEventRepository::insert`].
    async fn add_key(&self, key: &ApiKeyRecord) -> Result<(), RepositoryError>;

    /// The key with this id, revoked or not. Read from the database every time, so a
    /// revocation counts from the next request on every replica.
    async fn find_key(&self, id: &ApiKeyId) -> Result<Option<ApiKeyRecord>, RepositoryError>;

    /// Every key, or only the keys of `client`, oldest first.
    async fn list_keys(
        &self,
        client: Option<&ClientName>,
    ) -> Result<Vec<ApiKeyRecord>, RepositoryError>;

    /// Marks the key revoked at `at` (an already revoked key keeps its first time).
    /// `false` when no key has this id.
    async fn revoke_key(&self, id: &ApiKeyId, at: Timestamp) -> Result<bool, RepositoryError>;
}

/// The current time, as the service records it.
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> Timestamp;
}

impl EventFilter {
    /// Whether `event` is one this filter covers: the rule every adapter's query must
    /// agree with.
    pub fn matches(&self, event: &BillingEvent) -> bool {
        event.client == self.client
            && self
                .member
                .as_ref()
                .is_none_or(|member| *member == event.member)
            && self.from.is_none_or(|from| event.event_time >= from)
            && self.to.is_none_or(|to| event.event_time < to)
            && (self.types.is_empty() || self.types.contains(&event.event_type))
            && (self.statuses.is_empty() || self.statuses.contains(&event.status))
            && self
                .modified_since
                .is_none_or(|since| event.modified >= since)
    }
}

impl Position {
    /// Whether `event` comes after this position in (`eventDateTime`, guid) order.
    pub fn precedes(&self, event: &BillingEvent) -> bool {
        (event.event_time, event.guid) > (self.event_time, self.guid)
    }
}

impl SettleTarget {
    /// What settling does to `current` (the event as locked in the transaction, if it
    /// exists): the decision every adapter applies, so they cannot drift apart.
    pub fn decide(
        &self,
        current: Option<&BillingEvent>,
        scope: Option<&ClientName>,
        to: EventStatus,
        at: Timestamp,
    ) -> SettleOutcome {
        let Some(current) =
            current.filter(|event| scope.is_none_or(|client| event.client == *client))
        else {
            return SettleOutcome::NotFound;
        };
        if self
            .expected_revisions
            .as_ref()
            .is_some_and(|expected| !expected.contains(&current.revision))
        {
            return SettleOutcome::Stale {
                current: current.clone(),
            };
        }
        match current.settle(to, at) {
            Ok(domain::Settlement::Changed(changed)) => SettleOutcome::Changed(changed),
            Ok(domain::Settlement::Unchanged) => SettleOutcome::Unchanged(current.clone()),
            Err(forbidden) => SettleOutcome::Forbidden(forbidden),
        }
    }
}

impl SettleOutcome {
    /// The history line a changed event gets.
    pub fn history_entry(&self, before: EventStatus, tx_id: &str) -> Option<HistoryEntry> {
        match self {
            SettleOutcome::Changed(event) => Some(HistoryEntry {
                from: Some(before),
                to: event.status,
                at: event.modified,
                tx_id: tx_id.to_owned(),
            }),
            _ => None,
        }
    }
}

/// A total written with no trailing fractional zeros (`0.10` is `0.1`, `2.0` is `2`):
/// totals are computed, so the scale of the inputs says nothing about them, and every
/// backend must print the same digits.
pub fn canonical_total(total: &BigDecimal) -> BigDecimal {
    let normalized = total.normalized();
    if normalized.as_bigint_and_exponent().1 < 0 {
        normalized.with_scale(0)
    } else {
        normalized
    }
}

/// Sums events into summary rows, exactly (arbitrary precision), for adapters that
/// cannot sum decimals themselves. Rows come out ordered by their group keys.
pub fn summarize_events<'a>(
    events: impl IntoIterator<Item = &'a BillingEvent>,
    group_by: &[GroupBy],
) -> Vec<SummaryRow> {
    let mut summary = Summary::new(group_by);
    for event in events {
        summary.add(event);
    }
    summary.finish()
}

/// The summary being summed, one event at a time: it holds one row per group, never
/// the events, so an adapter can stream any number of them through it.
#[derive(Debug)]
pub struct Summary {
    by_member: bool,
    by_type: bool,
    by_status: bool,
    groups: std::collections::BTreeMap<SummaryKey, SummaryRow>,
}

type SummaryKey = (
    Option<MemberUniqueKey>,
    Option<EventType>,
    Option<EventStatus>,
);

impl Summary {
    pub fn new(group_by: &[GroupBy]) -> Self {
        Self {
            by_member: group_by.contains(&GroupBy::Member),
            by_type: group_by.contains(&GroupBy::Type),
            by_status: group_by.contains(&GroupBy::Status),
            groups: std::collections::BTreeMap::new(),
        }
    }

    /// Counts the event and adds its quantity and amount to its group.
    ///
    /// # Panics
    /// Never: every domain decimal is a valid `BigDecimal`.
    pub fn add(&mut self, event: &BillingEvent) {
        use std::str::FromStr;
        let key: SummaryKey = (
            self.by_member.then(|| event.member.clone()),
            self.by_type.then_some(event.event_type),
            self.by_status.then_some(event.status),
        );
        let row = self.groups.entry(key).or_insert_with_key(|key| SummaryRow {
            member: key.0.clone(),
            event_type: key.1,
            status: key.2,
            count: 0,
            total_quantity: BigDecimal::from(0),
            total_amount: BigDecimal::from(0),
        });
        let exact = |text: String| {
            BigDecimal::from_str(&text).expect("a domain decimal is a valid decimal")
        };
        let quantity = exact(event.quantity.to_string());
        let price = exact(event.price.to_string());
        row.count += 1;
        row.total_amount += &quantity * &price;
        row.total_quantity += quantity;
    }

    /// The rows, ordered by their group keys. Ungrouped, a summary is one row even over
    /// no events, as SQL's aggregates are.
    pub fn finish(self) -> Vec<SummaryRow> {
        let ungrouped = !(self.by_member || self.by_type || self.by_status);
        if ungrouped && self.groups.is_empty() {
            return vec![SummaryRow {
                member: None,
                event_type: None,
                status: None,
                count: 0,
                total_quantity: BigDecimal::from(0),
                total_amount: BigDecimal::from(0),
            }];
        }
        self.groups
            .into_values()
            .map(|mut row| {
                row.total_quantity = canonical_total(&row.total_quantity);
                row.total_amount = canonical_total(&row.total_amount);
                row
            })
            .collect()
    }
}
