//! `mcp_servers`: the MCP servers' allowed tools, connected once per
//! [`super::EngineParts`] (so for the life of every engine made from them) and
//! registered on each engine as ordinary tools. Behind the `mcp-tools`
//! feature (rmcp 3 needs Rust 1.88): a build without it refuses the setting
//! rather than ignore it.

use rlm_adapters::EnvVars;
use rlm_config::RlmConfig;
use rlm_functions::Tool;

use crate::error::RlmError;

/// The tools of the configured MCP servers (none when none is configured).
#[cfg(feature = "mcp-tools")]
pub fn mcp_tools_of(config: &RlmConfig, env: &EnvVars) -> Result<Vec<Tool>, RlmError> {
    rlm_mcp_tools::connect_tools(&config.mcp_servers, |var| env.first(&[var]).map(str::to_string))
        .map_err(|e| RlmError::Config(e.to_string()))
}

/// Without the MCP client, any configured server is an error.
#[cfg(not(feature = "mcp-tools"))]
pub fn mcp_tools_of(config: &RlmConfig, _env: &EnvVars) -> Result<Vec<Tool>, RlmError> {
    match config.mcp_servers.first() {
        None => Ok(Vec::new()),
        Some(server) => Err(RlmError::Config(format!(
            "mcp_servers.{}: this build has no MCP client (rlm-core's `mcp-tools` feature)",
            server.name
        ))),
    }
}
