//! What the Redis tests share: the machine's Redis with a key prefix of the
//! test's own (removed at the end), and private redis-server instances to kill.

#![allow(dead_code)]

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rlm_types::{Completion, Usage};

/// The machine's shared Redis.
pub const SHARED_URL: &str = "redis://127.0.0.1:6379/";

/// A key prefix no other test or run uses; its keys are deleted on drop.
pub struct Prefix {
    pub prefix: String,
    url: String,
}

impl Prefix {
    pub fn new(url: &str, name: &str) -> Self {
        let prefix = format!("rlm-test:{name}:{}:{}", std::process::id(), unique());
        Self { prefix, url: url.to_string() }
    }

    /// Every key under the prefix.
    pub fn keys(&self) -> Vec<String> {
        let Ok(client) = redis::Client::open(self.url.as_str()) else { return Vec::new() };
        let Ok(mut conn) = client.get_connection() else { return Vec::new() };
        let pattern = format!("{}:*", self.prefix);
        let keys: Vec<String> = match conn.scan_match(&pattern) {
            Ok(iter) => iter.collect(),
            Err(_) => Vec::new(),
        };
        keys
    }
}

use redis::Commands;

impl Drop for Prefix {
    fn drop(&mut self) {
        let keys = self.keys();
        if let Ok(client) = redis::Client::open(self.url.as_str())
            && let Ok(mut conn) = client.get_connection()
        {
            for key in keys {
                let _: redis::RedisResult<i64> = conn.del(key);
            }
        }
    }
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// A private redis-server (no persistence) on a free port, killed on drop.
pub struct PrivateRedis {
    pub port: u16,
    child: Option<Child>,
}

impl PrivateRedis {
    pub fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut redis = Self { port, child: None };
        redis.restart();
        redis
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// Starts the server (again) on the same port and waits until it answers.
    pub fn restart(&mut self) {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1", "--save", ""])
            .args(["--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server is on PATH");
        self.child = Some(child);
        let client = redis::Client::open(self.url()).unwrap();
        let until = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(mut conn) = client.get_connection()
                && redis::cmd("PING").query::<String>(&mut conn).is_ok()
            {
                return;
            }
            assert!(Instant::now() < until, "private redis-server did not start");
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

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        self.kill();
    }
}

pub fn completion(text: &str) -> Completion {
    Completion {
        text: text.into(),
        usage: Usage { prompt_tokens: 5, completion_tokens: 2, cached_tokens: 0 },
        finish_reason: None,
        model: "echo".into(),
        latency: Duration::from_millis(3),
    }
}
