//! A deployment as an operator runs one, on private services the fault
//! tests may kill: PostgreSQL, NATS JetStream and Redis of its own
//! (`rlm_testenv::services`), one `rlm serve --role api` on a fixed port
//! (restarted where its clients know it) and `worker`s, every process's
//! stderr kept for the failure report. The faults an operator sees every
//! week are methods here: kill -9 of a worker or the api, the database's
//! connections cut or the database stopped for a while, NATS restarted,
//! Redis stopped, and a worker frozen past its lease (a long GC pause, a
//! stalled VM) then thawed, so two workers run one job at once.

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Child;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rlm_testenv::services::{PrivateNats, PrivatePostgres, PrivateRedis, free_port};
use serde_json::{Value, json};

use super::serve_child::spawn_serve_on;

/// The schema every process of the deployment names.
const SCHEMA: &str = "rlm_faults";

/// One `rlm serve` process, killed on drop.
pub struct Member {
    pub role: &'static str,
    pub base: String,
    child: Child,
}

impl Drop for Member {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// See the module docs.
pub struct Deployment {
    pub postgres: PrivatePostgres,
    pub nats: PrivateNats,
    pub redis: PrivateRedis,
    data: tempfile::TempDir,
    script: PathBuf,
    api_bind: String,
    /// More arguments and environment for every process.
    args: Vec<String>,
    envs: Vec<(String, String)>,
    api: Option<Member>,
    workers: Vec<Member>,
    /// Every process's stderr lines, `role: line`.
    pub lines: Arc<Mutex<Vec<String>>>,
}

impl Deployment {
    /// Starts the services, then an api and `workers` workers playing `script`.
    pub fn start(script: &Value, workers: usize, args: &[&str]) -> Deployment {
        Deployment::start_with(script, workers, args, &[])
    }

    /// [`Deployment::start`] with environment for every process.
    pub fn start_with(
        script: &Value,
        workers: usize,
        args: &[&str],
        envs: &[(&str, String)],
    ) -> Deployment {
        let data = tempfile::tempdir().expect("a temporary folder");
        let script_path = data.path().join("script.json");
        std::fs::write(&script_path, script.to_string()).expect("the script is written");
        let mut d = Deployment {
            postgres: PrivatePostgres::start(),
            nats: PrivateNats::start(),
            redis: PrivateRedis::start(),
            data,
            script: script_path,
            api_bind: format!("127.0.0.1:{}", free_port()),
            args: args.iter().map(|a| a.to_string()).collect(),
            envs: envs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect(),
            api: None,
            workers: Vec::new(),
            lines: Arc::new(Mutex::new(Vec::new())),
        };
        d.restart_api();
        for _ in 0..workers {
            let w = d.spawn("worker", "127.0.0.1:0");
            d.workers.push(w);
        }
        d
    }

    /// The api's base URL (the same across its restarts).
    pub fn api(&self) -> String {
        format!("http://{}", self.api_bind)
    }

    /// Another api on its own port, with `extra` arguments (not restarted by faults).
    pub fn spawn_api_with(&self, extra: &[&str]) -> Member {
        self.spawn_with("api", "127.0.0.1:0", extra)
    }

    fn spawn(&self, role: &'static str, bind: &str) -> Member {
        self.spawn_with(role, bind, &[])
    }

    fn spawn_with(&self, role: &'static str, bind: &str, extra: &[&str]) -> Member {
        let seen = Arc::clone(&self.lines);
        let configure = |c: &mut std::process::Command| {
            c.args(["--role", role, "--workers", "2"])
                .arg("--data")
                .arg(self.data.path().join("data"))
                .arg("--script")
                .arg(&self.script)
                .args(["--database-url", &self.postgres.url(), "--database-schema", SCHEMA])
                .args(["--nats-url", &self.nats.url(), "--nats-stream", "RLM_FAULTS"])
                .args(["--redis-cache", &self.redis.url()])
                .args(&self.args)
                .args(extra)
                .envs(self.envs.iter().cloned())
                .current_dir(self.data.path());
        };
        let on_line = move |line: &str| seen.lock().unwrap().push(format!("{role}: {line}"));
        // A restart may find the services still coming back: try a few times.
        for _ in 0..5 {
            if let Ok((child, base)) = spawn_serve_on(bind, configure, on_line.clone()) {
                return Member { role, base, child };
            }
            std::thread::sleep(Duration::from_secs(1));
        }
        panic!("rlm serve --role {role} did not start:\n{}", self.tail(40));
    }

    /// Kills the api (if running) and starts a new one on the same port.
    pub fn restart_api(&mut self) {
        self.api = None;
        let bind = self.api_bind.clone();
        self.api = Some(self.spawn("api", &bind));
    }

    /// kill -9 of the api; [`Self::restart_api`] brings it back.
    pub fn kill_api(&mut self) {
        self.api = None;
    }

    /// kill -9 of worker `n`, and its replacement started (as a supervisor would).
    pub fn kill_worker(&mut self, n: usize) {
        let n = n % self.workers.len().max(1);
        if n < self.workers.len() {
            self.workers.remove(n);
        }
        let w = self.spawn("worker", "127.0.0.1:0");
        self.workers.push(w);
    }

    /// The deployment's database connections terminated, `times` times
    /// `apart`; how many were terminated in all.
    pub fn terminate_database_connections(&self, times: usize, apart: Duration) -> usize {
        let mut n = 0;
        for _ in 0..times {
            n += self.postgres.terminate_backends("rlm-server:");
            std::thread::sleep(apart);
        }
        n
    }

    /// The database stopped (every connection cut) for `down`, then started again.
    pub fn stop_database(&mut self, down: Duration) {
        self.postgres.stop();
        std::thread::sleep(down);
        self.postgres.restart();
    }

    /// Worker `n` frozen (SIGSTOP) for `frozen`, then thawed (SIGCONT):
    /// its deliveries' heartbeats stop, so NATS hands its job to another
    /// worker, and the thawed one runs on beside it until it notices.
    pub fn freeze_worker(&mut self, n: usize, frozen: Duration) {
        let n = n % self.workers.len().max(1);
        let Some(pid) = self.workers.get(n).map(|w| w.child.id().to_string()) else { return };
        let signal = |s: &str| {
            let _ = std::process::Command::new("kill").args([s, &pid]).status();
        };
        signal("-STOP");
        std::thread::sleep(frozen);
        signal("-CONT");
    }

    /// Every line the processes wrote, in a file kept after the test
    /// (`RLM_FAULT_LOG_DIR`, default the system's temporary folder): a
    /// failed round's whole story, which its report's tail cannot hold.
    pub fn keep_log(&self, name: &str) -> String {
        let dir = std::env::var_os("RLM_FAULT_LOG_DIR")
            .map_or_else(std::env::temp_dir, std::path::PathBuf::from);
        let path = dir.join(format!("{name}.log"));
        let lines = self.lines.lock().unwrap();
        match std::fs::write(&path, lines.join("\n")) {
            Ok(()) => format!("every process's log: {}", path.display()),
            Err(e) => format!("the processes' log could not be kept at {}: {e}", path.display()),
        }
    }

    /// The last `n` lines the processes wrote.
    pub fn tail(&self, n: usize) -> String {
        let lines = self.lines.lock().unwrap();
        lines[lines.len().saturating_sub(n)..].join("\n")
    }

    /// Lines that contain `needle`.
    pub fn count_lines(&self, needle: &str) -> usize {
        self.lines.lock().unwrap().iter().filter(|l| l.contains(needle)).count()
    }

    pub fn worker_count(&self) -> usize {
        self.workers.len()
    }
}

/// The faults an operator sees every week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Fault {
    KillWorker,
    KillApi,
    TerminateDatabaseConnections,
    RestartNats,
    StopRedis,
    StopDatabase,
    FreezeWorker,
}

pub const FAULTS: [Fault; 7] = [
    Fault::KillWorker,
    Fault::KillApi,
    Fault::TerminateDatabaseConnections,
    Fault::RestartNats,
    Fault::StopRedis,
    Fault::StopDatabase,
    Fault::FreezeWorker,
];

/// How long the database stays stopped, in seconds (`RLM_FAULT_DB_DOWN_SECS`,
/// `LOW-HIGH`; default 6-10, past two leases of the tests' 3 s ack wait; the
/// long run of BENCHMARKS.md draws from 20-60).
fn database_down(order: &mut Order) -> Duration {
    let (low, high) = std::env::var("RLM_FAULT_DB_DOWN_SECS")
        .ok()
        .and_then(|v| {
            let (a, b) = v.split_once('-')?;
            Some((a.trim().parse::<u64>().ok()?, b.trim().parse::<u64>().ok()?))
        })
        .unwrap_or((6, 10));
    Duration::from_secs(low + order.next() % (high.saturating_sub(low) + 1))
}

/// A small xorshift: the order of faults, reproducible from its seed.
pub struct Order(u64);

impl Order {
    /// An order from `seed`, mixed (splitmix64) so that neighbouring seeds,
    /// such as one round's and the next's, give unrelated orders.
    pub fn new(seed: u64) -> Order {
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Order((z ^ (z >> 31)) | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// Each fault `repeats` times, shuffled.
    pub fn faults(&mut self, repeats: usize) -> Vec<Fault> {
        let mut all: Vec<Fault> = FAULTS.iter().flat_map(|f| vec![*f; repeats]).collect();
        for i in (1..all.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            all.swap(i, j);
        }
        all
    }
}

/// Injects one fault; what it did, for the report.
pub fn inject(deployment: &mut Deployment, fault: Fault, order: &mut Order) -> Value {
    match fault {
        Fault::KillWorker => {
            let n = (order.next() % deployment.worker_count() as u64) as usize;
            deployment.kill_worker(n);
            json!({"worker": n})
        }
        Fault::KillApi => {
            deployment.kill_api();
            std::thread::sleep(Duration::from_millis(500));
            deployment.restart_api();
            json!({})
        }
        Fault::TerminateDatabaseConnections => {
            let n = deployment.terminate_database_connections(5, Duration::from_millis(300));
            json!({"terminated": n})
        }
        Fault::RestartNats => {
            deployment.nats.kill();
            std::thread::sleep(Duration::from_secs(1));
            deployment.nats.restart();
            json!({})
        }
        Fault::StopRedis => {
            deployment.redis.stop();
            std::thread::sleep(Duration::from_secs(2));
            deployment.redis.restart();
            json!({})
        }
        Fault::StopDatabase => {
            let down = database_down(order);
            deployment.stop_database(down);
            json!({"down_secs": down.as_secs()})
        }
        Fault::FreezeWorker => {
            // Past the ack wait (3 s) and a sweep, so the job goes to another worker.
            let n = (order.next() % deployment.worker_count() as u64) as usize;
            let frozen = Duration::from_millis(7000 + order.next() % 4000);
            deployment.freeze_worker(n, frozen);
            json!({"worker": n, "frozen_ms": frozen.as_millis() as u64})
        }
    }
}

/// Injects `kinds` in turn (in `order`'s shuffle), one every `every`, until
/// `stop`; what was injected.
pub fn spawn_faults(
    deployment: Arc<Mutex<Deployment>>,
    kinds: Vec<Fault>,
    every: Duration,
    seed: u64,
    stop: Arc<std::sync::atomic::AtomicBool>,
) -> std::thread::JoinHandle<Vec<Value>> {
    std::thread::spawn(move || {
        let mut order = Order::new(seed);
        let started = std::time::Instant::now();
        let mut done = Vec::new();
        while !stop.load(std::sync::atomic::Ordering::Relaxed) {
            std::thread::sleep(every);
            let fault = kinds[(order.next() % kinds.len() as u64) as usize];
            let what = inject(&mut deployment.lock().unwrap(), fault, &mut order);
            done.push(
                json!({"fault": fault, "at_ms": started.elapsed().as_millis() as u64, "did": what}),
            );
        }
        done
    })
}
