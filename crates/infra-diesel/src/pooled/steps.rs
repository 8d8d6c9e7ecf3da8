//! The steps of the port's writes, each inside one transaction, written once for both
//! backends on top of their queries.

use super::backend::Queries;
use crate::error::DbError;
use app::{InsertRequest, Insertion, RepositoryError};
use domain::{
    BillingEvent, BillingEventGuid, ClientName, EventStatus, SettleOutcome, SettleTarget, Timestamp,
};
use std::collections::HashMap;

/// The steps of [`app::BillingEventRepository::settle`], inside its transaction.
pub(super) fn settle_in_transaction<Q: Queries>(
    conn: &mut Q::Connection,
    scope: Option<&ClientName>,
    targets: &[SettleTarget],
    to: EventStatus,
    at: Timestamp,
    tx_id: &str,
) -> Result<Vec<SettleOutcome>, DbError> {
    let guids: Vec<BillingEventGuid> = targets.iter().map(|target| target.guid).collect();
    let mut current: HashMap<BillingEventGuid, BillingEvent> = Q::lock(conn, &guids, scope)?
        .into_iter()
        .map(|event| (event.guid, event))
        .collect();
    let mut outcomes = Vec::with_capacity(targets.len());
    for target in targets {
        let before = current.get(&target.guid);
        let outcome = target.decide(before, scope, to, at);
        if let (SettleOutcome::Changed(changed), Some(before)) = (&outcome, before) {
            let entry = outcome.history_entry(before.status, tx_id);
            Q::update_status(conn, changed)?;
            if let Some(entry) = entry {
                Q::append_history(conn, &[(changed.guid, entry)])?;
            }
            current.insert(changed.guid, changed.clone());
        }
        outcomes.push(outcome);
    }
    Ok(outcomes)
}

/// The steps of [`app::BillingEventRepository::insert_many`], inside its transaction.
pub(super) fn insert_in_transaction<Q: Queries>(
    conn: &mut Q::Connection,
    items: Vec<InsertRequest>,
) -> Result<Vec<Insertion>, DbError> {
    // The first item with a guid is the one that may be stored; later ones with the same
    // guid are retries of it (or conflicts), exactly as separate posts would be.
    let mut first_of: HashMap<BillingEventGuid, usize> = HashMap::new();
    for (index, item) in items.iter().enumerate() {
        first_of.entry(item.event.guid).or_insert(index);
    }
    let is_first = |index: usize, item: &InsertRequest| first_of[&item.event.guid] == index;
    let mut candidates: Vec<(&BillingEvent, &str)> = items
        .iter()
        .enumerate()
        .filter(|(index, item)| is_first(*index, item))
        .map(|(_, item)| (&item.event, item.tx_id.as_str()))
        .collect();
    // In guid order, so that concurrent batches wait on each other's keys in one order
    // and cannot deadlock.
    candidates.sort_by_key(|(event, _)| event.guid);
    let inserted = Q::insert_new(conn, &candidates)?;
    // A guid was taken. On PostgreSQL, ON CONFLICT waited for a concurrent insert of it
    // to commit, and this read is a new statement under READ COMMITTED; on SQLite writes
    // are serial. Either way the winner is committed and visible, and nothing deletes
    // events.
    let taken: Vec<BillingEventGuid> = candidates
        .iter()
        .map(|(event, _)| event.guid)
        .filter(|guid| !inserted.contains(guid))
        .collect();
    // Mostly nothing was taken: then no read at all, one round trip less per group.
    let stored: HashMap<BillingEventGuid, BillingEvent> = if taken.is_empty() {
        HashMap::new()
    } else {
        Q::find_many(conn, &taken)?
            .into_iter()
            .map(|event| (event.guid, event))
            .collect()
    };
    // A repeat of a guid inserted here answers with the first item's event.
    let repeated: HashMap<BillingEventGuid, BillingEvent> = items
        .iter()
        .enumerate()
        .filter(|(index, item)| !is_first(*index, item) && inserted.contains(&item.event.guid))
        .map(|(_, item)| {
            (
                item.event.guid,
                items[first_of[&item.event.guid]].event.clone(),
            )
        })
        .collect();
    items
        .into_iter()
        .enumerate()
        .map(|(index, item)| {
            let guid = item.event.guid;
            if inserted.contains(&guid) {
                return Ok(if first_of[&guid] == index {
                    Insertion::Created(item.event)
                } else {
                    Insertion::AlreadyExists(repeated[&guid].clone())
                });
            }
            stored
                .get(&guid)
                .cloned()
                .map(Insertion::AlreadyExists)
                .ok_or_else(|| {
                    DbError(RepositoryError::unexpected(
                        "guid conflicted but no event is stored",
                    ))
                })
        })
        .collect()
}
