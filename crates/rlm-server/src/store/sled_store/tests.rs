//! The sled store's own tests: what an unannounced execution costs in flushes, and
//! traces stored one event per key (the format before chunks) read beside chunks,
//! and aggregates stored as JSON read and rewritten compact; the history window; a
//! format-3 store's time buckets read and counted on.

use uuid::Uuid;

use super::codec::*;
use super::tx::*;
use super::*;
use crate::store::aggregate::Aggregate;
use crate::store::keys::{self, *};
use crate::store::*;

fn pending(owner: &str) -> ExecutionRecord {
    ExecutionRecord {
        context_size: 10,
        ..ExecutionRecord::pending(Uuid::new_v4(), owner, "q", "scripted", now_micros())
    }
}

/// `POST /api/execute`'s path: the pending record waits for no flush of
/// its own; the settlement's one flush makes both durable.
#[tokio::test]
async fn an_unannounced_execution_costs_one_flush_its_settlement() {
    let dir = tempfile::tempdir().unwrap();
    let store = SledStore::open(dir.path()).unwrap();
    let before = store.writer.flushes();
    let mut record = pending("k");
    store.put_execution_unacknowledged(&record).await.unwrap();
    assert_eq!(store.writer.flushes(), before, "the pending record flushed on its own");
    let stored = store.get_execution(record.id).await.unwrap().unwrap();
    assert_eq!(stored.status, ExecutionStatus::Pending);
    record.status = ExecutionStatus::Completed;
    record.completed_at = Some(now_micros());
    let settled =
        SettledExecution { record: record.clone(), state: None, started: None, job: None };
    assert!(store.finish_execution(&settled).await.unwrap().execution);
    assert_eq!(store.writer.flushes(), before + 1);
    // An acknowledged start flushes before it returns.
    store.put_execution(&pending("k")).await.unwrap();
    assert_eq!(store.writer.flushes(), before + 2);
    let stats = store.stats("k", None).await.unwrap();
    assert_eq!(stats.totals.executions, 2);
}

/// Traces written before chunks (one event object per key) are read as they
/// are, beside the chunks written after them, and dropped from a position
/// across both kinds; a chunk straddling the position keeps its earlier events.
#[tokio::test]
async fn one_event_keys_and_chunks_are_read_and_dropped_together() {
    let dir = tempfile::tempdir().unwrap();
    let store = SledStore::open(dir.path()).unwrap();
    let rec = rlm_trace::TraceRecorder::new();
    let run = rec.start_run(None, rlm_trace::RunStarted::default());
    for i in 0..5 {
        rec.error(run, rlm_trace::ErrorEvent { message: format!("note {i}"), fatal: false });
    }
    let events = rec.events();
    let id = Uuid::new_v4();
    // As the previous format stored them: one event per key.
    for (position, event) in [(1u64, &events[0]), (2, &events[1])] {
        let json = serde_json::to_vec(event).unwrap();
        store.trace.insert(trace_key(id, position), json).unwrap();
    }
    let chunk: Vec<EncodedEvent<'static>> = [(4u64, 2usize), (7, 3), (9, 4)]
        .iter()
        .map(|&(position, i)| {
            EncodedEvent::encode(&StreamedEvent { position, event: events[i].clone() }).unwrap()
        })
        .collect();
    store.append_trace_encoded(id, &chunk).await.unwrap();
    let positions = |t: Vec<StreamedEvent>| t.iter().map(|s| s.position).collect::<Vec<_>>();
    assert_eq!(positions(store.trace(id).await.unwrap()), [1, 2, 4, 7, 9]);
    assert_eq!(store.trace(id).await.unwrap()[3].event, events[3]);
    // 7 is inside the chunk keyed at 4: 7 and 9 go, 4 stays.
    assert_eq!(store.drop_trace_from(id, 7).await.unwrap(), 2);
    assert_eq!(positions(store.trace(id).await.unwrap()), [1, 2, 4]);
    assert_eq!(store.drop_trace_from(id, 2).await.unwrap(), 2);
    assert_eq!(positions(store.trace(id).await.unwrap()), [1]);
    assert_eq!(store.trace.scan_prefix(id.as_bytes()).count(), 1, "an emptied chunk stays");
}

/// Aggregates stored as JSON (before compact records) are read, and the
/// next write stores them compact with the new execution counted in.
#[tokio::test]
async fn a_json_aggregate_is_read_and_rewritten_compact() {
    let dir = tempfile::tempdir().unwrap();
    let store = SledStore::open(dir.path()).unwrap();
    let key = owner_prefix(OWNER_AGGREGATE, "k");
    let old = Aggregate { executions: 5, input_tokens: 70, ..Aggregate::default() };
    store.index.insert(&key[..], serde_json::to_vec(&old).unwrap()).unwrap();
    assert_eq!(store.stats("k", None).await.unwrap().totals.executions, 5);
    store.put_execution(&pending("k")).await.unwrap();
    let stored = store.index.get(&key[..]).unwrap().unwrap();
    assert_eq!(stored.first(), Some(&COMPACT));
    let totals = store.stats("k", None).await.unwrap().totals;
    assert_eq!((totals.executions, totals.input_tokens), (6, 70));
}

/// The window a session's record keeps is what its next execution shows the
/// root model: `rlm serve` runs rlm-core's default `history_turns`.
#[test]
fn the_history_window_is_what_an_execution_shows() {
    assert_eq!(HISTORY_WINDOW, rlm_core::SessionSettings::default().history_turns);
}

/// A format-3 store kept every time bucket under its key: opened by this
/// format, its buckets are read as they are, and the next executions in
/// the same buckets and in newer ones count on top of them (the held
/// bucket's key taken into the newest buckets' record, never counted twice).
#[tokio::test]
async fn a_format_3_stores_buckets_are_read_and_counted_on() {
    let dir = tempfile::tempdir().unwrap();
    let fresh_dir = tempfile::tempdir().unwrap();
    let fresh = SledStore::open(fresh_dir.path()).unwrap();
    let minute = 1_800_000_000_000_000i64;
    let ended = |created_at: i64, tokens: u64| {
        let mut e = pending("k");
        e.created_at = created_at;
        e.status = ExecutionStatus::Completed;
        e.completed_at = Some(created_at + 1000);
        e.spend.input_tokens = tokens;
        SettledExecution { record: e, state: None, started: None, job: None }
    };
    let first = [ended(minute, 1), ended(minute + 5_000_000, 2)];
    {
        let store = SledStore::open(dir.path()).unwrap();
        for settled in &first {
            store.finish_execution(settled).await.unwrap();
        }
        // As format 3 stored them: every width's bucket under its key.
        let scope = owner_scope("k");
        let hot_key = keys::hot_buckets(scope.clone());
        let hot = read_hot(store.index.get(&hot_key).unwrap().as_deref()).unwrap();
        for (width, held) in hot.widths.iter().enumerate() {
            let (bucket, totals) = held.as_ref().unwrap();
            let key = keys::bucket(scope.clone(), width, *bucket);
            store.index.insert(key, encode_compact(totals).unwrap()).unwrap();
        }
        store.index.remove(hot_key).unwrap();
        store.db.insert("format", FORMAT_3).unwrap();
        store.db.flush().unwrap();
    }
    let store = SledStore::open(dir.path()).unwrap();
    assert_eq!(store.db.get("format").unwrap().as_deref(), Some(FORMAT));
    let later = [ended(minute + 7_000_000, 4), ended(minute + 3_600_000_000, 8)];
    for settled in &first {
        fresh.finish_execution(settled).await.unwrap();
    }
    for settled in &later {
        store.finish_execution(settled).await.unwrap();
        fresh.finish_execution(settled).await.unwrap();
    }
    let (old, new) = (store.stats("k", None).await.unwrap(), fresh.stats("k", None).await.unwrap());
    assert_eq!((old.bucket_secs, &old.buckets), (new.bucket_secs, &new.buckets));
    assert_eq!(old.buckets.iter().map(|b| b.totals.tokens).sum::<u64>(), 15);
}
