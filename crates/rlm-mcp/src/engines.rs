//! The seam to the front end: how the server gets an engine and a context.
//! `rlm mcp` implements [`Engines`] with the very functions `rlm run` uses
//! (the one `RlmConfig`, its models, budgets, limits, retrieval and cache;
//! `--context`'s loader), so every tool call runs under the configuration a
//! `rlm run` with the same flags, environment and `rlm.toml` would.

use rlm_context::Context;
use rlm_core::Rlm;

use crate::error::EngineError;

/// Builds engines and loads contexts for the server's tools.
pub trait Engines: Send + Sync + 'static {
    /// A fresh engine for one run or session over `sources` (the paths the
    /// context was loaded from: retrieval keeps its index beside a single
    /// source). Fresh each time: a scripted model replays its script per run.
    fn engine(&self, sources: &[String]) -> Result<Rlm, EngineError>;

    /// The context `sources` (files, folders, globs) name, loaded as `rlm run
    /// --context` loads them, refused past `max_bytes` before any file is
    /// read. No source: an empty context.
    fn context(&self, sources: &[String], max_bytes: u64) -> Result<Context, EngineError>;
}
