//! The table of every setting a run has, as data: one [`Knob`] per setting,
//! naming its `rlm.toml` key, its flag, its `RLM_*` variable, the kind of
//! value it takes and its default. It is the single source of truth: the
//! flags are generated from it ([`crate::ConfigFlags`]), the environment, the
//! config file and its `[profiles.NAME]` tables are read through it, `rlm
//! config` lists it, and its keys are exactly the fields of
//! [`crate::RlmConfig`] (a test holds the two together). Every source's text
//! goes through the same parser ([`Kind::parse`]), so a value means the same
//! wherever it is set.

use std::num::NonZeroU32;
use std::path::PathBuf;

/// One setting.
#[derive(Debug, Clone, Copy)]
pub struct Knob {
    /// Its key in `rlm.toml` (dotted: `budgets.max_steps` is `max_steps` in `[budgets]`).
    pub key: &'static str,
    /// Its flag, without the dashes.
    pub flag: &'static str,
    /// Its environment variable.
    pub env: &'static str,
    pub kind: Kind,
    /// The value in effect when no source sets it (taken from the library
    /// that owns the setting, so the two cannot drift); `None`: unset (no limit,
    /// or off).
    pub default: Option<fn() -> String>,
    /// One line for `--help`.
    pub help: &'static str,
}

/// A way to run the engine, each building its settings from this table.
/// Which knobs each honours, and why the others do not apply to it, is the
/// knob table's (`knob_table.toml`, [`FrontEnd::cell`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FrontEnd {
    /// `rlm run`.
    Run,
    /// `rlm exec` and `rlm repl` (the same knobs).
    Exec,
    /// `rlm serve` serving the HTTP API (`--role all`, the default, or `api`).
    ServeApi,
    /// `rlm serve --role worker`: runs a cluster's queued jobs.
    ServeWorker,
    /// `rlm mcp`.
    Mcp,
    /// The Python bindings' `config=`.
    Python,
    /// `rlm stress`.
    Stress,
}

/// Whether a front end honours a knob: one cell of the knob table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cell {
    Honoured,
    /// The front end has no use for it, and why.
    NotApplicable(&'static str),
}

impl FrontEnd {
    pub const ALL: [FrontEnd; 7] = [
        FrontEnd::Run,
        FrontEnd::Exec,
        FrontEnd::ServeApi,
        FrontEnd::ServeWorker,
        FrontEnd::Mcp,
        FrontEnd::Python,
        FrontEnd::Stress,
    ];

    /// Its name in the knob table (`run`, `exec`, `serve-api`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            FrontEnd::Run => "run",
            FrontEnd::Exec => "exec",
            FrontEnd::ServeApi => "serve-api",
            FrontEnd::ServeWorker => "serve-worker",
            FrontEnd::Mcp => "mcp",
            FrontEnd::Python => "python",
            FrontEnd::Stress => "stress",
        }
    }

    /// The front end a name names: a table name, or a command (`repl` is
    /// exec's column, `serve` the API's).
    pub fn parse(name: &str) -> Option<FrontEnd> {
        match name {
            "repl" => Some(FrontEnd::Exec),
            "serve" => Some(FrontEnd::ServeApi),
            "worker" => Some(FrontEnd::ServeWorker),
            _ => FrontEnd::ALL.into_iter().find(|f| f.as_str() == name),
        }
    }

    /// Its cell of `key`'s row (`None`: no such knob, or a cell the table
    /// leaves empty, which rlm-config's tests refuse).
    pub fn cell(self, key: &str) -> Option<Cell> {
        crate::knob_table::cell(key, self)
    }

    /// Whether it honours the knob `key`.
    pub fn honours(self, key: &str) -> bool {
        self.cell(key) == Some(Cell::Honoured)
    }

    /// The keys of the knobs it honours, in table order.
    pub fn keys(self) -> Vec<&'static str> {
        KNOBS.iter().filter(|k| self.honours(k.key)).map(|k| k.key).collect()
    }
}

/// What a knob's value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `provider:model`, or `scripted`.
    Model,
    /// A whole number (0 allowed).
    Count,
    /// A whole number of at least 1.
    AtLeastOne,
    /// A positive number of seconds (at most 1e9).
    Seconds,
    /// A positive number of US dollars.
    Dollars,
    Path,
    Text,
    /// `true` or `false` (the bare flag means true).
    Bool,
    /// One of these words.
    Choice(&'static [&'static str]),
    /// `auto`, `all`, `none`, or a comma-separated list of help names.
    Helps,
    /// Per-model request and token rates: `MODEL=rpm:N,tpm:N;...` (`*`: every
    /// model without its own entry).
    RateLimits,
    /// MCP servers whose tools programs call: a JSON object of server tables
    /// (`[mcp_servers.NAME]` tables in `rlm.toml`; [`crate::mcp_servers`]).
    McpServers,
}

/// A parsed value.
#[derive(Debug, Clone, PartialEq)]
pub enum KnobValue {
    Text(String),
    Count(u64),
    Number(f64),
    Bool(bool),
    Path(PathBuf),
    RateLimits(Vec<RateLimit>),
    McpServers(Vec<crate::mcp_servers::McpServer>),
}

/// The rates of one model (`*`: the default for every other model).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RateLimit {
    pub model: String,
    pub requests_per_minute: Option<NonZeroU32>,
    pub tokens_per_minute: Option<NonZeroU32>,
}

// Defaults owned by the libraries below rlm-config are read from them
// (rlm-interp's `Limits`, rlm-sched's `SchedulerConfig`); the loop's own
// (rlm-core, which depends on this crate) are constants here that rlm-core's
// `LoopOptions::default` uses, so the two cannot drift.
fn policy_default_steps() -> String {
    crate::defaults::DEFAULT_MAX_STEPS.to_string()
}
fn default_depth() -> String {
    crate::defaults::DEFAULT_MAX_DEPTH.to_string()
}
fn default_max_batch() -> String {
    crate::defaults::DEFAULT_MAX_BATCH.to_string()
}
fn default_concurrency() -> String {
    rlm_sched::SchedulerConfig::default().max_concurrency.to_string()
}
fn default_subcall_deadline() -> String {
    rlm_sched::DEFAULT_SUBCALL_DEADLINE.as_secs().to_string()
}
fn default_require_program() -> String {
    crate::defaults::DEFAULT_REQUIRE_PROGRAM.to_string()
}
fn default_require_subcall() -> String {
    crate::defaults::DEFAULT_REQUIRE_SUBCALL.to_string()
}
fn default_accept_ungrounded() -> String {
    crate::defaults::DEFAULT_ACCEPT_UNGROUNDED.to_string()
}
fn default_invalid_replies() -> String {
    crate::defaults::DEFAULT_MAX_INVALID_REPLIES.to_string()
}
fn default_fuel() -> String {
    rlm_interp::Limits::default().fuel.to_string()
}
fn default_memory() -> String {
    rlm_interp::Limits::default().memory_bytes.to_string()
}
fn default_max_str_len() -> String {
    rlm_interp::Limits::default().max_str_len.to_string()
}
fn default_max_collection_len() -> String {
    rlm_interp::Limits::default().max_collection_len.to_string()
}
fn default_max_call_depth() -> String {
    rlm_interp::Limits::default().max_call_depth.to_string()
}
fn default_max_nesting() -> String {
    rlm_interp::Limits::default().max_nesting.to_string()
}
fn default_max_output_bytes() -> String {
    rlm_interp::Limits::default().max_output_bytes.to_string()
}
fn default_regex_backtrack_limit() -> String {
    rlm_interp::Limits::default().regex_backtrack_limit.to_string()
}
fn isolate_none() -> String {
    "none".to_string()
}
fn cancel() -> String {
    "cancel".to_string()
}
fn auto() -> String {
    "auto".to_string()
}
fn off() -> String {
    "off".to_string()
}
fn zero() -> String {
    "0".to_string()
}
fn no() -> String {
    "false".to_string()
}
fn text_format() -> String {
    "text".to_string()
}

/// The prompt profiles `prompt_profile` takes.
pub const PROMPT_PROFILES: &[&str] = &["auto", "full", "compact"];
/// The retrieval modes `retrieval.mode` takes.
pub const RETRIEVAL_MODES: &[&str] = &["off", "bm25", "vector", "hybrid"];
/// The formats `log_format` takes.
pub const LOG_FORMATS: &[&str] = &["text", "json"];
/// Where programs run (`isolation.isolate`): in the process, or in sandbox
/// worker processes.
pub const ISOLATE_MODES: &[&str] = &["none", "process"];
/// What `rlm serve` does with an execution whose client goes away
/// (`server.on_disconnect`).
pub const ON_DISCONNECT: &[&str] = &["cancel", "continue"];

/// The names `helps` takes in a list, one per help of the loop.
pub const HELP_NAMES: [&str; 9] = [
    "evidence",
    "teaching",
    "escape",
    "grammar",
    "counting",
    "answer",
    "bare",
    "confirmed",
    "echo",
];

/// Every knob, in the order `rlm config` lists them.
pub const KNOBS: &[Knob] = &[
    Knob {
        key: "model",
        flag: "model",
        env: "RLM_MODEL",
        kind: Kind::Model,
        default: None,
        help: "Root model, `provider:model` (e.g. openai:gpt-5-mini), or `scripted` for the offline one",
    },
    Knob {
        key: "sub_model",
        flag: "sub-model",
        env: "RLM_SUB_MODEL",
        kind: Kind::Model,
        default: None,
        help: "Model for subcalls (llm_query, ...); default: the root model",
    },
    Knob {
        key: "budgets.max_steps",
        flag: "max-steps",
        env: "RLM_MAX_STEPS",
        kind: Kind::AtLeastOne,
        default: Some(policy_default_steps),
        help: "Iterations of one RLM loop",
    },
    Knob {
        key: "budgets.max_subcalls",
        flag: "max-subcalls",
        env: "RLM_MAX_SUBCALLS",
        kind: Kind::Count,
        default: None,
        help: "Sub-model calls in the whole run",
    },
    Knob {
        key: "budgets.max_batch",
        flag: "max-batch",
        env: "RLM_MAX_BATCH",
        kind: Kind::AtLeastOne,
        default: Some(default_max_batch),
        help: "Sub-model calls one batch (llm_batch, an asyncio.gather of llm_query, ask_chunks) may send at once: past it the call raises in the program before anything is sent",
    },
    Knob {
        key: "budgets.max_depth",
        flag: "max-depth",
        env: "RLM_MAX_DEPTH",
        kind: Kind::Count,
        default: Some(default_depth),
        help: "Deepest recursion (the root run is depth 0)",
    },
    Knob {
        key: "budgets.max_tokens",
        flag: "max-tokens",
        env: "RLM_MAX_TOKENS",
        kind: Kind::Count,
        default: None,
        help: "Prompt + completion tokens of every model call",
    },
    Knob {
        key: "budgets.max_cost_usd",
        flag: "max-cost-usd",
        env: "RLM_MAX_COST_USD",
        kind: Kind::Dollars,
        default: None,
        help: "Spend in US dollars",
    },
    Knob {
        key: "budgets.timeout_secs",
        flag: "timeout-secs",
        env: "RLM_TIMEOUT_SECS",
        kind: Kind::Seconds,
        default: None,
        help: "Wall time of the whole run, in seconds (cancels a model call in flight)",
    },
    Knob {
        key: "budgets.program_timeout_secs",
        flag: "program-timeout-secs",
        env: "RLM_PROGRAM_TIMEOUT_SECS",
        kind: Kind::Seconds,
        default: None,
        help: "Wall time of one program, host calls included, in seconds: past it the program stops with the wall-time limit error, its changes are rolled back and the run goes on",
    },
    Knob {
        key: "limits.fuel",
        flag: "fuel",
        env: "RLM_FUEL",
        kind: Kind::AtLeastOne,
        default: Some(default_fuel),
        help: "Interpreter fuel per program (instructions plus builtin work)",
    },
    Knob {
        key: "limits.memory_bytes",
        flag: "memory-bytes",
        env: "RLM_MEMORY_BYTES",
        kind: Kind::AtLeastOne,
        default: Some(default_memory),
        help: "Memory a program's live values may hold, in bytes",
    },
    Knob {
        key: "limits.max_str_len",
        flag: "max-str-len",
        env: "RLM_MAX_STR_LEN",
        kind: Kind::AtLeastOne,
        default: Some(default_max_str_len),
        help: "Longest string a program may build, in characters",
    },
    Knob {
        key: "limits.max_collection_len",
        flag: "max-collection-len",
        env: "RLM_MAX_COLLECTION_LEN",
        kind: Kind::AtLeastOne,
        default: Some(default_max_collection_len),
        help: "Largest list, dict or set a program may build",
    },
    Knob {
        key: "limits.max_call_depth",
        flag: "max-call-depth",
        env: "RLM_MAX_CALL_DEPTH",
        kind: Kind::AtLeastOne,
        default: Some(default_max_call_depth),
        help: "Deepest call stack of a program",
    },
    Knob {
        key: "limits.max_nesting",
        flag: "max-nesting",
        env: "RLM_MAX_NESTING",
        kind: Kind::AtLeastOne,
        default: Some(default_max_nesting),
        help: "Deepest value nesting repr, ==, hash and json walk",
    },
    Knob {
        key: "limits.max_output_bytes",
        flag: "max-output-bytes",
        env: "RLM_MAX_OUTPUT_BYTES",
        kind: Kind::AtLeastOne,
        default: Some(default_max_output_bytes),
        help: "Bytes one program may print",
    },
    Knob {
        key: "limits.regex_backtrack_limit",
        flag: "regex-backtrack-limit",
        env: "RLM_REGEX_BACKTRACK_LIMIT",
        kind: Kind::AtLeastOne,
        default: Some(default_regex_backtrack_limit),
        help: "Backtracking steps of a regex with lookaround or backreferences",
    },
    Knob {
        key: "isolation.isolate",
        flag: "isolate",
        env: "RLM_ISOLATE",
        kind: Kind::Choice(ISOLATE_MODES),
        default: Some(isolate_none),
        help: "Where programs run: none (in this process, under the interpreter's limits) or process (also in sandbox worker processes with OS limits)",
    },
    Knob {
        key: "isolation.sandbox_workers",
        flag: "sandbox-workers",
        env: "RLM_SANDBOX_WORKERS",
        kind: Kind::AtLeastOne,
        default: None,
        help: "With isolation process: sandbox worker processes kept started (default: one per core)",
    },
    Knob {
        key: "cache",
        flag: "cache",
        env: "RLM_CACHE",
        kind: Kind::Path,
        default: None,
        help: "Completion cache folder",
    },
    Knob {
        key: "redis.cache",
        flag: "redis-cache",
        env: "RLM_REDIS_CACHE",
        kind: Kind::Text,
        default: None,
        help: "A Redis URL: the subcall cache shared by every worker (instead of the cache folder; Redis down means misses, never failed runs)",
    },
    Knob {
        key: "redis.rate_limits",
        flag: "redis-rate-limits",
        env: "RLM_REDIS_RATE_LIMITS",
        kind: Kind::Text,
        default: None,
        help: "A Redis URL: rate_limits held across every worker (a GCRA in Redis, after each process's own limiter)",
    },
    Knob {
        key: "redis.prefix",
        flag: "redis-prefix",
        env: "RLM_REDIS_PREFIX",
        kind: Kind::Text,
        default: None,
        help: "What every Redis key starts with (default rlm): the shared cache's are {prefix}:cache:…, the cluster rate limiter's {prefix}:rate:… (deployments sharing one Redis stay apart)",
    },
    Knob {
        key: "nats.url",
        flag: "nats-url",
        env: "RLM_NATS_URL",
        kind: Kind::Text,
        default: None,
        help: "A NATS URL (JetStream on): jobs go through its work queue to every `rlm serve --role worker|all` sharing it",
    },
    Knob {
        key: "nats.stream",
        flag: "nats-stream",
        env: "RLM_NATS_STREAM",
        kind: Kind::Text,
        default: None,
        help: "The JetStream stream jobs go through (default: RLM_JOBS); every process of a deployment names the same",
    },
    Knob {
        key: "nats.ack_wait_secs",
        flag: "nats-ack-wait-secs",
        env: "RLM_NATS_ACK_WAIT",
        kind: Kind::AtLeastOne,
        default: None,
        help: "Seconds a queued job's delivery may go without a heartbeat before NATS gives it to another worker (default: 30); an api makes the consumer follow it, a worker that differs from its api refuses to start",
    },
    Knob {
        key: "nats.max_attempts",
        flag: "nats-max-attempts",
        env: "RLM_NATS_MAX_ATTEMPTS",
        kind: Kind::AtLeastOne,
        default: None,
        help: "Deliveries a queued job may have; after them it is FAILED with the reason (default: 3)",
    },
    Knob {
        key: "jobs.queue",
        flag: "queue",
        env: "RLM_JOB_QUEUE",
        kind: Kind::AtLeastOne,
        default: None,
        help: "Pending jobs accepted before 429 (default: 256)",
    },
    Knob {
        key: "jobs.max_queued_per_key",
        flag: "max-queued-jobs-per-key",
        env: "RLM_MAX_QUEUED_JOBS_PER_KEY",
        kind: Kind::AtLeastOne,
        default: None,
        help: "Pending jobs one API key may hold (default: a fair share, the queue over the keys holding pending jobs plus one)",
    },
    Knob {
        key: "jobs.lease_secs",
        flag: "job-lease-secs",
        env: "RLM_JOB_LEASE_SECS",
        kind: Kind::AtLeastOne,
        default: None,
        help: "Seconds a running job's (and a cluster execution's) lease lasts unless renewed (default: the ack wait)",
    },
    Knob {
        key: "jobs.outbox_poll_ms",
        flag: "outbox-poll-ms",
        env: "RLM_OUTBOX_POLL_MS",
        kind: Kind::AtLeastOne,
        default: None,
        help: "Milliseconds between the outbox relay's looks for unpublished jobs when no submission woke it (default: 1000)",
    },
    Knob {
        key: "jobs.sweep_secs",
        flag: "job-sweep-secs",
        env: "RLM_JOB_SWEEP_SECS",
        kind: Kind::AtLeastOne,
        default: None,
        help: "Seconds between the sweeps for jobs whose queue message was lost, and of expired idempotency keys (default: 15)",
    },
    Knob {
        key: "jobs.pending_republish_secs",
        flag: "pending-republish-secs",
        env: "RLM_PENDING_REPUBLISH_SECS",
        kind: Kind::AtLeastOne,
        default: None,
        help: "A PENDING job published this many seconds ago and not started gets a copy queued (default: 300)",
    },
    Knob {
        key: "jobs.queue_down_secs",
        flag: "queue-down-secs",
        env: "RLM_QUEUE_DOWN_SECS",
        kind: Kind::AtLeastOne,
        default: None,
        help: "Seconds NATS may be unreachable while submissions still wait in the outbox; past it they answer 503 with Retry-After (default: 60)",
    },
    Knob {
        key: "jobs.max_outbox_backlog",
        flag: "max-outbox-backlog",
        env: "RLM_MAX_OUTBOX_BACKLOG",
        kind: Kind::AtLeastOne,
        default: None,
        help: "Unpublished jobs in the outbox past which submissions answer 503 with Retry-After (default: 10000)",
    },
    Knob {
        key: "jobs.idempotency_hours",
        flag: "idempotency-hours",
        env: "RLM_IDEMPOTENCY_HOURS",
        kind: Kind::AtLeastOne,
        default: None,
        help: "Hours an Idempotency-Key's response is kept for its retries (default: 24)",
    },
    Knob {
        key: "server.blob_dir",
        flag: "blob-dir",
        env: "RLM_BLOB_DIR",
        kind: Kind::Path,
        default: None,
        help: "Where `rlm serve` keeps contexts, as content-addressed blobs (default: DATA/blobs); a cluster's processes name one shared folder",
    },
    Knob {
        key: "server.blob_grace_secs",
        flag: "blob-grace-secs",
        env: "RLM_BLOB_GRACE_SECS",
        kind: Kind::Count,
        default: None,
        help: "Seconds an unreferenced blob is kept before the sweep deletes it (default: 3600), so an upload in flight never loses its blob",
    },
    Knob {
        key: "server.on_disconnect",
        flag: "on-disconnect",
        env: "RLM_ON_DISCONNECT",
        kind: Kind::Choice(ON_DISCONNECT),
        default: Some(cancel),
        help: "What `rlm serve` does with an execution whose client goes away (/v1 requests, POST /api/execute): cancel (it ends cancelled and frees its slot) or continue (it runs to its end)",
    },
    Knob {
        key: "server.header_timeout_secs",
        flag: "header-timeout",
        env: "RLM_HEADER_TIMEOUT",
        kind: Kind::Seconds,
        default: None,
        help: "`rlm serve` and `rlm mcp` over HTTP: a connection that has not sent a whole request head this long after it opened or after its last response is closed (default: 10)",
    },
    Knob {
        key: "server.idle_timeout_secs",
        flag: "idle-timeout",
        env: "RLM_IDLE_TIMEOUT",
        kind: Kind::Seconds,
        default: None,
        help: "`rlm serve` and `rlm mcp` over HTTP: a request body that sends nothing this long fails; an HTTP/2 client is pinged this often (default: 60)",
    },
    Knob {
        key: "server.max_connections",
        flag: "max-connections",
        env: "RLM_MAX_CONNECTIONS",
        kind: Kind::AtLeastOne,
        default: None,
        help: "`rlm serve` and `rlm mcp` over HTTP: connections open at once, shared among keys (one key alone: half; a key past its share is refused 429); past it the oldest connection with no request under way is closed, else the newest of the key furthest past its share (default: 512)",
    },
    Knob {
        key: "server.min_body_rate",
        flag: "min-body-rate",
        env: "RLM_MIN_BODY_RATE",
        kind: Kind::Count,
        default: None,
        help: "`rlm serve` and `rlm mcp` over HTTP: bytes a second a request body must average once the header timeout has passed since its head; a slower one gets 408 and its connection is closed (0: no minimum; default: 500)",
    },
    Knob {
        key: "server.max_listeners_per_key",
        flag: "max-listeners-per-key",
        env: "RLM_MAX_LISTENERS_PER_KEY",
        kind: Kind::AtLeastOne,
        default: None,
        help: "`rlm serve`: SSE streams (/api/execute/stream, /api/executions/{id}/events, streamed /v1/chat/completions) one API key may have open at once; past it 429 (default: 64)",
    },
    Knob {
        key: "server.max_listeners_per_execution",
        flag: "max-listeners-per-execution",
        env: "RLM_MAX_LISTENERS_PER_EXECUTION",
        kind: Kind::AtLeastOne,
        default: None,
        help: "`rlm serve`: SSE listeners one execution may have at once; past it 429 (default: 16)",
    },
    Knob {
        key: "concurrency",
        flag: "concurrency",
        env: "RLM_CONCURRENCY",
        kind: Kind::AtLeastOne,
        default: Some(default_concurrency),
        help: "Model calls in flight at once",
    },
    Knob {
        key: "rate_limits",
        flag: "rate-limits",
        env: "RLM_RATE_LIMITS",
        kind: Kind::RateLimits,
        default: None,
        help: "Per-model rates, `MODEL=rpm:N,tpm:N;...` (`*=...`: every other model)",
    },
    Knob {
        key: "mcp_servers",
        flag: "mcp-servers",
        env: "RLM_MCP_SERVERS",
        kind: Kind::McpServers,
        default: None,
        help: "MCP servers whose allowed tools programs call as functions: `[mcp_servers.NAME]` tables in rlm.toml (command + args + env, or url + headers + bearer_token_env; tools; timeout_secs), a JSON object of them here",
    },
    Knob {
        key: "subcall_deadline_secs",
        flag: "subcall-deadline-secs",
        env: "RLM_SUBCALL_DEADLINE_SECS",
        kind: Kind::Seconds,
        default: Some(default_subcall_deadline),
        help: "How long one subcall may take, retries and their waits included (the run's time left, when sooner, ends it first)",
    },
    Knob {
        key: "record",
        flag: "record",
        env: "RLM_RECORD",
        kind: Kind::Path,
        default: None,
        help: "Record every model exchange of the run (root and subcalls, streams included) to this JSONL file: the request, its fingerprint, the response",
    },
    Knob {
        key: "replay",
        flag: "replay",
        env: "RLM_REPLAY",
        kind: Kind::Path,
        default: None,
        help: "Answer every model call from this recording (--record) instead of the model: offline, deterministic; a request it does not hold ends the run with a diff against the nearest recorded one",
    },
    Knob {
        key: "prompts_dir",
        flag: "prompts-dir",
        env: "RLM_PROMPTS_DIR",
        kind: Kind::Path,
        default: None,
        help: "A folder of prompt files (system.md, first_user.md, ..., notes.toml) replacing the embedded ones of the prompt profile, each file found",
    },
    Knob {
        key: "trace",
        flag: "trace",
        env: "RLM_TRACE",
        kind: Kind::Path,
        default: None,
        help: "Write the run's trace here (.jsonl: events; else the JSON tree)",
    },
    Knob {
        key: "guards.require_program",
        flag: "require-program",
        env: "RLM_REQUIRE_PROGRAM",
        kind: Kind::Bool,
        default: Some(default_require_program),
        help: "Refuse a FINAL before any program has run",
    },
    Knob {
        key: "guards.require_subcall",
        flag: "require-subcall",
        env: "RLM_REQUIRE_SUBCALL",
        kind: Kind::Bool,
        default: Some(default_require_subcall),
        help: "Refuse a FINAL before any sub-model call",
    },
    Knob {
        key: "guards.accept_ungrounded",
        flag: "accept-ungrounded",
        env: "RLM_ACCEPT_UNGROUNDED",
        kind: Kind::Bool,
        default: Some(default_accept_ungrounded),
        help: "Take an answer whose numbers and names no program printed or computed and no call answered (off: the run ends no_evidence)",
    },
    Knob {
        key: "guards.max_invalid_replies",
        flag: "max-invalid-replies",
        env: "RLM_MAX_INVALID_REPLIES",
        kind: Kind::AtLeastOne,
        default: Some(default_invalid_replies),
        help: "Replies in a row with no program before the fallback program runs",
    },
    Knob {
        key: "guards.fallback_program",
        flag: "fallback-program",
        env: "RLM_FALLBACK_PROGRAM",
        kind: Kind::Path,
        default: None,
        help: "A DSL file run when the model keeps failing to write a program",
    },
    Knob {
        key: "guards.fallback_steps",
        flag: "fallback-steps",
        env: "RLM_FALLBACK_STEPS",
        kind: Kind::AtLeastOne,
        default: None,
        help: "From this root step on, a run with no answer in `final_answer` yet runs the fallback program (once; pyrlm's fallback_guard_steps)",
    },
    Knob {
        key: "guards.subcall_steps",
        flag: "subcall-steps",
        env: "RLM_SUBCALL_STEPS",
        kind: Kind::AtLeastOne,
        default: None,
        help: "With require_subcall: from this root step on, a run with no sub-model call yet runs the fallback program (once; pyrlm's subcall_guard_steps)",
    },
    Knob {
        key: "router.smart_threshold_chars",
        flag: "smart-router",
        env: "RLM_SMART_ROUTER",
        kind: Kind::Count,
        default: None,
        help: "SmartRouter: contexts up to this many characters are asked directly, not by an RLM",
    },
    Knob {
        key: "prompt_profile",
        flag: "prompt-profile",
        env: "RLM_PROMPT_PROFILE",
        kind: Kind::Choice(PROMPT_PROFILES),
        default: Some(auto),
        help: "Root prompt wording: full, compact (small models), or auto (by model name)",
    },
    Knob {
        key: "helps",
        flag: "helps",
        env: "RLM_HELPS",
        kind: Kind::Helps,
        default: Some(auto),
        help: "Helps for small models: auto, all, none, or a list of evidence,teaching,escape,grammar,counting,answer",
    },
    Knob {
        key: "retrieval.mode",
        flag: "retriever",
        env: "RLM_RETRIEVER",
        kind: Kind::Choice(RETRIEVAL_MODES),
        default: Some(off),
        help: "Offer search(query, k=10, mode=...) over the context: bm25, vector, hybrid (or off)",
    },
    Knob {
        key: "retrieval.first_step",
        flag: "first-step",
        env: "RLM_FIRST_STEP",
        kind: Kind::Count,
        default: Some(zero),
        help: "Retrieval-aware first step: search hits shown before the first program (bare flag: 5; unset: the helps' default, 5 for the compact profile)",
    },
    Knob {
        key: "retrieval.vectors",
        flag: "vectors",
        env: "RLM_VECTORS",
        kind: Kind::Text,
        default: None,
        help: "Embedding model: local (all-MiniLM-L6-v2), openai:MODEL or ollama:MODEL",
    },
    Knob {
        key: "retrieval.index_dir",
        flag: "index-dir",
        env: "RLM_INDEX_DIR",
        kind: Kind::Path,
        default: None,
        help: "Where the context's index is kept (default: beside a single context path)",
    },
    Knob {
        key: "retrieval.chunk_chars",
        flag: "chunk-chars",
        env: "RLM_CHUNK_CHARS",
        kind: Kind::AtLeastOne,
        default: None,
        help: "Characters per indexed chunk of a large document",
    },
    Knob {
        key: "retrieval.es_url",
        flag: "es-url",
        env: "RLM_RETRIEVAL_ES_URL",
        kind: Kind::Text,
        default: None,
        help: "An Elasticsearch 8 cluster for es_search & co. (with es_index; key: ES_API_KEY)",
    },
    Knob {
        key: "retrieval.es_index",
        flag: "es-index",
        env: "RLM_RETRIEVAL_ES_INDEX",
        kind: Kind::Text,
        default: None,
        help: "The Elasticsearch index of es_url",
    },
    Knob {
        key: "output.schema",
        flag: "output-schema",
        env: "RLM_OUTPUT_SCHEMA",
        kind: Kind::Text,
        default: None,
        help: "A JSON Schema the answer must match: a JSON file's path, or the schema inline (text starting with `{`); a FINAL that fails it is sent back to the model",
    },
    Knob {
        key: "log_format",
        flag: "log-format",
        env: "RLM_LOG_FORMAT",
        kind: Kind::Choice(LOG_FORMATS),
        default: Some(text_format),
        help: "Logs on stderr: text, or json (one object per line, with run and step ids)",
    },
    Knob {
        key: "telemetry.otlp_endpoint",
        flag: "otlp-endpoint",
        env: "RLM_OTLP_ENDPOINT",
        kind: Kind::Text,
        default: None,
        help: "Export each run as an OpenTelemetry trace, and metrics, over OTLP to this URL (HTTP/protobuf: e.g. http://127.0.0.1:6006 for Arize Phoenix, `/v1/traces` is added; gRPC with OTEL_EXPORTER_OTLP_PROTOCOL=grpc); OTEL_EXPORTER_OTLP_ENDPOINT does the same; off when neither is set",
    },
    Knob {
        key: "telemetry.capture_content",
        flag: "telemetry-capture-content",
        env: "RLM_TELEMETRY_CAPTURE_CONTENT",
        kind: Kind::Bool,
        default: Some(no),
        help: "Send prompt, response and answer text (truncated) with the exported spans; off: only code, models, numbers and outcomes",
    },
];

/// The knob with this `rlm.toml` key.
pub fn knob(key: &str) -> Option<&'static Knob> {
    KNOBS.iter().find(|k| k.key == key)
}

/// The known key closest to `key`, when one is close enough to be a typo.
pub fn suggest(key: &str) -> Option<&'static str> {
    KNOBS
        .iter()
        .map(|k| k.key)
        .chain(["profiles"])
        .map(|k| (strsim::jaro_winkler(key, k), k))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| k)
}

impl Kind {
    /// What a value of this kind looks like, for error messages.
    pub fn expected(&self) -> String {
        match self {
            Kind::Model => {
                format!("`provider:model` (e.g. openai:gpt-5-mini) or `{}`", rlm_adapters::SCRIPTED_MODEL)
            }
            Kind::Count => "a whole number".into(),
            Kind::AtLeastOne => "a whole number of at least 1".into(),
            Kind::Seconds => "a positive number of seconds (at most 1e9)".into(),
            Kind::Dollars => "a positive number of dollars".into(),
            Kind::Path => "a path".into(),
            Kind::Text => "some text".into(),
            Kind::Bool => "true or false".into(),
            Kind::Choice(words) => format!("one of {}", words.join(", ")),
            Kind::Helps => format!(
                "auto, all, none, or a comma-separated list of {}",
                HELP_NAMES.join(", ")
            ),
            Kind::RateLimits => {
                "`MODEL=rpm:N,tpm:N` entries separated by `;` (e.g. openai:gpt-5-mini=rpm:500,tpm:200000)"
                    .into()
            }
            Kind::McpServers => "a JSON object of server tables (`[mcp_servers.NAME]` in rlm.toml)".into(),
        }
    }

    /// Parses `text` as a value of this kind; the error says why it is not one.
    pub fn parse(&self, text: &str) -> Result<KnobValue, String> {
        let t = text.trim();
        match self {
            Kind::Model => {
                crate::layers::check_model_string(t)?;
                Ok(KnobValue::Text(t.to_string()))
            }
            Kind::Count => t.parse().map(KnobValue::Count).map_err(|_| self.expected()),
            Kind::AtLeastOne => match t.parse::<u64>() {
                Ok(n) if n >= 1 => Ok(KnobValue::Count(n)),
                _ => Err(self.expected()),
            },
            Kind::Seconds | Kind::Dollars => match t.parse::<f64>() {
                Ok(x) if x.is_finite() && x > 0.0 && (*self == Kind::Dollars || x <= 1e9) => {
                    Ok(KnobValue::Number(x))
                }
                _ => Err(self.expected()),
            },
            Kind::Path if t.is_empty() => Err(self.expected()),
            Kind::Path => Ok(KnobValue::Path(PathBuf::from(t))),
            Kind::Text => Ok(KnobValue::Text(t.to_string())),
            Kind::Bool => match t.to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "on" => Ok(KnobValue::Bool(true)),
                "false" | "0" | "no" | "off" => Ok(KnobValue::Bool(false)),
                _ => Err(self.expected()),
            },
            Kind::Choice(words) => {
                let lower = t.to_ascii_lowercase();
                if words.contains(&lower.as_str()) {
                    Ok(KnobValue::Text(lower))
                } else {
                    Err(self.expected())
                }
            }
            Kind::Helps => {
                check_helps(t).map_err(|_| self.expected())?;
                Ok(KnobValue::Text(t.to_string()))
            }
            Kind::RateLimits => parse_rate_limits(t).map(KnobValue::RateLimits),
            Kind::McpServers if t.is_empty() => Ok(KnobValue::McpServers(Vec::new())),
            Kind::McpServers => crate::mcp_servers::parse_mcp_servers(t).map(KnobValue::McpServers),
        }
    }
}

/// `auto`, `all`, `none` or a comma-separated list of [`HELP_NAMES`]; the
/// error names the first unknown help.
pub fn check_helps(text: &str) -> Result<(), String> {
    match text.trim() {
        "auto" | "" | "all" | "none" => Ok(()),
        list => {
            for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
                if !HELP_NAMES.contains(&name) {
                    return Err(format!(
                        "unknown help {name:?}: use auto, all, none, or a list of {}",
                        HELP_NAMES.join(", ")
                    ));
                }
            }
            Ok(())
        }
    }
}

/// `MODEL=rpm:N,tpm:N;MODEL=...` (either rate may be left out).
fn parse_rate_limits(text: &str) -> Result<Vec<RateLimit>, String> {
    let mut out: Vec<RateLimit> = Vec::new();
    for entry in text.split(';').map(str::trim).filter(|e| !e.is_empty()) {
        let (model, rates) = entry
            .rsplit_once('=')
            .ok_or_else(|| format!("{entry:?} has no `=`: {}", Kind::RateLimits.expected()))?;
        let model = model.trim();
        if model != "*" {
            crate::layers::check_model_string(model)?;
        }
        let mut limit = RateLimit {
            model: model.to_string(),
            requests_per_minute: None,
            tokens_per_minute: None,
        };
        for rate in rates.split(',').map(str::trim).filter(|r| !r.is_empty()) {
            let (name, n) = rate.split_once(':').unwrap_or((rate, ""));
            let n: NonZeroU32 = n.trim().parse().map_err(|_| {
                format!("{rate:?} in {entry:?}: a rate is `rpm:N` or `tpm:N` with N from 1 to 4294967295")
            })?;
            match name.trim() {
                "rpm" => limit.requests_per_minute = Some(n),
                "tpm" => limit.tokens_per_minute = Some(n),
                other => {
                    return Err(format!("{other:?} in {entry:?} is not a rate: use rpm or tpm"));
                }
            }
        }
        if limit.requests_per_minute.is_none() && limit.tokens_per_minute.is_none() {
            return Err(format!("{entry:?} sets no rate: {}", Kind::RateLimits.expected()));
        }
        if out.iter().any(|l| l.model == limit.model) {
            return Err(format!("the model {model:?} is listed twice"));
        }
        out.push(limit);
    }
    if out.is_empty() {
        return Err(Kind::RateLimits.expected());
    }
    Ok(out)
}

impl std::fmt::Display for KnobValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KnobValue::Text(s) => write!(f, "{s}"),
            KnobValue::Count(n) => write!(f, "{n}"),
            KnobValue::Number(x) => write!(f, "{x}"),
            KnobValue::Bool(b) => write!(f, "{b}"),
            KnobValue::Path(p) => write!(f, "{}", p.display()),
            KnobValue::RateLimits(limits) => {
                let entries: Vec<String> = limits
                    .iter()
                    .map(|l| {
                        let mut rates = Vec::new();
                        if let Some(r) = l.requests_per_minute {
                            rates.push(format!("rpm:{r}"));
                        }
                        if let Some(t) = l.tokens_per_minute {
                            rates.push(format!("tpm:{t}"));
                        }
                        format!("{}={}", l.model, rates.join(","))
                    })
                    .collect();
                write!(f, "{}", entries.join(";"))
            }
            KnobValue::McpServers(servers) => {
                write!(f, "{}", crate::mcp_servers::mcp_servers_text(servers))
            }
        }
    }
}

impl KnobValue {
    /// The value as JSON, for `rlm config --json`.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            KnobValue::Text(s) => s.as_str().into(),
            KnobValue::Count(n) => (*n).into(),
            KnobValue::Number(x) => (*x).into(),
            KnobValue::Bool(b) => (*b).into(),
            KnobValue::Path(p) => p.display().to_string().into(),
            KnobValue::RateLimits(limits) => limits
                .iter()
                .map(|l| {
                    serde_json::json!({
                        "model": l.model,
                        "rpm": l.requests_per_minute.map(NonZeroU32::get),
                        "tpm": l.tokens_per_minute.map(NonZeroU32::get),
                    })
                })
                .collect(),
            KnobValue::McpServers(servers) => crate::mcp_servers::mcp_servers_json(servers),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_flags_and_variables_are_unique_and_defaults_parse() {
        for (i, a) in KNOBS.iter().enumerate() {
            for b in &KNOBS[i + 1..] {
                assert_ne!(a.key, b.key);
                assert_ne!(a.flag, b.flag);
                assert_ne!(a.env, b.env);
            }
            assert!(a.env.starts_with("RLM_"), "{}", a.env);
            if let Some(default) = a.default {
                a.kind.parse(&default()).unwrap_or_else(|e| panic!("{}: {e}", a.key));
            }
        }
    }

    #[test]
    fn each_sandbox_limit_has_one_name_from_the_flag_to_the_interpreter() {
        let fields = serde_json::to_value(rlm_interp::Limits::default()).unwrap();
        let fields = fields.as_object().unwrap();
        let mut seen = 0;
        for k in KNOBS {
            let Some(field) = k.key.strip_prefix("limits.") else { continue };
            seen += 1;
            assert!(
                fields.contains_key(field),
                "{}: rlm_interp::Limits has no field {field}",
                k.key
            );
            assert_eq!(k.flag, field.replace('_', "-"), "{}: its flag", k.key);
            assert_eq!(k.env, format!("RLM_{}", field.to_uppercase()), "{}: its variable", k.key);
        }
        assert_eq!(seen, fields.len(), "every field of rlm_interp::Limits is a knob");
    }

    #[test]
    fn rate_limits_parse_and_print_back() {
        let v = Kind::RateLimits.parse("openai:gpt-5-mini=rpm:500,tpm:200000; *=rpm:60").unwrap();
        let KnobValue::RateLimits(l) = &v else { panic!("{v:?}") };
        assert_eq!(l.len(), 2);
        assert_eq!(l[0].model, "openai:gpt-5-mini");
        assert_eq!(l[0].requests_per_minute, NonZeroU32::new(500));
        assert_eq!(l[0].tokens_per_minute, NonZeroU32::new(200_000));
        assert_eq!(l[1].model, "*");
        assert_eq!(v.to_string(), "openai:gpt-5-mini=rpm:500,tpm:200000;*=rpm:60");
        for bad in
            ["openai:x", "openai:x=rpm:0", "openai:x=rps:3", "nosuch:x=rpm:3", "*=rpm:1;*=tpm:2"]
        {
            assert!(Kind::RateLimits.parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn kinds_refuse_what_they_are_not() {
        assert!(Kind::AtLeastOne.parse("0").is_err());
        assert!(Kind::Seconds.parse("-1").is_err());
        assert!(Kind::Seconds.parse("2e9").is_err());
        assert_eq!(Kind::Dollars.parse("0.5").unwrap(), KnobValue::Number(0.5));
        assert_eq!(Kind::Bool.parse("off").unwrap(), KnobValue::Bool(false));
        assert!(Kind::Bool.parse("maybe").is_err());
        assert!(Kind::Choice(LOG_FORMATS).parse("xml").is_err());
        assert!(Kind::Helps.parse("evidense").is_err());
        assert!(Kind::Helps.parse("teaching,grammar").is_ok());
        assert_eq!(suggest("modle"), Some("model"));
        assert_eq!(suggest("concurency"), Some("concurrency"));
        assert_eq!(suggest("zzzz"), None);
    }
}
