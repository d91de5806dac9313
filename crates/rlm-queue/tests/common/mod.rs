//! What the queue tests share: the machine's NATS with a stream of the test's
//! own (deleted at the end), a private nats-server to restart, and handlers.

#![allow(dead_code)]

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::future::BoxFuture;
use rlm_queue::{Handled, Job, JobHandler, JobQueue, JobResult, QueueConfig, QueuedJobEnd};

/// The machine's shared NATS (JetStream on).
pub const SHARED_URL: &str = "nats://127.0.0.1:4222";

/// A stream name no other test uses.
pub fn stream_name(test: &str) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!("rlmtest_{test}_{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed))
}

/// A queue config on `url` with a fresh stream and short deadlines.
pub fn config(url: &str, test: &str) -> QueueConfig {
    QueueConfig {
        stream: stream_name(test),
        ack_wait: Duration::from_secs(1),
        heartbeat: Duration::from_millis(250),
        ..QueueConfig::new(url)
    }
}

pub fn job(id: &str, n: i64) -> Job {
    Job { id: id.to_string(), payload: serde_json::json!({ "n": n }) }
}

/// Waits (up to `within`) until every job has a result; returns them in order.
pub async fn results(queue: &JobQueue, ids: &[String], within: Duration) -> Vec<JobResult> {
    let until = Instant::now() + within;
    loop {
        let mut out = Vec::new();
        for id in ids {
            if let Ok(Some(r)) = queue.result(id).await {
                out.push(r);
            }
        }
        if out.len() == ids.len() {
            return out;
        }
        assert!(Instant::now() < until, "only {} of {} jobs have results", out.len(), ids.len());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Doubles `n`, after `delay`.
pub struct Doubler {
    pub delay: Duration,
}

impl JobHandler for Doubler {
    fn handle(&self, job: Job, _attempt: u32) -> BoxFuture<'_, Handled> {
        Box::pin(async move {
            tokio::time::sleep(self.delay).await;
            let n = job.payload["n"].as_i64().unwrap_or(0);
            Handled::Finished(QueuedJobEnd::Done { value: serde_json::json!(n * 2) })
        })
    }
}

/// Says it started, then never finishes (a worker about to die).
pub struct Hangs {
    pub started: Arc<tokio::sync::Notify>,
}

impl JobHandler for Hangs {
    fn handle(&self, _job: Job, _attempt: u32) -> BoxFuture<'_, Handled> {
        Box::pin(async move {
            self.started.notify_one();
            futures::future::pending::<Handled>().await
        })
    }
}

/// A private nats-server with JetStream on a free port and its own store dir, killed on drop.
pub struct PrivateNats {
    pub port: u16,
    dir: tempfile::TempDir,
    child: Option<Child>,
}

impl PrivateNats {
    pub fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut nats = Self { port, dir: tempfile::tempdir().unwrap(), child: None };
        nats.restart();
        nats
    }

    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// Starts the server (again) on the same port and store, waiting until it accepts connections.
    pub fn restart(&mut self) {
        let child = Command::new("nats-server")
            .args(["-js", "-a", "127.0.0.1", "-p", &self.port.to_string()])
            .arg("-sd")
            .arg(self.dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nats-server is on PATH");
        self.child = Some(child);
        let until = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < until, "private nats-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Kills the server (SIGKILL) and waits for it to exit.
    pub fn kill(&mut self) {
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
