//! A cluster (an `api` and two `worker`s on one PostgreSQL schema and one
//! NATS JetStream stream) while the database's connections are cut: every
//! 600 ms, `pg_terminate_backend` on every connection the deployment holds
//! (its schema's `application_name`; no other connection is touched). The
//! store retries each cut operation whole on a fresh connection, and an
//! execution's settlement writes its record, its job, its history turn and
//! its session in one transaction, so no work is left half-written: every
//! job COMPLETE with its answer, its execution completed, one history turn
//! per job, none FAILED. A database stopped for 35 s in the middle of a job
//! (a private PostgreSQL server): the job waits it out and completes once.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use crate::cluster_env;

use cluster_env::{
    Cluster, Process, SHARED_NATS, database_url, ended, get, logged_per_process, resumable_script,
    script, session, submit,
};

/// Cuts every connection of `application` every `every`, until `stop`; the
/// count of connections cut.
fn cut_connections(
    application: String,
    every: Duration,
    stop: Arc<AtomicBool>,
) -> tokio::task::JoinHandle<(u64, u64)> {
    tokio::spawn(async move {
        let (admin, connection) =
            tokio_postgres::connect(&database_url(), tokio_postgres::NoTls).await.unwrap();
        tokio::spawn(connection);
        let (bursts, cut) = (AtomicU64::new(0), AtomicU64::new(0));
        while !stop.load(Ordering::SeqCst) {
            tokio::time::sleep(every).await;
            let row = admin
                .query_one(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
                     WHERE application_name = $1",
                    &[&application],
                )
                .await
                .unwrap();
            bursts.fetch_add(1, Ordering::Relaxed);
            cut.fetch_add(row.get::<_, i64>(0) as u64, Ordering::Relaxed);
        }
        (bursts.into_inner(), cut.into_inner())
    })
}

async fn history_total(api: &Process, sid: &str) -> u64 {
    let (status, history) = get(&api.base, &format!("/api/sessions/{sid}/history")).await;
    assert_eq!(status, 200, "{history}");
    history["total"].as_u64().unwrap()
}

rlm_testenv::needs_postgres! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn cut_database_connections_leave_no_work_half_written() {
        const PER_SESSION: usize = 4;
        let cluster = Cluster::with_script(SHARED_NATS, script(150));
        let api = cluster.spawn("api");
        let workers: Vec<Process> = (0..2).map(|_| cluster.spawn("worker")).collect();
        let mut sessions = Vec::new();
        for _ in 0..3 {
            sessions.push(session(&api).await);
        }
        let stop = Arc::new(AtomicBool::new(false));
        let application = format!("rlm-server:{}", cluster.schema);
        let cutter = cut_connections(application, Duration::from_millis(600), Arc::clone(&stop));
        let mut ids = Vec::new();
        for sid in &sessions {
            ids.extend(submit(&api, sid, PER_SESSION).await);
        }
        let jobs = ended(&api, &ids, Duration::from_secs(150)).await;
        stop.store(true, Ordering::SeqCst);
        let (bursts, cut) = cutter.await.unwrap();
        eprintln!("{} jobs; {bursts} bursts cut {cut} connections", ids.len());
        assert!(cut > 0, "no connection was cut");
        for job in &jobs {
            assert_eq!(job["status"], "COMPLETE", "{job}");
            assert_eq!(job["answer"], "done", "{job}");
            let execution = job["execution_id"].as_str().unwrap();
            let (_, record) = get(&api.base, &format!("/api/executions/{execution}")).await;
            assert_eq!(record["status"], "completed", "{record}");
            assert_eq!(record["final_result"], "done", "{record}");
        }
        for sid in &sessions {
            assert_eq!(history_total(&api, sid).await, PER_SESSION as u64, "one turn per job");
        }
        let ran: usize =
            logged_per_process(&workers, "execution finished", ids.len(), Duration::from_secs(10)).await.iter().sum();
        assert!(ran >= ids.len(), "{ran} executions finished for {} jobs", ids.len());
        drop((api, workers));
        cluster.clean_up().await;
    }
}

rlm_testenv::needs_postgres! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_job_outlives_its_database_stopped_for_35_s_and_completes_once() {
        let mut pg = rlm_testenv::services::PrivatePostgres::start();
        let mut cluster = Cluster::with_script(SHARED_NATS, resumable_script(1200));
        cluster.database = pg.url();
        let api = cluster.spawn("api");
        let worker = cluster.spawn("worker");
        let sid = session(&api).await;
        let ids = submit(&api, &sid, 1).await;
        // Into its second step, the database goes away for 35 s.
        tokio::time::sleep(Duration::from_millis(2500)).await;
        pg.stop();
        tokio::time::sleep(Duration::from_secs(35)).await;
        pg.restart();
        let jobs = ended(&api, &ids, Duration::from_secs(120)).await;
        assert_eq!(jobs[0]["status"], "COMPLETE", "{}", jobs[0]);
        assert_eq!(jobs[0]["answer"], "done", "{}", jobs[0]);
        let execution = jobs[0]["execution_id"].as_str().unwrap();
        let (_, record) = get(&api.base, &format!("/api/executions/{execution}")).await;
        assert_eq!(record["status"], "completed", "{record}");
        assert_eq!(history_total(&api, &sid).await, 1, "one turn");
        let attempts = worker.logged("running a queued job").len();
        eprintln!("the job took {attempts} deliveries; {record}");
        drop((api, worker));
        cluster.clean_up().await;
    }
}
