//! `rlm mcp`: the RLM as an MCP server (`rlm-mcp`), over stdio (the default:
//! an MCP client starts `rlm mcp` and talks over its standard streams) or
//! streamable HTTP (`--transport http --listen 127.0.0.1:PORT`, at `/mcp`).
//! Every tool call's engine is built by [`rlm_core::Rlm::from_config`], as
//! `rlm run`'s is, from the same flags, `RLM_*` variables, profile and
//! `rlm.toml`; contexts load as `--context` loads them, within
//! `--max-context-mb`, and each API key holds at most
//! `--max-sessions-per-key` sessions. Over HTTP it has
//! `rlm serve`'s security model (rlm-listen: keys, loopback without them,
//! timeouts, the connection cap) and reads files only under `--allow-path`;
//! over stdio the client is the user, who may name any of their files
//! unless `--allow-path` is given. With no model configured it still
//! starts, and each tool call answers what to set.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use rlm_context::{AllowedRoots, Context};
use rlm_core::{EngineParts, Rlm, RunOverrides};
use rlm_mcp::{EngineError, Engines, FileAccess, HttpServer, McpError, McpHttpOptions, RlmServer};

use crate::config::{ConfigFlags, Settings};
use crate::engine::engine_parts;
use crate::exit::{CliError, Exit};

/// The transports `rlm mcp` speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Transport {
    /// Standard input and output (what Claude Desktop and Claude Code start).
    Stdio,
    /// Streamable HTTP at `http://LISTEN/mcp`.
    Http,
}

#[derive(Debug, clap::Args)]
pub struct McpArgs {
    /// How clients connect.
    #[arg(long, value_enum, default_value = "stdio")]
    pub transport: Transport,
    /// The address `--transport http` listens on (port 0: any free port,
    /// printed on stderr). Beyond loopback it needs API keys.
    #[arg(long, default_value = "127.0.0.1:8765")]
    pub listen: SocketAddr,
    /// API keys `--transport http` requires (without any: loopback only).
    #[command(flatten)]
    pub keys: crate::listen_args::KeyArgs,
    /// The tools may read files under this folder only (repeatable). Over
    /// HTTP without it the tools read no file at all; over stdio without it
    /// they read any file you can.
    #[arg(long = "allow-path", value_name = "DIR")]
    pub allow_paths: Vec<PathBuf>,
    /// A scripted model file (.toml/.json) for `--model scripted` (default: the bundled demo).
    #[arg(long, value_name = "PATH")]
    pub script: Option<PathBuf>,
    /// Decode context files that are not UTF-8 anyway, invalid bytes becoming U+FFFD.
    #[arg(long)]
    pub lossy: bool,
    /// Largest context a tool call or session may load, in MiB (files and
    /// `text` together): past it the call is refused before any file is read.
    #[arg(long, default_value_t = rlm_mcp::DEFAULT_MAX_CONTEXT_BYTES >> 20, value_name = "MIB")]
    pub max_context_mb: u64,
    /// Sessions (rlm_session_create) one API key may hold at once; past it
    /// a key closes one (rlm_session_close) before making another.
    #[arg(long, default_value_t = rlm_mcp::MAX_SESSIONS, value_name = "N")]
    pub max_sessions_per_key: usize,
    /// Every knob of the configuration, as for `rlm run` (`rlm config` lists them).
    #[command(flatten)]
    pub config: ConfigFlags,
}

/// The engines of `rlm run`, behind rlm-mcp's seam.
struct CliEngines {
    parts: EngineParts,
    lossy: bool,
}

impl Engines for CliEngines {
    fn engine(&self, sources: &[String]) -> Result<Rlm, EngineError> {
        let built =
            Rlm::from_config(&self.parts, RunOverrides::default(), sources).and_then(|b| b.build());
        built.map_err(|e| EngineError::new(CliError::from(e).paragraph()))
    }

    fn context(&self, sources: &[String], max_bytes: u64) -> Result<Context, EngineError> {
        crate::context_args::load_sources_within(sources, self.lossy, max_bytes)
            .map_err(|e| EngineError::new(e.paragraph()))
    }
}

/// Engines that cannot be built (no model configured, a provider that
/// cannot be set up): every tool call answers why, so an MCP client shows
/// what to set instead of a closed connection.
struct Unconfigured {
    reason: String,
}

impl Engines for Unconfigured {
    fn engine(&self, _: &[String]) -> Result<Rlm, EngineError> {
        Err(EngineError::new(self.reason.clone()))
    }

    fn context(&self, _: &[String], _: u64) -> Result<Context, EngineError> {
        Err(EngineError::new(self.reason.clone()))
    }
}

/// The engines the configuration builds, or [`Unconfigured`] with the reason
/// when no model is configured or its provider cannot be set up.
fn engines(settings: &Settings, args: &McpArgs) -> Result<Arc<dyn Engines>, CliError> {
    let built = settings.resolve().map_err(CliError::from).and_then(|config| {
        let parts = engine_parts(config, settings.env.clone(), args.script.as_deref())?
            .with_index_home(index_home(&settings.env));
        Rlm::from_config(&parts, RunOverrides::default(), &[])?.build()?;
        Ok(parts)
    });
    match built {
        Ok(parts) => Ok(Arc::new(CliEngines { parts, lossy: args.lossy })),
        Err(e @ (CliError::NoModel(_) | CliError::Provider(_))) => {
            let reason = e.paragraph();
            eprintln!("rlm mcp: {reason}\nrlm mcp: serving anyway; every tool call answers this.");
            Ok(Arc::new(Unconfigured { reason }))
        }
        Err(e) => Err(e),
    }
}

/// Where `rlm_search` keeps its indexes: the user's cache folder
/// (`$XDG_CACHE_HOME/rlm/indexes`, `~/.cache/rlm/indexes`), never the
/// searched folders.
fn index_home(env: &rlm_core::adapters::EnvVars) -> PathBuf {
    let cache = env
        .first(&["XDG_CACHE_HOME"])
        .map(PathBuf::from)
        .or_else(|| env.first(&["HOME"]).map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    cache.join("rlm").join("indexes")
}

/// Which files the tools may read (see [`McpArgs::allow_paths`]).
fn file_access(args: &McpArgs) -> Result<FileAccess, CliError> {
    if args.transport == Transport::Stdio && args.allow_paths.is_empty() {
        return Ok(FileAccess::Any);
    }
    let roots = AllowedRoots::new(&args.allow_paths)
        .map_err(|e| CliError::Config(format!("--allow-path: {e}")))?;
    Ok(FileAccess::Under(roots))
}

/// Serves until stopped; `purge_allocator` is the binary's allocator's purge,
/// run after tool calls end (`rlm serve` runs it after executions).
pub fn mcp(args: McpArgs, purge_allocator: Option<fn()>) -> Result<Exit, CliError> {
    let settings = Settings::from_process(&args.config)?;
    crate::config::warn_unsupported(&settings, "rlm mcp", &rlm_config::FrontEnd::Mcp.keys());
    let keys = args.keys.keys(&settings.env)?;
    let limits = crate::listen_args::listen_limits(&settings.server_knobs()?)?;
    let limits_per_key = rlm_mcp::RegistryLimits {
        sessions_per_tenant: args.max_sessions_per_key.max(1),
        ..rlm_mcp::RegistryLimits::default()
    };
    let server = RlmServer::new(engines(&settings, &args)?)
        .with_file_access(file_access(&args)?)
        .with_index_home(index_home(&settings.env))
        .with_limits(limits_per_key)
        .with_max_context_bytes(args.max_context_mb.saturating_mul(1 << 20))
        .with_allocator_purge(purge_allocator);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Internal(format!("cannot start a tokio runtime: {e}")))?;
    let served = runtime.block_on(async {
        match args.transport {
            Transport::Stdio => rlm_mcp::serve_stdio(server).await,
            Transport::Http => {
                // A message may carry a context as large as the cap (`text`), and a little more.
                let context = usize::try_from(args.max_context_mb << 20).unwrap_or(usize::MAX);
                let max_message_bytes =
                    context.saturating_add(1 << 20).max(rlm_mcp::DEFAULT_MAX_MESSAGE_BYTES);
                let options = McpHttpOptions { keys, limits, max_message_bytes };
                let http = HttpServer::start(server, args.listen, options).await?;
                eprintln!("rlm mcp: listening on http://{}/mcp", http.addr());
                crate::serve::shutdown_signal().await;
                http.stop().await
            }
        }
    });
    served.map_err(|e| match e {
        McpError::Listen(_) | McpError::Engine(_) => CliError::Config(e.to_string()),
        McpError::Transport(_) => CliError::Internal(e.to_string()),
    })?;
    Ok(Exit::Ok)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        mcp: McpArgs,
    }

    #[test]
    fn stdio_by_default_http_on_request() {
        let args = Cli::try_parse_from(["rlm-mcp"]).unwrap().mcp;
        assert_eq!(
            (args.transport, args.listen.to_string()),
            (Transport::Stdio, "127.0.0.1:8765".into())
        );
        let args =
            Cli::try_parse_from(["rlm-mcp", "--transport", "http", "--listen", "127.0.0.1:0"])
                .unwrap()
                .mcp;
        assert_eq!((args.transport, args.listen.port()), (Transport::Http, 0));
        assert!(Cli::try_parse_from(["rlm-mcp", "--transport", "sse"]).is_err());
    }

    #[test]
    fn the_knobs_are_run_s_but_the_trace_file_and_log_format() {
        let knobs = rlm_config::FrontEnd::Mcp.keys();
        assert!(knobs.contains(&"model") && knobs.contains(&"limits.fuel"), "{knobs:?}");
        assert!(!knobs.contains(&"trace") && !knobs.contains(&"log_format"), "{knobs:?}");
        let listener = [
            "server.header_timeout_secs",
            "server.idle_timeout_secs",
            "server.max_connections",
            "server.min_body_rate",
        ];
        assert!(listener.iter().all(|k| knobs.contains(k)), "{knobs:?}");
        let run = rlm_config::FrontEnd::Run.keys();
        assert_eq!(knobs.len() + 2, run.len() + 4, "run's, less two, and the listener's four");
    }
}
