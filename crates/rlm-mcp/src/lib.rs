//! `rlm mcp`: an RLM as a Model Context Protocol server, on the official Rust
//! SDK (`rmcp`), over stdio or streamable HTTP.
//!
//! * Tools ([`server`], inputs in [`inputs`]): `rlm_ask` (a question over
//!   files, folders or text), `rlm_exec` (a DSL program over a context,
//!   sandboxed), `rlm_search` (BM25 over an indexed folder),
//!   `rlm_session_create`, `rlm_session_ask`, `rlm_session_list`,
//!   `rlm_session_close`.
//! * Everything kept is the requesting tenant's ([`registry`]): over HTTP
//!   the tenant of the request's API key (rlm-listen's door names it), over
//!   stdio the user; each tenant's sessions and traces are bounded apart.
//! * Resources ([`resources`]): `rlm://sessions`, `rlm://traces` and each
//!   run's trace tree, `rlm://traces/{id}`.
//! * While a run is under way, each step of the RLM loop is a progress
//!   notification ([`progress`]); a cancelled request cancels the run
//!   ([`runs`]: rlm-core's `Canceller`).
//! * Engines come from the front end ([`Engines`]): `rlm mcp` builds them
//!   with `rlm run`'s own functions from the one `RlmConfig`, so the tools
//!   run under the same models, budgets and limits as every other front end.
//!
//! Files: `engines.rs` (the seam), `access.rs` (which files the tools read), `server.rs` (the handler), `runs.rs`,
//! `exec.rs`, `search.rs` (what the tools do), `progress.rs`, `registry.rs`
//! (sessions and traces kept), `resources.rs`, `transport.rs`, `error.rs`.

mod access;
mod engines;
mod error;
pub mod exec;
pub mod inputs;
pub mod progress;
mod registry;
pub mod resources;
pub mod runs;
pub mod search;
mod server;
mod transport;

pub use access::{FileAccess, Sources};
pub use engines::Engines;
pub use error::{EngineError, McpError};
pub use registry::{MAX_SESSIONS, MAX_TRACES, RegistryLimits};
pub use server::{DEFAULT_MAX_CONTEXT_BYTES, RlmServer};
pub use transport::{
    DEFAULT_MAX_MESSAGE_BYTES, HttpServer, MAX_TRANSPORT_SESSIONS, McpHttpOptions, serve_stdio,
};
