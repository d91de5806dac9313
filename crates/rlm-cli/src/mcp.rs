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

/// The knobs `rlm mcp` honours: `rlm run`'s (its engines are built the same
/// way) but the trace file and the log format, which belong to one run on a
/// terminal (the server keeps every run's trace as a resource instead).
fn supported_knobs() -> Vec<&'static str> {
    let own_to_run = ["trace", "log_format"];
    rlm_config::FrontEnd::Run.keys().into_iter().filter(|k| !own_to_run.contains(k)).collect()
}

pub fn mcp(args: McpArgs) -> Result<Exit, CliError> {
    let settings = Settings::from_process(&args.config)?;
    crate::config::warn_unsupported(&settings, "rlm mcp", &supported_knobs());
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
        let knobs = supported_knobs();
        assert!(knobs.contains(&"model") && knobs.contains(&"limits.fuel"), "{knobs:?}");
        assert!(!knobs.contains(&"trace") && !knobs.contains(&"log_format"), "{knobs:?}");
        let run = rlm_config::FrontEnd::Run.keys();
        assert_eq!(knobs.len() + 2, run.len());
    }
}
