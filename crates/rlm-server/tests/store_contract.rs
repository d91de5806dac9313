//! The store contract, written against the [`Store`] trait only: history
//! stored apart and paged, cursor paging of every list, aggregates kept by
//! the writes (and taken back out by deletes), the running index read at
//! start-up, and the retention sweep. Every `contract_*` function runs
//! against the sled store and against the PostgreSQL store (each test in a
//! schema of its own, dropped at the end).

use crate::common;

use std::collections::HashSet;
use std::time::{Duration, SystemTime};

use rlm_core::{ExecutionId, Turn};
use rlm_server::RetentionConfig;
use rlm_server::blob_sweep;
use rlm_server::blobs::{BlobStore, FolderBlobs};
use rlm_server::store::prelude::*;
use rlm_server::store::{
    AttemptMark, CheckpointRecord, CheckpointWrite, ContextRef, DocumentRef, EncodedEvent,
    ExecutionFilter, ExecutionRecord, ExecutionStatus, HISTORY_WINDOW, JobOutcome, JobRecord,
    JobSettlement, JobStatus, PAGE_BYTES, PageRequest, SessionRecord, SettledExecution, SledStore,
    Spend, StartedFrom, StoreError, StreamedEvent, new_session_state,
};
use uuid::Uuid;

pub(crate) const T0: i64 = 1_800_000_000_000_000;

/// A session of `owner`'s, with no context (the store tests' fixture).
pub(crate) fn session(owner: &str, created_at: i64) -> SessionRecord {
    let id = Uuid::new_v4();
    SessionRecord {
        id,
        owner: owner.into(),
        name: None,
        context: None,
        context_metadata: Default::default(),
        settings: Default::default(),
        state: new_session_state(id),
        history_len: 0,
        created_at,
        updated_at: created_at,
    }
}

/// A pending execution of `owner`'s (the store tests' fixture).
pub(crate) fn execution(owner: &str, session: Option<Uuid>, created_at: i64) -> ExecutionRecord {
    ExecutionRecord {
        session_id: session,
        context_size: 10,
        ..ExecutionRecord::pending(Uuid::new_v4(), owner, "q", "scripted", created_at)
    }
}

/// `e` completed (5 ms, 3 tokens in) and settled with no session state:
/// the PostgreSQL tests' settlement.
pub(crate) fn settled(e: ExecutionRecord) -> SettledExecution {
    SettledExecution { record: completed(e, 5, 3), state: None, started: None, job: None }
}

pub fn completed(mut e: ExecutionRecord, latency_ms: i64, tokens: u64) -> ExecutionRecord {
    e.status = ExecutionStatus::Completed;
    e.finish = Some("final".into());
    e.started_at = Some(e.created_at);
    e.completed_at = Some(e.created_at + latency_ms * 1000);
    e.spend = Spend { input_tokens: tokens, output_tokens: 1, cost_usd: 0.001, ..Spend::default() };
    e
}

fn page(limit: usize) -> PageRequest {
    PageRequest { cursor: None, offset: 0, limit }
}

/// Runs an execution of `session` through pending → settled with one new
/// history turn, as the server does (the state starts from the stored one).
async fn run_in_session(store: &dyn Store, sid: Uuid, created_at: i64, n: usize) -> Uuid {
    let owner = store.get_session(sid).await.unwrap().unwrap().owner;
    let e = execution(&owner, Some(sid), created_at);
    store.put_execution(&e).await.unwrap();
    let mut state = store.get_session(sid).await.unwrap().unwrap().state;
    state.history.push(Turn {
        execution_id: ExecutionId(e.id.to_string()),
        query: format!("question {n}"),
        answer: Some(format!("answer {n}")),
    });
    let record = completed(e, 5, 3);
    let settled = SettledExecution { record, state: Some(state), started: None, job: None };
    assert!(store.finish_execution(&settled).await.unwrap().execution);
    settled.record.id
}

/// Pages hold at most [`PAGE_BYTES`] of records (issue #74: 100 executions
/// with 6 MB answers made one 645 MB page): ten executions and ten history
/// turns of 1.5 MB each come two a page, every one once, in order.
pub async fn contract_pages_hold_a_bounded_number_of_bytes(store: &dyn Store) {
    let big = "a".repeat(1_500_000);
    let s = session("hana", T0);
    store.put_session(&s).await.unwrap();
    let mut ids = Vec::new();
    for n in 0..10 {
        let e = execution("hana", Some(s.id), T0 + n);
        store.put_execution(&e).await.unwrap();
        let mut state = store.get_session(s.id).await.unwrap().unwrap().state;
        state.history.push(Turn {
            execution_id: ExecutionId(e.id.to_string()),
            query: format!("question {n}"),
            answer: Some(big.clone()),
        });
        let mut record = completed(e, 5, 3);
        record.final_result = Some(big.clone());
        let settled = SettledExecution { record, state: Some(state), started: None, job: None };
        assert!(store.finish_execution(&settled).await.unwrap().execution);
        ids.push(settled.record.id);
    }
    let filter = ExecutionFilter { owner: "hana".into(), session_id: None };
    let (mut seen, mut cursor, mut pages) = (Vec::new(), None, 0);
    loop {
        let request = PageRequest { cursor: cursor.clone(), ..page(100) };
        let listed = store.list_executions(&filter, &request).await.unwrap();
        let bytes: usize =
            listed.items.iter().map(|e| e.final_result.as_ref().unwrap().len()).sum();
        assert!(!listed.items.is_empty() && bytes as u64 <= PAGE_BYTES, "{bytes} bytes");
        seen.extend(listed.items.iter().map(|e| e.id));
        pages += 1;
        match listed.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    ids.reverse();
    assert_eq!((seen, pages), (ids, 5));
    let (mut turns, mut from) = (Vec::new(), 0);
    loop {
        let page = store.history(s.id, from, 100).await.unwrap();
        assert!(page.turns.len() <= 2 && !page.turns.is_empty(), "{}", page.turns.len());
        turns.extend(page.turns.iter().map(|(n, _)| *n));
        match page.next {
            Some(next) => from = next,
            None => break,
        }
    }
    assert_eq!(turns, (0..10).collect::<Vec<u64>>());
    // One record past the bound is a page on its own.
    let mut huge = completed(execution("hana", None, T0 + 99), 5, 3);
    huge.final_result = Some("b".repeat(PAGE_BYTES as usize + 10));
    store.put_execution(&huge).await.unwrap();
    let first = store.list_executions(&filter, &page(100)).await.unwrap();
    assert_eq!(first.items.len(), 1);
    assert!(first.next_cursor.is_some());
}

pub async fn contract_history_is_stored_apart_and_paged(store: &dyn Store) {
    let s = session("alice", T0);
    store.put_session(&s).await.unwrap();
    let turns = HISTORY_WINDOW + 40;
    for n in 0..turns {
        run_in_session(store, s.id, T0 + n as i64, n).await;
    }
    let stored = store.get_session(s.id).await.unwrap().unwrap();
    assert_eq!(stored.history_len, turns as u64);
    // The state keeps the newest window, in order.
    assert_eq!(stored.state.history.len(), HISTORY_WINDOW);
    assert_eq!(stored.state.history.last().unwrap().query, format!("question {}", turns - 1));
    assert_eq!(stored.state.history[0].query, format!("question {}", turns - HISTORY_WINDOW));
    // Every turn, once, oldest first, a page at a time.
    let mut from = 0;
    let mut seen = Vec::new();
    loop {
        let page = store.history(s.id, from, 25).await.unwrap();
        assert_eq!(page.total, turns as u64);
        seen.extend(page.turns.iter().map(|(n, t)| (*n, t.query.clone())));
        match page.next {
            Some(next) => from = next,
            None => break,
        }
    }
    let expected: Vec<(u64, String)> =
        (0..turns).map(|n| (n as u64, format!("question {n}"))).collect();
    assert_eq!(seen, expected);
    // Deleting the session deletes its history.
    assert!(store.delete_session(s.id).await.unwrap());
    assert_eq!(store.history(s.id, 0, 10).await.unwrap().turns.len(), 0);
}

pub async fn contract_lists_page_by_cursor_newest_first(store: &dyn Store) {
    let s = session("bob", T0);
    store.put_session(&s).await.unwrap();
    store.put_session(&session("someone-else", T0)).await.unwrap();
    let mut ids = Vec::new();
    for n in 0..23 {
        let sid = (n % 2 == 0).then_some(s.id);
        let e = execution("bob", sid, T0 + n);
        store.put_execution(&e).await.unwrap();
        ids.push(e.id);
    }
    store.put_execution(&execution("someone-else", None, T0 + 100)).await.unwrap();
    ids.reverse();
    let filter = ExecutionFilter { owner: "bob".into(), session_id: None };
    let mut request = page(5);
    let mut listed = Vec::new();
    loop {
        let p = store.list_executions(&filter, &request).await.unwrap();
        assert_eq!(p.total, 23);
        assert!(p.items.len() <= 5);
        listed.extend(p.items.iter().map(|e| e.id));
        match p.next_cursor {
            Some(c) => request.cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(listed, ids);
    // Offset still works; one session's executions, and their total.
    let p = store.list_executions(&filter, &PageRequest { offset: 20, ..page(10) }).await.unwrap();
    assert_eq!(p.items.iter().map(|e| e.id).collect::<Vec<_>>(), ids[20..]);
    assert_eq!(p.next_cursor, None);
    let of_session = ExecutionFilter { owner: "bob".into(), session_id: Some(s.id) };
    let p = store.list_executions(&of_session, &page(100)).await.unwrap();
    assert_eq!((p.items.len(), p.total), (12, 12));
    assert!(p.items.iter().all(|e| e.session_id == Some(s.id)));
    // Another owner sees none of bob's, even asking for his session.
    let nosy = ExecutionFilter { owner: "someone-else".into(), session_id: Some(s.id) };
    let p = store.list_executions(&nosy, &page(100)).await.unwrap();
    assert_eq!((p.items.len(), p.total), (0, 0));
    // Sessions and jobs page the same way.
    for n in 1..4 {
        store.put_session(&session("bob", T0 + n)).await.unwrap();
    }
    let first = store.list_sessions("bob", &page(3)).await.unwrap();
    assert_eq!((first.items.len(), first.total), (3, 4));
    let rest = store
        .list_sessions("bob", &PageRequest { cursor: first.next_cursor.clone(), ..page(3) })
        .await
        .unwrap();
    assert_eq!(rest.items.iter().map(|s| s.id).collect::<Vec<_>>(), vec![s.id]);
    assert_eq!(rest.next_cursor, None);
    for n in 0..7 {
        store.enqueue_job(&job("bob", s.id, T0 + n)).await.unwrap();
    }
    let jobs = store.list_jobs("bob", &page(4)).await.unwrap();
    assert_eq!((jobs.items.len(), jobs.total), (4, 7));
    assert!(jobs.items.windows(2).all(|w| w[0].created_at > w[1].created_at));
    let jobs =
        store.list_jobs("bob", &PageRequest { cursor: jobs.next_cursor, ..page(4) }).await.unwrap();
    assert_eq!((jobs.items.len(), jobs.next_cursor), (3, None));
    // A cursor no list gave is a typed error.
    let bad = PageRequest { cursor: Some("not-a-cursor".into()), ..page(3) };
    assert!(matches!(store.list_sessions("bob", &bad).await, Err(StoreError::BadCursor(_))));
}

fn job(owner: &str, session: Uuid, created_at: i64) -> JobRecord {
    JobRecord::pending(owner, session, "q", created_at)
}

/// A job queue's shares: the pending jobs in all, one owner's, and how
/// many owners hold some; a claimed job is no longer counted.
pub async fn contract_pending_jobs_are_counted_per_owner(store: &dyn Store) {
    let sid = Uuid::new_v4();
    for (n, owner) in ["ann", "ann", "ann", "ben"].into_iter().enumerate() {
        store.enqueue_job(&job(owner, sid, T0 + n as i64)).await.unwrap();
    }
    let counts = store.pending_job_shares("ann").await.unwrap();
    assert_eq!((counts.total, counts.mine, counts.owners), (4, 3, 2));
    let claimed = store.claim_job("w", T0 + 60_000_000).await.unwrap().unwrap();
    assert_eq!(claimed.owner, "ann", "the oldest");
    let counts = store.pending_job_shares("cid").await.unwrap();
    assert_eq!((counts.total, counts.mine, counts.owners), (3, 0, 2));
}

/// A settlement for `job` held by `holder`: the execution completed with
/// one history turn and 7 tokens charged to the session.
async fn job_settlement(store: &dyn Store, sid: Uuid, job: Uuid, holder: &str) -> SettledExecution {
    let mut e = execution("hal", Some(sid), T0);
    e.job_id = Some(job);
    e.status = ExecutionStatus::Running;
    store.put_execution(&e).await.unwrap();
    let mut state = store.get_session(sid).await.unwrap().unwrap().state;
    state.history.push(Turn {
        execution_id: ExecutionId(e.id.to_string()),
        query: "q".into(),
        answer: Some("the answer".into()),
    });
    state.usage.usage.prompt_tokens += 7;
    let mut record = completed(e, 5, 7);
    record.final_result = Some("the answer".into());
    let outcome =
        JobOutcome { status: JobStatus::Complete, answer: Some("the answer".into()), error: None };
    let job = Some(JobSettlement { id: job, holder: holder.into(), outcome });
    SettledExecution { record, state: Some(state), started: None, job }
}

/// Two executions that started from the same session state (two runs of
/// one session at once: a worker frozen past its session lease, issue #75)
/// are both charged: a settlement adds what its execution spent to the
/// stored usage, never the usage it started from plus its own; and the
/// second's history window keeps the first's turn.
pub async fn contract_two_runs_of_one_session_are_both_charged(store: &dyn Store) {
    let s = session("ivy", T0);
    store.put_session(&s).await.unwrap();
    let base = store.get_session(s.id).await.unwrap().unwrap().state;
    let started = StartedFrom { memory: base.memory.clone(), usage: base.usage.clone() };
    let settle = |tokens: u64, query: &'static str| {
        let mut state = base.clone();
        let e = execution("ivy", Some(s.id), T0);
        state.history.push(Turn {
            execution_id: ExecutionId(e.id.to_string()),
            query: query.into(),
            answer: Some("a".into()),
        });
        state.usage.executions += 1;
        state.usage.usage.prompt_tokens += tokens;
        let record = completed(e, 5, tokens);
        SettledExecution { record, state: Some(state), started: Some(started.clone()), job: None }
    };
    let (first, second) = (settle(7, "first"), settle(11, "second"));
    for settled in [&first, &second] {
        // Stored while running, as the server does: a terminal record is
        // already settled, and settling it again changes nothing.
        let mut running = settled.record.clone();
        running.status = ExecutionStatus::Running;
        running.completed_at = None;
        store.put_execution(&running).await.unwrap();
        assert!(store.finish_execution(settled).await.unwrap().execution);
    }
    let session = store.get_session(s.id).await.unwrap().unwrap();
    assert_eq!(session.state.usage.usage.prompt_tokens, 18, "both charged");
    assert_eq!(session.state.usage.executions, 2);
    assert_eq!(session.history_len, 2);
    let window: Vec<&str> = session.state.history.iter().map(|t| t.query.as_str()).collect();
    assert_eq!(window, ["first", "second"]);
}

/// An execution's settlement ends its job, its session's history and spend
/// in one write; the same settlement again (a retry whose first answer was
/// lost) is found written and counts nothing twice; a job another holder
/// took is left to it.
pub async fn contract_settlement_ends_the_job_with_the_execution_once(store: &dyn Store) {
    let s = session("hal", T0);
    store.put_session(&s).await.unwrap();
    let j = job("hal", s.id, T0);
    store.enqueue_job(&j).await.unwrap();
    store.take_job(j.id, "w1#1", i64::MAX).await.unwrap().unwrap();
    let settled = job_settlement(store, s.id, j.id, "w1#1").await;
    for _ in 0..3 {
        let written = store.finish_execution(&settled).await.unwrap();
        assert_eq!((written.execution, written.job), (true, true));
        let stored = store.get_job(j.id).await.unwrap().unwrap();
        assert_eq!(stored.status, JobStatus::Complete);
        assert_eq!((stored.answer.as_deref(), stored.lease.as_ref()), (Some("the answer"), None));
        // The job names the execution that answered it, recorded or not before (issue #75).
        assert_eq!(stored.execution_id, Some(settled.record.id));
        let session = store.get_session(s.id).await.unwrap().unwrap();
        assert_eq!(session.history_len, 1, "one turn, however often it is settled");
        assert_eq!(store.history(s.id, 0, 10).await.unwrap().turns.len(), 1);
        assert_eq!(session.state.usage.usage.prompt_tokens, 7, "spent once");
        assert_eq!(store.stats("hal", None).await.unwrap().totals.executions, 1);
    }
    // A job a later delivery took: the execution settles, the job is its taker's.
    let k = job("hal", s.id, T0 + 1);
    store.enqueue_job(&k).await.unwrap();
    store.take_job(k.id, "w1#1", i64::MAX).await.unwrap().unwrap();
    store.take_job(k.id, "w2#2", i64::MAX).await.unwrap().unwrap();
    let late = job_settlement(store, s.id, k.id, "w1#1").await;
    let written = store.finish_execution(&late).await.unwrap();
    assert_eq!((written.execution, written.job), (true, false));
    let stored = store.get_job(k.id).await.unwrap().unwrap();
    assert_eq!(stored.status, JobStatus::Running);
    assert_eq!(stored.lease.map(|l| l.worker).as_deref(), Some("w2#2"));
}

pub async fn contract_aggregates_follow_every_write_and_delete(store: &dyn Store) {
    let s = session("carol", T0);
    store.put_session(&s).await.unwrap();
    let mut ended = Vec::new();
    for n in 0..10i64 {
        let e = execution("carol", (n < 4).then_some(s.id), T0 + n * 1_000_000);
        store.put_execution(&e).await.unwrap();
        let mut running = e.clone();
        running.status = ExecutionStatus::Running;
        store.put_execution(&running).await.unwrap();
        let done = completed(running, 10 * (n + 1), 100);
        let settled =
            SettledExecution { record: done.clone(), state: None, started: None, job: None };
        store.finish_execution(&settled).await.unwrap();
        // The same settlement again (a retry) is found written and changes
        // nothing; another one for the ended execution is refused.
        assert!(store.finish_execution(&settled).await.unwrap().execution);
        let mut other = settled.clone();
        other.record.status = ExecutionStatus::Failed;
        assert!(!store.finish_execution(&other).await.unwrap().execution);
        ended.push(done);
    }
    let still_running = execution("carol", None, T0 + 20_000_000);
    store.put_execution(&still_running).await.unwrap();
    let stats = store.stats("carol", None).await.unwrap();
    assert_eq!(stats.totals.executions, 11);
    assert_eq!(stats.totals.input_tokens, 1000);
    assert_eq!(stats.totals.by_status.get("completed"), Some(&10));
    assert_eq!(stats.totals.by_status.get("pending"), Some(&1));
    assert_eq!(stats.totals.latency_count(), 10);
    assert_eq!(stats.totals.latency_percentile(50.0), 50);
    assert_eq!(stats.totals.cost_nano, 10_000_000);
    assert_eq!(stats.per_session.len(), 1);
    assert_eq!(stats.per_session[0].0, s.id);
    assert_eq!(stats.per_session[0].1.executions, 4);
    // 20 seconds of executions: one minute bucket.
    assert_eq!(stats.bucket_secs, 60);
    assert_eq!(stats.buckets.iter().map(|b| b.totals.executions).sum::<u64>(), 11);
    let one = store.stats("carol", Some(s.id)).await.unwrap();
    assert_eq!((one.totals.executions, one.per_session.len()), (4, 1));
    // Deleting takes an execution's share out of everything.
    for e in &ended {
        assert!(store.delete_execution(e.id).await.unwrap());
        assert!(store.trace(e.id).await.unwrap().is_empty());
    }
    assert!(!store.delete_execution(ended[0].id).await.unwrap());
    let stats = store.stats("carol", None).await.unwrap();
    assert_eq!(stats.totals.executions, 1);
    assert_eq!(stats.totals.cost_nano, 0);
    assert_eq!(stats.totals.latency_count(), 0);
    assert!(stats.per_session.is_empty());
    let filter = ExecutionFilter { owner: "carol".into(), session_id: None };
    let listed = store.list_executions(&filter, &page(50)).await.unwrap();
    assert_eq!(listed.items.iter().map(|e| e.id).collect::<Vec<_>>(), vec![still_running.id]);
    assert_eq!(store.stats("nobody", None).await.unwrap().totals.executions, 0);
}

/// The timeline `stats` reads back, for an owner and for a session, is the
/// one the stored executions make, after every write and delete, at every
/// bucket width a growing span walks through: executions settled in the
/// newest buckets, in older ones after newer ones, started and ended
/// there, and deleted from either.
pub async fn contract_timelines_are_what_the_executions_make(store: &dyn Store) {
    let s = session("iris", T0);
    store.put_session(&s).await.unwrap();
    let at = |secs: i64| T0 + secs * 1_000_000;
    let mut stored: Vec<ExecutionRecord> = Vec::new();
    // From one minute to years apart: every width in turn.
    let offsets =
        [0i64, 5, 70, 200, 1000, 4000, 30_000, 90_000, 700_000, 3_000_000, 40_000_000, 400_000_000];
    for (n, offset) in offsets.into_iter().enumerate() {
        let e = execution("iris", (n % 2 == 0).then_some(s.id), at(offset));
        store.put_execution(&e).await.unwrap();
        stored.push(e.clone());
        check_timelines(store, s.id, &stored).await;
        let done = completed(e, 10 + n as i64, 5 * n as u64);
        let settled =
            SettledExecution { record: done.clone(), state: None, started: None, job: None };
        store.finish_execution(&settled).await.unwrap();
        *stored.last_mut().unwrap() = done;
        check_timelines(store, s.id, &stored).await;
    }
    // An older bucket's executions ended after newer ones': one pending,
    // one running, one settled straight away.
    let older: Vec<ExecutionRecord> = [30i64, 3500, 2_000_000]
        .into_iter()
        .enumerate()
        .map(|(n, offset)| execution("iris", (n != 1).then_some(s.id), at(offset)))
        .collect();
    for e in &older {
        store.put_execution(e).await.unwrap();
        stored.push(e.clone());
    }
    let newest = completed(execution("iris", Some(s.id), at(400_000_100)), 7, 3);
    let settled =
        SettledExecution { record: newest.clone(), state: None, started: None, job: None };
    store.finish_execution(&settled).await.unwrap();
    stored.push(newest);
    check_timelines(store, s.id, &stored).await;
    for (n, e) in older.iter().enumerate() {
        let mut running = e.clone();
        running.status = ExecutionStatus::Running;
        store.put_execution(&running).await.unwrap();
        let position = stored.iter().position(|r| r.id == e.id).unwrap();
        stored[position] = running.clone();
        check_timelines(store, s.id, &stored).await;
        let done = completed(running, 3, n as u64 + 1);
        let settled =
            SettledExecution { record: done.clone(), state: None, started: None, job: None };
        store.finish_execution(&settled).await.unwrap();
        stored[position] = done;
        check_timelines(store, s.id, &stored).await;
    }
    // Deleted: the newest first, then every other one, then the rest.
    while !stored.is_empty() {
        let newest = stored.iter().enumerate().max_by_key(|(_, e)| e.created_at).unwrap().0;
        let gone = stored.remove(if stored.len() % 2 == 0 { newest } else { 0 });
        assert!(store.delete_execution(gone.id).await.unwrap());
        check_timelines(store, s.id, &stored).await;
    }
}

/// `stats`' timelines of the owner "iris" and of session `sid`, against the
/// ones computed from `stored`.
pub async fn check_timelines(store: &dyn Store, sid: Uuid, stored: &[ExecutionRecord]) {
    use rlm_server::store::aggregate::{BUCKET_SECS, BucketTotals, bucket_of, timeline_span};
    for session in [None, Some(sid)] {
        let mine: Vec<&ExecutionRecord> =
            stored.iter().filter(|e| session.is_none() || e.session_id == session).collect();
        let minute = |e: &&ExecutionRecord| bucket_of(e.created_at, 0);
        let expected = match (mine.iter().map(minute).min(), mine.iter().map(minute).max()) {
            (Some(oldest), Some(newest)) => {
                let (width, first, last) = timeline_span(oldest, newest);
                let secs = BUCKET_SECS[width];
                let buckets: Vec<(i64, BucketTotals)> = (first..=last)
                    .map(|b| {
                        let mut totals = BucketTotals::default();
                        for e in mine.iter().filter(|e| bucket_of(e.created_at, width) == b) {
                            totals.apply(e, true);
                        }
                        (b * secs as i64, totals)
                    })
                    .collect();
                (secs, buckets)
            }
            _ => (0, Vec::new()),
        };
        let stats = store.stats("iris", session).await.unwrap();
        let got: Vec<(i64, BucketTotals)> =
            stats.buckets.into_iter().map(|b| (b.start_secs, b.totals)).collect();
        assert_eq!(
            (stats.bucket_secs, got),
            expected,
            "session {session:?}, {} stored",
            mine.len()
        );
    }
}

pub async fn contract_interrupt_reads_only_what_runs(store: &dyn Store) {
    let mut running = HashSet::new();
    for n in 0..30 {
        let e = execution("dave", None, T0 + n);
        store.put_execution(&e).await.unwrap();
        if n % 10 == 0 {
            running.insert(e.id);
        } else {
            let settled = SettledExecution {
                record: completed(e, 1, 1),
                state: None,
                started: None,
                job: None,
            };
            store.finish_execution(&settled).await.unwrap();
        }
    }
    assert_eq!(store.interrupt_running_executions("stopped").await.unwrap(), 3);
    assert_eq!(store.interrupt_running_executions("stopped").await.unwrap(), 0);
    for id in running {
        let e = store.get_execution(id).await.unwrap().unwrap();
        assert_eq!(e.status, ExecutionStatus::Interrupted);
    }
    let stats = store.stats("dave", None).await.unwrap();
    assert_eq!(stats.totals.by_status.get("interrupted"), Some(&3));
    assert_eq!(stats.totals.by_status.get("pending"), None);
}

pub async fn contract_retention_deletes_old_ended_executions(store: &dyn Store) {
    let day = 86_400_000_000i64;
    let now = T0 + 10 * day;
    let old = execution("erin", None, T0);
    let old_running = execution("erin", None, T0 + 1);
    let recent = execution("erin", None, now - day / 2);
    for e in [&old, &old_running, &recent] {
        store.put_execution(e).await.unwrap();
    }
    for e in [&old, &recent] {
        let settled = SettledExecution {
            record: completed(e.clone(), 1, 1),
            state: None,
            started: None,
            job: None,
        };
        store.finish_execution(&settled).await.unwrap();
    }
    let config = RetentionConfig {
        retain: Some(Duration::from_secs(86_400)),
        max_store_bytes: None,
        every: Duration::from_secs(60),
    };
    assert_eq!(rlm_server::retention_sweep(store, &config, now).await.unwrap(), 1);
    assert!(store.get_execution(old.id).await.unwrap().is_none());
    assert!(store.get_execution(old_running.id).await.unwrap().is_some());
    assert!(store.get_execution(recent.id).await.unwrap().is_some());
    // A store over its size cap loses its oldest ended executions first.
    let capped = RetentionConfig { retain: None, max_store_bytes: Some(1), ..config };
    assert_eq!(rlm_server::retention_sweep(store, &capped, now).await.unwrap(), 1);
    assert!(store.get_execution(recent.id).await.unwrap().is_none());
    assert!(store.get_execution(old_running.id).await.unwrap().is_some());
}

/// Checkpoints (durable executions): the newest step wins, an older or
/// equal one changes nothing, the body comes back byte for byte (any bytes:
/// the store does not read them), and deleting the execution deletes it.
async fn contract_checkpoints_keep_the_newest_step(store: &dyn Store) {
    let e = execution("gina", None, T0);
    store.put_execution(&e).await.unwrap();
    assert_eq!(store.load_checkpoint(e.id).await.unwrap(), None);
    let at = |step: u32, body: &[u8]| CheckpointRecord {
        step,
        saved_at: T0 + i64::from(step),
        body: body.to_vec(),
    };
    let save = |id: Uuid, record: CheckpointRecord| async move {
        let write = CheckpointWrite { record: &record, attempt: 1, trace_events: 0 };
        store.save_checkpoint(id, &write).await.unwrap()
    };
    assert!(save(e.id, at(1, b"{\"step\":1}")).await);
    let binary: Vec<u8> = (0..=255u8).chain([0, 0, 255]).collect();
    assert!(save(e.id, at(3, &binary)).await);
    // A slow worker's older step, or the same step again, is refused.
    assert!(!save(e.id, at(2, b"old")).await);
    assert!(!save(e.id, at(3, b"again")).await);
    assert_eq!(store.load_checkpoint(e.id).await.unwrap(), Some(at(3, &binary)));
    // Another execution's checkpoints are its own; an empty body is kept.
    let other = execution("gina", None, T0 + 1);
    store.put_execution(&other).await.unwrap();
    assert!(save(other.id, at(1, b"")).await);
    assert_eq!(store.load_checkpoint(other.id).await.unwrap(), Some(at(1, b"")));
    assert_eq!(store.load_checkpoint(e.id).await.unwrap().map(|c| c.step), Some(3));
    assert!(store.delete_execution(e.id).await.unwrap());
    assert_eq!(store.load_checkpoint(e.id).await.unwrap(), None);
    assert_eq!(store.load_checkpoint(other.id).await.unwrap().map(|c| c.step), Some(1));
}

/// Recordings (`"record": true`), streamed in parts as an execution runs:
/// read back whole in order, an append retried after a fault stored once,
/// each part's bytes counted to the owner (the per-key quota) and taken
/// back out when the recording is cleared or its execution deleted.
async fn contract_recordings_are_streamed_in_parts_and_counted(store: &dyn Store) {
    let e = execution("gina", None, T0);
    let other = execution("gina", None, T0 + 1);
    store.put_execution(&e).await.unwrap();
    store.put_execution(&other).await.unwrap();
    assert_eq!(store.load_recording(e.id).await.unwrap(), None);
    assert_eq!(store.recording_extent(e.id).await.unwrap(), (0, 0));
    let first = "{\"fingerprint\":\"a\"}\n";
    let second = "{\"fingerprint\":\"b\",\"text\":\"é \\u0000\"}\n";
    store.append_recording("gina", e.id, 0, first).await.unwrap();
    store.append_recording("gina", e.id, 1, second).await.unwrap();
    store.append_recording("gina", e.id, 1, second).await.unwrap();
    store.append_recording("gina", other.id, 0, "x\n").await.unwrap();
    let both = format!("{first}{second}");
    assert_eq!(store.load_recording(e.id).await.unwrap().as_deref(), Some(both.as_str()));
    assert_eq!(store.recording_extent(e.id).await.unwrap(), (2, both.len() as u64));
    let held = |n: usize| n as u64;
    assert_eq!(store.owner_usage("gina").await.unwrap().recording_bytes, held(both.len() + 2));
    store.clear_recording("gina", e.id).await.unwrap();
    assert_eq!(store.load_recording(e.id).await.unwrap(), None);
    assert_eq!(store.owner_usage("gina").await.unwrap().recording_bytes, 2);
    store.append_recording("gina", e.id, 0, second).await.unwrap();
    assert!(store.delete_execution(e.id).await.unwrap());
    assert_eq!(store.load_recording(e.id).await.unwrap(), None);
    assert_eq!(store.load_recording(other.id).await.unwrap().as_deref(), Some("x\n"));
    assert_eq!(store.owner_usage("gina").await.unwrap().recording_bytes, 2);
}

/// A dead worker's trace past its checkpoint is dropped from a position on;
/// the rest, and other executions' traces, stay as they were.
async fn contract_trace_is_dropped_from_a_position(store: &dyn Store) {
    let rec = rlm_trace::TraceRecorder::new();
    let run = rec.start_run(None, rlm_trace::RunStarted::default());
    for i in 0..5 {
        rec.error(run, rlm_trace::ErrorEvent { message: format!("note {i}"), fatal: false });
    }
    let events = rec.events();
    let at = |position: u64, i: usize| StreamedEvent { position, event: events[i].clone() };
    let (e, other) = (execution("hana", None, T0), execution("hana", None, T0 + 1));
    for x in [&e, &other] {
        store.put_execution(x).await.unwrap();
    }
    // Positions with gaps (token frames are not stored) and one past 2^32.
    let stored = [at(1, 0), at(2, 1), at(5, 2), at(6, 3), at(1 << 32, 4)];
    store.append_trace(e.id, &stored).await.unwrap();
    store.append_trace(other.id, &stored).await.unwrap();
    assert_eq!(store.drop_trace_from(e.id, 5).await.unwrap(), 3);
    let kept: Vec<u64> = store.trace(e.id).await.unwrap().iter().map(|s| s.position).collect();
    assert_eq!(kept, [1, 2]);
    assert_eq!(store.trace(other.id).await.unwrap().len(), 5);
    assert_eq!(store.drop_trace_from(e.id, 5).await.unwrap(), 0);
    assert_eq!(store.drop_trace_from(e.id, 0).await.unwrap(), 2);
    assert!(store.trace(e.id).await.unwrap().is_empty());
}

/// `n` trace events of one run, with their `seq` 0 to `n - 1`.
fn trace_events(n: usize) -> Vec<rlm_trace::TraceEvent> {
    let rec = rlm_trace::TraceRecorder::new();
    let run = rec.start_run(None, rlm_trace::RunStarted::default());
    for i in 1..n {
        rec.error(run, rlm_trace::ErrorEvent { message: format!("note {i}"), fatal: false });
    }
    rec.events()
}

/// A settlement given trace events not stored yet (a deferred execution's)
/// stores them with the record: read back in order, and a repeated
/// settlement with them stores none twice.
pub async fn contract_a_settlement_stores_the_trace_it_is_given(store: &dyn Store) {
    let e = execution("jo", None, T0);
    let events = trace_events(4);
    let encoded: Vec<EncodedEvent<'static>> = events
        .iter()
        .enumerate()
        .map(|(n, event)| {
            let streamed = StreamedEvent { position: 2 * n as u64, event: event.clone() };
            EncodedEvent::encode(&streamed).unwrap()
        })
        .collect();
    let settled = SettledExecution {
        record: completed(e.clone(), 3, 1),
        state: None,
        started: None,
        job: None,
    };
    for _ in 0..2 {
        assert!(store.finish_execution_with_trace(&settled, &encoded).await.unwrap().execution);
        let stored = store.trace(e.id).await.unwrap();
        assert_eq!(stored.iter().map(|s| s.position).collect::<Vec<_>>(), [0, 2, 4, 6]);
        assert_eq!(
            stored.iter().map(|s| &s.event).collect::<Vec<_>>(),
            events.iter().collect::<Vec<_>>()
        );
    }
    let record = store.get_execution(e.id).await.unwrap().unwrap();
    assert_eq!(record.status, ExecutionStatus::Completed);
    assert_eq!(store.stats("jo", None).await.unwrap().totals.executions, 1);
}

fn attempt(n: u32) -> AttemptMark {
    AttemptMark { attempt: n, started_at: T0, from_step: 0, carried: Spend::default() }
}

/// A queue's later delivery fences the earlier one (issue #75): once
/// attempt 2's mark is stored, attempt 1's record writes, trace events,
/// checkpoints and settlement are refused and change nothing; attempt 2's
/// stand; and a settled record is final.
async fn contract_a_superseded_attempt_writes_nothing(store: &dyn Store) {
    let events = trace_events(3);
    let at = |position: u64, i: usize| StreamedEvent { position, event: events[i].clone() };
    let mut first = execution("ivan", None, T0);
    first.attempts = vec![attempt(1)];
    first.status = ExecutionStatus::Running;
    store.put_execution(&first).await.unwrap();
    store.append_trace(first.id, &[at(0, 0), at(1, 1)]).await.unwrap();
    let mut second = first.clone();
    second.attempts.push(attempt(2));
    store.put_execution(&second).await.unwrap();

    let superseded = |r: Result<_, StoreError>| matches!(r, Err(StoreError::Superseded { .. }));
    assert!(superseded(store.put_execution(&first).await.map(|_| ())));
    assert!(superseded(store.append_trace(first.id, &[at(2, 2)]).await));
    let record = CheckpointRecord { step: 1, saved_at: T0, body: b"first".to_vec() };
    let write = CheckpointWrite { record: &record, attempt: 1, trace_events: 2 };
    assert!(superseded(store.save_checkpoint(first.id, &write).await.map(|_| ())));
    let late = SettledExecution {
        record: completed(first.clone(), 5, 100),
        state: None,
        started: None,
        job: None,
    };
    let settled = store.finish_execution(&late).await.unwrap();
    assert!(!settled.execution && !settled.job, "{settled:?}");
    let stored = store.get_execution(first.id).await.unwrap().unwrap();
    assert_eq!((stored.status, stored.attempt()), (ExecutionStatus::Running, 2));
    assert_eq!(store.trace(first.id).await.unwrap().len(), 2, "attempt 1's late event refused");
    assert_eq!(store.load_checkpoint(first.id).await.unwrap(), None);

    // Attempt 2's writes stand: its events (past 2^32), its checkpoint, its end.
    store.append_trace(first.id, &[at(1 << 32, 2)]).await.unwrap();
    let record = CheckpointRecord { step: 2, saved_at: T0, body: b"second".to_vec() };
    let write = CheckpointWrite { record: &record, attempt: 2, trace_events: 3 };
    assert!(store.save_checkpoint(first.id, &write).await.unwrap());
    let end = SettledExecution {
        record: completed(second.clone(), 5, 100),
        state: None,
        started: None,
        job: None,
    };
    assert!(store.finish_execution(&end).await.unwrap().execution);
    // A settled record is final: writing it again as it is changes nothing.
    let refused = store.put_execution(&second).await;
    assert!(matches!(refused, Err(StoreError::Settled { .. })), "{refused:?}");
    store.put_execution(&end.record).await.unwrap();
    assert_eq!(
        store.get_execution(first.id).await.unwrap().unwrap().status,
        ExecutionStatus::Completed
    );
}

/// A checkpoint covers trace events that must all be stored already: one
/// covering a hole is refused at write time and the stored checkpoint kept;
/// once the hole is filled, it is saved.
async fn contract_a_checkpoint_needs_its_whole_trace(store: &dyn Store) {
    let events = trace_events(3);
    let at = |position: u64, i: usize| StreamedEvent { position, event: events[i].clone() };
    let e = execution("jay", None, T0);
    store.put_execution(&e).await.unwrap();
    store.append_trace(e.id, &[at(0, 0), at(4, 2)]).await.unwrap();
    let record = CheckpointRecord { step: 1, saved_at: T0, body: b"cp".to_vec() };
    let write = CheckpointWrite { record: &record, attempt: 1, trace_events: 3 };
    let refused = store.save_checkpoint(e.id, &write).await;
    assert!(
        matches!(refused, Err(StoreError::TraceNotWhole { expected: 3, stored: 2 })),
        "{refused:?}"
    );
    assert_eq!(store.load_checkpoint(e.id).await.unwrap(), None);
    store.append_trace(e.id, &[at(2, 1)]).await.unwrap();
    assert!(store.save_checkpoint(e.id, &write).await.unwrap());
}

/// A session's context in the blob `name` (`bytes` long, one document).
fn blob_context(name: &str, bytes: u64) -> ContextRef {
    ContextRef {
        file: String::new(),
        blob: Some(name.into()),
        bytes,
        chars: bytes,
        hash: name.into(),
        documents: vec![DocumentRef { name: None, bytes, chars: bytes }],
        separator: "\n\n".into(),
    }
}

/// Blobs are counted by the records that reference them: two sessions with
/// the same context are one blob with two references; deleting one leaves
/// the blob (the other session still reads it), deleting both lets it go;
/// an execution's blob (an inline context queued by a cluster's api) is
/// held until retention deletes the execution; a fresh unreferenced blob
/// is kept for the grace period; the owners' byte counts stay right.
async fn contract_blobs_are_counted_by_their_references(store: &dyn Store) {
    let dir = tempfile::tempdir().unwrap();
    let blobs = FolderBlobs::open(dir.path().join("blobs")).unwrap();
    let text = "the same context, uploaded twice";
    let shared = blobs.put(text.as_bytes()).unwrap();
    assert_eq!(blobs.put(text.as_bytes()).unwrap(), shared);
    let (mut first, mut second) = (session("hana", T0), session("hana", T0 + 1));
    first.context = Some(blob_context(&shared, text.len() as u64));
    second.context = Some(blob_context(&shared, text.len() as u64));
    for s in [&first, &second] {
        store.put_session(s).await.unwrap();
    }
    // Replacing a session with the same context moves nothing.
    store.put_session(&first).await.unwrap();
    assert_eq!(store.blob_references(&shared).await.unwrap(), 2);
    assert_eq!(blobs.list(10, SystemTime::UNIX_EPOCH).unwrap(), vec![shared.clone()]);
    assert_eq!(store.owner_usage("hana").await.unwrap().context_bytes, 2 * text.len() as u64);
    let later = SystemTime::now() + Duration::from_secs(3600);
    let none = Duration::ZERO;
    assert_eq!(blob_sweep::sweep(store, &blobs, none, later).await.unwrap(), 0);

    assert!(store.delete_session(first.id).await.unwrap());
    assert_eq!(store.blob_references(&shared).await.unwrap(), 1);
    assert!(!blob_sweep::release(store, &blobs, none, &shared, later).await.unwrap());
    let kept = store.get_session(second.id).await.unwrap().unwrap().context.unwrap();
    let path = blobs.local_path(kept.blob.as_deref().unwrap()).unwrap();
    assert_eq!(std::fs::read_to_string(path).unwrap(), text);
    assert_eq!(store.owner_usage("hana").await.unwrap().context_bytes, text.len() as u64);

    assert!(store.delete_session(second.id).await.unwrap());
    assert_eq!(store.blob_references(&shared).await.unwrap(), 0);
    // Unreferenced but fresh: an upload may be about to name it.
    let grace = Duration::from_secs(60);
    let now = SystemTime::now();
    assert!(!blob_sweep::release(store, &blobs, grace, &shared, now).await.unwrap());
    assert!(blobs.contains(&shared).unwrap());
    assert!(blob_sweep::release(store, &blobs, none, &shared, later).await.unwrap());
    assert!(!blobs.contains(&shared).unwrap());
    assert_eq!(store.owner_usage("hana").await.unwrap().context_bytes, 0);

    // A session whose context is replaced drops the old blob's reference.
    let (a, b) = (blobs.put(b"context a").unwrap(), blobs.put(b"context b").unwrap());
    let mut replaced = session("hana", T0 + 2);
    replaced.context = Some(blob_context(&a, 9));
    store.put_session(&replaced).await.unwrap();
    replaced.context = Some(blob_context(&b, 9));
    store.put_session(&replaced).await.unwrap();
    assert_eq!(store.blob_references(&a).await.unwrap(), 0);
    assert_eq!(store.blob_references(&b).await.unwrap(), 1);
    assert_eq!(blob_sweep::sweep(store, &blobs, none, later).await.unwrap(), 1);
    assert!(!blobs.contains(&a).unwrap() && blobs.contains(&b).unwrap());

    // An execution holds its inline context's blob through its settlement,
    // until retention deletes it.
    let inline = blobs.put(b"an inline context").unwrap();
    let mut e = execution("hana", None, T0);
    e.context_blob = Some(inline.clone());
    store.put_execution(&e).await.unwrap();
    store.put_execution(&e).await.unwrap();
    let settled = SettledExecution {
        record: completed(e.clone(), 1, 1),
        state: None,
        started: None,
        job: None,
    };
    store.finish_execution(&settled).await.unwrap();
    assert_eq!(store.blob_references(&inline).await.unwrap(), 1);
    assert_eq!(blob_sweep::sweep(store, &blobs, none, later).await.unwrap(), 0);
    let retain = RetentionConfig {
        retain: Some(Duration::from_secs(86_400)),
        max_store_bytes: None,
        every: Duration::from_secs(60),
    };
    let now_micros = T0 + 2 * 86_400_000_000;
    assert_eq!(rlm_server::retention_sweep(store, &retain, now_micros).await.unwrap(), 1);
    assert_eq!(store.blob_references(&inline).await.unwrap(), 0);
    assert_eq!(blob_sweep::sweep(store, &blobs, none, later).await.unwrap(), 1);
    assert!(!blobs.contains(&inline).unwrap());
}

fn sled() -> (tempfile::TempDir, SledStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = SledStore::open(&dir.path().join("db")).unwrap();
    (dir, store)
}

#[tokio::test]
async fn sled_history_is_stored_apart_and_paged() {
    let (_dir, store) = sled();
    contract_history_is_stored_apart_and_paged(&store).await;
}

#[tokio::test]
async fn sled_pages_hold_a_bounded_number_of_bytes() {
    let (_dir, store) = sled();
    contract_pages_hold_a_bounded_number_of_bytes(&store).await;
}

#[tokio::test]
async fn sled_lists_page_by_cursor_newest_first() {
    let (_dir, store) = sled();
    contract_lists_page_by_cursor_newest_first(&store).await;
}

#[tokio::test]
async fn sled_aggregates_follow_every_write_and_delete() {
    let (_dir, store) = sled();
    contract_aggregates_follow_every_write_and_delete(&store).await;
}

#[tokio::test]
async fn sled_timelines_are_what_the_executions_make() {
    let (_dir, store) = sled();
    contract_timelines_are_what_the_executions_make(&store).await;
}

#[tokio::test]
async fn sled_a_settlement_stores_the_trace_it_is_given() {
    let (_dir, store) = sled();
    contract_a_settlement_stores_the_trace_it_is_given(&store).await;
}

#[tokio::test]
async fn sled_interrupt_reads_only_what_runs() {
    let (_dir, store) = sled();
    contract_interrupt_reads_only_what_runs(&store).await;
}

#[tokio::test]
async fn sled_checkpoints_keep_the_newest_step() {
    let (_dir, store) = sled();
    contract_checkpoints_keep_the_newest_step(&store).await;
}

#[tokio::test]
async fn sled_two_runs_of_one_session_are_both_charged() {
    let (_dir, store) = sled();
    contract_two_runs_of_one_session_are_both_charged(&store).await;
}

#[tokio::test]
async fn sled_a_superseded_attempt_writes_nothing() {
    let (_dir, store) = sled();
    contract_a_superseded_attempt_writes_nothing(&store).await;
}

#[tokio::test]
async fn sled_a_checkpoint_needs_its_whole_trace() {
    let (_dir, store) = sled();
    contract_a_checkpoint_needs_its_whole_trace(&store).await;
}

#[tokio::test]
async fn sled_recordings_are_streamed_in_parts_and_counted() {
    let (_dir, store) = sled();
    contract_recordings_are_streamed_in_parts_and_counted(&store).await;
}

#[tokio::test]
async fn sled_trace_is_dropped_from_a_position() {
    let (_dir, store) = sled();
    contract_trace_is_dropped_from_a_position(&store).await;
}

#[tokio::test]
async fn sled_blobs_are_counted_by_their_references() {
    let (_dir, store) = sled();
    contract_blobs_are_counted_by_their_references(&store).await;
}

#[tokio::test]
async fn sled_pending_jobs_are_counted_per_owner() {
    let (_dir, store) = sled();
    contract_pending_jobs_are_counted_per_owner(&store).await;
}

#[tokio::test]
async fn sled_settlement_ends_the_job_with_the_execution_once() {
    let (_dir, store) = sled();
    contract_settlement_ends_the_job_with_the_execution_once(&store).await;
}

#[tokio::test]
async fn sled_retention_deletes_old_ended_executions() {
    let (_dir, store) = sled();
    contract_retention_deletes_old_ended_executions(&store).await;
}

/// The contract on PostgreSQL: one test per `contract_*` function.
#[cfg(feature = "postgres")]
mod postgres {
    use super::*;
    use common::pg::with_store;

    macro_rules! on_postgres {
        ($($name:ident),* $(,)?) => {$(
            rlm_testenv::needs_postgres! {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    with_store(|store| async move { super::$name(&store).await }).await;
                }
            }
        )*};
    }

    on_postgres!(
        contract_pages_hold_a_bounded_number_of_bytes,
        contract_history_is_stored_apart_and_paged,
        contract_lists_page_by_cursor_newest_first,
        contract_aggregates_follow_every_write_and_delete,
        contract_timelines_are_what_the_executions_make,
        contract_a_settlement_stores_the_trace_it_is_given,
        contract_interrupt_reads_only_what_runs,
        contract_retention_deletes_old_ended_executions,
        contract_checkpoints_keep_the_newest_step,
        contract_a_superseded_attempt_writes_nothing,
        contract_a_checkpoint_needs_its_whole_trace,
        contract_recordings_are_streamed_in_parts_and_counted,
        contract_trace_is_dropped_from_a_position,
        contract_blobs_are_counted_by_their_references,
        contract_pending_jobs_are_counted_per_owner,
        contract_settlement_ends_the_job_with_the_execution_once,
        contract_two_runs_of_one_session_are_both_charged,
    );

    rlm_testenv::needs_postgres! {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn postgres_the_lease_sweep_leaves_an_open_jobs_or_a_queued_execution_to_its_queue() {
            with_store(|store| async move {
                let s = session("gina", T0);
                store.put_session(&s).await.unwrap();
                let j = job("gina", s.id, T0);
                store.enqueue_job(&j).await.unwrap();
                let held = store.take_job(j.id, "w1#1", T0 + 1).await.unwrap().unwrap();
                assert_eq!(held.status, JobStatus::Running);
                // The job's execution and one without a job, both leased by a
                // worker that died (their leases ended at T0 + 1).
                let mut of_job = execution("gina", Some(s.id), T0);
                of_job.job_id = Some(j.id);
                of_job.status = ExecutionStatus::Running;
                let mut alone = execution("gina", Some(s.id), T0);
                alone.status = ExecutionStatus::Running;
                // An execution an api queued is its queue's too (issue #75).
                let mut queued = execution("gina", Some(s.id), T0);
                queued.status = ExecutionStatus::Running;
                queued.queued = true;
                for e in [&of_job, &alone, &queued] {
                    store.put_execution(e).await.unwrap();
                }
                let leased = [of_job.id, alone.id, queued.id];
                store.renew_execution_leases("w1", &leased, T0 + 1).await.unwrap();
                let now = T0 + 60_000_000;
                assert_eq!(store.interrupt_expired_executions(now, now, "dead").await.unwrap(), 1);
                let status = |id| {
                    let store = store.clone();
                    async move { store.get_execution(id).await.unwrap().unwrap().status }
                };
                assert_eq!(status(alone.id).await, ExecutionStatus::Interrupted);
                assert_eq!(status(queued.id).await, ExecutionStatus::Running);
                // Still the job's: its next delivery goes on with it.
                assert_eq!(status(of_job.id).await, ExecutionStatus::Running);
                assert_eq!(store.interrupt_expired_executions(now, now, "dead").await.unwrap(), 0);
                // The job's last delivery failed: the execution is the sweep's again.
                let failed = JobOutcome {
                    status: JobStatus::Failed,
                    answer: None,
                    error: Some("too many deliveries".into()),
                };
                assert!(store.finish_job(j.id, "w1#1", &failed).await.unwrap());
                assert_eq!(store.interrupt_expired_executions(now, now, "dead").await.unwrap(), 1);
                assert_eq!(status(of_job.id).await, ExecutionStatus::Interrupted);
            })
            .await;
        }
    }

    rlm_testenv::needs_postgres! {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn postgres_a_session_lease_has_one_holder_until_given_up_or_run_out() {
            with_store(|store| async move {
                let (sid, other) = (Uuid::new_v4(), Uuid::new_v4());
                let until = T0 + 2_000_000;
                assert!(store.take_session_lease(sid, "p1", T0, until).await.unwrap());
                // Held: another process waits; the holder takes it again.
                assert!(!store.take_session_lease(sid, "p2", T0 + 1, until).await.unwrap());
                assert!(store.take_session_lease(sid, "p1", T0 + 1, until).await.unwrap());
                // Another session is another lease.
                assert!(store.take_session_lease(other, "p2", T0 + 1, until).await.unwrap());
                // Renewed by its holder only: p2's renewal does not take it.
                store.renew_session_leases("p2", &[sid], T0 + 9_000_000).await.unwrap();
                assert!(store.take_session_lease(sid, "p2", until + 1, until + 9).await.unwrap());
                // p2 holds it now (p1's ran out); p1 renewing or giving it up changes nothing.
                store.renew_session_leases("p1", &[sid], T0 + 99_000_000).await.unwrap();
                store.release_session_lease(sid, "p1").await.unwrap();
                assert!(!store.take_session_lease(sid, "p1", until + 2, until + 9).await.unwrap());
                // Given up by its holder, free at once.
                store.release_session_lease(sid, "p2").await.unwrap();
                assert!(store.take_session_lease(sid, "p1", until + 3, until + 9).await.unwrap());
                // A renewed lease lasts past its first end.
                store.renew_session_leases("p1", &[sid], until + 1_000).await.unwrap();
                assert!(!store.take_session_lease(sid, "p2", until + 500, until + 9).await.unwrap());
            })
            .await;
        }
    }

    rlm_testenv::needs_postgres! {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn postgres_aggregates_and_indexes_survive_a_reconnect() {
            with_store(|store| async move {
                let s = session("frank", T0);
                store.put_session(&s).await.unwrap();
                for n in 0..3 {
                    run_in_session(&store, s.id, T0 + n, n as usize).await;
                }
                let url = common::pg::database_url();
                let again = rlm_server::store::PgStore::connect(&url, store.schema()).await.unwrap();
                assert_eq!(again.stats("frank", None).await.unwrap().totals.executions, 3);
                assert_eq!(again.list_sessions("frank", &page(5)).await.unwrap().total, 1);
                assert_eq!(again.history(s.id, 0, 10).await.unwrap().turns.len(), 3);
            })
            .await;
        }
    }
}

#[tokio::test]
async fn sled_aggregates_and_indexes_survive_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    let sid = {
        let store = SledStore::open(&path).unwrap();
        let s = session("frank", T0);
        store.put_session(&s).await.unwrap();
        for n in 0..3 {
            run_in_session(&store, s.id, T0 + n, n as usize).await;
        }
        store.flush().await.unwrap();
        s.id
    };
    let store = SledStore::open(&path).unwrap();
    assert_eq!(store.stats("frank", None).await.unwrap().totals.executions, 3);
    assert_eq!(store.list_sessions("frank", &page(5)).await.unwrap().total, 1);
    assert_eq!(store.history(sid, 0, 10).await.unwrap().turns.len(), 3);
}

#[tokio::test]
async fn sled_a_format_2_database_is_migrated_at_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    let s = session("gina", T0);
    let runs: Vec<ExecutionRecord> =
        (0..3).map(|n| completed(execution("gina", Some(s.id), T0 + n), 4, 2)).collect();
    {
        // A database as format 2 wrote it: the whole history in the state,
        // no index tree.
        let db = sled::open(&path).unwrap();
        db.insert("format", "rlm-server-2").unwrap();
        let mut old = s.clone();
        for n in 0..(HISTORY_WINDOW + 5) {
            old.state.history.push(Turn {
                execution_id: ExecutionId(Uuid::new_v4().to_string()),
                query: format!("question {n}"),
                answer: None,
            });
        }
        let mut value = serde_json::to_value(&old).unwrap();
        value.as_object_mut().unwrap().remove("history_len");
        db.open_tree("sessions")
            .unwrap()
            .insert(s.id.as_bytes(), value.to_string().as_bytes())
            .unwrap();
        let executions = db.open_tree("executions").unwrap();
        for e in &runs {
            executions.insert(e.id.as_bytes(), serde_json::to_vec(e).unwrap()).unwrap();
        }
        let jobs = db.open_tree("jobs").unwrap();
        let j = JobRecord { status: JobStatus::Complete, ..job("gina", s.id, T0) };
        jobs.insert(j.id.as_bytes(), serde_json::to_vec(&j).unwrap()).unwrap();
        db.flush().unwrap();
    }
    let store = SledStore::open(&path).unwrap();
    let migrated = store.get_session(s.id).await.unwrap().unwrap();
    assert_eq!(migrated.history_len, (HISTORY_WINDOW + 5) as u64);
    assert_eq!(migrated.state.history.len(), HISTORY_WINDOW);
    let turns = store.history(s.id, 0, 1000).await.unwrap().turns;
    assert_eq!(turns.len(), HISTORY_WINDOW + 5);
    assert_eq!(turns[0].1.query, "question 0");
    let filter = ExecutionFilter { owner: "gina".into(), session_id: Some(s.id) };
    assert_eq!(store.list_executions(&filter, &page(10)).await.unwrap().total, 3);
    assert_eq!(store.stats("gina", None).await.unwrap().totals.executions, 3);
    assert_eq!(store.list_sessions("gina", &page(10)).await.unwrap().total, 1);
    assert_eq!(store.list_jobs("gina", &page(10)).await.unwrap().total, 1);
    drop(store);
    // Opened again, nothing is migrated twice.
    let store = SledStore::open(&path).unwrap();
    assert_eq!(store.stats("gina", None).await.unwrap().totals.executions, 3);
}

#[tokio::test]
async fn sled_deleting_a_session_removes_its_turns_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    let (gone, kept) = {
        let store = SledStore::open(&path).unwrap();
        let (gone, kept) = (session("gina", T0), session("gina", T0 + 1));
        store.put_session(&gone).await.unwrap();
        store.put_session(&kept).await.unwrap();
        for n in 0..HISTORY_WINDOW + 3 {
            run_in_session(&store, gone.id, T0 + n as i64, n).await;
        }
        run_in_session(&store, kept.id, T0, 0).await;
        assert!(store.delete_session(gone.id).await.unwrap());
        store.flush().await.unwrap();
        (gone.id, kept.id)
    };
    // The history tree itself, read under the store: nothing of the deleted
    // session is left, the other session's turn is.
    // (The dropped store lets go of sled's lock when its flusher does.)
    let config = sled::Config::new().path(&path).segment_size(SledStore::segment_size(&path));
    let mut db = config.open();
    for _ in 0..250 {
        if db.is_ok() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
        db = config.open();
    }
    let db = db.unwrap();
    let history = db.open_tree("history").unwrap();
    assert_eq!(history.scan_prefix(gone.as_bytes()).count(), 0);
    assert_eq!(history.scan_prefix(kept.as_bytes()).count(), 1);
}
