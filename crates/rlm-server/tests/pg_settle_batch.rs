//! Settlements on PostgreSQL written in batches (issue #80): a batch
//! settles each of its executions as a transaction of its own would (the
//! session charged by each, the trace stored, the leases given up); a
//! settlement whose own write fails in a batch is not acknowledged and
//! the others are kept; settlements made at once through the store are
//! each acknowledged once their batch has committed.

#[cfg(feature = "postgres")]
mod postgres {
    use std::borrow::Cow;

    use rlm_core::{ExecutionId, Turn};
    use rlm_server::store::prelude::*;
    use rlm_server::store::{
        EncodedEvent, ExecutionRecord, ExecutionStatus, PgStore, SessionRecord, SettledExecution,
        Settling, StartedFrom, StoreError, StreamedEvent,
    };
    use uuid::Uuid;

    use crate::common::pg::with_store;
    use crate::store_contract::{T0, execution, session, settled};

    /// An execution of `session` stored running, as the server stores it.
    async fn running(store: &PgStore, s: &SessionRecord, at: i64) -> ExecutionRecord {
        let mut e = execution(&s.owner, Some(s.id), at);
        e.status = ExecutionStatus::Running;
        e.started_at = Some(at);
        store.put_execution(&e).await.unwrap();
        e
    }

    /// `n` trace events of a run, encoded as the server stores them.
    fn events(n: usize) -> Vec<EncodedEvent<'static>> {
        let rec = rlm_trace::TraceRecorder::new();
        let run = rec.start_run(None, rlm_trace::RunStarted::default());
        for i in 1..n {
            rec.error(run, rlm_trace::ErrorEvent { message: format!("note {i}"), fatal: false });
        }
        let streamed = rec.events().into_iter().enumerate();
        streamed
            .map(|(n, event)| {
                EncodedEvent::encode(&StreamedEvent { position: n as u64, event }).unwrap()
            })
            .collect()
    }

    fn settling(settled: SettledExecution, trace: Vec<EncodedEvent<'static>>) -> Settling {
        Settling { settled, trace, release: None }
    }

    rlm_testenv::needs_postgres! {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn a_batch_settles_each_execution_as_alone_with_its_trace_and_lease() {
            with_store(|store| async move {
                let (a, b) = (session("ann", T0), session("ann", T0));
                store.put_session(&a).await.unwrap();
                store.put_session(&b).await.unwrap();
                let until = T0 + 60_000_000;
                assert!(store.take_session_lease(a.id, "p1", T0, until).await.unwrap());
                let mut batch = Vec::new();
                for i in 0..6 {
                    let e = running(&store, if i % 2 == 0 { &a } else { &b }, T0 + i).await;
                    batch.push(settling(settled(e), events(2)));
                }
                batch[0].release = Some("p1".into());
                let outcomes = store.settle_together(&batch).await;
                for (s, outcome) in batch.iter().zip(&outcomes) {
                    assert!(outcome.as_ref().unwrap().execution, "{outcome:?}");
                    let id = s.settled.record.id;
                    let stored = store.get_execution(id).await.unwrap().unwrap();
                    assert_eq!(stored.status, ExecutionStatus::Completed);
                    assert_eq!(store.trace(id).await.unwrap().len(), 2);
                }
                let stats = store.stats("ann", None).await.unwrap();
                assert_eq!(stats.totals.executions, 6);
                assert_eq!(stats.totals.by_status.get("completed"), Some(&6));
                assert_eq!(stats.totals.input_tokens, 18);
                assert_eq!(stats.buckets.iter().map(|b| b.totals.completed).sum::<u64>(), 6);
                assert_eq!(store.stats("ann", Some(b.id)).await.unwrap().totals.executions, 3);
                // The first settlement gave its session's lease up.
                assert!(store.take_session_lease(a.id, "p2", T0, until).await.unwrap());
                // Settled again (its commit's answer lost): the same outcome, nothing counted twice.
                let again = store.settle_together(&batch[..2]).await;
                assert!(again.iter().all(|o| o.as_ref().unwrap().execution), "{again:?}");
                let stats = store.stats("ann", None).await.unwrap();
                assert_eq!(stats.totals.by_status.get("completed"), Some(&6));
            })
            .await;
        }
    }

    rlm_testenv::needs_postgres! {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn a_settlement_whose_write_fails_in_a_batch_is_not_acknowledged_and_the_rest_are_kept() {
            with_store(|store| async move {
                let s = session("bo", T0);
                store.put_session(&s).await.unwrap();
                let mut batch = Vec::new();
                for i in 0..5 {
                    let e = running(&store, &s, T0 + i).await;
                    batch.push(settling(settled(e), events(1)));
                }
                // A text PostgreSQL refuses (a NUL character): this
                // settlement's own statement fails, so its batch does.
                batch[2].trace =
                    vec![EncodedEvent { position: 0, json: Cow::Borrowed("{\"bad\":\"\0\"}") }];
                let outcomes = store.settle_together(&batch).await;
                for (i, (settling, outcome)) in batch.iter().zip(&outcomes).enumerate() {
                    let id = settling.settled.record.id;
                    let stored = store.get_execution(id).await.unwrap().unwrap();
                    if i == 2 {
                        assert!(matches!(outcome, Err(StoreError::Backend(_))), "{outcome:?}");
                        assert_eq!(stored.status, ExecutionStatus::Running, "not acknowledged, not written");
                        assert!(store.trace(id).await.unwrap().is_empty());
                    } else {
                        assert!(outcome.as_ref().unwrap().execution, "{outcome:?}");
                        assert_eq!(stored.status, ExecutionStatus::Completed);
                        assert_eq!(store.trace(id).await.unwrap().len(), 1);
                    }
                }
                let stats = store.stats("bo", None).await.unwrap();
                assert_eq!(stats.totals.executions, 5);
                assert_eq!(stats.totals.by_status.get("completed"), Some(&4));
                assert_eq!(stats.totals.by_status.get("running"), Some(&1));
            })
            .await;
        }
    }

    rlm_testenv::needs_postgres! {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn two_runs_of_one_session_in_one_batch_are_both_charged() {
            with_store(|store| async move {
                let s = session("cy", T0);
                store.put_session(&s).await.unwrap();
                let base = store.get_session(s.id).await.unwrap().unwrap().state;
                let started = StartedFrom { memory: base.memory.clone(), usage: base.usage.clone() };
                let mut batch = Vec::new();
                for (tokens, key) in [(7u64, "first"), (11, "second")] {
                    let e = running(&store, &s, T0).await;
                    let mut state = base.clone();
                    state.history.push(Turn {
                        execution_id: ExecutionId(e.id.to_string()),
                        query: key.into(),
                        answer: Some("a".into()),
                    });
                    state.usage.executions += 1;
                    state.usage.usage.prompt_tokens += tokens;
                    state.memory.insert(key.into(), serde_json::json!(tokens));
                    let mut one = settled(e);
                    one.state = Some(state);
                    one.started = Some(started.clone());
                    batch.push(settling(one, Vec::new()));
                }
                // The same execution twice in one batch: the second is written after it.
                batch.push(batch[0].clone());
                let outcomes = store.settle_together(&batch).await;
                assert!(outcomes.iter().all(|o| o.as_ref().unwrap().execution), "{outcomes:?}");
                let session = store.get_session(s.id).await.unwrap().unwrap();
                assert_eq!(session.state.usage.usage.prompt_tokens, 18, "both charged, once");
                assert_eq!(session.state.usage.executions, 2);
                assert_eq!(session.history_len, 2);
                assert_eq!(session.state.memory.get("first"), Some(&serde_json::json!(7)));
                assert_eq!(session.state.memory.get("second"), Some(&serde_json::json!(11)));
                let history = store.history(s.id, 0, 10).await.unwrap();
                assert_eq!(history.turns.len(), 2);
            })
            .await;
        }
    }

    rlm_testenv::needs_postgres! {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn settlements_made_at_once_are_each_acknowledged_and_counted() {
            with_store(|store| async move {
                let sessions: Vec<SessionRecord> = (0..8).map(|_| session("dee", T0)).collect();
                let mut tasks = Vec::new();
                for (i, s) in sessions.iter().enumerate() {
                    store.put_session(s).await.unwrap();
                    for j in 0..6 {
                        let e = running(&store, s, T0 + (i * 10 + j) as i64).await;
                        let store = store.clone();
                        tasks.push(tokio::spawn(async move {
                            let trace = events(1);
                            let id = e.id;
                            let done = store.finish_execution_with_trace(&settled(e), &trace).await;
                            (id, done)
                        }));
                    }
                }
                let mut ids: Vec<Uuid> = Vec::new();
                for t in tasks {
                    let (id, done) = t.await.unwrap();
                    assert!(done.unwrap().execution);
                    ids.push(id);
                }
                for id in ids {
                    let stored = store.get_execution(id).await.unwrap().unwrap();
                    assert_eq!(stored.status, ExecutionStatus::Completed);
                    assert_eq!(store.trace(id).await.unwrap().len(), 1);
                }
                let stats = store.stats("dee", None).await.unwrap();
                assert_eq!(stats.totals.by_status.get("completed"), Some(&48));
                assert_eq!(stats.totals.by_status.len(), 1, "{:?}", stats.totals.by_status);
                assert_eq!(stats.buckets.iter().map(|b| b.totals.executions).sum::<u64>(), 48);
                assert_eq!(stats.per_session.len(), 8);
                // Every batch locks its rows in one order, whichever of its
                // statements its connection had prepared: none deadlocked
                // (a deadlock is retried, so it would show only here).
                assert_eq!(store.transient_retries(), 0, "a batch lost a lock to another");
            })
            .await;
        }
    }
}
