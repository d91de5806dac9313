//! A cluster of real `rlm serve` processes for the tests: an `api` and
//! `worker`s on one PostgreSQL schema, one NATS JetStream stream and one
//! shared data folder, each test's own (removed at the end), with the
//! HTTP helpers the tests call them with.

// Each test crate that includes this file uses a part of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::serve_child;

pub const DATABASE_URL: &str = "postgresql://postgres@127.0.0.1:5432/test";
pub const SHARED_NATS: &str = "nats://127.0.0.1:4222";

pub fn database_url() -> String {
    std::env::var("RLM_TEST_DATABASE_URL").unwrap_or_else(|_| DATABASE_URL.to_string())
}

/// A name no other test uses (schema: lower case; stream: any case).
pub fn unique(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!("{prefix}_{}_{nanos}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed))
}

/// One process of the cluster, with the lines it wrote on stderr.
pub struct Process {
    pub child: Child,
    pub base: String,
    pub lines: Arc<Mutex<Vec<String>>>,
}

impl Process {
    /// The JSON log lines whose message is `message`.
    pub fn logged(&self, message: &str) -> Vec<Value> {
        self.lines
            .lock()
            .unwrap()
            .iter()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|v| v["fields"]["message"] == message)
            .collect()
    }

    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// How many times each process logged `message`, once they logged it
/// `total` times together or `within` passed. A job's stored end is visible
/// to the api before its worker's log line reaches the test's reader, so
/// counting at once can miss the last one.
pub async fn logged_per_process(
    processes: &[Process],
    message: &str,
    total: usize,
    within: Duration,
) -> Vec<usize> {
    let deadline = Instant::now() + within;
    loop {
        let counts: Vec<usize> = processes.iter().map(|p| p.logged(message).len()).collect();
        if counts.iter().sum::<usize>() >= total || Instant::now() >= deadline {
            return counts;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The deployment's settings every process shares, and its clean-up.
pub struct Cluster {
    /// The PostgreSQL server's URL (the shared one unless a test sets its own).
    pub database: String,
    pub schema: String,
    pub stream: String,
    pub nats: String,
    pub redis: Option<String>,
    pub data: tempfile::TempDir,
    pub script: PathBuf,
    /// More arguments and environment for every process.
    pub args: Vec<String>,
    pub envs: Vec<(String, String)>,
}

impl Cluster {
    pub fn with_script(nats: &str, script: Value) -> Cluster {
        let data = tempfile::tempdir().unwrap();
        let script_path = data.path().join("script.json");
        std::fs::write(&script_path, script.to_string()).unwrap();
        Cluster {
            database: database_url(),
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

    pub fn spawn(&self, role: &str) -> Process {
        self.spawn_with(role, &[])
    }

    /// [`Cluster::spawn`] with more arguments for this process only.
    pub fn spawn_with(&self, role: &str, extra: &[&str]) -> Process {
        self.try_spawn_with(role, extra)
            .unwrap_or_else(|_| panic!("rlm serve --role {role} did not start"))
    }

    /// [`Cluster::spawn_with`], or the lines a process that did not start wrote.
    pub fn try_spawn_with(&self, role: &str, extra: &[&str]) -> Result<Process, Vec<String>> {
        let lines = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&lines);
        // The deployment's ack wait, unless this process is given its own.
        let ack_wait: &[&str] = if extra.contains(&"--nats-ack-wait-secs") {
            &[]
        } else {
            &["--nats-ack-wait-secs", "2"]
        };
        let started = serve_child::spawn_serve(
            |c| {
                c.args(["--role", role, "--workers", "1"])
                    .args(ack_wait)
                    .arg("--data")
                    .arg(self.data.path().join("data"))
                    .arg("--script")
                    .arg(&self.script)
                    .args(["--database-url", &self.database, "--database-schema", &self.schema])
                    .args(["--nats-url", &self.nats, "--nats-stream", &self.stream])
                    .current_dir(self.data.path());
                if let Some(redis) = &self.redis {
                    c.args(["--redis-cache", redis]);
                }
                c.args(&self.args).args(extra).envs(self.envs.iter().cloned());
            },
            move |line| seen.lock().unwrap().push(line.to_string()),
        );
        match started {
            Ok((child, base)) => Ok(Process { child, base, lines }),
            Err(mut child) => {
                let _ = child.wait();
                // The reader thread has the last lines once the pipe closed.
                std::thread::sleep(Duration::from_millis(200));
                Err(lines.lock().unwrap().clone())
            }
        }
    }

    /// When the execution's lease ends (microseconds since the epoch), read
    /// from the schema's `execution_leases`; `None` if it has none.
    pub async fn lease_expiry(&self, execution: &str) -> Option<u64> {
        let (client, connection) =
            tokio_postgres::connect(&self.database, tokio_postgres::NoTls).await.unwrap();
        tokio::spawn(connection);
        let sql = format!(
            "SELECT expires_at FROM {}.execution_leases WHERE execution_id::text = $1",
            self.schema
        );
        let row = client.query_opt(&sql, &[&execution]).await.unwrap()?;
        Some(row.get::<_, i64>(0) as u64)
    }

    /// Drops the schema and the stream (the processes are killed first by their drops).
    pub async fn clean_up(self) {
        let (client, connection) =
            tokio_postgres::connect(&self.database, tokio_postgres::NoTls).await.unwrap();
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

pub async fn post(base: &str, path: &str, body: Value) -> (u16, Value) {
    let r = reqwest::Client::new().post(format!("{base}{path}")).json(&body).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

pub async fn get(base: &str, path: &str) -> (u16, Value) {
    let r = reqwest::get(format!("{base}{path}")).await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[allow(unused_imports)] // not every test binary that includes this file uses it
pub use rlm_testenv::services::free_port;

pub fn wait_for_port(port: u16, what: &str) {
    rlm_testenv::services::wait_for_port(port, what, Duration::from_secs(10));
}

/// A private `redis-server` on `port` (no persistence), once it listens.
pub fn start_redis(port: u16, dir: &Path) -> Child {
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

/// Three root steps, each reply `delay_ms` late: two programs, then FINAL.
pub fn script(delay_ms: u64) -> Value {
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
pub fn resumable_script(delay_ms: u64) -> Value {
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

pub async fn session(api: &Process) -> String {
    let (status, s) =
        post(&api.base, "/api/sessions", json!({"name": "cluster", "context": "a small context"}))
            .await;
    assert_eq!(status, 200, "{s}");
    s["id"].as_str().unwrap().to_string()
}

pub async fn submit(api: &Process, session: &str, n: usize) -> Vec<String> {
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
pub async fn ended(api: &Process, ids: &[String], within: Duration) -> Vec<Value> {
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

/// The execution's stored trace events.
pub async fn trace(api: &Process, execution: &str) -> Vec<Value> {
    let body = reqwest::get(format!("{}/api/executions/{execution}/trace", api.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    body.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}
