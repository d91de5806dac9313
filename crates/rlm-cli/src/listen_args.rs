//! What `rlm serve` and `rlm mcp --transport http` share about listening:
//! the API keys (`--api-key`, `--api-key-file`, `RLM_API_KEY`,
//! `RLM_API_KEYS`) and the listener's limits (the `server.header_timeout_secs`,
//! `server.idle_timeout_secs`, `server.max_connections` and
//! `server.min_body_rate` knobs), read the same way for both so both have one
//! security model (rlm-listen).

use std::path::PathBuf;
use std::time::Duration;

use rlm_config::ServerKnobs;
use rlm_core::adapters::EnvVars;
use rlm_listen::{ApiKey, ListenLimits};

use crate::exit::CliError;

#[derive(Debug, Clone, Default, clap::Args)]
pub struct KeyArgs {
    /// An API key `id:token` (repeatable). A key on the command line is
    /// visible to every local user in `ps` and kept in shell history: prefer
    /// --api-key-file, or the environment (RLM_API_KEY: one key;
    /// RLM_API_KEYS: several, comma-separated). All of them add up.
    #[arg(long = "api-key", value_name = "ID:TOKEN")]
    pub api_keys: Vec<String>,
    /// A file of API keys, one `id:token` per line (`#` comments); keep it
    /// readable by the server's user only.
    #[arg(long, value_name = "PATH")]
    pub api_key_file: Option<PathBuf>,
}

impl KeyArgs {
    /// Every key the flags, the environment and the key file give.
    pub fn keys(&self, env: &EnvVars) -> Result<Vec<ApiKey>, CliError> {
        let from_env = [
            ("RLM_API_KEY", env.first(&["RLM_API_KEY"])),
            ("RLM_API_KEYS", env.first(&["RLM_API_KEYS"])),
        ];
        ApiKey::gather(&self.api_keys, &from_env, self.api_key_file.as_deref())
            .map_err(|e| CliError::Config(e.to_string()))
    }
}

/// The listener's limits the configuration sets, rlm-listen's defaults else.
pub fn listen_limits(server: &ServerKnobs) -> Result<ListenLimits, CliError> {
    let defaults = ListenLimits::default();
    let secs = |v: Option<f64>, default: Duration, flag: &str| match v {
        None => Ok(default),
        Some(s) => Duration::try_from_secs_f64(s)
            .map_err(|e| CliError::Config(format!("--{flag} {s}: {e}"))),
    };
    let limits = ListenLimits {
        header_timeout: secs(
            server.header_timeout_secs,
            defaults.header_timeout,
            "header-timeout",
        )?,
        idle_timeout: secs(server.idle_timeout_secs, defaults.idle_timeout, "idle-timeout")?,
        max_connections: server.max_connections.unwrap_or(defaults.max_connections),
        min_body_rate: server.min_body_rate.unwrap_or(defaults.min_body_rate),
        shutdown_grace: defaults.shutdown_grace,
    };
    limits.validate().map_err(|e| CliError::Config(e.to_string()))?;
    Ok(limits)
}

/// `rlm serve`'s caps on SSE listeners (the `server.max_listeners_per_key`
/// and `server.max_listeners_per_execution` knobs), rlm-listen's defaults else.
pub fn stream_limits(server: &ServerKnobs) -> rlm_listen::StreamLimits {
    let defaults = rlm_listen::StreamLimits::default();
    rlm_listen::StreamLimits {
        per_tenant: server.max_listeners_per_key.unwrap_or(defaults.per_tenant),
        per_subject: server.max_listeners_per_execution.unwrap_or(defaults.per_subject),
    }
}
