//! A worker's durable execution (issue #36): `run_resuming` saves a
//! checkpoint to the store after each root step, and a second worker given
//! the same execution goes on from the stored checkpoint rather than from
//! the start, to the answer.

use std::sync::Arc;

use rlm_adapters::FakeAdapter;
use rlm_context::Context;
use rlm_core::{Checkpoint, Finish, Rlm};
use rlm_server::run_resuming;
use rlm_server::store::{CheckpointRecord, CheckpointWrite, SledStore, Store};
use uuid::Uuid;

const QUERY: &str = "What do the notes say?";

fn steps() -> [String; 3] {
    [
        "```repl\nfirst = llm_query('alpha question')\nprint(first)\n```".to_string(),
        "```repl\nsecond = first + '+' + llm_query('beta question')\nprint(second)\n```"
            .to_string(),
        "```repl\nFINAL(second)\n```".to_string(),
    ]
}

fn rlm(root: &Arc<FakeAdapter>, sub: &Arc<FakeAdapter>) -> Rlm {
    Rlm::builder().root(Arc::clone(root) as _).sub_model(Arc::clone(sub) as _).build().unwrap()
}

fn root(replies: &[String]) -> Arc<FakeAdapter> {
    Arc::new(FakeAdapter::replies(replies.iter().cloned()).with_model_name("root"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redelivered_execution_resumes_from_its_stored_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(SledStore::open(&dir.path().join("db")).unwrap());
    let execution = Uuid::new_v4();
    let context = Context::from_text("alpha and beta");
    let steps = steps();
    let sub = Arc::new(FakeAdapter::fixed("noted"));

    // The first worker's model dies after two steps.
    let first_root = root(&steps[..2]);
    let first = run_resuming(
        &rlm(&first_root, &sub),
        Arc::clone(&store),
        execution,
        QUERY,
        context.clone(),
    )
    .await
    .unwrap();
    assert!(matches!(first.finish, Finish::ModelError { .. }), "{:?}", first.finish);
    let stored = store.load_checkpoint(execution).await.unwrap().unwrap();
    assert_eq!(stored.step, 2);
    let cp = Checkpoint::from_bytes(&stored.body).unwrap();
    assert_eq!((cp.step, cp.query.as_str()), (2, QUERY));

    // The next worker asks its model for step 3 only.
    let second_root = root(&steps[2..]);
    let second = run_resuming(
        &rlm(&second_root, &sub),
        Arc::clone(&store),
        execution,
        QUERY,
        context.clone(),
    )
    .await
    .unwrap();
    assert_eq!(second.answer.as_deref(), Some("noted+noted"));
    assert_eq!(second.steps, 3);
    assert_eq!(second_root.calls(), 1);
    assert_eq!(sub.calls(), 2, "no subcall was made twice");
    // The run ended at step 3: the stored checkpoint is still step 2's.
    assert_eq!(store.load_checkpoint(execution).await.unwrap().unwrap().step, 2);

    // Unreadable checkpoint bytes: the execution starts over (logged), never a panic.
    let other = Uuid::new_v4();
    let junk = CheckpointRecord { step: 1, saved_at: 0, body: b"not a checkpoint".to_vec() };
    let write = CheckpointWrite { record: &junk, attempt: 1, trace_events: 0 };
    assert!(store.save_checkpoint(other, &write).await.unwrap());
    let fresh_root = root(&steps);
    let fresh = run_resuming(&rlm(&fresh_root, &sub), Arc::clone(&store), other, QUERY, context)
        .await
        .unwrap();
    assert_eq!(fresh.answer.as_deref(), Some("noted+noted"));
    assert_eq!(fresh_root.calls(), 3);
    assert_eq!(store.load_checkpoint(other).await.unwrap().unwrap().step, 2);
}
