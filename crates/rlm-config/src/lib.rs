//! One configuration for every front end of the RLM runtime (`rlm run`,
//! `rlm exec`/`repl`, `rlm serve`, the Python bindings): [`RlmConfig`].
//!
//! * [`knobs`]: the knob table, as data (key, flag, `RLM_*` variable, kind,
//!   default); which front ends honour each knob, and why it does not apply
//!   to the others, is `knob_table.toml`'s (read by `knob_table`). One name per knob from the flag down to the interpreter:
//!   `--fuel` / `RLM_FUEL` / `limits.fuel` / `rlm_interp::Limits::fuel`.
//! * [`layers`]: the sources, flag > environment > profile > `rlm.toml` >
//!   default ([`Settings::gather`]).
//! * [`config`]: the typed result, [`RlmConfig`] ([`Settings::resolve`]),
//!   whose leaves are exactly the knob table's keys.
//! * `reference`: the knob table as a page of Markdown ([`reference_markdown`],
//!   `rlm config --reference`, the user guide's knob reference).
//!
//! Why these dependencies: the sandbox limits are rlm-interp's own `Limits`
//! (a second struct would be a second name for each limit); model strings are
//! checked against rlm-adapters' provider table when they are read, so a typo
//! fails at start-up in every front end; budgets and the scheduler convert to
//! rlm-policy's and rlm-sched's types here, once. All of them sit below
//! rlm-core, so every front end and rlm-core itself may depend on this crate;
//! it knows nothing of the loop, HTTP or Python.

pub mod config;
mod defaults;
pub mod error;
mod knob_table;
pub mod knobs;
pub mod layers;
pub mod mcp_servers;
mod reference;

pub use config::{
    Budgets, Guards, IsolateMode, Isolation, JobsKnobs, LogFormat, Nats, OnDisconnect, Output,
    Redis, Retrieval, RlmConfig, Router, ServerKnobs, TelemetryKnobs,
};
pub use defaults::{
    DEFAULT_ACCEPT_UNGROUNDED, DEFAULT_MAX_BATCH, DEFAULT_MAX_DEPTH, DEFAULT_MAX_INVALID_REPLIES,
    DEFAULT_MAX_STEPS, DEFAULT_REQUIRE_PROGRAM, DEFAULT_REQUIRE_SUBCALL,
};
pub use error::ConfigError;
pub use knobs::{Cell, FrontEnd, HELP_NAMES, KNOBS, Kind, Knob, KnobValue, RateLimit, knob};
pub use layers::Settings;
pub use layers::{ConfigFlags, Source, Sourced, config_search_path, no_model_message};
pub use mcp_servers::{DEFAULT_MCP_TIMEOUT_SECS, McpServer, McpTransport};
pub use reference::reference_markdown;

/// The sandbox limits of `[limits]`: the interpreter's own struct (one name
/// per limit from the flag down).
pub use rlm_interp::Limits;

/// The model name meaning "offline, scripted" (the adapters' `fake:scripted`).
pub use rlm_adapters::SCRIPTED_MODEL;

#[cfg(test)]
mod tests;
