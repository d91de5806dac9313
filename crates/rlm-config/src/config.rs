//! [`RlmConfig`]: every knob's value, typed, in sections that mirror the
//! knob keys (`budgets.max_steps` is `config.budgets.max_steps`; the sandbox
//! limits are the interpreter's own [`rlm_interp::Limits`], so `--fuel`,
//! `RLM_FUEL`, `limits.fuel` and `Limits::fuel` are one name). Built by
//! [`Settings::resolve`] from the layers; serde, so a front end may store or
//! send it. [`RlmConfig::field_keys`] lists its leaves as dotted keys: a test
//! holds them equal to the knob table's keys.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::ConfigError;
use crate::knobs::{KnobValue, RateLimit};
use crate::layers::{Settings, Source, no_model_message};
use rlm_adapters::SCRIPTED_MODEL;

/// Budgets of a run (`[budgets]`); `None`: no limit of that kind.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Budgets {
    /// Iterations of one RLM loop.
    pub max_steps: Option<u64>,
    /// Sub-model calls in the whole run.
    pub max_subcalls: Option<u64>,
    /// Sub-model calls one batch of a program may send at once (the loop's
    /// own cap, not the policy's: nothing of a batch past it is sent or
    /// charged). Resolved to the knob's default when unset.
    pub max_batch: Option<u64>,
    /// Deepest recursion (the root run is depth 0).
    pub max_depth: Option<u32>,
    /// Prompt + completion tokens of every model call.
    pub max_tokens: Option<u64>,
    pub max_cost_usd: Option<f64>,
    /// Wall time of the whole run.
    pub timeout_secs: Option<f64>,
    /// Wall time of one program (its host calls included).
    pub program_timeout_secs: Option<f64>,
}

impl Budgets {
    /// The budgets as rlm-policy limits (other limits: the policy's defaults).
    pub fn to_limits(&self) -> rlm_policy::BudgetLimits {
        rlm_policy::BudgetLimits {
            max_steps: self.max_steps,
            max_subcalls: self.max_subcalls,
            max_depth: self.max_depth,
            max_total_tokens: self.max_tokens,
            max_cost_usd: self.max_cost_usd,
            max_wall_time: self.timeout_secs.map(Duration::from_secs_f64),
            max_program_time: self.program_timeout_secs.map(Duration::from_secs_f64),
            ..rlm_policy::BudgetLimits::default()
        }
    }
}

/// The loop's guards (`[guards]`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Guards {
    /// Refuse a FINAL before any program has run.
    pub require_program: bool,
    /// Refuse a FINAL before any sub-model call.
    pub require_subcall: bool,
    /// Take an answer that rests on no evidence (off: the run ends
    /// `no_evidence` with no answer).
    pub accept_ungrounded: bool,
    /// Replies in a row with no program before the fallback program runs.
    pub max_invalid_replies: u32,
    /// A DSL file run when the model keeps failing to write a program.
    pub fallback_program: Option<PathBuf>,
    /// From this root step on, a run with no answer in its auto-finalize
    /// variable runs the fallback program once (pyrlm's `fallback_guard_steps`).
    pub fallback_steps: Option<u32>,
    /// With `require_subcall`: from this root step on, a run with no
    /// sub-model call runs the fallback program once (pyrlm's `subcall_guard_steps`).
    pub subcall_steps: Option<u32>,
}

/// The SmartRouter (`[router]`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Router {
    /// Contexts up to this many characters are asked directly.
    pub smart_threshold_chars: Option<u64>,
}

/// Retrieval over the context (`[retrieval]`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Retrieval {
    /// `off`, `bm25`, `vector` or `hybrid`.
    pub mode: Option<String>,
    /// Search hits shown before the first program (`None`: the helps' default).
    pub first_step: Option<usize>,
    pub vectors: Option<String>,
    pub index_dir: Option<PathBuf>,
    pub chunk_chars: Option<u64>,
    pub es_url: Option<String>,
    pub es_index: Option<String>,
}

/// Where programs run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IsolateMode {
    /// In the front end's process, under the interpreter's limits.
    #[default]
    None,
    /// Also inside a pool of sandbox worker processes with OS limits.
    Process,
}

/// What `rlm serve` does with an execution whose client goes away
/// (`server.on_disconnect`): a blocking request's connection closed, a
/// stream's reader gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OnDisconnect {
    /// Cancel it: it ends `cancelled`, its slot is freed, its subcalls stop.
    #[default]
    Cancel,
    /// Let it run to its end (its record and trace are stored as always).
    Continue,
}

/// Process isolation (`[isolation]`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Isolation {
    pub isolate: IsolateMode,
    /// Worker processes kept started (`None`: one per core).
    pub sandbox_workers: Option<usize>,
}

/// What the workers of a cluster share through Redis (`[redis]`, `rlm serve`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Redis {
    /// A Redis URL: the subcall cache every worker shares (rlm-redis'
    /// `RedisCache`), instead of the `cache` folder.
    pub cache: Option<String>,
    /// A Redis URL: `rate_limits` held across every worker (rlm-redis'
    /// `RedisLimiter`), the second gate after each process's own.
    pub rate_limits: Option<String>,
    /// What every Redis key of the deployment starts with (`None`: `rlm`):
    /// the cache's keys are `{prefix}:cache:…`, the rate limiter's
    /// `{prefix}:rate:…`, so deployments sharing one Redis stay apart.
    pub prefix: Option<String>,
}

/// How the processes of a cluster share jobs (`[nats]`, `rlm serve`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Nats {
    /// A NATS URL (JetStream on): jobs go through its work queue (rlm-queue),
    /// to every `rlm serve --role worker|all` sharing it.
    pub url: Option<String>,
    /// The JetStream stream (`None`: `RLM_JOBS`).
    pub stream: Option<String>,
    /// Seconds a delivery may go without a heartbeat (`None`: 30).
    pub ack_wait_secs: Option<u64>,
    /// Deliveries a job may have (`None`: 3).
    pub max_attempts: Option<u32>,
}

/// The job queue's bounds and the outbox's timings (`[jobs]`, `rlm
/// serve`): one configuration every role of a cluster reads. `None`: the
/// server's default (each knob's help names it).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct JobsKnobs {
    pub queue: Option<usize>,
    pub max_queued_per_key: Option<usize>,
    pub lease_secs: Option<u64>,
    pub outbox_poll_ms: Option<u64>,
    pub sweep_secs: Option<u64>,
    pub pending_republish_secs: Option<u64>,
    pub queue_down_secs: Option<u64>,
    pub max_outbox_backlog: Option<u64>,
    pub idempotency_hours: Option<u64>,
}

/// `rlm serve`'s own settings (`[server]`): the content-addressed blob store,
/// how long an unreferenced blob is kept, and the HTTP listener's limits
/// (which `rlm mcp --transport http` honours too).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ServerKnobs {
    /// The blob folder (`None`: `DATA/blobs`); a cluster's processes name
    /// one shared folder.
    pub blob_dir: Option<PathBuf>,
    /// Seconds an unreferenced blob is kept (`None`: the server's default).
    pub blob_grace_secs: Option<u64>,
    /// What happens to an execution whose client goes away.
    pub on_disconnect: OnDisconnect,
    /// The HTTP listener's limits (`rlm serve`, `rlm mcp --transport http`;
    /// `None`: rlm-listen's defaults): the request-head timeout, the idle
    /// timeout, the connection cap and the minimum request-body rate.
    pub header_timeout_secs: Option<f64>,
    pub idle_timeout_secs: Option<f64>,
    pub max_connections: Option<usize>,
    pub min_body_rate: Option<u64>,
    /// SSE listeners one key may have open, and one execution (`rlm serve`;
    /// `None`: rlm-listen's defaults).
    pub max_listeners_per_key: Option<usize>,
    pub max_listeners_per_execution: Option<usize>,
}

/// What a run's answer must be (`[output]`, issue #57).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Output {
    /// The JSON Schema every answer must match, read and checked when the
    /// configuration is resolved (`output.schema` names a JSON file, or is
    /// the schema inline when its text starts with `{`); `None`: free text.
    pub schema: Option<serde_json::Value>,
}

impl Output {
    /// The schema compiled (`None`: no schema).
    pub fn compiled(&self) -> Result<Option<rlm_taskspec::OutputSchema>, ConfigError> {
        self.schema
            .clone()
            .map(|s| rlm_taskspec::OutputSchema::new(s, "of output.schema"))
            .transpose()
            .map_err(|e| ConfigError::Config(e.to_string()))
    }
}

/// Where runs are exported as OpenTelemetry traces (`[telemetry]`, rlm-telemetry).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TelemetryKnobs {
    /// The OTLP/HTTP receiver (`None`: the `OTEL_EXPORTER_OTLP_ENDPOINT`
    /// variable decides; neither: export off).
    pub otlp_endpoint: Option<String>,
    /// Send prompt and response text with the spans.
    pub capture_content: bool,
}

/// How logs on stderr are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// Every setting of a run. `Default` is every knob unset (no model, no
/// limits of the policy, the interpreter's default limits); the defaults of
/// the knob table are applied by [`Settings::resolve`].
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RlmConfig {
    /// Root model: `provider:model` or [`SCRIPTED_MODEL`].
    pub model: String,
    /// Subcall model (`None`: the root model).
    pub sub_model: Option<String>,
    pub budgets: Budgets,
    /// The sandbox's limits for every program: the interpreter's own struct.
    pub limits: rlm_interp::Limits,
    /// Completion cache folder.
    pub cache: Option<PathBuf>,
    /// Model calls in flight at once.
    pub concurrency: Option<usize>,
    /// Per-model rates (`*`: every model without its own entry).
    pub rate_limits: Vec<RateLimit>,
    /// MCP servers whose allowed tools programs call (`[mcp_servers.NAME]`).
    pub mcp_servers: Vec<crate::mcp_servers::McpServer>,
    /// How long one subcall may take, retries and their waits included, in
    /// seconds (`rlm_sched::SchedulerConfig::subcall_deadline`).
    pub subcall_deadline_secs: Option<f64>,
    /// Where `rlm run` writes its trace.
    pub trace: Option<PathBuf>,
    /// Record every model exchange to this JSONL file (rlm-adapters' `Recorder`).
    pub record: Option<PathBuf>,
    /// Answer every model call from this recording (rlm-adapters' `Replayer`).
    pub replay: Option<PathBuf>,
    /// Prompt files replacing the embedded ones (`Prompts::from_dir`).
    pub prompts_dir: Option<PathBuf>,
    pub guards: Guards,
    pub router: Router,
    /// `auto`, `full` or `compact`.
    pub prompt_profile: Option<String>,
    /// `auto`, `all`, `none` or a list of helps.
    pub helps: Option<String>,
    pub retrieval: Retrieval,
    pub output: Output,
    pub log_format: LogFormat,
    pub isolation: Isolation,
    pub redis: Redis,
    pub nats: Nats,
    pub jobs: JobsKnobs,
    pub server: ServerKnobs,
    pub telemetry: TelemetryKnobs,
}

impl RlmConfig {
    /// Every knob at its default (the knob table's), with `model`: what a
    /// front end runs when nothing is configured.
    pub fn defaults(model: &str) -> Result<RlmConfig, ConfigError> {
        Settings::from_keywords([("model", model.to_string())])?.resolve()
    }

    /// The subcall model (the root model unless set).
    pub fn sub_model(&self) -> &str {
        self.sub_model.as_deref().unwrap_or(&self.model)
    }

    /// The fallback program's source, read from `guards.fallback_program`.
    pub fn fallback_program_source(&self) -> Result<Option<String>, ConfigError> {
        match &self.guards.fallback_program {
            Some(p) => std::fs::read_to_string(p).map(Some).map_err(|e| ConfigError::read(p, &e)),
            None => Ok(None),
        }
    }

    /// The scheduler: the concurrency cap, the per-model rates and the
    /// subcall deadline.
    pub fn scheduler_config(&self) -> Result<rlm_sched::SchedulerConfig, ConfigError> {
        let mut config = rlm_sched::SchedulerConfig::default();
        if let Some(c) = self.concurrency {
            config.max_concurrency = c;
        }
        if let Some(secs) = self.subcall_deadline_secs {
            let deadline = Duration::try_from_secs_f64(secs).map_err(|_| {
                ConfigError::Config(format!("subcall_deadline_secs: {secs} is not a duration"))
            })?;
            config.subcall_deadline = Some(deadline);
        }
        for limit in &self.rate_limits {
            let limits = rlm_sched::ModelLimits {
                requests_per_minute: limit.requests_per_minute,
                tokens_per_minute: limit.tokens_per_minute,
                ..Default::default()
            };
            if limit.model == "*" {
                config.default_limits = limits;
                continue;
            }
            let spec = if limit.model == SCRIPTED_MODEL { "fake:scripted" } else { &limit.model };
            let id: rlm_types::ModelId = spec.parse().map_err(|e| {
                ConfigError::Config(format!(
                    "rate_limits: the model {:?} is not valid: {e}",
                    limit.model
                ))
            })?;
            config.model_limits.insert(id, limits);
        }
        Ok(config)
    }

    /// Every leaf of the configuration as a dotted key (`budgets.max_steps`),
    /// in serde's order: what the knob table must cover, one row each.
    pub fn field_keys() -> Vec<String> {
        let value = serde_json::to_value(RlmConfig::default()).unwrap_or_default();
        let mut keys = Vec::new();
        flatten_keys(&value, "", &mut keys);
        keys
    }
}

fn flatten_keys(value: &serde_json::Value, prefix: &str, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                flatten_keys(v, &key, out);
            }
        }
        _ => out.push(prefix.to_string()),
    }
}

impl Settings {
    /// The `[jobs]` knobs.
    pub fn jobs_knobs(&self) -> Result<JobsKnobs, ConfigError> {
        Ok(JobsKnobs {
            queue: self.narrow("jobs.queue")?,
            max_queued_per_key: self.narrow("jobs.max_queued_per_key")?,
            lease_secs: self.count("jobs.lease_secs"),
            outbox_poll_ms: self.count("jobs.outbox_poll_ms"),
            sweep_secs: self.count("jobs.sweep_secs"),
            pending_republish_secs: self.count("jobs.pending_republish_secs"),
            queue_down_secs: self.count("jobs.queue_down_secs"),
            max_outbox_backlog: self.count("jobs.max_outbox_backlog"),
            idempotency_hours: self.count("jobs.idempotency_hours"),
        })
    }

    /// The `[server]` knobs alone (they need no model: `rlm mcp` listens
    /// before it knows whether one is configured).
    pub fn server_knobs(&self) -> Result<ServerKnobs, ConfigError> {
        Ok(ServerKnobs {
            blob_dir: self.path("server.blob_dir"),
            blob_grace_secs: self.count("server.blob_grace_secs"),
            header_timeout_secs: self.number("server.header_timeout_secs"),
            idle_timeout_secs: self.number("server.idle_timeout_secs"),
            max_connections: self.narrow("server.max_connections")?,
            min_body_rate: self.count("server.min_body_rate"),
            max_listeners_per_key: self.narrow("server.max_listeners_per_key")?,
            max_listeners_per_execution: self.narrow("server.max_listeners_per_execution")?,
            on_disconnect: match self.text("server.on_disconnect").as_deref() {
                Some("continue") => OnDisconnect::Continue,
                _ => OnDisconnect::Cancel,
            },
        })
    }

    /// `[output]`: the schema read (a file, or inline JSON) and compiled
    /// once, so a bad file or schema fails at start-up, naming the path and
    /// where the setting came from.
    pub fn output(&self) -> Result<Output, ConfigError> {
        let Some(setting) = self.get("output.schema") else { return Ok(Output::default()) };
        let KnobValue::Text(text) = &setting.value else { return Ok(Output::default()) };
        let schema = rlm_taskspec::OutputSchema::from_setting(text, None).map_err(|e| {
            ConfigError::Config(format!("output.schema (from {}): {e}", setting.source))
        })?;
        Ok(Output { schema: Some(schema.schema().clone()) })
    }

    /// With `replay` set, the models its recording's requests went to (root
    /// first): a replay needs no `model`, it answers as the recording's.
    /// Empty without a replay; a recording that cannot be read is the
    /// error it is when the run loads it.
    fn replayed_models(&self) -> Result<Vec<String>, ConfigError> {
        let Some(path) = self.path("replay") else { return Ok(Vec::new()) };
        if self.text("model").is_some() && self.text("sub_model").is_some() {
            return Ok(Vec::new());
        }
        rlm_adapters::recorded_models(&path)
            .map_err(|e| ConfigError::Config(format!("replay: {e}")))
    }

    /// The configuration a run uses; fails with exactly what to set when no
    /// model is configured.
    pub fn resolve(&self) -> Result<RlmConfig, ConfigError> {
        let replayed = self.replayed_models()?;
        let Some(model) = self.text("model").or_else(|| replayed.first().cloned()) else {
            return Err(ConfigError::NoModel(no_model_message(&self.searched)));
        };
        let sub_model = match self.text("sub_model") {
            Some(s) => Some(s),
            None if self.text("model").is_none() => replayed.get(1).cloned(),
            None => None,
        };
        let defaults = rlm_interp::Limits::default();
        let limits = rlm_interp::Limits {
            fuel: self.count("limits.fuel").unwrap_or(defaults.fuel),
            memory_bytes: self.narrow("limits.memory_bytes")?.unwrap_or(defaults.memory_bytes),
            max_str_len: self.narrow("limits.max_str_len")?.unwrap_or(defaults.max_str_len),
            max_collection_len: self
                .narrow("limits.max_collection_len")?
                .unwrap_or(defaults.max_collection_len),
            max_call_depth: self
                .narrow("limits.max_call_depth")?
                .unwrap_or(defaults.max_call_depth),
            max_nesting: self.narrow("limits.max_nesting")?.unwrap_or(defaults.max_nesting),
            max_output_bytes: self
                .narrow("limits.max_output_bytes")?
                .unwrap_or(defaults.max_output_bytes),
            regex_backtrack_limit: self
                .narrow("limits.regex_backtrack_limit")?
                .unwrap_or(defaults.regex_backtrack_limit),
        };
        let rate_limits = match self.get("rate_limits").map(|s| &s.value) {
            Some(KnobValue::RateLimits(l)) => l.clone(),
            _ => Vec::new(),
        };
        let mcp_servers = match self.get("mcp_servers").map(|s| &s.value) {
            Some(KnobValue::McpServers(servers)) => servers.clone(),
            _ => Vec::new(),
        };
        Ok(RlmConfig {
            sub_model: sub_model.filter(|s| *s != model),
            model,
            budgets: Budgets {
                max_steps: self.count("budgets.max_steps"),
                max_subcalls: self.count("budgets.max_subcalls"),
                max_batch: self.count("budgets.max_batch"),
                max_depth: self.narrow("budgets.max_depth")?,
                max_tokens: self.count("budgets.max_tokens"),
                max_cost_usd: self.number("budgets.max_cost_usd"),
                timeout_secs: self.number("budgets.timeout_secs"),
                program_timeout_secs: self.number("budgets.program_timeout_secs"),
            },
            limits,
            cache: self.path("cache"),
            concurrency: self.narrow("concurrency")?,
            rate_limits,
            mcp_servers,
            subcall_deadline_secs: self.number("subcall_deadline_secs"),
            trace: self.path("trace"),
            record: self.path("record"),
            replay: self.path("replay"),
            prompts_dir: self.path("prompts_dir"),
            guards: Guards {
                require_program: self.flag("guards.require_program"),
                require_subcall: self.flag("guards.require_subcall"),
                accept_ungrounded: self.flag("guards.accept_ungrounded"),
                max_invalid_replies: self
                    .narrow("guards.max_invalid_replies")?
                    .unwrap_or(crate::defaults::DEFAULT_MAX_INVALID_REPLIES),
                fallback_program: self.path("guards.fallback_program"),
                fallback_steps: self.narrow("guards.fallback_steps")?,
                subcall_steps: self.narrow("guards.subcall_steps")?,
            },
            router: Router { smart_threshold_chars: self.count("router.smart_threshold_chars") },
            prompt_profile: self.text("prompt_profile"),
            helps: self.text("helps"),
            retrieval: Retrieval {
                mode: self.text("retrieval.mode"),
                // Unset (the knob's default): the profile's helps choose.
                first_step: match self.get("retrieval.first_step") {
                    Some(s) if matches!(s.source, Source::Default) => None,
                    _ => self.narrow("retrieval.first_step")?,
                },
                vectors: self.text("retrieval.vectors"),
                index_dir: self.path("retrieval.index_dir"),
                chunk_chars: self.count("retrieval.chunk_chars"),
                es_url: self.text("retrieval.es_url"),
                es_index: self.text("retrieval.es_index"),
            },
            output: self.output()?,
            log_format: match self.text("log_format").as_deref() {
                Some("json") => LogFormat::Json,
                _ => LogFormat::Text,
            },
            isolation: Isolation {
                isolate: match self.text("isolation.isolate").as_deref() {
                    Some("process") => IsolateMode::Process,
                    _ => IsolateMode::None,
                },
                sandbox_workers: self.narrow("isolation.sandbox_workers")?,
            },
            redis: Redis {
                cache: self.text("redis.cache"),
                rate_limits: self.text("redis.rate_limits"),
                prefix: self.text("redis.prefix"),
            },
            nats: Nats {
                url: self.text("nats.url"),
                stream: self.text("nats.stream"),
                ack_wait_secs: self.count("nats.ack_wait_secs"),
                max_attempts: self.narrow("nats.max_attempts")?,
            },
            jobs: self.jobs_knobs()?,
            server: self.server_knobs()?,
            telemetry: TelemetryKnobs {
                otlp_endpoint: self.text("telemetry.otlp_endpoint").filter(|e| !e.is_empty()),
                capture_content: self.flag("telemetry.capture_content"),
            },
        })
    }

    /// The knobs set by a source other than their default (a flag, the
    /// environment, a profile or the config file), in the table's order: what
    /// a front end that does not support some of them must name at start-up.
    pub fn explicitly_set(&self) -> Vec<&'static str> {
        crate::knobs::KNOBS
            .iter()
            .filter(|k| self.get(k.key).is_some_and(|s| s.source != Source::Default))
            .map(|k| k.key)
            .collect()
    }

    /// One warning per knob set explicitly (see [`Settings::explicitly_set`])
    /// that `front_end` does not support: `supported` says which keys it does.
    /// Each names the knob, where it was set, and that it is ignored.
    pub fn unsupported_warnings(&self, front_end: &str, supported: &[&str]) -> Vec<String> {
        self.explicitly_set()
            .into_iter()
            .filter(|key| !supported.contains(key))
            .filter_map(|key| {
                let source = &self.get(key)?.source;
                Some(format!(
                    "warning: {front_end} does not support the setting `{key}` (from {source}); it is ignored"
                ))
            })
            .collect()
    }
}
