//! `rlm mcp`: the RLM as an MCP server (`rlm-mcp`), over stdio (the default:
//! an MCP client starts `rlm mcp` and talks over its standard streams) or
//! streamable HTTP (`--transport http --listen 127.0.0.1:PORT`, at `/mcp`).
//! Every tool call's engine is built by [`crate::engine::EngineConfig`], as
//! `rlm run`'s is, from the same flags, `RLM_*` variables, profile and
//! `rlm.toml`; contexts load as `--context` loads them.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use rlm_context::Context;
use rlm_core::Rlm;
use rlm_mcp::{EngineError, Engines, HttpServer, McpError, RlmServer};

use crate::config::{ConfigFlags, Settings};
use crate::engine::EngineConfig;
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
    /// The address `--transport http` listens on (loopback; port 0: any free
    /// port, printed on stderr).
    #[arg(long, default_value = "127.0.0.1:8765")]
    pub listen: SocketAddr,
    /// A scripted model file (.toml/.json) for `--model scripted` (default: the bundled demo).
    #[arg(long, value_name = "PATH")]
    pub script: Option<PathBuf>,
    /// Decode context files that are not UTF-8 anyway, invalid bytes becoming U+FFFD.
    #[arg(long)]
    pub lossy: bool,
    /// Every knob of the configuration, as for `rlm run` (`rlm config` lists them).
    #[command(flatten)]
    pub config: ConfigFlags,
}

/// The engines of `rlm run`, behind rlm-mcp's seam.
struct CliEngines {
    engine: EngineConfig,
    lossy: bool,
}

impl Engines for CliEngines {
    fn engine(&self, sources: &[String]) -> Result<Rlm, EngineError> {
        let built = self.engine.builder(sources).and_then(|b| b.build().map_err(CliError::from));
        built.map_err(|e| EngineError::new(e.paragraph()))
    }

    fn context(&self, sources: &[String]) -> Result<Context, EngineError> {
        crate::context_args::load_sources(sources, self.lossy)
            .map_err(|e| EngineError::new(e.paragraph()))
    }
}

pub fn mcp(args: McpArgs) -> Result<Exit, CliError> {
    let settings = Settings::from_process(&args.config)?;
    crate::config::warn_unsupported(&settings, "rlm mcp", &rlm_config::FrontEnd::Run.keys());
    let config = settings.resolve()?;
    let engine = EngineConfig::new(config, settings.env.clone(), args.script.clone())?;
    // Fail at start, not at the first tool call, when the models cannot be set up.
    engine.builder(&[])?.build()?;
    let server = RlmServer::new(Arc::new(CliEngines { engine, lossy: args.lossy }));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Internal(format!("cannot start a tokio runtime: {e}")))?;
    let served = runtime.block_on(async {
        match args.transport {
            Transport::Stdio => rlm_mcp::serve_stdio(server).await,
            Transport::Http => {
                let http = HttpServer::start(server, args.listen).await?;
                eprintln!("rlm mcp: listening on http://{}/mcp", http.addr());
                crate::serve::shutdown_signal().await;
                http.stop().await
            }
        }
    });
    served.map_err(|e| match e {
        McpError::Listen { .. } | McpError::Engine(_) => CliError::Config(e.to_string()),
        McpError::Transport(_) => CliError::Internal(e.to_string()),
    })?;
    Ok(Exit::Ok)
}
