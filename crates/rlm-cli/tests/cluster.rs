//! A cluster of real processes: `rlm serve --role api` and several `rlm serve
//! --role worker` on one PostgreSQL schema, one NATS JetStream stream and one
//! shared data folder (each test its own schema, stream and folder, removed
//! at the end). Jobs spread over three workers and each completes once; a
//! worker killed with SIGKILL during step 3 of a job has its job redelivered,
//! and the next worker goes on with the same execution from its step-2
//! checkpoint (steps 1-2 not asked again, the trace one whole run), completed
//! once; an execution queued by the api goes on the same way; a NATS restart
//! mid-run loses no job; Redis stopped mid-run: runs still answer; three
//! worker processes hold the cluster-wide RPM (Redis) within 1% against a
//! mock provider counting per second. The
//! executions API (blocking and SSE) works through the `api` process, which
//! runs nothing itself.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[path = "support/serve_child.rs"]
mod serve_child;

use rlm_testenv::mock_openai::{MockConfig, MockOpenAi};
use serde_json::{Value, json};

const DATABASE_URL: &str = "postgresql://postgres@127.0.0.1:5432/test";
const SHARED_NATS: &str = "nats://127.0.0.1:4222";

fn database_url() -> String {
    std::env::var("RLM_TEST_DATABASE_URL").unwrap_or_else(|_| DATABASE_URL.to_string())
}

/// A name no other test uses (schema: lower case; stream: any case).
fn unique(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!("{prefix}_{}_{nanos}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed))
}

/// Three root steps, each reply `delay_ms` late: two programs, then FINAL.
fn script(delay_ms: u64) -> Value {
    let reply = |text: &str| json!({ "text": text, "delay_ms": delay_ms });
    json!({
        "model": "cluster",
        "replies": [
            reply("First step.\n```repl\nprint('step one')\n```"),
            reply("Second step.\n```repl\nprint('step two')\n```"),
            reply("FINAL('done')"),
        ],
        "when_exhausted": { "fixed": "FINAL('the script has no more replies')" }
    })
}

/// Four root steps, each reply `delay_ms` late, chosen by what the
/// conversation holds (not by how many replies this process served), so a
/// run resumed in another process is answered at its step: three programs
/// printing `step one`, `step two`, `step three` (their output is what the
/// rules look for: the code spells them apart), then FINAL.
fn resumable_script(delay_ms: u64) -> Value {
    let reply = |text: &str| json!({ "text": text, "delay_ms": delay_ms });
    let after = |output: &str, text: &str| json!({ "pattern": output, "target": "all", "reply": reply(text) });
    json!({
        "model": "cluster",
        "rules": [
            after("step three", "FINAL('done')"),
            after("step two", "Third step.\n```repl\nprint('step ' + 'three')\n```"),
            after("step one", "Second step.\n```repl\nprint('step ' + 'two')\n```"),
        ],
        "replies": [reply("First step.\n```repl\nprint('step ' + 'one')\n```")],
        "when_exhausted": { "fixed": "FINAL('the script has no more replies')" }
    })
}

/// One process of the cluster, with the lines it wrote on stderr.
struct Process {
    child: Child,
    base: String,
    lines: Arc<Mutex<Vec<String>>>,
}

impl Process {
    /// The JSON log lines whose message is `message`.
    fn logged(&self, message: &str) -> Vec<Value> {
        self.lines
            .lock()
            .unwrap()
            .iter()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|v| v["fields"]["message"] == message)
            .collect()
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The deployment's settings every process shares, and its clean-up.
struct Cluster {
    schema: String,
    stream: String,
    nats: String,
    redis: Option<String>,
    data: tempfile::TempDir,
    script: PathBuf,
    /// More arguments and environment for every process.
    args: Vec<String>,
    envs: Vec<(String, String)>,
}

impl Cluster {
    fn new(nats: &str, delay_ms: u64) -> Cluster {
        Cluster::with_script(nats, script(delay_ms))
    }

    fn with_script(nats: &str, script: Value) -> Cluster {
        let data = tempfile::tempdir().unwrap();
        let script_path = data.path().join("script.json");
        std::fs::write(&script_path, script.to_string()).unwrap();
        Cluster {
            schema: unique("rlm_cluster"),
            stream: unique("rlmtest_cluster"),
            nats: nats.to_string(),
            redis: None,
            data,
            script: script_path,
            args: Vec::new(),
            envs: Vec::new(),
        }
    }

    fn spawn(&self, role: &str) -> Process {
        let lines = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&lines);
        let (child, base) = serve_child::spawn_serve(
            |c| {
                c.args(["--role", role, "--workers", "1", "--nats-ack-wait-secs", "2"])
                    .arg("--data")
                    .arg(self.data.path().join("data"))
                    .arg("--script")
                    .arg(&self.script)
                    .args(["--database-url", &database_url(), "--database-schema", &self.schema])
                    .args(["--nats-url", &self.nats, "--nats-stream", &self.stream])
                    .current_dir(self.data.path());
                if let Some(redis) = &self.redis {
                    c.args(["--redis-cache", redis]);
                }
                c.args(&self.args).envs(self.envs.iter().cloned());
            },
            move |line| seen.lock().unwrap().push(line.to_string()),
        )
        .unwrap_or_else(|_| panic!("rlm serve --role {role} did not start"));
        Process { child, base, lines }
    }

    /// Drops the schema and the stream (the processes are killed first by their drops).
    async fn clean_up(self) {
        let (client, connection) =
            tokio_postgres::connect(&database_url(), tokio_postgres::NoTls).await.unwrap();
        tokio::spawn(connection);
        client
            .batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.schema))
            .await
            .unwrap();
        let config = rlm_queue::QueueConfig {
            stream: self.stream.clone(),
            ..rlm_queue::QueueConfig::new(&self.nats)
        };
        if let Ok(queue) = rlm_queue::JobQueue::connect(config).await {
            let _ = queue.destroy().await;
        }
    }
}

async fn post(base: &str, path: &str, body: Value) -> (u16, Value) {
    let r = reqwest::Client::new().post(format!("{base}{path}")).json(&body).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn get(base: &str, path: &str) -> (u16, Value) {
    let r = reqwest::get(format!("{base}{path}")).await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn session(api: &Process) -> String {
    let (status, s) =
        post(&api.base, "/api/sessions", json!({"name": "cluster", "context": "a small context"}))
            .await;
    assert_eq!(status, 200, "{s}");
    s["id"].as_str().unwrap().to_string()
}

async fn submit(api: &Process, session: &str, n: usize) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..n {
        let (status, job) = post(
            &api.base,
            "/api/jobs",
            json!({"session_id": session, "user_query": format!("job {i}: what does it say?")}),
        )
        .await;
        assert!((200..300).contains(&status), "{status} {job}");
        ids.push(job["job_id"].as_str().unwrap().to_string());
    }
    ids
}

/// Waits until every job has ended; returns them.
async fn ended(api: &Process, ids: &[String], within: Duration) -> Vec<Value> {
    let until = Instant::now() + within;
    loop {
        let mut jobs = Vec::new();
        for id in ids {
            let (_, job) = get(&api.base, &format!("/api/jobs/{id}")).await;
            jobs.push(job);
        }
        let open = jobs
            .iter()
            .filter(|j| matches!(j["status"].as_str(), Some("PENDING" | "RUNNING") | None))
            .count();
        if open == 0 {
            return jobs;
        }
        assert!(Instant::now() < until, "{open} jobs still open: {jobs:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The executions of the session, from the api.
async fn executions(api: &Process, session: &str) -> Vec<Value> {
    let (status, list) =
        get(&api.base, &format!("/api/executions?session_id={session}&limit=1000")).await;
    assert_eq!(status, 200, "{list}");
    list["executions"].as_array().cloned().unwrap_or_default()
}

/// The execution's stored trace events.
async fn trace(api: &Process, execution: &str) -> Vec<Value> {
    let body = reqwest::get(format!("{}/api/executions/{execution}/trace", api.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    body.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// The trace is one whole run: `seq` 0, 1, 2... without a gap or a repeat,
/// one run start and one run end, each of the script's three programs (FINAL is one) once.
fn assert_whole(trace: &[Value]) {
    assert_whole_with(trace, 3);
}

/// [`assert_whole`] for a script of `programs` programs, each once, in step order.
fn assert_whole_with(trace: &[Value], programs: usize) {
    let iterations: Vec<u64> = trace
        .iter()
        .filter(|e| e["kind"]["type"] == "program_started")
        .map(|e| e["kind"]["iteration"].as_u64().unwrap())
        .collect();
    assert_eq!(iterations, (1..=programs as u64).collect::<Vec<_>>(), "{trace:?}");
    let seqs: Vec<u64> = trace.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs, (0..trace.len() as u64).collect::<Vec<_>>(), "{trace:?}");
    let count = |kind: &str| trace.iter().filter(|e| e["kind"]["type"] == kind).count();
    assert_eq!(count("run_started"), 1, "{trace:?}");
    assert_eq!(count("run_finished"), 1, "{trace:?}");
    assert_eq!(count("program_finished"), programs, "{trace:?}");
    assert_eq!(trace.first().unwrap()["kind"]["type"], "run_started");
    assert_eq!(trace.last().unwrap()["kind"]["type"], "run_finished");
}

rlm_testenv::needs_postgres! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn jobs_spread_over_three_workers_and_each_completes_once() {
        let cluster = Cluster::new(SHARED_NATS, 150);
        let api = cluster.spawn("api");
        let workers: Vec<Process> = (0..3).map(|_| cluster.spawn("worker")).collect();
        for w in &workers {
            let (status, ready) = get(&w.base, "/readyz").await;
            assert_eq!(status, 200, "{ready}");
            // A worker serves the probes only.
            assert_eq!(get(&w.base, "/api/sessions").await.0, 404);
        }
        let sid = session(&api).await;
        let ids = submit(&api, &sid, 12).await;
        let jobs = ended(&api, &ids, Duration::from_secs(120)).await;
        for job in &jobs {
            assert_eq!(job["status"], "COMPLETE", "{job}");
            assert_eq!(job["answer"], "done", "{job}");
        }
        // Every worker ran some; all of them together ran each job once.
        let ran: Vec<usize> = workers.iter().map(|w| w.logged("execution finished").len()).collect();
        assert!(ran.iter().all(|&n| n >= 1), "a worker ran no job: {ran:?}");
        assert_eq!(ran.iter().sum::<usize>(), ids.len(), "{ran:?}");
        assert!(api.logged("execution finished").is_empty(), "the api ran an execution");
        let stored = executions(&api, &sid).await;
        assert_eq!(stored.len(), ids.len(), "one execution per job");
        assert!(stored.iter().all(|e| e["status"] == "completed"), "{stored:?}");
        for job in &jobs {
            assert_whole(&trace(&api, job["execution_id"].as_str().unwrap()).await);
        }

        // The executions API through the api process: a worker runs them.
        let (status, done) =
            post(&api.base, "/api/execute", json!({"session_id": sid, "user_query": "blocking?"})).await;
        assert_eq!(status, 200, "{done}");
        assert_eq!(done["final_result"], "done", "{done}");
        let stream = reqwest::Client::new()
            .post(format!("{}/api/execute/stream", api.base))
            .json(&json!({"context": "inline text", "user_query": "streamed?"}))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let ids_seen: Vec<u64> = stream
            .lines()
            .filter_map(|l| l.strip_prefix("id: ").or_else(|| l.strip_prefix("id:")))
            .map(|n| n.trim().parse().unwrap())
            .collect();
        assert_eq!(ids_seen.first(), Some(&0), "{stream}");
        assert!(ids_seen.windows(2).all(|w| w[1] > w[0]), "{stream}");
        assert!(stream.contains("event: execution_start"), "{stream}");
        assert!(stream.contains("event: program_finished"), "{stream}");
        assert!(stream.contains("event: complete"), "{stream}");
        assert!(api.logged("execution finished").is_empty(), "the api ran an execution");
        drop((api, workers));
        cluster.clean_up().await;
    }
}

/// Microseconds since the epoch, as trace events' `ts`.
fn now_us() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64)
}

/// Waits until the execution's stored trace shows the root model asked for
/// step 3 (so step 2's checkpoint is stored: a checkpoint is saved before
/// the next step starts, and only once the trace it covers is stored).
async fn wait_for_step_3(api: &Process, execution: impl AsyncFn() -> Option<String>) -> String {
    let until = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(e) = execution().await {
            let t = trace(api, &e).await;
            if t.iter().filter(|e| e["kind"]["type"] == "model_call_started").count() >= 3 {
                return e;
            }
        }
        assert!(Instant::now() < until, "step 3 did not start");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The resumed execution's trace: one whole run of four programs whose
/// steps 1-2 are the dead worker's (recorded before the kill) and whose root
/// model was asked for steps 3 and 4 only after it (nothing asked twice).
fn assert_resumed(trace: &[Value], killed_at_us: u64) {
    assert_whole_with(trace, 4);
    let ts = |kind: &str| -> Vec<u64> {
        trace
            .iter()
            .filter(|e| e["kind"]["type"] == kind)
            .map(|e| e["ts"].as_u64().unwrap())
            .collect()
    };
    let programs = ts("program_finished");
    assert!(programs[..2].iter().all(|&t| t < killed_at_us), "steps 1-2 ran before the kill");
    assert!(programs[2..].iter().all(|&t| t > killed_at_us), "steps 3-4 ran after it");
    let asked_after = ts("model_call_started").iter().filter(|&&t| t > killed_at_us).count();
    assert_eq!(asked_after, 2, "the next worker asked for steps 3 and 4 only: {trace:?}");
}

rlm_testenv::needs_postgres! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_worker_killed_during_step_3_has_its_job_resumed_elsewhere_from_step_2() {
        // Each root step takes 1.2 s: the kill comes while step 3 is asked.
        let cluster = Cluster::with_script(SHARED_NATS, resumable_script(1200));
        let api = cluster.spawn("api");
        let mut workers: Vec<Process> = (0..2).map(|_| cluster.spawn("worker")).collect();
        let sid = session(&api).await;
        let ids = submit(&api, &sid, 1).await;
        let id = &ids[0];
        let execution = wait_for_step_3(&api, async || {
            let (_, job) = get(&api.base, &format!("/api/jobs/{id}")).await;
            job["execution_id"].as_str().map(str::to_string)
        })
        .await;
        let running = workers
            .iter()
            .position(|w| !w.logged("running a queued job").is_empty())
            .expect("a worker logged the job");
        workers[running].kill(); // SIGKILL: nothing of it runs on
        let killed_at = now_us();
        let other = &workers[1 - running];

        let jobs = ended(&api, &ids, Duration::from_secs(90)).await;
        assert_eq!(jobs[0]["status"], "COMPLETE", "{}", jobs[0]);
        assert_eq!(jobs[0]["answer"], "done");
        let attempts = other.logged("running a queued job");
        assert_eq!(attempts.len(), 1, "{attempts:?}");
        assert_eq!(attempts[0]["fields"]["attempt"], 2, "{attempts:?}");
        assert_eq!(other.logged("execution finished").len(), 1);
        let stored = executions(&api, &sid).await;
        let completed = stored.iter().filter(|e| e["status"] == "completed").count();
        assert_eq!(completed, 1, "one result: {stored:?}");
        if jobs[0]["execution_id"] == execution.as_str() {
            // The same execution went on from its step-2 checkpoint.
            let resumed = other.logged("resuming the execution from its checkpoint");
            assert_eq!(resumed.len(), 1, "{resumed:?}");
            assert_eq!(resumed[0]["fields"]["step"], 2, "{resumed:?}");
            assert_resumed(&trace(&api, &execution).await, killed_at);
            assert_eq!(stored.len(), 1, "{stored:?}");
            assert_eq!(stored[0]["steps"].as_u64(), Some(4), "{stored:?}");
        } else {
            // Known race (the execution's lease equals the ack wait): a live
            // process's lease sweep ended the dead worker's execution
            // `interrupted` before the redelivery; the job ran again, whole.
            let second = jobs[0]["execution_id"].as_str().unwrap();
            assert_whole_with(&trace(&api, second).await, 4);
            assert_eq!(stored.len(), 2, "{stored:?}");
        }

        // A process starting on the schema takes no live process's run for dead.
        let ids = submit(&api, &sid, 1).await;
        let until = Instant::now() + Duration::from_secs(60);
        loop {
            let (_, job) = get(&api.base, &format!("/api/jobs/{}", ids[0])).await;
            if job["status"] == "RUNNING" && job["execution_id"].is_string() {
                break;
            }
            assert!(Instant::now() < until, "the job did not start: {job}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let late = cluster.spawn("worker");
        let jobs = ended(&api, &ids, Duration::from_secs(60)).await;
        assert_eq!(jobs[0]["status"], "COMPLETE", "{}", jobs[0]);
        drop((api, workers, late));
        cluster.clean_up().await;
    }
}

rlm_testenv::needs_postgres! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_execution_queued_by_the_api_goes_on_from_its_checkpoint_when_its_worker_dies() {
        let cluster = Cluster::with_script(SHARED_NATS, resumable_script(1200));
        let api = cluster.spawn("api");
        let mut workers: Vec<Process> = (0..2).map(|_| cluster.spawn("worker")).collect();
        let sid = session(&api).await;
        let base = api.base.clone();
        let body = json!({"session_id": sid, "user_query": "what does it say?"});
        let blocking = tokio::spawn(async move { post(&base, "/api/execute", body).await });
        let execution = wait_for_step_3(&api, async || {
            executions(&api, &sid).await.first().and_then(|e| e["id"].as_str().map(str::to_string))
        })
        .await;
        let running = workers
            .iter()
            .position(|w| !w.logged("running a queued execution").is_empty())
            .expect("a worker logged the execution");
        workers[running].kill();
        let killed_at = now_us();
        // The client's call, waiting on the api, gets the one answer.
        let (status, done) = tokio::time::timeout(Duration::from_secs(90), blocking)
            .await
            .expect("the execution ended")
            .unwrap();
        assert_eq!(status, 200, "{done}");
        assert_eq!(done["final_result"], "done", "{done}");
        assert_eq!(done["id"], execution.as_str(), "{done}");
        let other = &workers[1 - running];
        let resumed = other.logged("resuming the execution from its checkpoint");
        assert_eq!(resumed.len(), 1, "{resumed:?}");
        assert_eq!(resumed[0]["fields"]["step"], 2, "{resumed:?}");
        assert_resumed(&trace(&api, &execution).await, killed_at);
        // Replayed from the store, the stream's ids only grow across the two workers.
        let stream = reqwest::get(format!("{}/api/executions/{execution}/events", api.base))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let ids_seen: Vec<u64> = stream
            .lines()
            .filter_map(|l| l.strip_prefix("id:"))
            .map(|n| n.trim().parse().unwrap())
            .collect();
        assert!(ids_seen.windows(2).all(|w| w[1] > w[0]), "{stream}");
        assert!(ids_seen.last().unwrap() > &(1u64 << 32), "the second worker's ids: {stream}");
        drop((api, workers));
        cluster.clean_up().await;
    }
}

/// A private nats-server with JetStream on a free port and its own store, killed on drop.
struct PrivateNats {
    port: u16,
    dir: tempfile::TempDir,
    child: Option<Child>,
}

impl PrivateNats {
    fn start() -> PrivateNats {
        let port = free_port();
        let mut nats = PrivateNats { port, dir: tempfile::tempdir().unwrap(), child: None };
        nats.restart();
        nats
    }

    fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    fn restart(&mut self) {
        let child = Command::new("nats-server")
            .args(["-js", "-a", "127.0.0.1", "-p", &self.port.to_string()])
            .arg("-sd")
            .arg(self.dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nats-server is on PATH");
        self.child = Some(child);
        wait_for_port(self.port, "nats-server");
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for PrivateNats {
    fn drop(&mut self) {
        self.kill();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn wait_for_port(port: u16, what: &str) {
    let until = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < until, "private {what} did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn start_redis(port: u16, dir: &Path) -> Child {
    let child = Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", ""])
        .args(["--appendonly", "no"])
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("redis-server is on PATH");
    wait_for_port(port, "redis-server");
    child
}

rlm_testenv::needs_postgres! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_nats_restart_mid_run_loses_no_job_and_runs_none_twice() {
        let mut nats = PrivateNats::start();
        let cluster = Cluster::new(&nats.url(), 300);
        let api = cluster.spawn("api");
        let workers: Vec<Process> = (0..2).map(|_| cluster.spawn("worker")).collect();
        let sid = session(&api).await;
        let ids = submit(&api, &sid, 6).await;
        // Mid-run: some job is running.
        let until = Instant::now() + Duration::from_secs(60);
        while workers.iter().all(|w| w.logged("running a queued job").is_empty()) {
            assert!(Instant::now() < until, "no job started");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        nats.kill();
        let (status, ready) = get(&workers[0].base, "/readyz").await;
        assert_eq!(status, 503, "readiness reflects NATS: {ready}");
        tokio::time::sleep(Duration::from_secs(1)).await;
        nats.restart();
        let jobs = ended(&api, &ids, Duration::from_secs(120)).await;
        for job in &jobs {
            assert_eq!(job["status"], "COMPLETE", "{job}");
            assert_whole(&trace(&api, job["execution_id"].as_str().unwrap()).await);
        }
        let completed =
            executions(&api, &sid).await.iter().filter(|e| e["status"] == "completed").count();
        assert_eq!(completed, ids.len(), "each job completed once");
        let until = Instant::now() + Duration::from_secs(30);
        while get(&workers[0].base, "/readyz").await.0 != 200 {
            assert!(Instant::now() < until, "the worker is not ready again");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        drop((api, workers));
        cluster.clean_up().await;
    }
}

rlm_testenv::needs_postgres! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn with_redis_stopped_mid_run_runs_still_answer() {
        let port = free_port();
        let redis_dir = tempfile::tempdir().unwrap();
        let mut redis = start_redis(port, redis_dir.path());
        let mut cluster = Cluster::new(SHARED_NATS, 100);
        cluster.redis = Some(format!("redis://127.0.0.1:{port}/"));
        let api = cluster.spawn("api");
        let worker = cluster.spawn("worker");
        assert_eq!(get(&worker.base, "/readyz").await.0, 200);
        let sid = session(&api).await;
        let ids = submit(&api, &sid, 2).await;
        // Stopped while jobs run.
        let until = Instant::now() + Duration::from_secs(60);
        while worker.logged("running a queued job").is_empty() {
            assert!(Instant::now() < until, "no job started");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let _ = redis.kill();
        let _ = redis.wait();
        let jobs = ended(&api, &ids, Duration::from_secs(60)).await;
        for job in &jobs {
            assert_eq!(job["status"], "COMPLETE", "{job}");
            assert_eq!(job["answer"], "done", "{job}");
        }
        let (status, ready) = get(&worker.base, "/readyz").await;
        assert_eq!(status, 503, "readiness reflects Redis: {ready}");
        assert!(ready["status"].as_str().unwrap().contains("redis"), "{ready}");
        let (status, done) =
            post(&api.base, "/api/execute", json!({"session_id": sid, "user_query": "still?"})).await;
        assert_eq!(status, 200, "{done}");
        assert_eq!(done["final_result"], "done", "{done}");
        drop((api, worker));
        cluster.clean_up().await;
    }
}

/// The shared mock provider (OpenAI's chat completions on 127.0.0.1),
/// answering at once; it notes when each call arrived.
async fn counting_provider() -> MockOpenAi {
    MockOpenAi::start(MockConfig::default()).await.unwrap()
}

rlm_testenv::needs_postgres! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn three_worker_processes_hold_the_cluster_rpm_within_one_percent() {
        // 12,000 RPM is 200 calls a second, counted over 10 whole seconds from
        // the first call (2,000; the GCRA's burst of 11 fits in the 1%). Each
        // worker's own limiter (the same limit, per process) would let 200 a
        // second through alone: three would send 600 without Redis.
        let rpm: usize = 12_000;
        let (per_second, seconds) = (rpm / 60, 10);
        let provider = counting_provider().await;
        let model = format!("openai:{}", unique("rpm").replace('_', "-"));
        // Each job: one program asking 1,000 distinct questions (the query names the job).
        let script = json!({
            "model": "cluster",
            "rules": [{"pattern": "asked 1000", "target": "all", "reply": "FINAL('sent')"}],
            "replies": ["```repl\nr = llm_batch([query + str(i) for i in range(1000)])\nprint('asked', len(r))\n```"],
            "when_exhausted": { "fixed": "FINAL('sent')" }
        });
        let mut cluster = Cluster::with_script(SHARED_NATS, script);
        let rate = format!("{model}=rpm:{rpm}");
        cluster.args = [
            "--sub-model",
            model.as_str(),
            "--concurrency",
            "16",
            "--rate-limits",
            rate.as_str(),
            "--redis-rate-limits",
            "redis://127.0.0.1:6379/",
        ]
        .iter()
        .map(|a| a.to_string())
        .collect();
        cluster.envs = vec![
            ("OPENAI_BASE_URL".into(), format!("{}/v1", provider.uri())),
            ("OPENAI_API_KEY".into(), "sk-test-0123456789".into()),
        ];
        let api = cluster.spawn("api");
        let workers: Vec<Process> = (0..3).map(|_| cluster.spawn("worker")).collect();
        let sid = session(&api).await;
        let ids = submit(&api, &sid, 3).await;
        let jobs = ended(&api, &ids, Duration::from_secs(120)).await;
        for job in &jobs {
            assert_eq!(job["status"], "COMPLETE", "{job}");
        }
        let ran: Vec<usize> = workers.iter().map(|w| w.logged("execution finished").len()).collect();
        assert_eq!(ran, [1, 1, 1], "each worker process ran one job");
        let arrivals = provider.arrivals();
        assert_eq!(arrivals.len(), 3_000, "every question was asked once");
        let first = *arrivals.iter().min().unwrap();
        let counts: Vec<usize> = (0..seconds)
            .map(|k| {
                let from = first + Duration::from_secs(k);
                arrivals.iter().filter(|t| **t >= from && **t < from + Duration::from_secs(1)).count()
            })
            .collect();
        let total: usize = counts.iter().sum();
        eprintln!("calls per second from the first call: {counts:?} (limit {per_second})");
        let expected = per_second * seconds as usize;
        assert!(
            (expected * 99 / 100..=expected * 101 / 100).contains(&total),
            "{total} calls in {seconds} s, limit {expected}: {counts:?}"
        );
        drop((api, workers, provider));
        cluster.clean_up().await;
    }
}
