//! The errors of the RLM loop's embedding API. What goes wrong *inside* a run
//! (a model error, a budget, a program that never finishes, a cancellation) is
//! not an error here: it is the run's [`crate::Finish`], with the trace, so
//! callers always get what was done.

use serde::{Deserialize, Serialize};

/// A run could not be set up or its machinery failed.
#[derive(Debug, thiserror::Error)]
pub enum RlmError {
    /// The builder or a prompt is unusable (missing root model, bad template...).
    #[error("configuration error: {0}")]
    Config(String),
    /// A configured model cannot be set up (an unknown provider, a missing key).
    #[error("{0}")]
    Model(String),
    /// A prompt is unusable (an unknown profile, a bad file or template).
    #[error(transparent)]
    Prompt(#[from] rlm_prompts::PromptError),
    /// The budget limits are invalid.
    #[error("invalid budget: {0}")]
    Budget(#[from] rlm_policy::BudgetError),
    /// The subcall scheduler's configuration is invalid.
    #[error("invalid scheduler configuration: {0}")]
    Scheduler(#[from] rlm_sched::SchedulerConfigError),
    /// The runtime thread that runs the loop could not be started or died.
    #[error("internal error: {0}")]
    Internal(String),
    /// A checkpoint cannot be resumed from.
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
}

/// A durable run's checkpoint cannot be written, read or restored.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CheckpointError {
    #[error("the checkpoint cannot be encoded: {0}")]
    Encode(String),
    #[error("corrupt checkpoint: {0}")]
    Corrupt(String),
    #[error(
        "checkpoint version {found} is not supported (this build reads versions up to {supported})"
    )]
    Version { found: u32, supported: u32 },
    /// The saved variables cannot be bound again.
    #[error("the checkpoint's variables cannot be restored: {0}")]
    Snapshot(#[from] rlm_interp::SnapshotError),
    /// The sink refused or failed to store it.
    #[error("the checkpoint was not stored: {0}")]
    Sink(String),
}

/// What a [`crate::Session`] refuses or fails to do.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// The session's cumulative budget is spent: no further execution starts.
    #[error(
        "the session's {resource} budget is spent ({used} of {limit}); no further execution can start"
    )]
    BudgetExhausted { resource: SessionResource, used: f64, limit: f64 },
    /// `start` / `execute` was called outside a tokio runtime.
    #[error(
        "no tokio runtime: call Session::start/execute from inside a runtime, or use execute_blocking"
    )]
    NoRuntime,
    /// A saved state this build cannot read.
    #[error(
        "session state version {found} is not supported (this build reads versions up to {supported})"
    )]
    StateVersion { found: u32, supported: u32 },
    /// Setting up the execution failed (invalid budget...).
    #[error(transparent)]
    Rlm(#[from] RlmError),
    /// The execution's task died (a bug).
    #[error("internal error: {0}")]
    Internal(String),
}

/// A resource a session's cumulative budget caps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionResource {
    /// Prompt + completion tokens of every model call of every execution.
    Tokens,
    /// Spend in US dollars.
    CostUsd,
    /// Model calls (root-model calls and subcalls).
    Calls,
    /// Executions started.
    Executions,
}

impl std::fmt::Display for SessionResource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SessionResource::Tokens => "tokens",
            SessionResource::CostUsd => "cost (USD)",
            SessionResource::Calls => "model calls",
            SessionResource::Executions => "executions",
        })
    }
}
