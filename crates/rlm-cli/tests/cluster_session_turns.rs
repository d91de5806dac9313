//! A session's executions across a cluster of real processes (`rlm serve
//! --role api` and `--role worker`s on one PostgreSQL schema and one NATS
//! JetStream stream, each test its own): two jobs of one session given to
//! two workers at once run one after the other (the second worker waits for
//! the session's lease), and the session's spend is the sum of both; a
//! worker told to stop (SIGTERM) hands its job back at the next step
//! boundary, and another worker goes on with the same execution from that
//! step's checkpoint, no root step asked twice.

use std::process::Command;
use std::time::{Duration, Instant};

use crate::cluster_env;

use cluster_env::{
    Cluster, Process, SHARED_NATS, database_url, ended, get, resumable_script, script, session,
    submit, trace,
};
use serde_json::Value;

fn count(trace: &[Value], kind: &str) -> usize {
    trace.iter().filter(|e| e["kind"]["type"] == kind).count()
}

/// The `ts` of the trace's one event of `kind`.
fn ts_of(trace: &[Value], kind: &str) -> u64 {
    let found: Vec<u64> = trace
        .iter()
        .filter(|e| e["kind"]["type"] == kind)
        .map(|e| e["ts"].as_u64().unwrap())
        .collect();
    assert_eq!(found.len(), 1, "one {kind}: {trace:?}");
    found[0]
}

/// The session leases left in the cluster's schema.
async fn session_leases(cluster: &Cluster) -> i64 {
    let (client, connection) =
        tokio_postgres::connect(&database_url(), tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    let sql = format!("SELECT count(*) FROM {}.session_leases", cluster.schema);
    client.query_one(&sql, &[]).await.unwrap().get(0)
}

rlm_testenv::needs_postgres! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn two_jobs_of_one_session_on_two_workers_run_one_after_the_other() {
        // Each job takes three root steps of 400 ms: two at once would overlap.
        let cluster = Cluster::with_script(SHARED_NATS, script(400));
        let api = cluster.spawn("api");
        let workers: Vec<Process> = (0..2).map(|_| cluster.spawn("worker")).collect();
        let sid = session(&api).await;
        let ids = submit(&api, &sid, 2).await;
        let jobs = ended(&api, &ids, Duration::from_secs(90)).await;
        for job in &jobs {
            assert_eq!(job["status"], "COMPLETE", "{job}");
        }
        // Each worker took one job (a worker pulls its next job only when
        // its running one has ended); the second waited for the first.
        let took: Vec<usize> =
            workers.iter().map(|w| w.logged("running a queued job").len()).collect();
        assert_eq!(took, vec![1, 1], "each worker took one job");
        let waited: usize = workers
            .iter()
            .map(|w| w.logged("the session runs an execution elsewhere: waiting for it").len())
            .sum();
        assert_eq!(waited, 1, "one worker waited for the session");
        // Their runs [run_started, run_finished] do not overlap.
        let mut runs = Vec::new();
        for job in &jobs {
            let t = trace(&api, job["execution_id"].as_str().unwrap()).await;
            runs.push((ts_of(&t, "run_started"), ts_of(&t, "run_finished")));
        }
        runs.sort();
        assert!(runs[0].1 <= runs[1].0, "the runs overlap: {runs:?}");
        // The session's spend is the sum of both executions'.
        let (status, list) =
            get(&api.base, &format!("/api/executions?session_id={sid}&limit=10")).await;
        assert_eq!(status, 200, "{list}");
        let executions = list["executions"].as_array().unwrap();
        assert_eq!(executions.len(), 2, "{list}");
        let sum = |field: &str| -> u64 {
            executions.iter().map(|e| e[field].as_u64().unwrap()).sum()
        };
        let (status, s) = get(&api.base, &format!("/api/sessions/{sid}")).await;
        assert_eq!(status, 200, "{s}");
        assert_eq!(s["spend"]["executions"], 2, "{s}");
        assert!(sum("total_input_tokens") > 0, "{list}");
        assert_eq!(s["spend"]["input_tokens"].as_u64(), Some(sum("total_input_tokens")), "{s}");
        assert_eq!(s["spend"]["output_tokens"].as_u64(), Some(sum("total_output_tokens")), "{s}");
        assert_eq!(s["spend"]["root_calls"].as_u64(), Some(sum("steps")), "{s} {list}");
        assert_eq!(session_leases(&cluster).await, 0, "the lease is given up");
        drop((api, workers));
        cluster.clean_up().await;
    }
}

/// Waits until the execution's stored trace shows the root model asked for
/// step 3 (so step 2's checkpoint is stored).
async fn wait_for_step_3(api: &Process, job: &str) -> String {
    let until = Instant::now() + Duration::from_secs(60);
    loop {
        let (_, record) = get(&api.base, &format!("/api/jobs/{job}")).await;
        if let Some(e) = record["execution_id"].as_str()
            && count(&trace(api, e).await, "model_call_started") >= 3
        {
            return e.to_string();
        }
        assert!(Instant::now() < until, "step 3 did not start");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Microseconds since the epoch, as trace events' `ts`.
fn now_us() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64)
}

/// Sends SIGTERM to the process and waits until it has exited.
fn terminate(process: &mut Process) {
    let pid = process.child.id().to_string();
    let sent = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(sent.success(), "kill -TERM {pid}");
    let until = Instant::now() + Duration::from_secs(30);
    while process.child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < until, "the worker did not stop");
        std::thread::sleep(Duration::from_millis(20));
    }
}

rlm_testenv::needs_postgres! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_worker_told_to_stop_hands_its_job_back_and_another_goes_on_from_its_checkpoint() {
        // Each root step takes 1.2 s: SIGTERM comes while step 3 is asked.
        let cluster = Cluster::with_script(SHARED_NATS, resumable_script(1200));
        let api = cluster.spawn("api");
        let mut first = cluster.spawn("worker");
        let sid = session(&api).await;
        let ids = submit(&api, &sid, 1).await;
        let execution = wait_for_step_3(&api, &ids[0]).await;
        let told_at = now_us();
        terminate(&mut first);
        // It finished step 3 (its checkpoint stored), then gave the job back:
        // the execution is not ended, the session's lease is given up.
        let handed = first.logged("the execution is handed back");
        assert_eq!(handed.len(), 1, "{:?}", first.lines.lock().unwrap());
        assert_eq!(handed[0]["fields"]["steps"], 3, "{handed:?}");
        assert!(first.logged("execution finished").is_empty(), "it settled the execution");
        let (_, record) = get(&api.base, &format!("/api/executions/{execution}")).await;
        assert_eq!(record["status"], "running", "{record}");
        let (_, job) = get(&api.base, &format!("/api/jobs/{}", ids[0])).await;
        assert_eq!(job["status"], "RUNNING", "{job}");
        assert_eq!(session_leases(&cluster).await, 0, "the session's lease is given up");

        let other = cluster.spawn("worker");
        let jobs = ended(&api, &ids, Duration::from_secs(90)).await;
        assert_eq!(jobs[0]["status"], "COMPLETE", "{}", jobs[0]);
        assert_eq!(jobs[0]["answer"], "done", "{}", jobs[0]);
        assert_eq!(jobs[0]["execution_id"], execution.as_str(), "the same execution");
        let attempts = other.logged("running a queued job");
        assert_eq!(attempts.len(), 1, "{attempts:?}");
        assert_eq!(attempts[0]["fields"]["attempt"], 2, "{attempts:?}");
        let resumed = other.logged("resuming the execution from its checkpoint");
        assert_eq!(resumed.len(), 1, "{resumed:?}");
        assert_eq!(resumed[0]["fields"]["step"], 3, "{resumed:?}");
        // One whole run: four programs, the root model asked four times in
        // all (step 4 only by the second worker), one run start and end.
        let t = trace(&api, &execution).await;
        assert_eq!(count(&t, "model_call_started"), 4, "a root step asked twice: {t:?}");
        assert_eq!(count(&t, "program_finished"), 4, "{t:?}");
        assert_eq!(count(&t, "run_started"), 1, "{t:?}");
        assert_eq!(count(&t, "run_finished"), 1, "{t:?}");
        let asked_after = t
            .iter()
            .filter(|e| e["kind"]["type"] == "model_call_started")
            .filter(|e| e["ts"].as_u64().unwrap() > told_at)
            .count();
        assert_eq!(asked_after, 1, "only step 4 was asked after SIGTERM: {t:?}");
        let seqs: Vec<u64> = t.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
        assert_eq!(seqs, (0..t.len() as u64).collect::<Vec<_>>(), "{t:?}");
        let (_, record) = get(&api.base, &format!("/api/executions/{execution}")).await;
        assert_eq!(record["status"], "completed", "{record}");
        assert_eq!(record["steps"], 4, "{record}");
        drop((api, first, other));
        cluster.clean_up().await;
    }
}
