//! The sled store's own tests: what an unannounced execution costs in flushes.

use super::*;

fn pending(owner: &str) -> ExecutionRecord {
    ExecutionRecord {
        id: Uuid::new_v4(),
        session_id: None,
        owner: owner.into(),
        job_id: None,
        user_query: "q".into(),
        context_size: 10,
        model: "scripted".into(),
        status: ExecutionStatus::Pending,
        finish: None,
        created_at: now_micros(),
        started_at: None,
        completed_at: None,
        spend: Spend::default(),
        steps: 0,
        cache_hits: 0,
        retries: 0,
        final_result: None,
        error_message: None,
        context_breakdown: None,
        context_blob: None,
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
    let settled = SettledExecution { record: record.clone(), state: None, started_memory: None };
    assert!(store.finish_execution(&settled).await.unwrap());
    assert_eq!(store.writer.flushes(), before + 1);
    // An acknowledged start flushes before it returns.
    store.put_execution(&pending("k")).await.unwrap();
    assert_eq!(store.writer.flushes(), before + 2);
    let stats = store.stats("k", None).await.unwrap();
    assert_eq!(stats.totals.executions, 2);
}
