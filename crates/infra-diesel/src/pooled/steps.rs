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
    let mut changed_guids = Vec::new();
    let mut history = Vec::new();
    for target in targets {
        let before = current.get(&target.guid);
        let outcome = target.decide(before, scope, to, at);
        if let (SettleOutcome::Changed(changed), Some(before)) = (&outcome, before) {
            // Every change of one settlement is to `to` at `at`, one revision on: one
            // statement stores them all.
            debug_assert!(changed.status == to && changed.modified == at);
            debug_assert_eq!(changed.revision, before.revision + 1);
            if let Some(entry) = outcome.history_entry(before.status, tx_id) {
                history.push((changed.guid, entry));
            }
            changed_guids.push(changed.guid);
            current.insert(changed.guid, changed.clone());
        }
        outcomes.push(outcome);
    }
    if !changed_guids.is_empty() {
        Q::update_statuses(conn, &changed_guids, to, at)?;
        Q::append_history(conn, &history)?;
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

/// The results of a retried insert, with what the first try stored claimed back: an
/// event found stored exactly as this call made it (its `modified` instant included,
/// which no other request shares) was created by this call, not by another one.
/// Only the first item of a guid is claimed: a later one repeats it, as on the first try.
pub(super) fn claim_own(items: &[InsertRequest], insertions: Vec<Insertion>) -> Vec<Insertion> {
    let mut seen = std::collections::HashSet::new();
    items
        .iter()
        .zip(insertions)
        .map(|(item, insertion)| {
            let first = seen.insert(item.event.guid);
            match insertion {
                Insertion::AlreadyExists(stored) if first && stored == item.event => {
                    Insertion::Created(stored)
                }
                other => other,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::{EventType, MemberUniqueKey, Price, Quantity};

    fn event(modified: &str) -> BillingEvent {
        BillingEvent {
            guid: BillingEventGuid::parse("6d91f288-c380-4652-bd35-ce286ac4c806").unwrap(),
            client: ClientName::parse("acme").unwrap(),
            member: MemberUniqueKey::parse("m-1").unwrap(),
            event_time: Timestamp::parse("2025-08-14T01:25:53Z").unwrap(),
            event_type: EventType::ALL[0],
            status: EventStatus::ALL[0],
            quantity: Quantity::parse("1").unwrap(),
            price: Price::parse("2.50").unwrap(),
            modified: Timestamp::parse(modified).unwrap(),
            revision: 1,
        }
    }

    #[test]
    fn a_retry_claims_only_the_events_its_first_try_stored() {
        let ours = event("2026-12-01T02:00:00.123456Z");
        let other_guid = BillingEvent {
            guid: BillingEventGuid::parse("0b4d2a4e-5d0b-4a59-9b0f-6d2f1c9d7e21").unwrap(),
            ..ours.clone()
        };
        let someone_elses = BillingEvent {
            modified: Timestamp::parse("2026-12-01T01:59:59Z").unwrap(),
            ..other_guid.clone()
        };
        let request = |event: &BillingEvent| InsertRequest {
            event: event.clone(),
            tx_id: "tx".into(),
        };
        // A batch stamps all its items with one instant: the repeat of a guid within it
        // is identical to the first, and stays a repeat.
        let items = [request(&ours), request(&ours), request(&other_guid)];
        let found = vec![
            Insertion::AlreadyExists(ours.clone()),
            Insertion::AlreadyExists(ours.clone()),
            Insertion::AlreadyExists(someone_elses.clone()),
        ];

        assert_eq!(
            claim_own(&items, found),
            vec![
                Insertion::Created(ours.clone()),
                Insertion::AlreadyExists(ours),
                Insertion::AlreadyExists(someone_elses),
            ]
        );
    }
}
