//! A new execution of a session on PostgreSQL (issue #80): its record, its
//! lease and its session's lease in one transaction, the session's lease
//! given up with the settlement; an owner's aggregates and time buckets
//! kept in shards (migration 10) and read as one, a store of version 9
//! read and counted on as it is.

#[cfg(feature = "postgres")]
mod postgres {
    use rlm_server::store::prelude::*;
    use rlm_server::store::{ExecutionRecord, ExecutionStatus, PgStore, SessionRecord};
    use uuid::Uuid;

    use crate::common::pg::{admin, database_url, with_store};

    use crate::store_contract::{T0, execution, session as session_at, settled};

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
}
