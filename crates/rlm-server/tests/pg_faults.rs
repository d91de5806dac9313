//! The PostgreSQL store under the faults operators meet, on a PostgreSQL
//! server of the test's own (stopped and started, its connections
//! terminated): transient faults are retried, the whole operation on a
//! fresh connection, so settlements succeed through them and none is
//! applied twice; an error that is not transient is returned at once; and
//! while the database is down the API answers a JSON 503 with
//! `Retry-After`, and `/readyz` says the store is unavailable.

use crate::common;

#[cfg(feature = "postgres")]
mod faults {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    use std::time::Duration;

    use rlm_core::{ExecutionId, Turn};
    use rlm_server::DatabaseConfig;
    use rlm_server::store::prelude::*;
    use rlm_server::store::{
        ExecutionRecord, ExecutionStatus, JobOutcome, JobRecord, JobSettlement, JobStatus, PgStore,
        SessionRecord, SettledExecution, StoreError, new_session_state, now_micros,
    };
    use uuid::Uuid;

    use super::common::{self, TestServer, private_pg, private_pg::PrivatePg};

    fn session(owner: &str) -> SessionRecord {
        let id = Uuid::new_v4();
        let now = now_micros();
        SessionRecord {
            id,
            owner: owner.into(),
            name: None,
            context: None,
            context_metadata: Default::default(),
            settings: Default::default(),
            state: new_session_state(id),
            history_len: 0,
            created_at: now,
            updated_at: now,
        }
    }

    fn job(owner: &str, session: Uuid) -> JobRecord {
        JobRecord::pending(owner, session, "q", now_micros())
    }

    fn running(owner: &str, session: Uuid, job: Uuid) -> ExecutionRecord {
        let pending =
            ExecutionRecord::pending(Uuid::new_v4(), owner, "q", "scripted", now_micros());
        ExecutionRecord {
            session_id: Some(session),
            job_id: Some(job),
            context_size: 10,
            steps: 1,
            ..pending.running_since(now_micros())
        }
    }

    /// Runs job `n` of session `sid` to its settlement as a worker does:
    /// the job taken, its execution stored, then one settlement carrying
    /// the execution, its job, a history turn and 7 tokens for the session.
    async fn run_job(store: &PgStore, sid: Uuid, n: usize) -> Result<(), StoreError> {
        let j = job("ops", sid);
        store.enqueue_job(&j).await?;
        let holder = format!("w#{n}");
        store.take_job(j.id, &holder, i64::MAX).await?;
        let mut e = running("ops", sid, j.id);
        store.put_execution(&e).await?;
        let mut state = store.get_session(sid).await?.expect("the session").state;
        state.history.push(Turn {
            execution_id: ExecutionId(e.id.to_string()),
            query: format!("question {n}"),
            answer: Some(format!("answer {n}")),
        });
        state.usage.usage.prompt_tokens += 7;
        e.status = ExecutionStatus::Completed;
        e.completed_at = Some(now_micros());
        e.final_result = Some(format!("answer {n}"));
        let outcome =
            JobOutcome { status: JobStatus::Complete, answer: e.final_result.clone(), error: None };
        let settled = SettledExecution {
            record: e,
            state: Some(state),
            started: None,
            job: Some(JobSettlement { id: j.id, holder, outcome }),
        };
        let written = store.finish_execution(&settled).await?;
        assert!(written.execution && written.job, "{written:?}");
        Ok(())
    }

    /// Terminates every connection `store` holds on `pg`; how many. The
    /// killer's own connection may be lost too (a terminated backend's
    /// neighbour, a slow machine): it is made again, and the fault goes on.
    async fn terminate(admin: &mut tokio_postgres::Client, url: &str, store: &PgStore) -> i64 {
        let query = "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
                     WHERE application_name = $1";
        match admin.query_one(query, &[&store.application_name()]).await {
            Ok(row) => row.get(0),
            Err(e) => {
                eprintln!("the killer's connection was lost ({e}): connecting again");
                if let Ok((client, connection)) =
                    tokio_postgres::connect(url, tokio_postgres::NoTls).await
                {
                    tokio::spawn(connection);
                    *admin = client;
                }
                0
            }
        }
    }

    rlm_testenv::needs_postgres! {
        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn settlements_go_through_terminated_connections_once_each() {
            // At least MIN_JOBS, and on until an operation has met a terminated
            // connection (a fast machine ran 40 jobs between two kills, and met
            // none), at most MAX_JOBS (one page of the job list).
            const MIN_JOBS: usize = 40;
            const MAX_JOBS: usize = 1000;
            let pg = PrivatePg::start();
            const WORKERS: usize = 4;
            let store = PgStore::connect(&pg.url(), "rlm").await.unwrap();
            // One session per worker: a session runs one execution at a time.
            let mut sessions = Vec::new();
            for _ in 0..WORKERS {
                let s = session("ops");
                store.put_session(&s).await.unwrap();
                sessions.push(s.id);
            }
            // Every 100 ms, every connection of the store is terminated.
            let stop = Arc::new(AtomicBool::new(false));
            let terminations = Arc::new(AtomicU64::new(0));
            let killer = {
                let (mut admin, store) = (private_pg::admin(&pg).await, store.clone());
                let (stop, terminations) = (Arc::clone(&stop), Arc::clone(&terminations));
                let url = pg.url();
                tokio::spawn(async move {
                    while !stop.load(Ordering::SeqCst) {
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        let cut = terminate(&mut admin, &url, &store).await;
                        terminations.fetch_add(cut as u64, Ordering::SeqCst);
                    }
                })
            };
            // Four workers at once, as a worker process runs them; each says
            // how many jobs it ran.
            let mut workers = Vec::new();
            for (w, &sid) in sessions.iter().enumerate() {
                let store = store.clone();
                workers.push(tokio::spawn(async move {
                    let mut ran = 0u64;
                    for n in (w..MAX_JOBS).step_by(WORKERS) {
                        if n >= MIN_JOBS && store.transient_retries() > 0 {
                            break;
                        }
                        run_job(&store, sid, n).await.unwrap_or_else(|e| panic!("job {n}: {e}"));
                        ran += 1;
                    }
                    ran
                }));
            }
            let mut ran = Vec::new();
            for w in workers {
                ran.push(w.await.unwrap());
            }
            stop.store(true, Ordering::SeqCst);
            killer.await.unwrap();
            let jobs_run: u64 = ran.iter().sum();
            let (cut, retried) = (terminations.load(Ordering::SeqCst), store.transient_retries());
            eprintln!("{jobs_run} settlements; {cut} connections terminated; {retried} operations retried");
            assert!(cut > 0 && retried > 0, "no fault was met: {cut} terminated, {retried} retried");
            // Each settlement once: one turn per job, 7 tokens per job, every job COMPLETE.
            for (&sid, &per_session) in sessions.iter().zip(&ran) {
                let session = store.get_session(sid).await.unwrap().unwrap();
                assert_eq!(session.history_len, per_session);
                assert_eq!(store.history(sid, 0, 1000).await.unwrap().total, per_session);
                assert_eq!(session.state.usage.usage.prompt_tokens, 7 * per_session);
            }
            let jobs = store.list_jobs("ops", &rlm_server::store::PageRequest {
                cursor: None, offset: 0, limit: MAX_JOBS,
            }).await.unwrap();
            assert_eq!(jobs.items.len() as u64, jobs_run);
            assert!(jobs.items.iter().all(|j| j.status == JobStatus::Complete && j.lease.is_none()));
            let stats = store.stats("ops", None).await.unwrap();
            let completed = stats.totals.by_status.get("completed").copied();
            assert_eq!((stats.totals.executions, completed), (jobs_run, Some(jobs_run)));
        }
    }

    rlm_testenv::needs_postgres! {
        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn a_settlement_outlives_a_database_restart_and_other_errors_are_not_retried() {
            let mut pg = PrivatePg::start();
            let store = PgStore::connect(&pg.url(), "rlm").await.unwrap();
            let s = session("ops");
            store.put_session(&s).await.unwrap();
            run_job(&store, s.id, 0).await.unwrap();
            // Down for 3 s while a job runs to its settlement: it waits, then goes through.
            pg.stop();
            let pending = {
                let store = store.clone();
                tokio::spawn(async move { run_job(&store, s.id, 1).await })
            };
            tokio::time::sleep(Duration::from_secs(3)).await;
            pg.restart();
            pending.await.unwrap().expect("the settlement went through after the restart");
            assert_eq!(store.get_session(s.id).await.unwrap().unwrap().history_len, 2);
            // A read while it is down fails after the read bound, saying for how long.
            pg.stop();
            let error = store.get_session(s.id).await.unwrap_err();
            assert!(matches!(error, StoreError::UnavailableFor { .. }), "{error:?}");
            assert!(error.to_string().starts_with("the database was unavailable for"), "{error}");
            pg.restart();
            // A constraint the database enforces: refused at once, never retried.
            let admin = private_pg::admin(&pg).await;
            admin
                .batch_execute("ALTER TABLE rlm.jobs ADD CONSTRAINT no_refused CHECK (owner <> 'refused')")
                .await
                .unwrap();
            let before = store.transient_retries();
            let error = store.enqueue_job(&job("refused", s.id)).await.unwrap_err();
            assert!(matches!(error, StoreError::Backend(_)), "{error:?}");
            assert!(error.to_string().contains("23514"), "{error}");
            assert_eq!(store.transient_retries(), before, "a constraint violation was retried");
        }
    }

    rlm_testenv::needs_postgres! {
        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn while_the_database_is_down_requests_answer_503_with_retry_after() {
            let mut pg = PrivatePg::start();
            let database = DatabaseConfig::Postgres { url: pg.url(), schema: "rlm".into() };
            let s = TestServer::start_with(common::demo_script(), |c| c.database = database).await;
            let sid = s.create_session_without_context().await;
            pg.stop();
            for path in ["/api/sessions", &format!("/api/sessions/{sid}")] {
                let r = s.client.get(s.url(path)).send().await.unwrap();
                assert_eq!(r.status().as_u16(), 503, "{path}");
                let retry_after = r.headers().get("retry-after").map(|v| v.to_str().unwrap().to_string());
                assert_eq!(retry_after.as_deref(), Some("5"), "{path}");
                let body: serde_json::Value = r.json().await.unwrap();
                assert_eq!(body["code"], "storage_unavailable", "{body}");
                assert!(body["detail"].as_str().unwrap().contains("database was unavailable"), "{body}");
            }
            // The OpenAI-shaped error carries it too.
            let r = s
                .client
                .post(s.url("/v1/chat/completions"))
                .json(&serde_json::json!({
                    "model": format!("rlm:session/{sid}"),
                    "messages": [{"role": "user", "content": "hi"}],
                }))
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            let retry_after = r.headers().get("retry-after").is_some();
            let body: serde_json::Value = r.json().await.unwrap_or_default();
            assert_eq!((status, retry_after), (503, true), "{body}");
            assert_eq!(body["error"]["code"], "storage_unavailable", "{body}");
            let (status, ready) = s.get("/readyz").await;
            assert_eq!(status, 503, "{ready}");
            assert!(ready.to_string().contains("store unavailable"), "{ready}");
            pg.restart();
            let (status, body) = s.get(&format!("/api/sessions/{sid}")).await;
            assert_eq!(status, 200, "{body}");
            let (status, _) = s.get("/readyz").await;
            assert_eq!(status, 200);
            s.stop().await;
        }
    }
}
