//! `rlm serve`: runs the HTTP API (`rlm-server`) until Ctrl-C or SIGTERM,
//! then shuts down gracefully. With no flags: 127.0.0.1:8000, data in
//! `./rlm-data`, no keys, and the models, budgets, cache and concurrency of
//! `rlm run`'s configuration (flags > environment > `rlm.toml`, read by
//! [`crate::config`]), or the offline scripted model (the demo script) when
//! none is configured. Its budgets are each execution's defaults.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use rlm_core::ProcessHost;
use rlm_core::adapters::FakeScript;
use rlm_server::{
    BlobConfig, ClusterConfig, DatabaseConfig, JobsConfig, QueueConfig, RetentionConfig, Server,
    ServerConfig, ServerIsolation, ServerLimits, ServerRole,
};

use rlm_config::IsolateMode;

use crate::config::{ConfigFlags, RlmConfig, SCRIPTED_MODEL, Settings};
use crate::exit::{CliError, Exit};

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on (without API keys: loopback only); `--bind` is
    /// its old name, kept as an alias (`rlm mcp` says `--listen` too).
    #[arg(long, visible_alias = "bind", env = "RLM_BIND", default_value = "127.0.0.1:8000")]
    pub listen: SocketAddr,
    /// Directory for the database and the stored contexts.
    #[arg(long, env = "RLM_DATA", default_value = "rlm-data", value_name = "DIR")]
    pub data: PathBuf,
    /// Models (the default root and sub-model), per-execution budgets, the
    /// subcall cache and concurrency, as for `rlm run`; no model configured
    /// anywhere: the offline `scripted` model.
    #[command(flatten)]
    pub config: ConfigFlags,
    /// Another model sessions may choose (repeatable).
    #[arg(long = "allow-model", value_name = "MODEL")]
    pub allow_models: Vec<String>,
    /// The script the `scripted` model plays (.toml/.json; default: the bundled demo).
    #[arg(long, env = "RLM_FAKE_SCRIPT", value_name = "PATH")]
    pub script: Option<PathBuf>,
    /// With the `scripted` model: wait this long before each token of its
    /// streamed replies, so a reply can be watched as it arrives.
    #[arg(long, default_value_t = 0, value_name = "MS")]
    pub scripted_token_delay_ms: u64,
    /// API keys (without any: loopback only).
    #[command(flatten)]
    pub keys: crate::listen_args::KeyArgs,
    /// Sessions may load server-side files under this directory.
    #[arg(long, value_name = "DIR")]
    pub allow_path: Option<PathBuf>,
    /// An origin allowed by CORS (repeatable; default: CORS off).
    #[arg(long = "cors-origin", value_name = "ORIGIN")]
    pub cors_origins: Vec<String>,
    /// The id of an API key whose `/metrics` also shows the deployment's
    /// series (every tenant's jobs, the outbox); repeatable. Other keys see
    /// their own figures only.
    #[arg(long = "operator-key", value_name = "ID")]
    pub operator_keys: Vec<String>,
    /// Jobs run at once.
    #[arg(long, default_value_t = 4)]
    pub workers: usize,
    /// The MiB the memory budgets (--memory-bytes) of all running
    /// executions may add up to; one that does not fit waits (default:
    /// half the memory of the cgroup, else of the machine).
    #[arg(long, env = "RLM_MAX_SANDBOX_MEMORY_MB", value_name = "MIB")]
    pub max_sandbox_memory_mb: Option<u64>,
    /// Seconds an execution waits for its memory budget before 429 (jobs
    /// wait as long as it takes).
    #[arg(long, default_value_t = 30, value_name = "SECS")]
    pub sandbox_memory_wait_secs: u64,
    /// KiB one value of a session's `memory` may take, as JSON.
    #[arg(long, default_value_t = 1024, value_name = "KIB")]
    pub max_memory_value_kb: u64,
    /// MiB a session's whole `memory` may take, as JSON.
    #[arg(long, default_value_t = 16, value_name = "MIB")]
    pub max_session_memory_mb: u64,
    /// Largest request body, in MiB.
    #[arg(long, default_value_t = 64)]
    pub max_body_mb: u64,
    /// Largest session context, in MiB.
    #[arg(long, default_value_t = 512)]
    pub max_context_mb: u64,
    /// Longest question, in characters.
    #[arg(long, default_value_t = 20_000)]
    pub max_query_chars: usize,
    /// Executions one key may run at once.
    #[arg(long, default_value_t = 8)]
    pub max_concurrent: usize,
    /// Longest an execution may run, in seconds.
    #[arg(long, default_value_t = 600)]
    pub max_execution_secs: u64,
    /// Sessions one API key may hold (default: no quota).
    #[arg(long, value_name = "N")]
    pub max_sessions_per_key: Option<u64>,
    /// Context MiB one API key's sessions may hold together (default: no quota).
    #[arg(long, value_name = "MIB")]
    pub max_context_mb_per_key: Option<u64>,
    /// MiB one execution's recording (`"record": true`) may reach: the run
    /// stops with a clear error there, what it recorded kept.
    #[arg(long, default_value_t = 256, value_name = "MIB")]
    pub max_recording_mb: u64,
    /// MiB one API key's stored recordings may hold together (0: no quota).
    #[arg(long, default_value_t = 2048, value_name = "MIB")]
    pub max_recording_mb_per_key: u64,
    /// Uploads (multipart session bodies, streamed to disk) one API key may
    /// send at once.
    #[arg(long, default_value_t = 2)]
    pub max_uploads_per_key: usize,
    /// Delete ended executions (with their traces) older than this many
    /// days; a background sweep runs every minute (default: keep all).
    #[arg(long, env = "RLM_RETAIN_DAYS", value_name = "DAYS")]
    pub retain_days: Option<f64>,
    /// While the store is larger than this on disk, delete the oldest ended
    /// executions, a batch per minute (default: no cap).
    #[arg(long, env = "RLM_MAX_STORE_GB", value_name = "GB")]
    pub max_store_gb: Option<f64>,
    /// Keep the records (sessions, executions, traces, jobs, memory) in
    /// PostgreSQL at this URL instead of the embedded store in --data
    /// (contexts stay in --data). The URL's value is never printed.
    #[arg(long, env = "DATABASE_URL", value_name = "URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// The PostgreSQL schema the records live in (created and migrated at start).
    #[arg(
        long,
        env = "RLM_DATABASE_SCHEMA",
        value_name = "NAME",
        default_value = DatabaseConfig::DEFAULT_SCHEMA
    )]
    pub database_schema: String,
    /// This process's part in a cluster: `all` (serve the API and run what
    /// it accepts: one process), `api` (serve the API, queue jobs on NATS,
    /// run none) or `worker` (run queued jobs; serve /healthz and /readyz).
    /// `api` and `worker` need --nats-url and --database-url.
    #[arg(long, env = "RLM_ROLE", default_value = "all", value_parser = ["all", "api", "worker"])]
    pub role: String,
}

/// Serves until a signal; `purge_allocator` is the binary's allocator's
/// purge (see [`ServerLimits::purge_allocator`]).
pub fn serve(args: ServeArgs, purge_allocator: Option<fn()>) -> Result<Exit, CliError> {
    let mut config = server_config(args)?;
    config.limits.purge_allocator = purge_allocator;
    rlm_server::init_json_logs();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Internal(format!("cannot start the runtime: {e}")))?;
    runtime.block_on(async {
        let server = Server::start(config).await.map_err(|e| CliError::Config(e.to_string()))?;
        eprintln!("rlm serve: listening on http://{}", server.addr());
        shutdown_signal().await;
        server.stop().await.map_err(|e| CliError::Internal(e.to_string()))
    })?;
    Ok(Exit::Ok)
}

fn server_config(args: ServeArgs) -> Result<ServerConfig, CliError> {
    if args.config.get("trace").is_some() {
        return Err(CliError::Config(
            "rlm serve stores every execution's trace (GET /api/executions/{id}/trace); --trace is for rlm run".into(),
        ));
    }
    let mut settings = Settings::from_process(&args.config)?;
    // The server's values are each execution's defaults and the ceilings a
    // session may lower; the knobs it does not honour (the table's
    // role's column of the knob table) are named in a start-up warning.
    let column = match args.role.as_str() {
        "worker" => rlm_config::FrontEnd::ServeWorker,
        _ => rlm_config::FrontEnd::ServeApi,
    };
    crate::config::warn_unsupported(&settings, "rlm serve", &column.keys());
    // Serving needs no model to start: the offline script stands in.
    settings.default_model(SCRIPTED_MODEL);
    let resolved = settings.resolve()?;
    let env = settings.env.clone();
    let script = match &args.script {
        Some(p) => FakeScript::from_file(p).map_err(|e| CliError::Config(e.to_string()))?,
        None => crate::engine::demo_script()?,
    };
    let api_keys = args.keys.keys(&env)?;
    let listen = crate::listen_args::listen_limits(&resolved.server)?;
    let cluster = cluster(&args, &resolved.nats)?;
    let jobs = jobs_config(args.workers, &resolved.jobs, &resolved.nats);
    let config = ServerConfig {
        bind: args.listen,
        data_dir: args.data,
        api_keys,
        engine: resolved.clone(),
        env,
        allowed_models: args.allow_models,
        script,
        scripted_token_delay: Duration::from_millis(args.scripted_token_delay_ms),
        limits: ServerLimits {
            max_body_bytes: args.max_body_mb << 20,
            max_context_bytes: args.max_context_mb << 20,
            max_query_chars: args.max_query_chars,
            max_concurrent_per_key: args.max_concurrent,
            max_execution: Duration::from_secs(args.max_execution_secs),
            max_sessions_per_key: args.max_sessions_per_key,
            max_context_bytes_per_key: args
                .max_context_mb_per_key
                .map(|m| m.saturating_mul(1 << 20)),
            max_uploads_per_key: args.max_uploads_per_key,
            max_recording_bytes: args.max_recording_mb.saturating_mul(1 << 20),
            max_recording_bytes_per_key: (args.max_recording_mb_per_key > 0)
                .then(|| args.max_recording_mb_per_key.saturating_mul(1 << 20)),
            execution: execution_defaults(&resolved),
            sandbox: resolved.limits.clone(),
            max_sandbox_memory: args.max_sandbox_memory_mb.map(|m| m.saturating_mul(1 << 20)),
            sandbox_memory_wait: Duration::from_secs(args.sandbox_memory_wait_secs),
            max_memory_value_bytes: args.max_memory_value_kb.saturating_mul(1 << 10),
            max_session_memory_bytes: args.max_session_memory_mb.saturating_mul(1 << 20),
            purge_allocator: None,
            on_disconnect: resolved.server.on_disconnect,
            listeners: crate::listen_args::stream_limits(&resolved.server),
        },
        jobs,
        allowed_path_root: args.allow_path,
        listen,
        cors_origins: args.cors_origins,
        operator_keys: args.operator_keys,
        shutdown_grace: Duration::from_secs(10),
        isolation: isolation(&resolved)?,
        retention: retention(args.retain_days, args.max_store_gb)?,
        database: match args.database_url {
            Some(url) => DatabaseConfig::Postgres { url, schema: args.database_schema },
            None => DatabaseConfig::Sled,
        },
        cluster,
        blobs: BlobConfig {
            dir: resolved.server.blob_dir.clone(),
            grace: resolved
                .server
                .blob_grace_secs
                .map_or(BlobConfig::DEFAULT_GRACE, Duration::from_secs),
        },
    };
    config.validate().map_err(|e| CliError::Config(e.to_string()))?;
    Ok(config)
}

/// `--role` and the NATS queue (`nats.url`, `nats.stream`, `nats.ack_wait_secs`,
/// `nats.max_attempts`: knobs every role reads from one configuration).
fn cluster(args: &ServeArgs, nats: &rlm_config::Nats) -> Result<ClusterConfig, CliError> {
    let role = ServerRole::parse(&args.role)
        .ok_or_else(|| CliError::Config(format!("--role {}: use all, api or worker", args.role)))?;
    let queue = nats.url.clone().map(|url| {
        let ack_wait = Duration::from_secs(nats.ack_wait_secs.unwrap_or(30).max(1));
        QueueConfig {
            stream: nats.stream.clone().unwrap_or_else(|| "RLM_JOBS".into()),
            ack_wait,
            heartbeat: ack_wait / 3,
            max_attempts: nats.max_attempts.unwrap_or(3).max(1),
            ..QueueConfig::new(url)
        }
    });
    Ok(ClusterConfig { role, queue })
}

/// The jobs' settings from the `[jobs]` knobs (unset: the server's defaults).
fn jobs_config(
    workers: usize,
    knobs: &rlm_config::JobsKnobs,
    nats: &rlm_config::Nats,
) -> JobsConfig {
    let defaults = JobsConfig::default();
    let secs =
        |v: Option<u64>, default: Duration| v.map_or(default, |s| Duration::from_secs(s.max(1)));
    // A job's and an execution's lease last as long as a delivery without
    // a heartbeat (the ack wait) unless set: a dead worker's work is taken over then.
    let ack_wait = Duration::from_secs(nats.ack_wait_secs.unwrap_or(30).max(1));
    JobsConfig {
        workers,
        queue_capacity: knobs.queue.unwrap_or(defaults.queue_capacity),
        max_queued_per_key: knobs.max_queued_per_key,
        lease: secs(knobs.lease_secs, ack_wait),
        outbox_poll: knobs
            .outbox_poll_ms
            .map_or(defaults.outbox_poll, |ms| Duration::from_millis(ms.max(1))),
        sweep_every: secs(knobs.sweep_secs, defaults.sweep_every),
        pending_republish: secs(knobs.pending_republish_secs, defaults.pending_republish),
        idempotency_retention: knobs
            .idempotency_hours
            .map_or(defaults.idempotency_retention, |h| Duration::from_secs(h.max(1) * 3600)),
        queue_down_limit: secs(knobs.queue_down_secs, defaults.queue_down_limit),
        max_outbox_backlog: knobs.max_outbox_backlog.unwrap_or(defaults.max_outbox_backlog),
    }
}

/// `--retain-days` and `--max-store-gb` as the sweeper's settings.
fn retention(days: Option<f64>, gb: Option<f64>) -> Result<RetentionConfig, CliError> {
    let positive = |flag: &str, v: f64| {
        if v.is_finite() && v > 0.0 {
            Ok(v)
        } else {
            Err(CliError::Config(format!("{flag} must be a positive number, not {v}")))
        }
    };
    let retain = days
        .map(|d| {
            positive("--retain-days", d).and_then(|d| {
                Duration::try_from_secs_f64(d * 86_400.0)
                    .map_err(|e| CliError::Config(format!("--retain-days {d}: {e}")))
            })
        })
        .transpose()?;
    let max_store_bytes =
        gb.map(|g| positive("--max-store-gb", g).map(|g| (g * 1e9) as u64)).transpose()?;
    Ok(RetentionConfig { retain, max_store_bytes, ..RetentionConfig::default() })
}

/// `isolation.isolate = process` (`--isolate process`): workers are this very
/// binary's `sandbox-worker`, with room for the configured memory budget.
fn isolation(config: &RlmConfig) -> Result<ServerIsolation, CliError> {
    if config.isolation.isolate == IsolateMode::None {
        return Ok(ServerIsolation::None);
    }
    let exe = std::env::current_exe()
        .map_err(|e| CliError::Internal(format!("cannot find the rlm binary: {e}")))?;
    let mut pool = ProcessHost::pool_config(exe, &["sandbox-worker"], &config.limits);
    if let Some(n) = config.isolation.sandbox_workers {
        pool.size = n.max(1);
    }
    Ok(ServerIsolation::Process(pool))
}

/// Each execution's budget where its session sets none: the configured
/// budgets, with the server's default step limit under them (rlm-core's
/// one merge: `RunOverrides::budget`).
fn execution_defaults(config: &RlmConfig) -> rlm_core::BudgetLimits {
    let server = rlm_core::BudgetOverrides {
        max_steps: ServerLimits::default().execution.max_steps,
        ..rlm_core::BudgetOverrides::default()
    };
    rlm_core::RunOverrides { budget_defaults: server, ..rlm_core::RunOverrides::default() }
        .budget(config)
}

pub(crate) async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                    return;
                }
            };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        serve: ServeArgs,
    }

    fn config_of(args: &[&str]) -> Result<ServerConfig, CliError> {
        server_config(Cli::try_parse_from([&["rlm-serve"], args].concat()).unwrap().serve)
    }

    #[test]
    fn serve_reads_rlm_toml_and_flags_override_it() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("rlm.toml");
        std::fs::write(
            &file,
            "model = \"scripted\"\nsub_model = \"openai:gpt-5-nano\"\ncache = \"c\"\nconcurrency = 3\n\
             [budgets]\nmax_steps = 7\nmax_subcalls = 40\nmax_cost_usd = 0.5\n",
        )
        .unwrap();
        let path = file.to_str().unwrap();
        let c = config_of(&["--config", path]).unwrap();
        assert_eq!(c.engine.model, "scripted");
        assert_eq!(c.engine.sub_model.as_deref(), Some("openai:gpt-5-nano"));
        assert_eq!(c.engine.cache.as_deref(), Some(std::path::Path::new("c")));
        assert_eq!(c.engine.concurrency, Some(3));
        let e = &c.limits.execution;
        assert_eq!((e.max_steps, e.max_subcalls, e.max_cost_usd), (Some(7), Some(40), Some(0.5)));
        // A flag wins over the file.
        let c =
            config_of(&["--config", path, "--max-steps", "3", "--sub-model", "scripted"]).unwrap();
        assert_eq!(c.limits.execution.max_steps, Some(3));
        assert_eq!(c.engine.sub_model, None, "the same model as the root");
    }

    #[test]
    fn database_url_selects_postgresql_and_is_also_read_from_database_url() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("rlm.toml");
        std::fs::write(&empty, "").unwrap();
        let config = empty.to_str().unwrap();
        let c = config_of(&["--config", config]).unwrap();
        assert_eq!(c.database, DatabaseConfig::Sled);
        let url = "postgresql://postgres@127.0.0.1:5432/test";
        let c = config_of(&["--config", config, "--database-url", url]).unwrap();
        let schema = DatabaseConfig::DEFAULT_SCHEMA.to_string();
        assert_eq!(c.database, DatabaseConfig::Postgres { url: url.into(), schema });
        let c = config_of(&["--config", config, "--database-url", url, "--database-schema", "s2"])
            .unwrap();
        assert_eq!(c.database, DatabaseConfig::Postgres { url: url.into(), schema: "s2".into() });
        // The environment's name for it, its value never shown in --help.
        let command = <Cli as clap::CommandFactory>::command();
        let arg = command.get_arguments().find(|a| a.get_id() == "database_url").unwrap();
        assert_eq!(arg.get_env().and_then(|e| e.to_str()), Some("DATABASE_URL"));
        assert!(arg.is_hide_env_values_set());
    }

    #[test]
    fn serve_without_any_model_uses_the_offline_script_and_refuses_trace() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("rlm.toml");
        std::fs::write(&empty, "").unwrap();
        let c = config_of(&["--config", empty.to_str().unwrap()]).unwrap();
        assert_eq!(c.engine.model, SCRIPTED_MODEL);
        assert_eq!(c.limits.execution.max_steps, ServerLimits::default().execution.max_steps);
        let refused = config_of(&["--config", empty.to_str().unwrap(), "--trace", "t.jsonl"]);
        assert!(
            matches!(refused, Err(CliError::Config(m)) if m.contains("--trace is for rlm run"))
        );
    }
}
