//! Trace events on PostgreSQL stored one row per written batch (issue #80,
//! migration 12): read back by position, the last write of a position
//! winning (a re-sent batch merged with what it meets, by an append or a
//! settlement); a cut through a batch keeps the events before it and
//! counts the events it removes; a superseded attempt's batch refused
//! whole; a version-11 store's per-event rows read, cut, merged, counted
//! by a checkpoint and deleted with their execution after the upgrade;
//! corrupt stored batch text an error, never a panic.

#[cfg(feature = "postgres")]
mod postgres {
    use rlm_server::store::prelude::*;
    use rlm_server::store::{
        AttemptMark, CheckpointRecord, CheckpointWrite, EncodedEvent, ExecutionRecord,
        ExecutionStatus, PgStore, Settling, Spend, StoreError, StreamedEvent,
    };
    use rlm_trace::TraceEvent;
    use uuid::Uuid;

    use crate::common::pg::{admin, database_url, with_store};
    use crate::store_contract::{T0, execution, settled};

    /// `n` distinct trace events of one run, `seq` 0 to `n - 1`.
    fn events(n: usize) -> Vec<TraceEvent> {
        let rec = rlm_trace::TraceRecorder::new();
        let run = rec.start_run(None, rlm_trace::RunStarted::default());
        for i in 1..n {
            rec.error(run, rlm_trace::ErrorEvent { message: format!("note {i}"), fatal: false });
        }
        rec.events()
    }

    fn at(position: u64, event: &TraceEvent) -> StreamedEvent {
        StreamedEvent { position, event: event.clone() }
    }

    async fn positions_and_seqs(store: &PgStore, id: Uuid) -> Vec<(u64, u64)> {
        let stored = store.trace(id).await.unwrap();
        stored.iter().map(|s| (s.position, s.event.seq)).collect()
    }

    /// How many rows of `table` the store holds for the execution `id`.
    async fn rows(store: &PgStore, table: &str, id: Uuid) -> i64 {
        let sql =
            format!("SELECT count(*) FROM {}.{table} WHERE execution_id = $1", store.schema());
        admin().await.query_one(&sql, &[&id]).await.unwrap().get(0)
    }

    async fn stored(store: &PgStore) -> ExecutionRecord {
        let e = execution("tess", None, T0);
        store.put_execution(&e).await.unwrap();
        e
    }

    rlm_testenv::needs_postgres! {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn a_batch_is_one_row_and_a_resent_batchs_last_write_wins() {
            with_store(|store| async move {
                let ev = events(8);
                let e = stored(&store).await;
                let batch = [at(0, &ev[0]), at(1, &ev[1]), at(2, &ev[2])];
                store.append_trace(e.id, &batch).await.unwrap();
                store.append_trace(e.id, &[at(5, &ev[5])]).await.unwrap();
                assert_eq!(rows(&store, "trace_batches", e.id).await, 2, "one row a batch");
                assert_eq!(rows(&store, "trace", e.id).await, 0);
                // The same batch again, as it was: nothing changes.
                store.append_trace(e.id, &batch).await.unwrap();
                let read = positions_and_seqs(&store, e.id).await;
                assert_eq!(read, [(0, 0), (1, 1), (2, 2), (5, 5)]);
                // Sent again with other events at 1 and 2, and one more: those win.
                let again = [at(1, &ev[6]), at(2, &ev[7]), at(3, &ev[3])];
                store.append_trace(e.id, &again).await.unwrap();
                let read = positions_and_seqs(&store, e.id).await;
                assert_eq!(read, [(0, 0), (1, 6), (2, 7), (3, 3), (5, 5)]);
                assert_eq!(rows(&store, "trace_batches", e.id).await, 2, "merged into one");
                // A batch in the gap between two is a row of its own.
                store.append_trace(e.id, &[at(4, &ev[4])]).await.unwrap();
                let read = positions_and_seqs(&store, e.id).await;
                assert_eq!(read, [(0, 0), (1, 6), (2, 7), (3, 3), (4, 4), (5, 5)]);
                assert_eq!(rows(&store, "trace_batches", e.id).await, 3);
                // A settlement's trace meeting the stored one is merged the same way.
                let done = settled(e.clone());
                let trace: Vec<_> = [at(5, &ev[1]), at(6, &ev[6])]
                    .iter()
                    .map(|e| EncodedEvent::encode(e).unwrap())
                    .collect();
                let batch = [Settling { settled: done, trace, release: None }];
                let outcome = store.settle_together(&batch).await;
                assert!(outcome[0].as_ref().unwrap().execution, "{outcome:?}");
                let read = positions_and_seqs(&store, e.id).await;
                assert_eq!(read, [(0, 0), (1, 6), (2, 7), (3, 3), (4, 4), (5, 1), (6, 6)]);
                assert!(store.delete_execution(e.id).await.unwrap());
                let left = rows(&store, "trace_batches", e.id).await;
                assert_eq!(left, 0, "deleted with its execution");
            })
            .await;
        }
    }

    rlm_testenv::needs_postgres! {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn a_cut_through_a_batch_keeps_the_events_before_it_and_counts_the_events_removed() {
            with_store(|store| async move {
                let ev = events(6);
                let e = stored(&store).await;
                let first: Vec<_> = (0..4).map(|n| at(n, &ev[n as usize])).collect();
                store.append_trace(e.id, &first).await.unwrap();
                store.append_trace(e.id, &[at(10, &ev[4]), at(11, &ev[5])]).await.unwrap();
                assert_eq!(store.drop_trace_from(e.id, 2).await.unwrap(), 4, "events, not rows");
                assert_eq!(positions_and_seqs(&store, e.id).await, [(0, 0), (1, 1)]);
                assert_eq!(rows(&store, "trace_batches", e.id).await, 1);
                assert_eq!(store.drop_trace_from(e.id, 2).await.unwrap(), 0);
                // A cut at a batch's first position takes the whole batch.
                assert_eq!(store.drop_trace_from(e.id, 0).await.unwrap(), 2);
                assert!(store.trace(e.id).await.unwrap().is_empty());
                assert_eq!(rows(&store, "trace_batches", e.id).await, 0);
            })
            .await;
        }
    }

    fn attempt(n: u32) -> AttemptMark {
        AttemptMark { attempt: n, started_at: T0, from_step: 0, carried: Spend::default() }
    }

    rlm_testenv::needs_postgres! {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn a_superseded_attempts_batch_is_refused_whole() {
            with_store(|store| async move {
                let ev = events(4);
                let mut first = execution("uma", None, T0);
                first.attempts = vec![attempt(1)];
                first.status = ExecutionStatus::Running;
                store.put_execution(&first).await.unwrap();
                store.append_trace(first.id, &[at(0, &ev[0]), at(1, &ev[1])]).await.unwrap();
                let mut second = first.clone();
                second.attempts.push(attempt(2));
                store.put_execution(&second).await.unwrap();
                let superseded = |r: &Result<(), StoreError>| {
                    matches!(r, Err(StoreError::Superseded { attempt: 1, newer: 2, .. }))
                };
                // Apart from the stored events, and over them (the merge's path).
                let apart = store.append_trace(first.id, &[at(2, &ev[2]), at(3, &ev[3])]).await;
                assert!(superseded(&apart), "{apart:?}");
                let over = store.append_trace(first.id, &[at(1, &ev[3]), at(2, &ev[2])]).await;
                assert!(superseded(&over), "{over:?}");
                assert_eq!(positions_and_seqs(&store, first.id).await, [(0, 0), (1, 1)]);
                assert_eq!(rows(&store, "trace_batches", first.id).await, 1);
                // Attempt 2's batch is written.
                store.append_trace(first.id, &[at(1 << 32, &ev[2])]).await.unwrap();
                assert_eq!(rows(&store, "trace_batches", first.id).await, 2);
            })
            .await;
        }
    }

    /// Takes the store in `schema` back to version 11: every batch's events
    /// one `trace` row each, as version 11 wrote them, and the batches gone.
    async fn to_version_11(schema: &str) {
        admin()
            .await
            .batch_execute(&format!(
                "SET search_path = {schema};
                 INSERT INTO trace (execution_id, position, event)
                 SELECT b.execution_id, (p.pair->>0)::int8, (p.pair->1)::text
                 FROM trace_batches b, json_array_elements(b.events::json) AS p(pair);
                 DROP TABLE trace_batches;
                 DELETE FROM rlm_migrations WHERE version = 12;"
            ))
            .await
            .unwrap();
    }

    rlm_testenv::needs_postgres! {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn a_version_11_stores_trace_rows_are_read_after_the_upgrade() {
            with_store(|store| async move {
                let ev = events(8);
                let e = stored(&store).await;
                let old: Vec<_> = (0..5).map(|n| at(n, &ev[n as usize])).collect();
                store.append_trace(e.id, &old).await.unwrap();
                let gone = stored(&store).await;
                store.append_trace(gone.id, &old).await.unwrap();
                to_version_11(store.schema()).await;
                assert_eq!(rows(&store, "trace", e.id).await, 5);
                let again = PgStore::connect(&database_url(), store.schema()).await.unwrap();
                let read = positions_and_seqs(&again, e.id).await;
                assert_eq!(read, [(0, 0), (1, 1), (2, 2), (3, 3), (4, 4)]);
                // New batches beside the old rows, one over two of them: it wins there.
                again.append_trace(e.id, &[at(6, &ev[6])]).await.unwrap();
                again.append_trace(e.id, &[at(3, &ev[7]), at(4, &ev[5])]).await.unwrap();
                let read = positions_and_seqs(&again, e.id).await;
                assert_eq!(read, [(0, 0), (1, 1), (2, 2), (3, 7), (4, 5), (6, 6)]);
                assert_eq!(rows(&again, "trace", e.id).await, 3, "the rows written over are gone");
                // A checkpoint counts old rows and batches alike (seq 0..=2, 5).
                let record = CheckpointRecord { step: 1, saved_at: T0, body: b"cp".to_vec() };
                let write = CheckpointWrite { record: &record, attempt: 1, trace_events: 6 };
                let refused = again.save_checkpoint(e.id, &write).await;
                let counted = matches!(refused, Err(StoreError::TraceNotWhole { stored: 4, .. }));
                assert!(counted, "{refused:?}");
                // A cut through old rows and batches counts both.
                assert_eq!(again.drop_trace_from(e.id, 2).await.unwrap(), 4);
                assert_eq!(positions_and_seqs(&again, e.id).await, [(0, 0), (1, 1)]);
                // Deleting an execution deletes its old rows.
                assert!(again.delete_execution(gone.id).await.unwrap());
                assert_eq!(rows(&again, "trace", gone.id).await, 0);
                assert!(again.trace(gone.id).await.unwrap().is_empty());
            })
            .await;
        }
    }

    rlm_testenv::needs_postgres! {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn corrupt_stored_batch_text_is_an_error_not_a_panic() {
            with_store(|store| async move {
                let ev = events(3);
                let e = stored(&store).await;
                store.append_trace(e.id, &[at(0, &ev[0]), at(1, &ev[1])]).await.unwrap();
                let table = format!("{}.trace_batches", store.schema());
                for corrupt in ["not json", "[[0,{\"seq\":\"x\"}]]", "[[7,{}]]", "[[0]", "{}"] {
                    admin()
                        .await
                        .execute(&format!("UPDATE {table} SET events = $1"), &[&corrupt])
                        .await
                        .unwrap();
                    let read = store.trace(e.id).await;
                    assert!(matches!(read, Err(StoreError::Corrupt { .. })), "{corrupt}: {read:?}");
                    let cut = store.drop_trace_from(e.id, 1).await;
                    assert!(matches!(cut, Err(StoreError::Corrupt { .. })), "{corrupt}: {cut:?}");
                    let merged = store.append_trace(e.id, &[at(1, &ev[2])]).await;
                    let corrupt_too = matches!(merged, Err(StoreError::Corrupt { .. }));
                    assert!(corrupt_too, "{corrupt}: {merged:?}");
                }
            })
            .await;
        }
    }
}
