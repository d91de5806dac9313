//! The server's settings: where it listens and stores, who may call it, which
//! models it runs, and the limits that protect it. Built by `rlm serve` from
//! flags and environment; tests build it directly.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use rlm_core::adapters::{EnvVars, FakeScript};

use crate::error::ServerError;

/// What Redis keys start with when `redis.prefix` is not set (the cache's
/// `rlm:cache:…`, the limiter's `rlm:rate:…`).
pub const DEFAULT_REDIS_PREFIX: &str = "rlm";

/// The model name of the offline scripted model.
pub use rlm_core::adapters::SCRIPTED_MODEL;

/// API keys: `rlm-listen`'s, shared with `rlm mcp`.
pub use rlm_listen::ApiKey;

/// What every Redis key starts with: `redis.prefix`, or `rlm`.
pub fn redis_prefix(redis: &rlm_config::Redis) -> &str {
    redis.prefix.as_deref().unwrap_or(DEFAULT_REDIS_PREFIX)
}

/// The shared subcall cache on Redis at `url`: keys `{prefix}:cache:…`.
pub fn redis_cache_config(redis: &rlm_config::Redis, url: &str) -> rlm_redis::RedisCacheConfig {
    rlm_redis::RedisCacheConfig {
        prefix: format!("{}:cache", redis_prefix(redis)),
        ..rlm_redis::RedisCacheConfig::new(url)
    }
}

/// The cluster's rate limiter on Redis at `url`: keys `{prefix}:rate:…`.
pub fn redis_limiter_config(redis: &rlm_config::Redis, url: &str) -> rlm_redis::RedisLimiterConfig {
    rlm_redis::RedisLimiterConfig {
        prefix: format!("{}:rate", redis_prefix(redis)),
        ..rlm_redis::RedisLimiterConfig::new(url)
    }
}

/// Limits that protect the server from its clients.
#[derive(Debug, Clone)]
pub struct ServerLimits {
    /// Largest request body (JSON or multipart).
    pub max_body_bytes: u64,
    /// Largest context a session may hold.
    pub max_context_bytes: u64,
    /// Longest question.
    pub max_query_chars: usize,
    /// Executions one key may run at once (blocking and streamed; jobs queue).
    pub max_concurrent_per_key: usize,
    /// Longest an execution may run.
    pub max_execution: Duration,
    /// Sessions one key may hold (`None`: no quota).
    pub max_sessions_per_key: Option<u64>,
    /// Context bytes one key's sessions may hold together (`None`: no quota).
    pub max_context_bytes_per_key: Option<u64>,
    /// Bytes one execution's recording (`"record": true`) may reach; the
    /// append past it fails the model call that made it and so ends the run
    /// (`--max-recording-mb`).
    pub max_recording_bytes: u64,
    /// Bytes one key's stored recordings may hold together (`None`: no
    /// quota; `--max-recording-mb-per-key`).
    pub max_recording_bytes_per_key: Option<u64>,
    /// Uploads (multipart session bodies) one key may stream at once.
    pub max_uploads_per_key: usize,
    /// Each execution's budget where its session sets none (steps, subcalls,
    /// depth, tokens, cost; `rlm.toml`'s `[budgets]`). Its wall time is capped
    /// by `max_execution`. These are also the operator's ceilings: a session
    /// may lower `max_steps`, `max_subcalls` and `max_depth`, never raise
    /// them (a higher value is refused with 422).
    pub execution: rlm_core::BudgetLimits,
    /// The sandbox's limits for every program an execution runs (fuel,
    /// memory, lengths, depth, output): `--fuel`, `--memory-bytes`, `[limits]`.
    pub sandbox: rlm_config::Limits,
    /// The bytes the memory budgets (`sandbox.memory_bytes`) of all running
    /// executions may add up to (`--max-sandbox-memory-mb`; `None`: half the
    /// memory this process may use, its cgroup's limit or the machine's).
    pub max_sandbox_memory: Option<u64>,
    /// How long an interactive execution waits for its memory budget before
    /// it is refused with 429 (`--sandbox-memory-wait-secs`); jobs wait as
    /// long as it takes.
    pub sandbox_memory_wait: Duration,
    /// Bytes one value of a session's `memory` may take, as JSON
    /// (`--max-memory-value-kb`).
    pub max_memory_value_bytes: u64,
    /// Bytes a session's whole `memory` may take, as JSON
    /// (`--max-session-memory-mb`).
    pub max_session_memory_bytes: u64,
    /// The binary's allocator's purge (mimalloc's `mi_collect(true)`), run
    /// after executions end so their freed memory goes back to the OS
    /// (`None`: none; see `rlm_listen::AllocatorPurge`).
    pub purge_allocator: Option<fn()>,
    /// What happens to an execution whose client goes away (a `/v1`
    /// request, `POST /api/execute`): `server.on_disconnect`.
    pub on_disconnect: rlm_config::OnDisconnect,
    /// SSE listeners one key may have open at once, and one execution
    /// (`server.max_listeners_per_key`, `server.max_listeners_per_execution`).
    pub listeners: rlm_listen::StreamLimits,
}

impl ServerLimits {
    /// The bound of the sandboxes' memory budgets together, in bytes.
    pub fn sandbox_memory_bound(&self) -> u64 {
        self.max_sandbox_memory.unwrap_or_else(crate::machine_memory::default_sandbox_bound)
    }
}

impl Default for ServerLimits {
    fn default() -> Self {
        ServerLimits {
            max_body_bytes: 64 << 20,
            max_context_bytes: 512 << 20,
            max_query_chars: 20_000,
            max_concurrent_per_key: 8,
            max_execution: Duration::from_secs(600),
            max_sessions_per_key: None,
            max_context_bytes_per_key: None,
            max_recording_bytes: 256 << 20,
            max_recording_bytes_per_key: Some(2 << 30),
            max_uploads_per_key: 2,
            execution: rlm_core::BudgetLimits {
                max_steps: Some(20),
                ..rlm_core::BudgetLimits::default()
            },
            sandbox: rlm_config::Limits::default(),
            max_sandbox_memory: None,
            sandbox_memory_wait: Duration::from_secs(30),
            max_memory_value_bytes: 1 << 20,
            max_session_memory_bytes: 16 << 20,
            purge_allocator: None,
            on_disconnect: rlm_config::OnDisconnect::Cancel,
            listeners: rlm_listen::StreamLimits::default(),
        }
    }
}

/// The job queue.
#[derive(Debug, Clone)]
pub struct JobsConfig {
    /// Jobs run at once.
    pub workers: usize,
    /// Pending jobs accepted; past this `POST /api/jobs` answers 429.
    pub queue_capacity: usize,
    /// Pending jobs one key may hold (`--max-queued-jobs-per-key`; `None`:
    /// a fair share: the capacity over the keys holding pending jobs plus
    /// one, at least one).
    pub max_queued_per_key: Option<usize>,
    /// A running job's lease; the worker renews it every third of this.
    pub lease: Duration,
    /// How often the outbox relay looks for entries when no submission woke
    /// it (`jobs.outbox_poll_ms`).
    pub outbox_poll: Duration,
    /// How often the relay's sweeps run (`jobs.sweep_secs`).
    pub sweep_every: Duration,
    /// A PENDING job older than this, published and not started, gets a
    /// copy queued (`jobs.pending_republish_secs`).
    pub pending_republish: Duration,
    /// How long an idempotency key is kept (`jobs.idempotency_hours`).
    pub idempotency_retention: Duration,
    /// NATS unreachable for longer than this: submissions answer 503
    /// (`jobs.queue_down_secs`); until then they wait in the outbox.
    pub queue_down_limit: Duration,
    /// Outbox entries past which submissions answer 503 (`jobs.max_outbox_backlog`).
    pub max_outbox_backlog: u64,
}

impl Default for JobsConfig {
    fn default() -> Self {
        JobsConfig {
            workers: 4,
            queue_capacity: 256,
            max_queued_per_key: None,
            lease: Duration::from_secs(30),
            outbox_poll: Duration::from_secs(1),
            sweep_every: Duration::from_secs(15),
            pending_republish: Duration::from_secs(300),
            idempotency_retention: Duration::from_secs(24 * 3600),
            queue_down_limit: Duration::from_secs(60),
            max_outbox_backlog: 10_000,
        }
    }
}

/// Everything the server needs.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub bind: SocketAddr,
    /// Holds the database (`db/`) and the contexts (`contexts/`).
    pub data_dir: PathBuf,
    /// Empty: no authentication (allowed on loopback only).
    pub api_keys: Vec<ApiKey>,
    /// The one configuration (rlm-config) every execution's engine is built
    /// from by rlm-core's constructor: the default models, the subcall
    /// cache (a folder, or `redis.cache`), the scheduler, guards, prompts,
    /// helps, retrieval, the smart router. Its budgets and sandbox limits
    /// are each execution's defaults as `limits` says.
    pub engine: rlm_config::RlmConfig,
    /// Provider settings and keys (`OPENAI_API_KEY`, `OPENAI_BASE_URL`, ...).
    pub env: EnvVars,
    /// Other model strings a session may pick (the defaults and `scripted` always may).
    pub allowed_models: Vec<String>,
    /// The script the `scripted` model plays.
    pub script: FakeScript,
    /// A pause before each token of the scripted model's streamed replies
    /// (zero: none), so a reply can be watched as it arrives.
    pub scripted_token_delay: Duration,
    pub limits: ServerLimits,
    pub jobs: JobsConfig,
    /// Sessions may load server-side files under this directory (none: not at all).
    pub allowed_path_root: Option<PathBuf>,
    /// The HTTP listener's timeouts and connection cap (`--header-timeout`,
    /// `--idle-timeout`, `--max-connections`); its shutdown grace is `shutdown_grace`.
    pub listen: rlm_listen::ListenLimits,
    /// Origins allowed by CORS (empty: CORS off).
    pub cors_origins: Vec<String>,
    /// Ids of the API keys that see the deployment's series on `/metrics`
    /// (job counts, the outbox: every tenant's load); the others see their
    /// own figures only. Without keys the one caller (`local`) is the operator.
    pub operator_keys: Vec<String>,
    /// How long shutdown waits for running executions before interrupting them.
    pub shutdown_grace: Duration,
    /// Where executions' programs run (`rlm serve --isolate`).
    pub isolation: ServerIsolation,
    /// What the retention sweeper keeps (`--retain-days`, `--max-store-gb`).
    pub retention: crate::retention::RetentionConfig,
    /// Where the records live: sled in `data_dir/db` (the default) or PostgreSQL.
    pub database: DatabaseConfig,
    /// This process's part in a cluster, and the job queue the parts share.
    pub cluster: ClusterConfig,
    /// Where contexts' blobs live and how long an unreferenced one is kept.
    pub blobs: BlobConfig,
}

/// The content-addressed blob store contexts go to (`server.blob_dir`,
/// `server.blob_grace_secs`).
#[derive(Debug, Clone, PartialEq)]
pub struct BlobConfig {
    /// The folder (`None`: `DATA/blobs`); a cluster's processes name one
    /// shared folder.
    pub dir: Option<PathBuf>,
    /// An unreferenced blob younger than this is kept (an upload may be
    /// about to reference it); the sweep runs this often too.
    pub grace: Duration,
}

impl BlobConfig {
    /// The default grace period.
    pub const DEFAULT_GRACE: Duration = Duration::from_secs(3600);

    /// The folder, for a server whose data directory is `data_dir`.
    pub fn dir_in(&self, data_dir: &std::path::Path) -> PathBuf {
        self.dir.clone().unwrap_or_else(|| data_dir.join("blobs"))
    }
}

impl Default for BlobConfig {
    fn default() -> Self {
        BlobConfig { dir: None, grace: Self::DEFAULT_GRACE }
    }
}

/// Which part of a deployment a process is (`rlm serve --role`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ServerRole {
    /// Serves the API and runs what it accepts: one process, as without a cluster.
    #[default]
    All,
    /// Serves the API, stores and queues jobs; never runs them.
    Api,
    /// Runs queued jobs; serves `/healthz` and `/readyz` only.
    Worker,
}

impl ServerRole {
    /// `all`, `api` or `worker`.
    pub fn parse(text: &str) -> Option<ServerRole> {
        match text {
            "all" => Some(ServerRole::All),
            "api" => Some(ServerRole::Api),
            "worker" => Some(ServerRole::Worker),
            _ => None,
        }
    }

    /// Whether this process serves the whole HTTP API.
    pub fn serves_api(self) -> bool {
        self != ServerRole::Worker
    }

    /// Whether this process runs jobs.
    pub fn runs_jobs(self) -> bool {
        self != ServerRole::Api
    }
}

/// How the processes of a cluster share work: the role of this one and the
/// NATS JetStream queue jobs go through (`None`: jobs are claimed from the
/// store by this process's own workers).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClusterConfig {
    pub role: ServerRole,
    pub queue: Option<rlm_queue::QueueConfig>,
}

/// The store the server keeps its records in.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum DatabaseConfig {
    /// sled, embedded, in `data_dir/db`: one process.
    #[default]
    Sled,
    /// PostgreSQL at `url` (`--database-url`, `DATABASE_URL`), in `schema`
    /// (created and migrated at start): servers may share it.
    Postgres { url: String, schema: String },
}

impl DatabaseConfig {
    /// The schema the PostgreSQL store uses unless told otherwise.
    pub const DEFAULT_SCHEMA: &'static str = "rlm";
}

/// Where executions' programs run.
#[derive(Debug, Clone, Default)]
pub enum ServerIsolation {
    /// In the server's process: the interpreter's own limits only.
    #[default]
    None,
    /// In a pool of sandbox worker processes with OS limits (defence in
    /// depth): the `rlm` binary's hidden `sandbox-worker` subcommand.
    Process(rlm_core::sandbox::PoolConfig),
}

impl ServerConfig {
    /// Loopback, offline scripted model, no keys: what `rlm serve` runs with no flags.
    pub fn local(data_dir: PathBuf, script: FakeScript) -> Self {
        ServerConfig {
            bind: SocketAddr::from(([127, 0, 0, 1], 8000)),
            data_dir,
            api_keys: Vec::new(),
            // The knob table's defaults resolve with the scripted model
            // (rlm-config's tests hold it); the fallback is never taken.
            engine: rlm_config::RlmConfig::defaults(SCRIPTED_MODEL).unwrap_or_else(|_| {
                rlm_config::RlmConfig { model: SCRIPTED_MODEL.into(), ..Default::default() }
            }),
            env: EnvVars::default(),
            allowed_models: Vec::new(),
            script,
            scripted_token_delay: Duration::ZERO,
            limits: ServerLimits::default(),
            jobs: JobsConfig::default(),
            allowed_path_root: None,
            listen: rlm_listen::ListenLimits::default(),
            cors_origins: Vec::new(),
            operator_keys: Vec::new(),
            shutdown_grace: Duration::from_secs(10),
            isolation: ServerIsolation::None,
            retention: Default::default(),
            database: DatabaseConfig::Sled,
            cluster: ClusterConfig::default(),
            blobs: BlobConfig::default(),
        }
    }

    /// Refuses settings that would be unsafe or cannot work.
    pub fn validate(&self) -> Result<(), ServerError> {
        rlm_listen::check_bind(self.bind, &rlm_listen::KeyRing::new(&self.api_keys))
            .map_err(|e| ServerError::Config(e.to_string()))?;
        self.listen.validate().map_err(|e| ServerError::Config(e.to_string()))?;
        let mut ids: Vec<&str> = self.api_keys.iter().map(|k| k.id.as_str()).collect();
        ids.sort_unstable();
        if ids.windows(2).any(|w| w[0] == w[1]) {
            return Err(ServerError::Config("two API keys have the same id".into()));
        }
        if let Some(unknown) = self.operator_keys.iter().find(|o| !ids.contains(&o.as_str())) {
            return Err(ServerError::Config(format!(
                "--operator-key {unknown:?} names no API key (the ids are: {})",
                ids.join(", ")
            )));
        }
        if self.jobs.workers == 0
            || self.limits.max_concurrent_per_key == 0
            || self.limits.max_uploads_per_key == 0
            || self.limits.listeners.per_tenant == 0
            || self.limits.listeners.per_subject == 0
        {
            return Err(ServerError::Config(
                "job workers, executions per key, uploads per key and SSE listeners per key and per execution must be at least 1".into(),
            ));
        }
        if self.limits.max_sandbox_memory == Some(0) || self.jobs.max_queued_per_key == Some(0) {
            return Err(ServerError::Config(
                "--max-sandbox-memory-mb and --max-queued-jobs-per-key must be at least 1".into(),
            ));
        }
        if self.cluster.role != ServerRole::All {
            if self.cluster.queue.is_none() {
                return Err(ServerError::Config(
                    "--role api and --role worker share jobs through NATS: set --nats-url".into(),
                ));
            }
            if self.database == DatabaseConfig::Sled {
                return Err(ServerError::Config(
                    "--role api and --role worker share one database: set --database-url (sled is one process)".into(),
                ));
            }
        }
        Ok(())
    }
}
