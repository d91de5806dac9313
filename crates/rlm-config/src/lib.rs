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

/// Steps of one RLM loop when nothing caps them: a run must end even if
/// nothing else is capped.
pub const DEFAULT_MAX_STEPS: u64 = 20;
/// Deepest recursion by default (the root run is depth 0).
pub const DEFAULT_MAX_DEPTH: u32 = 2;
/// Sub-model calls one batch (`llm_batch` and its aliases, an
/// `asyncio.gather` of `llm_query`, `ask_chunks`) may send at once by
/// default. Real programs batch far fewer: the corpus's largest is the
/// reference implementation's own 10-chunk `llm_query_batched`, and this
/// workspace's task programs send 64 at a time; 256 leaves four times that,
/// and stops one program from sending thousands at once (issue #74: 3,000).
pub const DEFAULT_MAX_BATCH: u64 = 256;
/// A FINAL before any program has run is refused by default.
pub const DEFAULT_REQUIRE_PROGRAM: bool = true;
/// A FINAL before any sub-model call is accepted by default.
pub const DEFAULT_REQUIRE_SUBCALL: bool = false;
/// An answer that rests on no evidence is refused by default (issue #78).
pub const DEFAULT_ACCEPT_UNGROUNDED: bool = false;
/// Replies in a row with no program before the fallback program runs.
pub const DEFAULT_MAX_INVALID_REPLIES: u32 = 3;

#[cfg(test)]
mod tests;
