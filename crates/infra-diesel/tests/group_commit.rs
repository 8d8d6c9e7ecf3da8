//! Group commit: exactly once per guid under concurrency, no answer before the commit,
//! every waiter told of a failed commit, and back-pressure when the queue is full.

use app::{BillingEventRepository, InsertRequest, Insertion, RepositoryError};
use async_trait::async_trait;
use domain::{BillingEvent, BillingEventGuid, ClientName, EventStatus, Timestamp};
use domain::{
    EventFilter, GroupBy, HistoryEntry, Position, SettleOutcome, SettleTarget, SummaryRow,
};
use infra_diesel::test_support::{
    insert_request, options_for, sample_event as event, TempSqlite, TestDatabase,
};
use infra_diesel::{GroupCommit, GroupCommitOptions};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Semaphore;

fn options(queue_capacity: usize) -> GroupCommitOptions {
    GroupCommitOptions {
        max_batch: 512,
        queue_capacity,
        concurrent_commits: 1,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixty_four_posters_of_overlapping_guids_store_each_guid_once() {
    let database = TempSqlite::new();
    let inner = infra_diesel::open(&options_for(&database.url()))
        .unwrap()
        .events;
    let repository = GroupCommit::start(inner, options(10_000));
    let guids: Vec<BillingEventGuid> = (0..16).map(|_| BillingEventGuid::new_random()).collect();
    let posters: Vec<_> = (0..64)
        .map(|poster| {
            let repository = repository.clone();
            let guids = guids.clone();
            tokio::spawn(async move {
                let mut created = 0;
                for round in 0..8 {
                    let guid = guids[(poster + round) % guids.len()];
                    let insertion = repository.insert(insert_request(&event(guid), "tx"));
                    if matches!(insertion.await.unwrap(), Insertion::Created(_)) {
                        created += 1;
                    }
                }
                created
            })
        })
        .collect();
    let mut created = 0;
    for poster in posters {
        created += poster.await.unwrap();
    }
    assert_eq!(created, guids.len(), "each guid created exactly once");
    for guid in guids {
        assert_eq!(repository.history(guid).await.unwrap().unwrap().len(), 1);
    }
    assert_eq!(repository.depth(), 0);
}

/// A repository whose commits wait for a permit and then fail or succeed, recording
/// the size of each group.
#[derive(Debug)]
struct Scripted {
    gate: Semaphore,
    fail: bool,
    /// Commits begun (waiting at the gate or past it).
    entered: AtomicUsize,
    groups: Mutex<Vec<usize>>,
}

#[async_trait]
impl BillingEventRepository for Scripted {
    async fn insert_many(
        &self,
        items: Vec<InsertRequest>,
    ) -> Result<Vec<Insertion>, RepositoryError> {
        self.entered.fetch_add(1, Ordering::SeqCst);
        self.gate.acquire().await.unwrap().forget();
        self.groups.lock().unwrap().push(items.len());
        if self.fail {
            return Err(RepositoryError::unexpected("injected commit failure"));
        }
        Ok(items
            .into_iter()
            .map(|item| Insertion::Created(item.event))
            .collect())
    }
    async fn find(&self, _: BillingEventGuid) -> Result<Option<BillingEvent>, RepositoryError> {
        unimplemented!("not used here")
    }
    async fn settle(
        &self,
        _: Option<&ClientName>,
        _: &[SettleTarget],
        _: EventStatus,
        _: Timestamp,
        _: &str,
    ) -> Result<Vec<SettleOutcome>, RepositoryError> {
        unimplemented!("not used here")
    }
    async fn history(
        &self,
        _: BillingEventGuid,
    ) -> Result<Option<Vec<HistoryEntry>>, RepositoryError> {
        unimplemented!("not used here")
    }
    async fn list(
        &self,
        _: &EventFilter,
        _: Option<Position>,
        _: u32,
    ) -> Result<Vec<BillingEvent>, RepositoryError> {
        unimplemented!("not used here")
    }
    async fn summarize(
        &self,
        _: &EventFilter,
        _: &[GroupBy],
    ) -> Result<Vec<SummaryRow>, RepositoryError> {
        unimplemented!("not used here")
    }
    async fn ping(&self) -> Result<(), RepositoryError> {
        Ok(())
    }
}

fn scripted(fail: bool) -> Arc<Scripted> {
    Arc::new(Scripted {
        gate: Semaphore::new(0),
        fail,
        entered: AtomicUsize::new(0),
        groups: Mutex::new(Vec::new()),
    })
}

type Pending = tokio::task::JoinHandle<Result<Insertion, RepositoryError>>;

/// Starts `count` inserts and waits until all are queued or in a commit.
async fn start_inserts(repository: &Arc<GroupCommit>, count: usize) -> Vec<Pending> {
    let already = repository.depth();
    let handles: Vec<_> = (0..count)
        .map(|_| {
            let repository = repository.clone();
            tokio::spawn(async move {
                repository
                    .insert(insert_request(&event(BillingEventGuid::new_random()), "tx"))
                    .await
            })
        })
        .collect();
    while repository.depth() < already + count {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    handles
}

/// One insert whose commit has begun and is held at the gate; with one commit at a
/// time, whatever comes next must queue.
async fn hold_one_commit(repository: &Arc<GroupCommit>, inner: &Scripted) -> Vec<Pending> {
    let held = start_inserts(repository, 1).await;
    while inner.entered.load(Ordering::SeqCst) == 0 {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    held
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_answer_before_the_commit_and_waiting_inserts_share_the_next_one() {
    let inner = scripted(false);
    let repository = GroupCommit::start(inner.clone(), options(1_000));
    let mut handles = hold_one_commit(&repository, &inner).await;
    handles.extend(start_inserts(&repository, 49).await);
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert!(
        handles.iter().all(|handle| !handle.is_finished()),
        "nobody is answered before a commit"
    );
    inner.gate.add_permits(2);
    for handle in handles {
        assert!(matches!(
            handle.await.unwrap().unwrap(),
            Insertion::Created(_)
        ));
    }
    let groups = inner.groups.lock().unwrap().clone();
    assert_eq!(
        groups,
        [1, 49],
        "the first commit held, the other 49 waited and went together"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_commit_answers_every_waiting_insert_with_the_error() {
    let inner = scripted(true);
    let repository = GroupCommit::start(inner.clone(), options(1_000));
    let handles = start_inserts(&repository, 20).await;
    inner.gate.add_permits(100);
    for handle in handles {
        let result = handle.await.unwrap();
        assert!(
            matches!(&result, Err(RepositoryError::Unexpected(cause))
                if cause.to_string().contains("injected")),
            "{result:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_queue_refuses_at_once_instead_of_growing() {
    let inner = scripted(false);
    let repository = GroupCommit::start(inner.clone(), options(4));
    // One insert is held in the commit, four more fill the queue.
    let mut handles = hold_one_commit(&repository, &inner).await;
    handles.extend(start_inserts(&repository, 4).await);
    let refused = repository
        .insert(insert_request(&event(BillingEventGuid::new_random()), "tx"))
        .await;
    assert!(
        matches!(&refused, Err(RepositoryError::Unavailable(cause))
            if cause.to_string().contains("full")),
        "{refused:?}"
    );
    inner.gate.add_permits(10);
    for handle in handles {
        assert!(handle.await.unwrap().is_ok());
    }
}
