//! A new execution of a session on PostgreSQL (issue #80): its record, its
//! lease and its session's lease in one transaction, the session's lease
//! given up with the settlement; an owner's aggregates and time buckets
//! kept in shards (migration 10) and read as one, a store of version 9
//! read and counted on as it is; the newest time buckets held in the
//! aggregate rows (migration 11), a store of version 10 read and counted
//! on as it is.

#[cfg(feature = "postgres")]
mod postgres {
    use rlm_server::store::prelude::*;
    use rlm_server::store::{
        ExecutionRecord, ExecutionStatus, PgStore, SessionRecord, SettledExecution,
    };
    use uuid::Uuid;

    use crate::common::pg::{admin, database_url, with_store};

    use crate::store_contract::{
        T0, check_timelines, completed, execution, session as session_at, settled,
    };

    fn session(owner: &str) -> SessionRecord {
        session_at(owner, T0)
    }

    fn pending(owner: &str, session: Uuid, created_at: i64) -> ExecutionRecord {
        execution(owner, Some(session), created_at)
    }

    /// Runs `n` executions of `session` to their end, from `created_at` on.
    async fn run(store: &PgStore, session: &SessionRecord, created_at: i64, n: i64) {
        for i in 0..n {
            let e = pending(&session.owner, session.id, created_at + i);
            store.put_execution(&e).await.unwrap();
            assert!(store.finish_execution(&settled(e)).await.unwrap().execution);
        }
    }

    rlm_testenv::needs_postgres! {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn a_start_takes_the_session_lease_with_its_record_and_its_settlement_gives_it_up() {
            with_store(|store| async move {
                let s = session("ann");
                store.put_session(&s).await.unwrap();
                let until = T0 + 60_000_000;
                let first = pending("ann", s.id, T0);
                let taken = store
                    .put_execution_taking_session(&first, "p1", (T0, until), T0 + 1)
                    .await
                    .unwrap();
                let read = taken.expect("the session was free").expect("the session exists");
                assert_eq!(read.id, s.id);
                let stored = store.get_execution(first.id).await.unwrap().unwrap();
                assert_eq!(stored.status, ExecutionStatus::Running);
                assert_eq!(stored.started_at, Some(T0 + 1));
                // Another process's start finds the session busy: stored pending.
                let second = pending("ann", s.id, T0 + 2);
                let busy = store
                    .put_execution_taking_session(&second, "p2", (T0, until), T0 + 3)
                    .await
                    .unwrap();
                assert!(busy.is_none());
                let stored = store.get_execution(second.id).await.unwrap().unwrap();
                assert_eq!(stored.status, ExecutionStatus::Pending);
                assert!(!store.take_session_lease(s.id, "p2", T0, until).await.unwrap());
                // The settlement gives the session's lease up with it.
                let done = store.finish_execution_releasing(&settled(first), &[], "p1").await;
                assert!(done.unwrap().execution);
                assert!(store.take_session_lease(s.id, "p2", T0, until).await.unwrap());
                // Another holder's lease is not given up by a settlement.
                let third = pending("ann", s.id, T0 + 4);
                store.put_execution(&third).await.unwrap();
                let done = store.finish_execution_releasing(&settled(third), &[], "p1").await;
                assert!(done.unwrap().execution);
                assert!(!store.take_session_lease(s.id, "p1", T0, until).await.unwrap());
            })
            .await;
        }
    }

    rlm_testenv::needs_postgres! {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn an_owners_shards_are_read_as_one() {
            with_store(|store| async move {
                let (a, b) = (session("bo"), session("bo"));
                store.put_session(&a).await.unwrap();
                store.put_session(&b).await.unwrap();
                run(&store, &a, T0, 24).await;
                run(&store, &b, T0 + 100, 16).await;
                let stats = store.stats("bo", None).await.unwrap();
                assert_eq!(stats.totals.executions, 40);
                assert_eq!(stats.totals.latency_count(), 40);
                assert_eq!(stats.totals.input_tokens, 120);
                assert_eq!(stats.per_session.len(), 2);
                assert_eq!(stats.buckets.iter().map(|b| b.totals.executions).sum::<u64>(), 40);
                let only_b = store.stats("bo", Some(b.id)).await.unwrap();
                assert_eq!(only_b.totals.executions, 16);
            })
            .await;
        }
    }

    rlm_testenv::needs_postgres! {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn a_version_9_store_is_read_and_counted_on() {
            with_store(|store| async move {
                let s = session("cy");
                store.put_session(&s).await.unwrap();
                // One execution (one row per owner, session and bucket),
                // counted while it runs.
                let running = pending("cy", s.id, T0 + 5);
                store.put_execution(&running).await.unwrap();
                // Back to version 9: every execution counted in those rows.
                let schema = store.schema().to_string();
                to_version_10(&schema).await;
                admin()
                    .await
                    .batch_execute(&format!(
                        "SET search_path = {schema};
                         ALTER TABLE executions DROP COLUMN agg_shard;
                         ALTER TABLE aggregates DROP CONSTRAINT aggregates_pkey;
                         ALTER TABLE aggregates DROP COLUMN shard;
                         ALTER TABLE aggregates ADD PRIMARY KEY (owner, session_id);
                         ALTER TABLE buckets DROP CONSTRAINT buckets_pkey;
                         ALTER TABLE buckets DROP COLUMN shard;
                         ALTER TABLE buckets ADD PRIMARY KEY (scope, width, bucket);
                         DELETE FROM rlm_migrations WHERE version = 10;"
                    ))
                    .await
                    .unwrap();
                let again = PgStore::connect(&database_url(), &schema).await.unwrap();
                // What version 9 counted is taken out where it was put, as
                // the execution ends and as it is deleted.
                let id = running.id;
                assert!(again.finish_execution(&settled(running)).await.unwrap().execution);
                let stats = again.stats("cy", None).await.unwrap();
                assert_eq!(stats.totals.executions, 1);
                assert_eq!(stats.totals.by_status.get("completed"), Some(&1));
                assert_eq!(stats.totals.by_status.len(), 1, "{:?}", stats.totals.by_status);
                assert!(again.delete_execution(id).await.unwrap());
                assert_eq!(again.stats("cy", None).await.unwrap().totals.executions, 0);
                run(&again, &s, T0 + 10, 10).await;
                let stats = again.stats("cy", None).await.unwrap();
                assert_eq!(stats.totals.executions, 10);
                assert_eq!(stats.totals.by_status.get("completed"), Some(&10));
                assert_eq!(stats.totals.by_status.len(), 1, "{:?}", stats.totals.by_status);
                assert_eq!(stats.buckets.iter().map(|b| b.totals.executions).sum::<u64>(), 10);
                assert_eq!(stats.buckets.iter().map(|b| b.totals.completed).sum::<u64>(), 10);
                assert_eq!(again.stats("cy", Some(s.id)).await.unwrap().totals.executions, 10);
            })
            .await;
        }
    }

    /// `done` as its settlement writes it.
    fn as_settled(done: &ExecutionRecord) -> SettledExecution {
        SettledExecution { record: done.clone(), state: None, started: None, job: None }
    }

    /// Takes the store in `schema` back to version 10: the buckets its
    /// aggregate rows hold added to the `buckets` table, where version 10
    /// kept every bucket, and their column gone.
    async fn to_version_10(schema: &str) {
        admin()
            .await
            .batch_execute(&format!(
                "SET search_path = {schema};
                 INSERT INTO buckets (scope, width, bucket, shard, executions, completed,
                                      failed, tokens, cost_nano)
                 SELECT CASE WHEN a.session_id = '{OWNER}' THEN 'o:' || a.owner
                             ELSE 's:' || a.session_id END,
                        (w.ord - 1)::int4, (w.held->>0)::int8, a.shard,
                        (w.held->1->>0)::int8, (w.held->1->>1)::int8, (w.held->1->>2)::int8,
                        (w.held->1->>3)::int8, (w.held->1->>4)::int8
                 FROM aggregates a,
                      jsonb_array_elements(a.hot::jsonb->'widths') WITH ORDINALITY AS w(held, ord)
                 WHERE a.hot <> '' AND w.held <> 'null'::jsonb
                 ON CONFLICT (scope, width, bucket, shard) DO UPDATE SET
                     executions = buckets.executions + excluded.executions,
                     completed = buckets.completed + excluded.completed,
                     failed = buckets.failed + excluded.failed,
                     tokens = buckets.tokens + excluded.tokens,
                     cost_nano = buckets.cost_nano + excluded.cost_nano;
                 DELETE FROM buckets WHERE executions <= 0;
                 ALTER TABLE aggregates DROP COLUMN hot;
                 DELETE FROM rlm_migrations WHERE version = 11;",
                OWNER = Uuid::nil(),
            ))
            .await
            .unwrap();
    }

    rlm_testenv::needs_postgres! {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn a_version_10_store_is_read_and_counted_on() {
            with_store(|store| async move {
                let s = session_at("iris", T0);
                store.put_session(&s).await.unwrap();
                let at = |secs: i64| T0 + secs * 1_000_000;
                // Executions a minute to days apart, each in its session or
                // not; the older half ended, the newer half running.
                let mut stored: Vec<ExecutionRecord> = Vec::new();
                for (n, offset) in [0i64, 30, 70, 4000, 90_000, 200_000].into_iter().enumerate() {
                    let e = execution("iris", (n % 3 != 2).then_some(s.id), at(offset));
                    store.put_execution(&e).await.unwrap();
                    let e = if n < 3 {
                        let done = completed(e, 10 + n as i64, 5 * n as u64 + 1);
                        assert!(store.finish_execution(&as_settled(&done)).await.unwrap().execution);
                        done
                    } else {
                        e
                    };
                    stored.push(e);
                }
                check_timelines(&store, s.id, &stored).await;
                to_version_10(store.schema()).await;
                let again = PgStore::connect(&database_url(), store.schema()).await.unwrap();
                check_timelines(&again, s.id, &stored).await;
                // Counted on: the running ones end (in buckets version 10
                // holds), newer and older ones come, and all are deleted.
                for n in 3..stored.len() {
                    let done = completed(stored[n].clone(), 7, 3);
                    assert!(again.finish_execution(&as_settled(&done)).await.unwrap().execution);
                    stored[n] = done;
                    check_timelines(&again, s.id, &stored).await;
                }
                for offset in [200_030i64, 50, 3_000_000] {
                    let e = completed(execution("iris", Some(s.id), at(offset)), 4, 2);
                    again.put_execution(&e).await.unwrap();
                    stored.push(e);
                    check_timelines(&again, s.id, &stored).await;
                }
                while let Some(gone) = stored.pop() {
                    assert!(again.delete_execution(gone.id).await.unwrap());
                    check_timelines(&again, s.id, &stored).await;
                }
                let left = admin()
                    .await
                    .query_one(&format!("SELECT count(*) FROM {}.buckets", store.schema()), &[])
                    .await
                    .unwrap();
                assert_eq!(left.get::<_, i64>(0), 0, "no bucket row outlives its executions");
            })
            .await;
        }
    }
}
