//! The job queue keeps its word under NATS and api faults (issue #55): a
//! cluster of real processes (an `api` and a `worker` on one PostgreSQL
//! schema, a private NATS) where NATS is stopped: submissions still answer
//! at once (committed with their outbox entry), the api is killed -9 before
//! it could publish them, NATS comes back, a new api's relay publishes
//! them, and each job runs exactly once. An `Idempotency-Key` retried gives
//! one job; with another body, 422. A worker answers `/metrics`; the api's
//! `rlm_jobs_queued` (from the store) is back to 0 once the jobs ended. One
//! configuration for every role: an api makes the NATS consumer follow its
//! ack wait (a worker that came first had created it with its own), and a
//! worker whose ack wait differs from the deployment's refuses to start,
//! saying why.

use std::time::{Duration, Instant};

use crate::cluster_env;

use cluster_env::{Cluster, Process, SHARED_NATS, ended, get, script, session};
use rlm_testenv::services::PrivateNats;
use serde_json::{Value, json};

/// A protocol bound (the request commits to PostgreSQL and answers), not a
/// speed test: far above what it takes, far below NATS's reconnect waits.
const SUBMIT_BOUND: Duration = Duration::from_secs(3);

/// Submits one job with an `Idempotency-Key`; its status, body and time taken.
async fn submit_keyed(api: &Process, body: &Value, key: &str) -> (u16, Value, Duration) {
    let started = Instant::now();
    let response = reqwest::Client::new()
        .post(format!("{}/api/jobs", api.base))
        .header("Idempotency-Key", key)
        .json(body)
        .timeout(Duration::from_secs(30))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let value = response.json().await.unwrap_or(Value::Null);
    (status, value, started.elapsed())
}

async fn metrics(base: &str) -> (u16, String) {
    let response = reqwest::get(format!("{base}/metrics")).await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

/// The value of the series line starting with `name ` (`None`: absent).
fn series(text: &str, name: &str) -> Option<f64> {
    text.lines().find_map(|l| l.strip_prefix(&format!("{name} ")).and_then(|v| v.parse().ok()))
}

async fn session_executions(api: &Process, session: &str) -> Vec<Value> {
    let (status, list) =
        get(&api.base, &format!("/api/executions?session_id={session}&limit=1000")).await;
    assert_eq!(status, 200, "{list}");
    list["executions"].as_array().cloned().unwrap_or_default()
}

rlm_testenv::needs_postgres! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn jobs_submitted_while_nats_is_down_run_once_after_the_api_died() {
        let mut nats = PrivateNats::start();
        let mut cluster = Cluster::with_script(&nats.url(), script(50));
        cluster.args = ["--outbox-poll-ms", "200", "--job-sweep-secs", "1"].map(String::from).to_vec();
        let mut api = cluster.spawn("api");
        let worker = cluster.spawn("worker");
        let sid = session(&api).await;
        nats.kill();
        // Accepted at once, whatever NATS does: committed with their outbox entries.
        let mut ids = Vec::new();
        for n in 0..3 {
            let body = json!({"session_id": sid, "user_query": format!("job {n}")});
            let (status, job, took) = submit_keyed(&api, &body, &format!("job-{n}")).await;
            assert_eq!(status, 200, "{job}");
            assert!(took < SUBMIT_BOUND, "a submission took {took:?} with NATS down");
            eprintln!("submitted with NATS down in {took:?}");
            ids.push(job["job_id"].as_str().unwrap().to_string());
        }
        // The api dies before it could publish them; NATS and a new api come back.
        api.kill();
        nats.restart();
        let api = cluster.spawn("api");
        let jobs = ended(&api, &ids, Duration::from_secs(90)).await;
        for job in &jobs {
            assert_eq!(job["status"], "COMPLETE", "{job}");
        }
        // Each ran exactly once: one execution per job in the session.
        let executions = session_executions(&api, &sid).await;
        assert_eq!(executions.len(), 3, "{executions:?}");
        // The same key and body again: the first response, no new job.
        let body = json!({"session_id": sid, "user_query": "job 0"});
        let (status, replayed, _) = submit_keyed(&api, &body, "job-0").await;
        assert_eq!((status, replayed["job_id"].as_str()), (200, Some(ids[0].as_str())));
        let other = json!({"session_id": sid, "user_query": "another question"});
        let (status, refused, _) = submit_keyed(&api, &other, "job-0").await;
        assert_eq!(status, 422, "{refused}");
        let (_, listed) = get(&api.base, "/api/jobs?limit=100").await;
        assert_eq!(listed["total"], 3, "{listed}");
        // Metrics: the worker answers; the api's job gauges come from the store.
        let (status, worker_metrics) = metrics(&worker.base).await;
        assert_eq!(status, 200, "{worker_metrics}");
        assert!(series(&worker_metrics, "rlm_jobs_running").is_some(), "{worker_metrics}");
        let (status, api_metrics) = metrics(&api.base).await;
        assert_eq!(status, 200);
        assert_eq!(series(&api_metrics, "rlm_jobs_queued"), Some(0.0), "{api_metrics}");
        assert_eq!(series(&api_metrics, "rlm_jobs_running"), Some(0.0), "{api_metrics}");
        assert_eq!(series(&api_metrics, "rlm_outbox_backlog"), Some(0.0), "{api_metrics}");
        assert!(api_metrics.contains("rlm_stored_executions{status=\"completed\"} 3"), "{api_metrics}");
        assert!(series(&api_metrics, "rlm_idempotent_replays_total").is_some_and(|n| n >= 1.0), "{api_metrics}");
        drop((api, worker));
        cluster.clean_up().await;
    }
}

rlm_testenv::needs_postgres! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_role_runs_the_deployment_s_ack_wait() {
        let cluster = Cluster::with_script(SHARED_NATS, script(10));
        // A worker first creates the consumer with its own ack wait...
        let early = cluster.spawn_with("worker", &["--nats-ack-wait-secs", "7"]);
        let queue_config = rlm_queue::QueueConfig {
            stream: cluster.stream.clone(),
            ..rlm_queue::QueueConfig::new(SHARED_NATS)
        };
        let queue = rlm_queue::JobQueue::connect(queue_config).await.unwrap();
        let before = queue.consumer_settings().await.unwrap();
        assert_eq!(before.ack_wait, Duration::from_secs(7));
        // ...the api's configuration (2 s) is the deployment's: the consumer follows it.
        let api = cluster.spawn("api");
        let after = queue.consumer_settings().await.unwrap();
        assert_eq!(after.ack_wait, Duration::from_secs(2));
        // A worker started with another ack wait refuses to start, and says why.
        let lines = match cluster.try_spawn_with("worker", &["--nats-ack-wait-secs", "7"]) {
            Ok(_) => panic!("a worker with another ack wait started"),
            Err(lines) => lines.join("\n"),
        };
        assert!(lines.contains("differ from the deployment"), "{lines}");
        assert!(lines.contains("the ack wait (ms) is 7000 here, 2000 in the deployment"), "{lines}");
        // One with the deployment's starts.
        let agreeing = cluster.spawn("worker");
        drop((early, api, agreeing));
        cluster.clean_up().await;
    }
}

rlm_testenv::needs_postgres! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_worker_with_keys_serves_its_metrics_to_its_keys_only() {
        let cluster = Cluster::with_script(SHARED_NATS, script(0));
        let api = cluster.spawn("api");
        let token = "metrics-key-0123456789abcdef";
        let worker = cluster.spawn_with("worker", &["--api-key", &format!("ops:{token}")]);
        let url = format!("{}/metrics", worker.base);
        let bare = reqwest::get(&url).await.unwrap().status().as_u16();
        let keyed = reqwest::Client::new().get(&url).bearer_auth(token).send().await.unwrap();
        assert_eq!((bare, keyed.status().as_u16()), (401, 200), "as an api's /metrics");
        assert!(keyed.text().await.unwrap().contains("rlm_"), "the worker's metrics");
        assert_eq!(get(&worker.base, "/healthz").await.0, 200, "the probes stay open");
        drop((api, worker));
        cluster.clean_up().await;
    }
}
